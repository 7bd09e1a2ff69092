"""The built course website in headless Chromium (`make site-check`, after `make site`).

Every page loads from a local server with no request leaving 127.0.0.1 (MathJax included), has no
broken internal link, shows every figure its notebook stored with its Korean alt text, renders
Hangul with a Korean font and typesets its math. Screenshots of every page go to artifacts/site/.
"""

import functools
import http.server
import re
import subprocess
import threading
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import build_site
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]

HTML = ROOT / "build" / "site" / "_build" / "html"
ARTIFACTS = ROOT / "artifacts" / "site"
LESSONS = build_site.lesson_paths(ROOT)
PAGES = [*LESSONS, *build_site.page_paths(ROOT)]
PAGE_TIMEOUT_MS = 180_000


def html_path(source):
    return HTML / source.relative_to(ROOT).with_suffix(".html")


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").exists():
        pytest.fail(f"no site in {HTML}: run `make site` first")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


class LoadedPage:
    """A site page opened in the browser, with what it requested from outside and its errors."""

    def __init__(self, browser, url):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        # Generous: on a busy 2-core machine a page with MathJax can take tens of seconds.
        self.context.set_default_timeout(PAGE_TIMEOUT_MS)
        self.outside, self.errors = [], []

        def route(route):
            if urlparse(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                self.outside.append(route.request.url)
                route.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.response = self.page.goto(url, wait_until="load")


@pytest.fixture(scope="module")
def pages(browser, server):
    """Every page of the site, loaded once (shared by the checks)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    loaded = {}
    for source in PAGES:
        relative = html_path(source).relative_to(HTML).as_posix()
        page = LoadedPage(browser, urljoin(server, relative))
        if page.page.locator(".math").count():
            page.page.wait_for_function(
                "document.querySelectorAll('mjx-container').length >= "
                "document.querySelectorAll('.math').length"
            )
        page.page.screenshot(path=str(ARTIFACTS / f"{source.stem}.png"), full_page=False)
        loaded[source] = page
    yield loaded
    for page in loaded.values():
        page.context.close()


IDS = [p.stem for p in PAGES]


def test_every_lesson_and_page_was_built():
    missing = [str(html_path(p).relative_to(ROOT)) for p in PAGES if not html_path(p).exists()]
    assert not missing, f"pages missing from the site: {missing}"
    assert (HTML / "index.html").exists()


@pytest.mark.parametrize("source", PAGES, ids=IDS)
def test_the_page_loads_from_the_site_alone(source, pages):
    page = pages[source]
    assert page.response is not None and page.response.ok
    assert not page.errors, f"script errors on {source.name}: {page.errors}"
    assert not page.outside, f"{source.name} fetched from outside the site: {page.outside}"
    assert page.page.locator("h1").count() >= 1


@pytest.mark.parametrize("source", PAGES, ids=IDS)
def test_no_internal_link_is_broken(source, pages, server):
    hrefs = pages[source].page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    broken = []
    for href in hrefs:
        url, fragment = urldefrag(href)
        if not url.startswith(server):
            continue
        target = HTML / url.removeprefix(server)
        if target.is_dir() or url.endswith("/"):
            target = target / "index.html"
        if not target.is_file() or (
            fragment
            and target.suffix == ".html"
            and not re.search(rf'id="{re.escape(fragment)}"', target.read_text(encoding="utf-8"))
        ):
            broken.append(href)
    assert not broken, f"broken links on {source.name}: {sorted(set(broken))}"


@pytest.mark.parametrize("source", LESSONS, ids=[p.stem for p in LESSONS])
def test_every_stored_figure_is_shown_loaded_with_its_cells_korean_alt_text(source, pages):
    """A screen reader reads each figure's alt: the Korean text its cell's metadata gives."""
    images = pages[source].page.eval_on_selector_all(
        ".cell_output img", "imgs => imgs.map(i => ({src: i.src, width: i.naturalWidth, alt: i.alt}))"
    )
    expected = [
        build_site.alt_text(cell)
        for cell, count in build_site.figure_cells(nbformat.read(source, as_version=4))
        for _ in range(count)
    ]
    assert len(images) == len(expected), (
        f"{source.name} stores {len(expected)} figures, the page has {len(images)}"
    )
    assert not [i["src"] for i in images if i["width"] == 0], f"figures that did not load on {source.name}"
    missing = [i["src"] for i in images if not re.search(r"[가-힣]", i["alt"] or "")]
    assert not missing, f"{source.name}: figures without Korean alt text: {missing}"
    assert [i["alt"] for i in images] == expected


def korean_fonts():
    """Family names of the fonts installed for Korean (fontconfig)."""
    result = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True, check=False)
    return {name.strip() for line in result.stdout.splitlines() for name in line.split(",")}


# Marks the element holding the page's first shown Hangul text, so its fonts can be asked for.
PROBE_HANGUL = """() => {
    const article = document.querySelector('article') || document.body;
    const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const shown = node.parentElement.getClientRects().length > 0;
        if (shown && /[가-힣]/.test(node.textContent)) {
            node.parentElement.setAttribute('data-hangul-probe', '');
            return node.textContent.trim();
        }
    }
    return null;
}"""


@pytest.mark.parametrize("source", PAGES, ids=IDS)
def test_hangul_renders_with_a_korean_font(source, pages):
    fonts = korean_fonts()
    if not fonts:
        pytest.fail("no Korean font installed: apt-get install fonts-nanum")
    page = pages[source].page
    text = page.evaluate(PROBE_HANGUL)
    assert text, f"{source.name}: no Hangul on the page"
    # Chromium tells which installed font drew each glyph: Hangul in a font without Hangul
    # would be drawn as boxes by a fallback font that is not a Korean one.
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-hangul-probe]"})["nodeId"]
    used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    korean = [f for f in used if f["familyName"] in fonts and f["glyphCount"] > 0]
    assert korean, f"{source.name}: {text[:30]!r} is drawn with {used}, no Korean font"


@pytest.mark.parametrize("source", PAGES, ids=IDS)
def test_math_is_typeset(source, pages):
    page = pages[source].page
    math = page.locator(".math").count()
    typeset = page.locator("mjx-container").count()
    assert typeset >= math, f"{source.name}: {math} formulas, {typeset} typeset by MathJax"
    if source.suffix == ".ipynb" and "$" in "".join(
        c.source for c in nbformat.read(source, as_version=4).cells if c.cell_type == "markdown"
    ):
        assert typeset > 0, f"{source.name} has math, the page shows none typeset"


LAUNCHERS = ("mybinder.org", "colab.research.google.com")


@pytest.mark.parametrize("source", LESSONS, ids=[p.stem for p in LESSONS])
def test_a_lesson_opens_in_binder_and_colab_by_its_own_launch_links_only(source, pages):
    """The notebook's launch links (Binder: the branch binder's image, the lessons pulled from main),
    its badges as text; no other launcher, such as a Binder button that would build main's image."""
    cells = nbformat.read(source, as_version=4).cells
    written = [build_site.BADGE.sub(r"[\1](\2)", c.source) for c in cells if c.cell_type == "markdown"]
    links = {
        u
        for u in re.findall(r"\]\((https://[^)\s]+)\)", "\n".join(written))
        if urlparse(u).hostname in LAUNCHERS
    }
    badges = {u for u in links if u in next(c.source for c in cells if c.get("id") == "nav-badges")}
    hrefs = pages[source].page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    assert len(badges) == 2 and {h for h in hrefs if urlparse(h).hostname in LAUNCHERS} == links
