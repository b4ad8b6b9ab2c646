"""Benchmark of a portfolio pack of 100 MB made by a real worker process:
one signed-off assessment whose evidence carries five 20 MB PDFs (the most
a single upload allows), asked for as the pack page asks for it
(reports.services.start_report_job), then made by `manage.py db_worker
--batch` in a process of its own.

    python bench/pack_bench.py [--files N] [--megabytes M]

The worker's peak memory is its own high-water mark (bench/worker.py); its
resident memory is also sampled twice a second. Prints one JSON document and
exits 1 when the peak is over 300 MB (issue 17) or the pack is not whole.

Data lives in a temporary SQLite file and folder, deleted afterwards.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGET_PEAK_MB = 300
WORK = Path(tempfile.mkdtemp(prefix="pack-bench-"))
ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
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

from portfolio_data import make_portfolio, random_pdf  # noqa: E402  (bench/ is on sys.path as a script)
from worker import batch_worker_command, peak_mb  # noqa: E402

def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run(files: int, megabytes: int) -> dict:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from pypdf import PdfReader

    from portfolios.models import EvidenceAttachment
    from reports import services
    from reports.models import ExportStatus, ReportJob

    call_command("migrate", verbosity=0)
    assessment = make_portfolio(evidence_items=3 * files)
    attachments = list(EvidenceAttachment.objects.filter(evidence__assessment_links__assessment=assessment)[:files])
    EvidenceAttachment.objects.filter(evidence__assessment_links__assessment=assessment).exclude(
        pk__in=[a.pk for a in attachments]).delete()
    stored = 0
    for attachment in attachments:
        data = random_pdf(megabytes * 1024 * 1024)
        name = default_storage.save(f"evidence/bench-pack-{attachment.pk}.pdf", ContentFile(data))
        EvidenceAttachment.objects.filter(pk=attachment.pk).update(file=name, size=len(data))
        stored += len(data)
        del data
    job = services.start_report_job(assessment=assessment, requested_by=assessment.practitioner, include_pack=True)

    high_water = WORK / "worker-hwm"
    started = time.perf_counter()
    worker = subprocess.Popen(batch_worker_command(high_water), cwd=ROOT, env={**os.environ, **ENVIRONMENT})
    samples = []
    while worker.poll() is None:
        memory = rss_mb(worker.pid)
        if memory is not None:
            samples.append(memory)
        time.sleep(0.5)
    seconds = time.perf_counter() - started
    peak = peak_mb(high_water)

    job.refresh_from_db()
    pages = size = 0
    if job.file:
        size = job.file.size
        with job.file.open("rb") as handle:
            pages = len(PdfReader(handle).pages)
    complete = job.status == ExportStatus.DONE and size >= stored
    return {
        "benchmark": "portfolio pack made by one worker process",
        "data": {"evidence_files": files, "megabytes_each": megabytes, "stored_bytes": stored},
        "job": {"status": job.status, "pack_bytes": size, "pages": pages, "error": job.error},
        "seconds": round(seconds, 1),
        "worker_memory_mb": {"peak": round(peak, 1), "largest_sample": round(max(samples), 1) if samples else None,
                             "samples": len(samples)},
        "budget": {"peak_mb_max": BUDGET_PEAK_MB},
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "django": django.get_version()},
        "passed": peak <= BUDGET_PEAK_MB and complete and ReportJob.objects.count() == 1,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5)
    parser.add_argument("--megabytes", type=int, default=20)
    arguments = parser.parse_args()
    try:
        result = run(arguments.files, arguments.megabytes)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
