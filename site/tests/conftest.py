"""The website check drives Debian's Chromium through pytest-playwright's ``browser`` fixture."""

from chromium_fixtures import browser_type_launch_args  # noqa: F401 (a fixture)
