"""Where the course installs: every pinned wheel of requirements.lock exists for each platform and
Python pyproject.toml supports, and make setup refuses other Pythons. The resolutions ask PyPI only
when uv's cache cannot answer.
"""

import os
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import python_check
from environment_file import pinned_requirements
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT_TEXT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads(PYPROJECT_TEXT)
REQUIRES_PYTHON = PYPROJECT["project"]["requires-python"]
INTEL_MAC_PYTHON = PYPROJECT["tool"]["dl-architecture"]["supported"]["python-macos-x86_64"]
LOCK = [Requirement(line) for line in pinned_requirements((ROOT / "requirements.lock").read_text())]

# uv's target, the oldest OS release the README promises (glibc 2.28, macOS 12 / 11), and the
# values the lock's markers see there.
PLATFORMS = {
    "linux-x86_64": ("x86_64-manylinux_2_28", None, "linux", "Linux", "x86_64"),
    "linux-aarch64": ("aarch64-manylinux_2_28", None, "linux", "Linux", "aarch64"),
    "macos-arm64": ("aarch64-apple-darwin", "12.0", "darwin", "Darwin", "arm64"),
    "macos-x86_64": ("x86_64-apple-darwin", "11.0", "darwin", "Darwin", "x86_64"),
    "windows-x86_64": ("x86_64-pc-windows-msvc", None, "win32", "Windows", "AMD64"),
}
# Each platform's Pythons come from pyproject.toml, so widening the range there is tested here.
TARGETS = [
    (name, minor)
    for name, (*_, system, machine) in PLATFORMS.items()
    for minor in python_check.supported_minors(python_check.specifier_for(PYPROJECT_TEXT, system, machine)[0])
]


def resolve(uv, name, minor):
    """uv's resolution of the lock for one platform and Python, wheels only."""
    target, macos, *_ = PLATFORMS[name]
    # Wheels built for a newer macOS than the oldest supported one count as missing.
    environment = {**os.environ, **({"MACOSX_DEPLOYMENT_TARGET": macos} if macos else {})}
    wheels = ["--python-platform", target, "--python-version", minor, "--only-binary", ":all:"]
    # The target Python is only a tag: uv needs no interpreter for it.
    quiet = ["--no-python-downloads", "--no-header", "--no-annotate", "--quiet"]
    command = [uv, "pip", "compile", "requirements.lock", *wheels, *quiet]
    # A cached pass holds (files are seldom removed from a release); anything else asks PyPI.
    run = {"cwd": ROOT, "env": environment, "capture_output": True, "text": True, "check": False}
    cached = subprocess.run([*command, "--offline"], **run)
    return cached if cached.returncode == 0 else subprocess.run(command, timeout=300, **run)


@pytest.fixture(scope="session")
def resolutions():
    """Every target's resolution, run at once: each one mostly waits on PyPI."""
    from uv import find_uv_bin  # requirements.lock pins uv: `make setup` installs it

    with ThreadPoolExecutor(max_workers=len(TARGETS)) as pool:
        futures = {target: pool.submit(resolve, find_uv_bin(), *target) for target in TARGETS}
    return {target: future.result() for target, future in futures.items()}


def marker_environment(name, minor):
    _, _, sys_platform, system, machine = PLATFORMS[name]
    return default_environment() | {
        "sys_platform": sys_platform,
        "platform_system": system,
        "platform_machine": machine,
        "os_name": "nt" if sys_platform == "win32" else "posix",
        "python_version": minor,
        "python_full_version": f"{minor}.0",
    }


def pins(requirements):
    return {canonicalize_name(r.name): str(r.specifier) for r in requirements}


@pytest.mark.parametrize(("name", "minor"), TARGETS, ids=[f"{n}-py{m}" for n, m in TARGETS])
def test_every_pinned_wheel_exists(resolutions, name, minor):
    result = resolutions[name, minor]
    assert result.returncode == 0, (
        f"requirements.lock does not install on {name}, Python {minor}:\n{result.stderr}"
    )
    resolved = pins(Requirement(line) for line in result.stdout.splitlines() if line.strip())
    expected = pins(r for r in LOCK if r.marker is None or r.marker.evaluate(marker_environment(name, minor)))
    # A package the lock leaves out on this platform (a marker too narrow) would appear only here.
    assert resolved == expected


def test_each_platform_installs_one_tensorflow_the_cpu_build_where_there_is_one():
    tensorflows = [r for r in LOCK if r.name in ("tensorflow", "tensorflow-cpu")]
    chosen = {}
    for name in PLATFORMS:
        (chosen[name],) = [r for r in tensorflows if r.marker.evaluate(marker_environment(name, "3.11"))]
    cpu_builds = {name for name, r in chosen.items() if r.name == "tensorflow-cpu"}
    assert cpu_builds == {"linux-x86_64", "windows-x86_64"}
    # One release everywhere but on Intel Macs, whose last TensorFlow is an older one.
    assert len({str(r.specifier) for name, r in chosen.items() if name != "macos-x86_64"}) == 1


@pytest.mark.parametrize("name", PLATFORMS)
def test_the_check_reads_the_range_tomllib_reads_and_agrees_with_packaging(name):
    *_, system, machine = PLATFORMS[name]
    expected = INTEL_MAC_PYTHON if name == "macos-x86_64" else REQUIRES_PYTHON
    # The check parses pyproject.toml itself: it runs under Pythons too old for tomllib.
    assert python_check.specifier_for(PYPROJECT_TEXT, system, machine)[0] == expected
    specifier = SpecifierSet(expected)
    for version in [(3, minor, micro) for minor in range(8, 20) for micro in (0, 7)]:
        refused = python_check.problem(version, system, machine, PYPROJECT_TEXT)
        assert (refused is None) == specifier.contains(".".join(map(str, version))), (version, refused)
    # TARGETS come from supported_minors: resolving only one Python would miss an end of the range.
    minors = python_check.supported_minors(expected)
    assert len(minors) >= 2 and minors == [f"3.{m}" for m in range(8, 20) if specifier.contains(f"3.{m}.0")]


def test_a_refusal_is_one_line_naming_what_to_use():
    message = python_check.problem(
        (3, 10, 13), "Linux", "x86_64", PYPROJECT_TEXT, executable="/usr/bin/python3"
    )
    minors = python_check.supported_minors(REQUIRES_PYTHON)  # checked against packaging above
    assert "\n" not in message and "3.10.13" in message and "/usr/bin/python3" in message
    assert all(minor in message for minor in minors)
    assert f"PYTHON=python{minors[-1]} make setup" in message and "pyenv" in message
    assert "make clean" in python_check.problem((3, 14, 0), "Linux", "x86_64", PYPROJECT_TEXT, in_venv=True)
    intel = python_check.problem((3, 13, 0), "Darwin", "x86_64", PYPROJECT_TEXT)
    assert "Intel Macs" in intel and "PYTHON=python3.13" not in intel


def test_the_script_refuses_this_python_when_the_range_leaves_it_out(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    newer = f'requires-python = ">=3.{sys.version_info.minor + 1}"'
    pyproject.write_text(PYPROJECT_TEXT.replace(f'requires-python = "{REQUIRES_PYTHON}"', newer))
    command = [sys.executable, ROOT / "tools" / "python_check.py"]
    refused = subprocess.run([*command, pyproject], capture_output=True, text=True, check=False)
    accepted = subprocess.run(command, capture_output=True, text=True, check=False)
    assert refused.returncode == 1 and refused.stdout == "" and len(refused.stderr.splitlines()) == 1
    assert accepted.returncode == 0 and accepted.stderr == ""
