"""Starting a file the worker makes: a bulk export (built by reports.bulk)
or a person's pack or large report (reports.report_jobs). The writes of
the reports app that a person asks for."""

import logging

from django.db import transaction
from django.utils import timezone

from portfolios.models import Assessment
from reports.models import ExportJob, ExportStatus, ReportJob
from reports.tasks import build_export_task, build_report_task

logger = logging.getLogger("reports.bulk")


def start_export(*, organisation, requested_by, people_ids: list, include_packs: bool = False) -> ExportJob:
    """Record an export of these practitioners' reports and queue it for a
    worker. If the queue cannot take it, the job is marked failed (its page
    says so; the details are in the log)."""
    with transaction.atomic():
        job = ExportJob.objects.create(
            organisation=organisation, requested_by=requested_by, include_packs=include_packs, total=len(people_ids)
        )
        job.practitioners.set(people_ids)
    try:
        build_export_task.enqueue(str(job.pk))
    except Exception:
        logger.exception("Export %s could not be queued", job.pk)
        ExportJob.objects.filter(pk=job.pk, status=ExportStatus.QUEUED).update(
            status=ExportStatus.FAILED, error="The export could not be started. Try again later.",
            finished_at=timezone.now(),
        )
    return job


def start_report_job(*, assessment, requested_by, include_pack: bool) -> ReportJob:
    """Queue the assessment's pack (or report) for the person, or give back
    the one of theirs already waiting or being made, so a double click or a
    second tab does not make it twice. The assessment row is locked while
    deciding, so two requests at once agree."""
    with transaction.atomic():
        Assessment.objects.select_for_update().filter(pk=assessment.pk).first()
        waiting = ReportJob.objects.filter(
            assessment=assessment, requested_by=requested_by, include_pack=include_pack,
            status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING],
        ).first()
        if waiting is not None:
            return waiting
        job = ReportJob.objects.create(assessment=assessment, requested_by=requested_by, include_pack=include_pack)
    try:
        build_report_task.enqueue(str(job.pk))
    except Exception:
        logger.exception("Report job %s could not be queued", job.pk)
        ReportJob.objects.filter(pk=job.pk, status=ExportStatus.QUEUED).update(
            status=ExportStatus.FAILED, error="It could not be started. Try again later.",
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
    return job
