"""Write environment.yml (conda, Binder) from requirements.lock, so both pin the same packages.

Run by `make lock`; tests/test_environment.py fails when the two disagree.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = """\
# The course environment for conda and Binder. Generated from requirements.lock by `make lock`
# (tools/environment_file.py): edit requirements.in, not this file. TensorFlow comes from pip,
# as conda-forge does not carry TensorFlow 2.21.
name: dl-architecture
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
"""


def pinned_requirements(lock_text):
    """The requirement lines of a pip lock file, without comments and blank lines."""
    lines = (line.split(" #", 1)[0].strip() for line in lock_text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def environment_yaml(requirements):
    """environment.yml text whose pip section holds exactly ``requirements``."""
    return HEADER + "".join(f'      - "{line}"\n' for line in requirements)


def main():
    requirements = pinned_requirements((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    (ROOT / "environment.yml").write_text(environment_yaml(requirements), encoding="utf-8")
    print(f"environment.yml: {len(requirements)} pinned packages")


if __name__ == "__main__":
    main()
