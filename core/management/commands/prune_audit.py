"""The audit retention job: the only way an entry leaves the audit trail.

Removes the complete audit history of records that were deleted before a
date (their last entry is the deletion), table by table, and records each
removal in the audit retention table, which is itself append-only and
chained. Histories of records that still exist are never touched, so every
chain that stays still verifies (manage.py verify_audit).

    python manage.py prune_audit --deleted-before 2019-04-01 --reason "8 years after deletion (records policy)"

PostgreSQL only. Use --dry-run first to see what would go.
"""

import datetime

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from core import audit
from core.models import AuditRetention


class Command(BaseCommand):
    help = "Remove the audit history of records deleted before a date, and record that it was removed."

    def add_arguments(self, parser):
        parser.add_argument("--deleted-before", required=True, type=datetime.date.fromisoformat,
                            help="YYYY-MM-DD: records deleted before this date lose their history")
        parser.add_argument("--reason", required=True, help="Why, for the record (for example the policy)")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be removed, remove nothing")

    def handle(self, *args, deleted_before, reason, dry_run, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The audit trail is append-only on PostgreSQL only; there is nothing to prune here.")
        if deleted_before > datetime.date.today():
            raise CommandError("The date must not be in the future")
        tables = [table for table in audit.audit_tables(apps) if table.order == "history_id"]
        with transaction.atomic():
            for table in tables:
                records, entries = audit.prune(table, deleted_before=deleted_before, reason=reason)
                if not entries:
                    continue
                self.stdout.write(f"{table.table}: {entries} entries of {records} deleted records")
                if not dry_run:
                    AuditRetention.objects.create(table_name=table.table, records=records, entries=entries,
                                                  deleted_before=deleted_before, reason=reason)
            if dry_run:
                transaction.set_rollback(True)
                self.stdout.write("Dry run: nothing was removed.")
