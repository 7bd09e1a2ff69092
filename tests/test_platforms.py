"""Where the course installs: every pinned wheel of requirements.lock exists for each platform the
README names and each Python it supports there, and make setup refuses other Pythons.

The resolution tests ask PyPI: all of them together take a few seconds with uv's cache warm.
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
LOCK = [
    Requirement(line)
    for line in pinned_requirements((ROOT / "requirements.lock").read_text(encoding="utf-8"))
]

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
    for name, (_, _, _, system, machine) in PLATFORMS.items()
    for minor in python_check.supported_minors(python_check.specifier_for(PYPROJECT_TEXT, system, machine)[0])
]


def resolve(uv, name, minor):
    """uv's resolution of the lock for one platform and Python, wheels only."""
    target, macos, *_ = PLATFORMS[name]
    environment = dict(os.environ)
    if macos:
        # uv's oldest macOS for the target: wheels built for a newer macOS count as missing.
        environment["MACOSX_DEPLOYMENT_TARGET"] = macos
    # --no-python-downloads: the target Python is only a tag here; uv would otherwise try to
    # download an interpreter it does not need.
    platform = ["--python-platform", target, "--python-version", minor]
    quiet = ["--no-python-downloads", "--no-header", "--no-annotate", "--quiet"]
    command = [uv, "pip", "compile", "requirements.lock", *platform, "--only-binary", ":all:", *quiet]
    # uv's cache first: files are added to a release, seldom removed, so a cached pass holds;
    # anything short of a pass (a cold cache, a missing wheel) is asked of PyPI itself.
    run = {"cwd": ROOT, "env": environment, "capture_output": True, "text": True}
    cached = subprocess.run([*command, "--offline"], check=False, **run)
    if cached.returncode == 0:
        return cached
    return subprocess.run(command, check=False, timeout=300, **run)


@pytest.fixture(scope="session")
def resolutions():
    """Every target's resolution, run at once: each one mostly waits on PyPI."""
    try:
        from uv import find_uv_bin

        uv = find_uv_bin()
    except (ImportError, FileNotFoundError) as error:
        pytest.fail(
            f"uv is not installed in {sys.executable} ({error}): requirements.lock pins it, run `make setup`"
        )
    with ThreadPoolExecutor(max_workers=len(TARGETS)) as pool:
        futures = {target: pool.submit(resolve, uv, *target) for target in TARGETS}
    return {target: future.result() for target, future in futures.items()}


def marker_environment(name, minor):
    _, _, sys_platform, system, machine = PLATFORMS[name]
    environment = default_environment()
    environment.update(
        sys_platform=sys_platform,
        platform_system=system,
        platform_machine=machine,
        os_name="nt" if sys_platform == "win32" else "posix",
        python_version=minor,
        python_full_version=f"{minor}.0",
    )
    return environment


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


def test_the_targets_cover_both_ends_of_each_range_and_the_check_reads_what_tomllib_reads():
    for name in PLATFORMS:  # at least its oldest and newest supported Python
        assert len([minor for platform, minor in TARGETS if platform == name]) >= 2, name
    assert python_check.setting(PYPROJECT_TEXT, "requires-python") == REQUIRES_PYTHON
    assert python_check.setting(PYPROJECT_TEXT, "python-macos-x86_64") == INTEL_MAC_PYTHON


@pytest.mark.parametrize("name", PLATFORMS)
def test_the_check_agrees_with_packaging(name):
    *_, system, machine = PLATFORMS[name]
    specifier = SpecifierSet(INTEL_MAC_PYTHON if name == "macos-x86_64" else REQUIRES_PYTHON)
    for minor in range(8, 20):
        for micro in (0, 7):
            version = (3, minor, micro)
            refused = python_check.problem(version, system, machine, PYPROJECT_TEXT)
            assert (refused is None) == specifier.contains(f"3.{minor}.{micro}"), (version, refused)


def test_a_refusal_is_one_line_naming_what_to_use():
    message = python_check.problem(
        (3, 10, 13), "Linux", "x86_64", PYPROJECT_TEXT, executable="/usr/bin/python3"
    )
    minors = [f"3.{m}" for m in range(8, 20) if SpecifierSet(REQUIRES_PYTHON).contains(f"3.{m}.0")]
    assert "\n" not in message and "3.10.13" in message and "/usr/bin/python3" in message
    assert all(minor in message for minor in minors)
    assert f"PYTHON=python{minors[-1]} make setup" in message and "pyenv" in message
    inside = python_check.problem((3, 14, 0), "Linux", "x86_64", PYPROJECT_TEXT, in_venv=True)
    assert "make clean" in inside
    intel = python_check.problem((3, 13, 0), "Darwin", "x86_64", PYPROJECT_TEXT)
    assert "Intel Macs" in intel and "PYTHON=python3.13" not in intel


def test_the_script_refuses_this_python_when_the_range_leaves_it_out(tmp_path):
    newer = f"3.{sys.version_info.minor + 1}"
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        PYPROJECT_TEXT.replace(f'requires-python = "{REQUIRES_PYTHON}"', f'requires-python = ">={newer}"'),
        encoding="utf-8",
    )
    script = ROOT / "tools" / "python_check.py"
    refused = subprocess.run([sys.executable, script, pyproject], capture_output=True, text=True, check=False)
    accepted = subprocess.run([sys.executable, script], capture_output=True, text=True, check=False)
    assert refused.returncode == 1 and refused.stdout == "" and len(refused.stderr.splitlines()) == 1
    assert accepted.returncode == 0 and accepted.stderr == ""
