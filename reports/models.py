"""Files made by the background worker: bulk exports of an organisation's
reports (ExportJob, which moved here from portfolios and keeps its table)
and a person's portfolio pack or large report (ReportJob). Their lifecycle,
shared, is in reports.jobs."""

import uuid

from django.conf import settings
from django.db import models

from accounts.models import Organisation


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "In progress"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


def export_path(instance, filename: str) -> str:
    # Named by the job's random id, never by anything a person typed.
    return f"exports/{instance.pk}.zip"


class BackgroundJob(models.Model):
    """What every file made by the worker has: a status, progress and the
    times the worker started, last moved and finished, and when the file is
    deleted (reports.jobs)."""

    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # Why the whole job failed, if it did.
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # When the worker last reported progress: a running job that stops
    # moving has lost its worker (jobs.fail_if_stalled).
    progressed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        """Waiting or being built: the progress page keeps refreshing."""
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    def has_expired(self, now=None) -> bool:
        from django.utils import timezone

        if self.status == ExportStatus.EXPIRED:
            return True
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class ExportJob(BackgroundJob):
    """A bulk export of portfolio reports for an organisation's admins: a ZIP
    of one PDF per practitioner, built by a background task
    (reports.tasks.build_export_task). The file is kept for
    reports.bulk.EXPORT_VALID_DAYS after it is ready, then
    deleted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="export_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    practitioners = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    include_packs = models.BooleanField("include evidence packs", default=False)
    file = models.FileField(upload_to=export_path, max_length=255, blank=True)
    # The practitioners whose report could not be made, with the reason:
    # [{"name": ..., "email": ..., "reason": ...}]. Also in the ZIP as errors.txt.
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        # The table it has had since it was a portfolios model.
        db_table = "portfolios_exportjob"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="exportjob_org_created_idx"),
            models.Index(fields=["status", "expires_at"], name="exportjob_status_expires_idx"),
        ]

    def __str__(self) -> str:
        reports = "report" if self.total == 1 else "reports"
        return f"Export of {self.total} {reports} for {self.organisation.name} ({self.get_status_display().lower()})"


def report_path(instance, filename: str) -> str:
    return f"reports/{instance.pk}.pdf"


class ReportJob(BackgroundJob):
    """One assessment's portfolio pack (or a report too large to make while
    the person waits), made by the worker for the person who asked
    (reports.tasks.build_report_task) and theirs alone to download while
    they may still see the assessment. ``total`` and ``done`` count the
    evidence files looked at, plus one for the report itself. The file is
    deleted jobs.REPORT_VALID_HOURS after it is ready."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.ForeignKey("portfolios.Assessment", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    include_pack = models.BooleanField("include the evidence files", default=True)
    file = models.FileField(upload_to=report_path, max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["assessment", "requested_by", "-created_at"], name="reportjob_asmt_person_idx"),
            models.Index(fields=["status", "expires_at"], name="reportjob_status_expires_idx"),
        ]

    def __str__(self) -> str:
        kind = "Pack" if self.include_pack else "Report"
        return f"{kind} of {self.assessment_id} for {self.requested_by_id} ({self.get_status_display().lower()})"
