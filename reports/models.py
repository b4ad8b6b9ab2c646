"""Bulk exports: the one model of the reports app. It moved here from
portfolios and keeps its table (reports/migrations/0001_initial.py)."""

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


class ExportJob(models.Model):
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
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=export_path, max_length=255, blank=True)
    # The practitioners whose report could not be made, with the reason:
    # [{"name": ..., "email": ..., "reason": ...}]. Also in the ZIP as errors.txt.
    problems = models.JSONField(default=list, blank=True)
    # Why the whole job failed, if it did.
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # When the worker last reported a report made: a running export that
    # stops moving has lost its worker (bulk.fail_if_stalled).
    progressed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

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

    @property
    def is_active(self) -> bool:
        """Waiting or being built: the progress page keeps refreshing."""
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    def has_expired(self, now=None) -> bool:
        from django.utils import timezone

        if self.status == ExportStatus.EXPIRED:
            return True
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())
