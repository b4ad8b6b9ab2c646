"""A person's portfolio pack, or a report too large to make while they wait,
made by the background worker (reports.tasks.build_report_task) and kept
for REPORT_VALID_HOURS for the person who asked (docs/adr/0009).

The worker writes the PDF to a temporary file and only then to the private
storage; a pack is put together from files on disk (reports.pack), so its
memory stays bounded by the largest evidence file, not the pack.
"""

import logging
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File

from reports import jobs
from reports.models import ExportStatus, ReportJob
from reports.portfolio import file_count, write_report

logger = logging.getLogger(__name__)

REPORT_VALID_HOURS = 24


def made_by_worker(assessment, *, pack: bool, evidence_count: int) -> bool:
    """Whether the file is made in the background rather than in the
    request: every pack (it reads every evidence file), and a report of more
    than REPORT_IN_REQUEST_MAX_EVIDENCE items of evidence."""
    return pack or evidence_count > settings.REPORT_IN_REQUEST_MAX_EVIDENCE


def kind_label(job_or_pack) -> str:
    pack = job_or_pack if isinstance(job_or_pack, bool) else job_or_pack.include_pack
    return "portfolio pack" if pack else "portfolio report"


def run_report_job(job_id) -> None:
    """Make the job's PDF. Runs once: a job that is not waiting is left alone."""
    if not jobs.claim(ReportJob, job_id):
        return
    job = ReportJob.objects.select_related("assessment").get(pk=job_id)
    # One step for each evidence file looked at, and one for the report.
    total = (file_count(job.assessment) if job.include_pack else 0) + 1
    ReportJob.objects.filter(pk=job.pk).update(total=total)
    try:
        with tempfile.TemporaryDirectory(prefix="report-job-") as folder:
            destination = Path(folder) / "report.pdf"
            write_report(job.assessment, destination, pack=job.include_pack,
                         on_progress=lambda done: jobs.report_progress(job, done))
            with destination.open("rb") as handle:
                job.file.save(f"{job.pk}.pdf", File(handle), save=False)
    except Exception:
        logger.exception("Report job %s failed", job.pk)
        jobs.fail(job, f"The {kind_label(job)} could not be made. Try again later.")
        return
    jobs.finish(job, valid_for=timedelta(hours=REPORT_VALID_HOURS), done=total)


def expire_due(now=None) -> int:
    return jobs.expire_due(ReportJob, now)


def fail_unfinished(now=None) -> int:
    """Jobs whose worker stopped, or that no worker took within a day."""
    return jobs.fail_stalled(ReportJob, now) + jobs.fail_abandoned(
        ReportJob, older_than=timedelta(hours=REPORT_VALID_HOURS),
        message="It was not made in time. Start again.", now=now,
    )


def refresh(job: ReportJob) -> ReportJob:
    """The job as its page should show it: expired or failed if it is."""
    jobs.expire_if_due(job)
    jobs.fail_if_stalled(job)
    return job


def summary(job: ReportJob) -> str:
    if job.status == ExportStatus.QUEUED:
        return "Waiting to start"
    files = job.total - 1
    if job.include_pack and job.done < files:
        return f"{job.done} of {files} evidence file{'' if files == 1 else 's'} checked"
    return "Making the PDF"


def progress_data(job: ReportJob) -> dict:
    return jobs.progress_data(job, summary=summary(job))
