"""The apps' dependency direction (docs/adr/0001-layers.md) is checked by
import-linter's contracts in pyproject.toml. These tests run it on the
project as it is, and on a copy with one upward import added, to show the
contracts would catch one."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ["config", "core", "accounts", "capability", "impact", "portfolios", "feedback", "organisations", "reports"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120,
        # Only the copy's packages: not the project installed in the environment.
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def copy_of_the_project(tmp_path):
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_project_keeps_every_import_contract(copy_of_the_project):
    result = lint_imports(copy_of_the_project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.mark.parametrize("module, line, broken", [
    ("accounts/services.py", "from reports import csv_exports", "Apps depend only on the apps below them"),
    ("portfolios/services.py", "from feedback.models import FeedbackRound", "Apps depend only on the apps below them"),
    ("reports/organisation.py", "from organisations.views import admin_area", "Views are imported by URLconfs only"),
    ("reports/bulk.py", "from reports import services", "No import cycles between the modules of an app"),
])
def test_an_import_against_the_direction_fails_the_check(copy_of_the_project, module, line, broken):
    path = copy_of_the_project / module
    path.write_text(path.read_text() + f"\n{line}  # added by the test\n")
    result = lint_imports(copy_of_the_project)
    assert result.returncode == 1
    assert f"{broken} BROKEN" in result.stdout
