"""Refuse a Python the course does not run on, before make setup builds anything with it.

The supported range is pyproject.toml's: `requires-python`, narrowed on Intel Macs by
`[tool.dl-architecture.supported] python-macos-x86_64`. This script runs under the Python being
checked, which may be too old for tomllib or have no packaging installed: it reads those two
strings with a regular expression (tests/test_platforms.py checks it against tomllib) and compares
versions itself. Usage: python tools/python_check.py [PYPROJECT]; exit 1 with one line on stderr.
"""

import operator
import os
import platform
import re
import sys

PYPROJECT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pyproject.toml")
CLAUSE = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*([0-9]+(?:\.[0-9]+)*)\s*$")
OPERATORS = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}


def setting(pyproject_text, key):
    """The string value of ``key = "..."`` in pyproject.toml's text (None when absent)."""
    match = re.search(rf'^{re.escape(key)}\s*=\s*"([^"]*)"', pyproject_text, re.MULTILINE)
    return match.group(1) if match else None


def satisfies(version, specifier):
    """Whether the version tuple meets every clause of a specifier such as ">=3.11,<3.14"."""
    for clause in specifier.split(","):
        match = CLAUSE.match(clause)
        if not match:
            raise ValueError(
                f"pyproject.toml: cannot read the Python range {specifier!r}: use clauses like >=3.11,<3.14"
            )
        bound = tuple(int(part) for part in match.group(2).split("."))
        if not OPERATORS[match.group(1)](tuple(version[: len(bound)]), bound):
            return False
    return True


def supported_minors(specifier):
    """The Python 3 minor versions ("3.11", ...) a specifier admits."""
    return [f"3.{minor}" for minor in range(40) if satisfies((3, minor, 0), specifier)]


def specifier_for(pyproject_text, system, machine):
    """The Python range for this platform, and the reason when it is narrower than requires-python."""
    if system == "Darwin" and machine == "x86_64":
        narrower = setting(pyproject_text, "python-macos-x86_64")
        if narrower:
            return narrower, " on Intel Macs (TensorFlow's last macOS x86_64 wheels, 2.16.2, stop at 3.12)"
    return setting(pyproject_text, "requires-python"), ""


def problem(version, system, machine, pyproject_text, in_venv=False, executable="python"):
    """None when the Python is supported here, else the one line saying what to use instead."""
    specifier, where = specifier_for(pyproject_text, system, machine)
    if specifier is None:
        raise ValueError("pyproject.toml has no requires-python")
    if satisfies(version, specifier):
        return None
    minors = supported_minors(specifier)
    if not minors:
        raise ValueError(f"pyproject.toml: the Python range {specifier!r} admits no Python 3 release")
    listed = ", ".join(minors[:-1]) + " or " + minors[-1] if len(minors) > 1 else minors[0]
    redo = "run make clean (.venv was made with it), then " if in_venv else "run "
    return (
        f"make setup: Python {'.'.join(map(str, version[:3]))} ({executable}) is not supported{where}: "
        f"the course needs Python {listed} (pyproject.toml: {specifier}); {redo}PYTHON=python{minors[-1]} "
        f"make setup with one installed from python.org or with pyenv (pyenv install {minors[-1]})."
    )


def main(argv):
    path = argv[1] if len(argv) > 1 else PYPROJECT
    with open(path) as handle:
        text = handle.read()
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    message = problem(
        sys.version_info[:3], platform.system(), platform.machine(), text, in_venv, sys.executable
    )
    if message:
        print(message, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
