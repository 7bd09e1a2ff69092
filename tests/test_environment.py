"""The environment: one lock file and environment.yml pinning the same; the report of where a kernel
runs (helpers.environment.report) and the issue forms that ask for it."""

import re
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from environment_file import pinned_requirements
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from helpers import environment

ROOT = Path(__file__).resolve().parent.parent
LOCK = pinned_requirements((ROOT / "requirements.lock").read_text(encoding="utf-8"))
FORMS = ROOT / ".github" / "ISSUE_TEMPLATE"


def read_yaml(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_lock_pins_every_direct_dependency_environment_yml_pins_the_lock_and_this_is_installed():
    pins = [Requirement(line) for line in LOCK]
    assert pins and all(re.fullmatch(r"==[^,*]+", str(r.specifier)) for r in pins)
    pinned = {canonicalize_name(r.name) for r in pins}
    direct = [line.split("#", 1)[0].strip() for line in (ROOT / "requirements.in").read_text().splitlines()]
    assert [line for line in direct if line and canonicalize_name(Requirement(line).name) not in pinned] == []
    conda = read_yaml(ROOT / "environment.yml")["dependencies"]
    assert next(d["pip"] for d in conda if isinstance(d, dict)) == LOCK, "run `make lock`"
    installed = {canonicalize_name(d.name): d.version for d in metadata.distributions()}
    here = {canonicalize_name(r.name): r.specifier for r in pins if r.marker is None or r.marker.evaluate()}
    wrong = {n: installed.get(n) for n, spec in here.items() if installed.get(n, "") not in spec}
    assert wrong == {}, "run `make setup` to install requirements.lock"


@pytest.mark.parametrize(
    ("environ", "modules", "expected"),
    [
        ({"COLAB_RELEASE_TAG": "release-colab-20261101"}, {}, "Colab"),
        ({}, {"google.colab": object()}, "Colab"),
        # Binder runs on a JupyterHub, so it sets both: Binder must win
        ({"BINDER_LAUNCH_HOST": "https://b.org/", "JUPYTERHUB_USER": "x"}, {}, "Binder (https://b.org/)"),
        ({"JUPYTERHUB_API_URL": "http://hub:8081/hub/api"}, {}, "a JupyterHub (a class or institution hub)"),
        ({}, {"ipykernel": object()}, "this computer, in JupyterLab or another Jupyter client"),
        ({}, {}, "this computer, in plain Python (not a Jupyter kernel)"),
    ],
)
def test_where_it_runs(environ, modules, expected):
    assert environment.where_it_runs(environ, modules) == expected


def test_report_prints_what_it_returns_with_each_version_and_survives_a_broken_module(capsys, monkeypatch):
    installed = metadata.version("numpy")
    assert environment.package_version("numpy", ("numpy",), {}) == installed
    # A kernel still running an older import than what is installed now
    older = environment.package_version("numpy", ("numpy",), {"numpy": SimpleNamespace(__version__="1.0.0")})
    assert older == f"1.0.0 (installed now: {installed}; restart the kernel to use it)"
    monkeypatch.setattr(
        environment, "PACKAGES", (*environment.PACKAGES, ("Missing", "no_such", ("no-such",)))
    )
    broken_tensorflow = object()  # imported, but without the config TensorFlow has
    text = environment.report(environ={"MEM_LIMIT": "2147483648"}, modules={"tensorflow": broken_tensorflow})
    assert capsys.readouterr().out == text + "\n"
    lines = dict(line[2:].split(": ", 1) for line in text.splitlines())
    assert list(lines)[:3] == ["Python", "OS", "where"] and lines["Missing"] == "not installed"
    assert lines["processors"].startswith("unknown (AttributeError")
    assert lines["memory"].endswith("limit 2.1 GB (MEM_LIMIT)")
    assert not hasattr(str, "_ipython_display_") and hasattr(text, "_ipython_display_")  # no Out[] repeat


@pytest.mark.parametrize("name", ["bug_report.yml", "question.yml"])
def test_forms_list_every_lesson_and_tell_the_report_line_that_works(name, capsys):
    import nbformat
    from navigation import notebook_paths, title

    fields = {item.get("id"): item["attributes"] for item in read_yaml(FORMS / name)["body"]}
    titles = [
        f"{p.stem} · {title(nbformat.read(p, as_version=4)).split('. ', 1)[-1]}" for p in notebook_paths()
    ]
    assert fields["lesson"]["options"][:-1] == titles, f"update the lesson list of {FORMS / name}"
    line = "from helpers.environment import report; report()"
    assert f"`{line}`" in fields["versions"]["description"]
    exec(line)
    assert "- TensorFlow: " in capsys.readouterr().out
    if name == "bug_report.yml":  # it offers each place report tells apart
        offered = " ".join(fields["where"]["options"])
        assert all(place in offered for place in ("Colab", "Binder", "JupyterLab", "JupyterHub"))


def test_contact_links_point_at_this_course():
    from navigation import repository_url

    site, troubleshooting = [link["url"] for link in read_yaml(FORMS / "config.yml")["contact_links"]]
    owner, name = repository_url().split("/")[-2:]
    assert site == f"https://{owner}.github.io/{name}/"
    headings = re.findall(r"^## (.+)$", (ROOT / "README.md").read_text(encoding="utf-8"), re.MULTILINE)
    anchors = [f"{repository_url()}#{h.strip().lower().replace(' ', '-')}" for h in headings]
    assert troubleshooting in anchors
