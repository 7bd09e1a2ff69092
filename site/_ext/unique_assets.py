"""Sphinx extension: list each script and stylesheet once per page.

With Jupyter Book 1.0.4 (Sphinx 7.4) the inline configuration scripts of sphinx-thebe and
sphinx-togglebutton are registered twice; the second ``const THEBE_JS_URL`` is a script error in
every page. Keeping the first of identical entries changes nothing else.
"""


def _key(asset):
    # The copies differ only in an empty file name: None in one, "" in the other.
    return (getattr(asset, "filename", str(asset)) or "", sorted(getattr(asset, "attributes", {}).items()))


def _unique(assets):
    seen, kept = [], []
    for asset in assets:
        if _key(asset) not in seen:
            seen.append(_key(asset))
            kept.append(asset)
    return kept


def dedupe(app, pagename, templatename, context, doctree):
    for name in ("script_files", "css_files"):
        if name in context:
            context[name] = _unique(context[name])


def setup(app):
    app.connect("html-page-context", dedupe, priority=1000)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
