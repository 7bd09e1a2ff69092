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


def test_the_lock_pins_every_direct_dependency_environment_yml_pins_the_lock_and_this_is_installed():
    pins = [Requirement(line) for line in LOCK]
    assert pins and all(re.fullmatch(r"==[^,*]+", str(r.specifier)) for r in pins)
    pinned = {canonicalize_name(r.name) for r in pins}
    direct = [line.split("#", 1)[0].strip() for line in (ROOT / "requirements.in").read_text().splitlines()]
    assert [line for line in direct if line and canonicalize_name(Requirement(line).name) not in pinned] == []
    dependencies = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))["dependencies"]
    pip_section = next(d["pip"] for d in dependencies if isinstance(d, dict))
    assert pip_section == LOCK, "run `make lock` (tools/environment_file.py) to regenerate it"
    wrong = []
    for requirement in (r for r in pins if r.marker is None or r.marker.evaluate()):
        try:
            if (installed := metadata.version(requirement.name)) not in requirement.specifier:
                wrong.append(f"{requirement.name}: {installed} installed, lock says {requirement.specifier}")
        except metadata.PackageNotFoundError:
            wrong.append(f"{requirement.name}: not installed")
    assert wrong == [], "run `make setup` to install requirements.lock"


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
    restart = f"1.0.0 (installed now: {installed}; restart the kernel to use it)"
    assert (
        environment.package_version("numpy", ("numpy",), {"numpy": SimpleNamespace(__version__="1.0.0")})
        == restart
    )
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


def form_fields(name):
    body = yaml.safe_load((FORMS / name).read_text(encoding="utf-8"))["body"]
    return {item.get("id"): item["attributes"] for item in body}


@pytest.mark.parametrize("name", ["bug_report.yml", "question.yml"])
def test_forms_list_every_lesson_and_tell_the_report_line_that_works(name, capsys):
    import nbformat
    from navigation import notebook_paths, title

    fields = form_fields(name)
    lessons = [
        f"{p.stem} · {title(nbformat.read(p, as_version=4)).split('. ', 1)[-1]}" for p in notebook_paths()
    ]
    assert fields["lesson"]["options"][:-1] == lessons, (
        f"update the lesson list of .github/ISSUE_TEMPLATE/{name}"
    )
    exec(
        re.search(
            r"`(from helpers\.environment import report; report\(\))`", fields["versions"]["description"]
        )[1]
    )
    assert "- TensorFlow: " in capsys.readouterr().out
    if name == "bug_report.yml":  # it offers each place report tells apart
        assert all(
            p in " ".join(fields["where"]["options"]) for p in ("Colab", "Binder", "JupyterLab", "JupyterHub")
        )


def test_contact_links_point_at_this_course():
    from navigation import repository_url

    repo = repository_url()
    owner, name = repo.rstrip("/").split("/")[-2:]
    urls = [
        link["url"]
        for link in yaml.safe_load((FORMS / "config.yml").read_text(encoding="utf-8"))["contact_links"]
    ]
    assert urls[0] == f"https://{owner}.github.io/{name}/"
    headings = re.findall(r"^## (.+)$", (ROOT / "README.md").read_text(encoding="utf-8"), re.MULTILINE)
    assert urls[1].removeprefix(f"{repo}#") in [h.strip().lower().replace(" ", "-") for h in headings], urls[
        1
    ]
