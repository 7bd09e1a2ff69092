"""The environment: one lock file and environment.yml pinning the same; the report of where a kernel
runs (helpers.environment.report) and the issue forms that ask for it."""

import re
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from environment_file import pinned_requirements
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent

LOCK = pinned_requirements((ROOT / "requirements.lock").read_text(encoding="utf-8"))
PINS = [Requirement(line) for line in LOCK]


def test_the_lock_pins_exactly_every_direct_dependency_and_environment_yml_pins_the_lock():
    assert PINS and all(re.fullmatch(r"==[^,*]+", str(r.specifier)) for r in PINS)
    pinned = {canonicalize_name(r.name) for r in PINS}
    direct = [line.split("#", 1)[0].strip() for line in (ROOT / "requirements.in").read_text().splitlines()]
    assert [line for line in direct if line and canonicalize_name(Requirement(line).name) not in pinned] == []
    dependencies = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))["dependencies"]
    pip_section = next(d["pip"] for d in dependencies if isinstance(d, dict))
    assert pip_section == LOCK, "run `make lock` (tools/environment_file.py) to regenerate it"


def test_this_environment_is_the_locked_one():
    wrong = []
    for requirement in (r for r in PINS if r.marker is None or r.marker.evaluate()):
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{requirement.name}: not installed")
            continue
        if installed not in requirement.specifier:
            wrong.append(f"{requirement.name}: {installed} installed, lock says {requirement.specifier}")
    assert wrong == [], "run `make setup` to install requirements.lock"


# --- helpers.environment.report(): what a bug report asks for ------------------------------------


def test_a_version_reads_installed_restart_or_not_installed(monkeypatch):
    from types import SimpleNamespace

    from helpers import environment

    installed = metadata.version("numpy")
    assert environment.package_version("numpy", ("numpy",), {}) == installed
    imported = {"numpy": SimpleNamespace(__version__="1.0.0")}
    restart = f"1.0.0 (installed now: {installed}; restart the kernel to use it)"
    assert environment.package_version("numpy", ("numpy",), imported) == restart
    missing = ("Missing", "no_such_module", ("no-such-distribution",))
    monkeypatch.setattr(environment, "PACKAGES", (*environment.PACKAGES, missing))
    assert "- Missing: not installed" in environment.report(environ={}, modules={}).splitlines()


@pytest.mark.parametrize(
    ("environ", "modules", "expected"),
    [
        ({"COLAB_RELEASE_TAG": "release-colab-20261101"}, {}, "Colab"),
        ({}, {"google.colab": object()}, "Colab"),
        # Binder runs on a JupyterHub, so it sets both: Binder must win
        (
            {"BINDER_LAUNCH_HOST": "https://mybinder.org/", "JUPYTERHUB_USER": "x"},
            {},
            "Binder (https://mybinder.org/)",
        ),
        ({"JUPYTERHUB_API_URL": "http://hub:8081/hub/api"}, {}, "a JupyterHub (a class or institution hub)"),
        ({}, {"ipykernel": object()}, "this computer, in JupyterLab or another Jupyter client"),
        ({}, {}, "this computer, in plain Python (not a Jupyter kernel)"),
    ],
)
def test_where_it_runs(environ, modules, expected):
    from helpers.environment import where_it_runs

    assert where_it_runs(environ, modules) == expected


def test_report_prints_what_it_returns_and_survives_a_broken_module(capsys):
    from helpers.environment import report

    broken_tensorflow = object()  # imported, but without the config TensorFlow has
    text = report(
        environ={"MEM_LIMIT": "2147483648", "COLAB_RELEASE_TAG": "r"},
        modules={"tensorflow": broken_tensorflow},
    )
    assert capsys.readouterr().out == text + "\n"
    lines = dict(line[2:].split(": ", 1) for line in text.splitlines())
    assert list(lines)[:3] == ["Python", "OS", "where"] and lines["where"] == "Colab"
    assert lines["processors"].startswith("unknown (AttributeError")
    assert lines["memory"].endswith("limit 2.1 GB (MEM_LIMIT)")
    assert not hasattr(str, "_ipython_display_") and hasattr(text, "_ipython_display_")  # no Out[] repeat


# --- the issue forms ask for that report, for every lesson ----------------------------------------

FORMS = ROOT / ".github" / "ISSUE_TEMPLATE"


def form_fields(name):
    body = yaml.safe_load((FORMS / name).read_text(encoding="utf-8"))["body"]
    return {item.get("id"): item for item in body}


@pytest.mark.parametrize("name", ["bug_report.yml", "question.yml"])
def test_forms_list_every_lesson_and_tell_the_report_line_that_works(name, capsys):
    import nbformat
    from navigation import notebook_paths, title

    expected = [
        f"{path.stem} · {title(nbformat.read(path, as_version=4)).split('. ', 1)[-1]}"
        for path in notebook_paths()
    ]
    options = form_fields(name)["lesson"]["attributes"]["options"]
    assert options[:-1] == expected, f"update the lesson list of .github/ISSUE_TEMPLATE/{name}"
    description = form_fields(name)["versions"]["attributes"]["description"]
    exec(re.search(r"`(from helpers\.environment import report; report\(\))`", description).group(1), {})
    assert "- TensorFlow: " in capsys.readouterr().out


def test_the_bug_form_offers_each_place_report_tells_apart():
    places = " ".join(form_fields("bug_report.yml")["where"]["attributes"]["options"])
    assert all(place in places for place in ("Colab", "Binder", "JupyterLab", "JupyterHub"))


def test_contact_links_point_at_this_course():
    from navigation import repository_url

    repo = repository_url()
    owner, name = repo.rstrip("/").split("/")[-2:]
    config = yaml.safe_load((FORMS / "config.yml").read_text(encoding="utf-8"))
    urls = [link["url"] for link in config["contact_links"]]
    assert urls[0] == f"https://{owner}.github.io/{name}/"
    anchor = urls[1].removeprefix(f"{repo}#")
    headings = re.findall(r"^## (.+)$", (ROOT / "README.md").read_text(encoding="utf-8"), re.MULTILINE)
    assert anchor in [heading.strip().lower().replace(" ", "-") for heading in headings], urls[1]
