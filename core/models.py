"""The one model of core: the record of what the audit retention job removed."""

from django.db import models

from core.audit import ChainedHistory


class AuditRetention(ChainedHistory):
    """One run of ``manage.py prune_audit`` on one audit table: what it
    removed and why. Itself an audit table (append-only and chained), so the
    only way out of the audit trail leaves a trace in it."""

    table_name = models.CharField(max_length=100)
    records = models.PositiveIntegerField()
    entries = models.PositiveIntegerField()
    deleted_before = models.DateField()
    reason = models.CharField(max_length=300)
    run_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run_at", "id"]

    def __str__(self) -> str:
        return f"{self.entries} entries of {self.records} records removed from {self.table_name}"
