"""Benchmark of the bulk export: one organisation, 200 practitioners each with
a signed-off assessment and 20 items of evidence, exported as the admin's
"all practitioners" export is, by a real worker process.

    python bench/bulk_export_bench.py [--reports N] [--evidence K]

The job is queued exactly as the organisation's export page queues it
(reports.services.start_export), then `manage.py db_worker --batch`
runs it in a separate process. While it runs, the worker's resident memory is
sampled from /proc twice a second; its peak is the worker's own high-water
mark (bench/worker.py), so a spike between samples still counts.

Prints one JSON document: throughput in reports per minute, the worker's
peak memory, its memory when a quarter, half and three quarters of the reports
were done and at the last sample (flat if the ZIP is streamed to disk, as it should be), the
ZIP's size and the machine. Exits 1 when the peak is over 400 MB or the
export did not finish with every report.

Data lives in a temporary SQLite file and a temporary folder for files, both
deleted afterwards: a worker in another process must see committed data, so
the rolled-back transaction of report_bench.py is not an option here.
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGET_PEAK_MB = 400
WORK = Path(tempfile.mkdtemp(prefix="bulk-bench-"))
ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    # As in production: with DEBUG on, Django keeps every query's SQL.
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
    "DATABASE_URL": f"sqlite:///{WORK / 'bench.sqlite3'}",
    "DJANGO_PRIVATE_STORAGE_ROOT": str(WORK / "private"),
    "DJANGO_LOG_LEVEL": "WARNING",
}
os.environ.update(ENVIRONMENT)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from portfolio_data import make_organisation, make_portfolio  # noqa: E402  (bench/ is on sys.path as a script)
from worker import batch_worker_command, peak_mb as worker_peak_mb  # noqa: E402


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run(reports: int, evidence: int) -> dict:
    from reports import services
    from reports.models import ExportJob, ExportStatus

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    organisation, appraiser = make_organisation()
    people = [
        make_portfolio(organisation=organisation, appraiser=appraiser, number=n, evidence_items=evidence).practitioner
        for n in range(reports)
    ]
    data_seconds = time.perf_counter() - started
    job = services.start_export(
        organisation=organisation, requested_by=appraiser, people_ids=[person.pk for person in people]
    )

    started = time.perf_counter()
    high_water = WORK / "worker-hwm"
    worker = subprocess.Popen(batch_worker_command(high_water), cwd=ROOT, env={**os.environ, **ENVIRONMENT})
    samples: list[tuple[int, float]] = []
    while worker.poll() is None:
        memory = rss_mb(worker.pid)
        done = ExportJob.objects.filter(pk=job.pk).values_list("done", flat=True).first() or 0
        if memory is not None:
            samples.append((done, memory))
        time.sleep(0.5)
    seconds = time.perf_counter() - started
    peak_mb = worker_peak_mb(high_water)

    job.refresh_from_db()
    archive_reports = 0
    if job.file:
        with job.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
            archive_reports = sum(1 for name in archive.namelist() if name.endswith(".pdf"))

    def memory_at(fraction: float) -> float | None:
        wanted = reports * fraction
        after = [memory for done, memory in samples if done >= wanted]
        return round(after[0], 1) if after else None

    return {
        "benchmark": "bulk export of portfolio reports (one worker process)",
        "data": {"reports": reports, "evidence_items_each": evidence, "made_in_seconds": round(data_seconds, 1)},
        "job": {"status": job.status, "reports_in_zip": archive_reports, "problems": len(job.problems or []),
                "zip_bytes": job.file.size if job.file else 0},
        "seconds": round(seconds, 1),
        "reports_per_minute": round(reports / seconds * 60, 1),
        "worker_memory_mb": {
            "peak": round(peak_mb, 1),
            "at_25_percent": memory_at(0.25),
            "at_50_percent": memory_at(0.5),
            "at_75_percent": memory_at(0.75),
            "last_sample": round(samples[-1][1], 1) if samples else None,
            "samples": len(samples),
        },
        "budget": {"peak_mb_max": BUDGET_PEAK_MB},
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "django": django.get_version(),
            "database": "sqlite (temporary file)",
        },
        "passed": peak_mb <= BUDGET_PEAK_MB and job.status == ExportStatus.DONE and archive_reports == reports,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--evidence", type=int, default=20)
    arguments = parser.parse_args()
    try:
        result = run(arguments.reports, arguments.evidence)
    finally:
        from django.db import connection

        connection.close()
        shutil.rmtree(WORK, ignore_errors=True)
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
