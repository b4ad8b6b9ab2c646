"""Benchmark of the portfolio report: a signed-off assessment with all 16
capabilities rated and 200 items of evidence.

    python bench/report_bench.py

Prints one JSON document: the total time to make the PDF (median of several
runs after a warm-up), the application's own part (queries and template
rendering: render_portfolio_html), WeasyPrint alone on the same HTML (the
floor no change to the application can go below), their ratios, the query
count and the machine. Exits 1 when the total is over 3 seconds or the
application's share is over 25 %.

Data: with DATABASE_URL set, in that database, inside a transaction that is
rolled back (migrating inside it first if the database is empty and can
migrate in a transaction, as PostgreSQL can); otherwise in a temporary SQLite
file that is deleted afterwards. Nothing is left behind either way.
"""

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

TEMPORARY_DB = None
if not os.environ.get("DATABASE_URL"):
    handle, TEMPORARY_DB = tempfile.mkstemp(prefix="report-bench-", suffix=".sqlite3")
    os.close(handle)
    os.environ["DATABASE_URL"] = f"sqlite:///{TEMPORARY_DB}"

import logging  # noqa: E402

import django  # noqa: E402

django.setup()
# WeasyPrint logs every step at INFO, and fontTools every font it subsets;
# the figures are what matters here.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from portfolio_data import make_portfolio  # noqa: E402  (bench/ is on sys.path when run as a script)

RUNS = 5
EVIDENCE_ITEMS = 200
BUDGET_TOTAL_SECONDS = 3.0
BUDGET_APP_SHARE = 0.25


class Rollback(Exception):
    pass


def needs_migrating() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def timed(function, runs):
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def run() -> dict:
    import io

    import pypdf
    import weasyprint

    from core.pdf import html_to_pdf
    from reports.portfolio import render_portfolio_html, render_portfolio_pdf

    mode = "temporary SQLite file" if TEMPORARY_DB else "configured database, in a transaction rolled back"
    if TEMPORARY_DB:
        call_command("migrate", verbosity=0)  # SQLite cannot migrate inside a transaction
    with transaction.atomic():
        if needs_migrating():
            if not connection.features.can_rollback_ddl:
                raise SystemExit("The configured database needs migrating: run manage.py migrate first")
            call_command("migrate", verbosity=0)
        assessment = make_portfolio(evidence_items=EVIDENCE_ITEMS)
        render_portfolio_pdf(assessment)  # warm-up: imports, fonts, template loading
        total, total_runs, pdf = timed(lambda: render_portfolio_pdf(assessment), RUNS)
        html_time, html_runs, html = timed(lambda: render_portfolio_html(assessment), RUNS)
        weasy_time, weasy_runs, _ = timed(lambda: html_to_pdf(html), RUNS)
        with CaptureQueriesContext(connection) as queries:
            render_portfolio_html(assessment)
        pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
        result = {
            "benchmark": "portfolio report PDF",
            "data": {"capabilities_rated": assessment.ratings.filter(level__isnull=False).count(),
                     "evidence_items": assessment.evidence_links.count(), "pages": pages, "pdf_bytes": len(pdf),
                     "html_bytes": len(html.encode())},
            "runs": RUNS,
            "seconds": {
                "total_median": round(total, 3),
                "app_html_median": round(html_time, 3),
                "weasyprint_only_median": round(weasy_time, 3),
                "total_runs": [round(t, 3) for t in total_runs],
                "app_html_runs": [round(t, 3) for t in html_runs],
                "weasyprint_only_runs": [round(t, 3) for t in weasy_runs],
            },
            "ratios": {
                "app_share": round(html_time / total, 3),
                "weasyprint_share": round(weasy_time / total, 3),
                "total_over_floor": round(total / weasy_time, 3),
            },
            "queries": {"render_portfolio_html": len(queries.captured_queries)},
            "budget": {"total_seconds_max": BUDGET_TOTAL_SECONDS, "app_share_max": BUDGET_APP_SHARE},
            "machine": {
                "cpu_count": os.cpu_count(),
                "platform": platform.platform(),
                "processor": platform.processor() or platform.machine(),
                "python": platform.python_version(),
                "django": django.get_version(),
                "weasyprint": weasyprint.__version__,
                "pypdf": pypdf.__version__,
                "database": f"{connection.vendor} ({mode})",
            },
        }
        transaction.set_rollback(True)
    result["passed"] = total <= BUDGET_TOTAL_SECONDS and result["ratios"]["app_share"] <= BUDGET_APP_SHARE
    return result


def main() -> int:
    try:
        result = run()
    finally:
        connection.close()
        if TEMPORARY_DB:
            Path(TEMPORARY_DB).unlink(missing_ok=True)
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
