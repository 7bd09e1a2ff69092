"""Debian's Chromium for the course's browser checks: pytest-playwright's launch settings.

The browser tests (tests/browser) and the website check (site/tests) import the fixture below into
their conftest. Playwright's own browser download cannot work offline, so both drive
/usr/bin/chromium (`make browser-test` and `make site-check` install it with apt-get), with the
flags a root, offline, headless Chromium needs; Playwright gives it a fresh profile each launch.
"""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps opening connections that this offline
# machine refuses; --no-sandbox because the checks run as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make browser-test` installs Debian's chromium "
            "(as root), or run `sudo apt-get install chromium fonts-nanum`."
        )
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}
