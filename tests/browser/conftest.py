"""Browser tests: Playwright for Python driving Debian's Chromium
(/usr/bin/chromium, never Playwright's own download) against Django's live
server on the suite's PostgreSQL.

Without Chromium these tests are skipped with a message; with
REQUIRE_BROWSER=1 (set by .ci/run) a missing browser is a failure.
"""

import os
import shutil

import pytest

# Playwright's synchronous API runs an event loop in this thread; the test's
# own database work is still synchronous, so Django's guard against ORM use
# from async code does not apply here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def _browser_missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    return None


def pytest_collection_modifyitems(config, items):
    problem = _browser_missing()
    if problem is None:
        return
    browser_items = [item for item in items if "tests/browser/" in str(item.fspath)]
    if not browser_items:
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"REQUIRE_BROWSER=1 but the browser tests cannot run: {problem}")
    skip = pytest.mark.skip(reason=f"browser tests skipped: {problem}")
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """The live server serves static files through Django's finders, which
    know the files by their own names, not the hashed names of the manifest
    storage used in production."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
