"""The pinned environment: one lock file, and environment.yml (conda, Binder) pinning the same."""

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
PLATFORMS = {
    "linux-x86_64": {"sys_platform": "linux", "platform_machine": "x86_64"},
    "linux-aarch64": {"sys_platform": "linux", "platform_machine": "aarch64"},
    "macos-arm64": {"sys_platform": "darwin", "platform_machine": "arm64"},
    "windows": {"sys_platform": "win32", "platform_machine": "AMD64"},
}


def applies(requirement, **environment):
    return requirement.marker is None or requirement.marker.evaluate(environment or None)


def test_every_lock_line_is_an_exact_pin():
    assert PINS
    for requirement in PINS:
        assert re.fullmatch(r"==[^,*]+", str(requirement.specifier)), requirement


def test_environment_yml_pins_exactly_the_lock():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    dependencies = environment["dependencies"]
    assert "python=3.11" in dependencies and "pip" in dependencies
    pip_section = next(d["pip"] for d in dependencies if isinstance(d, dict))
    assert pip_section == LOCK, "run `make lock` (tools/environment_file.py) to regenerate it"


def test_every_direct_dependency_is_pinned():
    pinned = {canonicalize_name(r.name) for r in PINS}
    for line in (ROOT / "requirements.in").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert canonicalize_name(Requirement(line).name) in pinned, line


@pytest.mark.parametrize("platform", PLATFORMS)
def test_exactly_one_tensorflow_2_21_per_platform(platform):
    environment = {**PLATFORMS[platform], "python_full_version": "3.11.7", "python_version": "3.11"}
    chosen = [str(r).split(";")[0].strip() for r in PINS
              if r.name in ("tensorflow", "tensorflow-cpu") and r.marker.evaluate(environment)]
    expected = "tensorflow-cpu" if platform in ("linux-x86_64", "windows") else "tensorflow"
    assert chosen == [f"{expected}==2.21.0"]


def test_this_environment_is_the_locked_one():
    wrong = []
    for requirement in PINS:
        if not applies(requirement):
            continue
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{requirement.name}: not installed")
            continue
        if installed not in requirement.specifier:
            wrong.append(f"{requirement.name}: {installed} installed, lock says {requirement.specifier}")
    assert wrong == [], "run `make setup` to install requirements.lock"
