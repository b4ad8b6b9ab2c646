"""Starting a bulk export: the one write of the reports app that a person
asks for. The ZIP itself is built by reports.bulk in the background task."""

import logging

from django.db import transaction
from django.utils import timezone

from reports.models import ExportJob, ExportStatus
from reports.tasks import build_export_task

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
