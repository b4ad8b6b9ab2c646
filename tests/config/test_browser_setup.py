"""Without Chromium the browser tests are skipped with a message that says
why; with REQUIRE_BROWSER=1 (CI) the same situation is a failure."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_browser_tests(**environment):
    env = {key: value for key, value in os.environ.items() if key != "REQUIRE_BROWSER"}
    env.update(CHROMIUM_PATH="/nonexistent/chromium", **environment)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests/browser"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_browser_tests_are_skipped_with_the_reason_when_chromium_is_missing():
    result = run_browser_tests()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "browser tests skipped: Chromium not found at /nonexistent/chromium" in result.stdout
    assert " passed" not in result.stdout


def test_ci_fails_when_the_browser_tests_cannot_run():
    result = run_browser_tests(REQUIRE_BROWSER="1")
    assert result.returncode != 0
    assert "REQUIRE_BROWSER=1 but the browser tests cannot run" in result.stdout + result.stderr
