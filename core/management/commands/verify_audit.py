"""Check every chain of the audit trail (core/audit.py) and name the first
broken entry. Exits 1 when one is broken, so a scheduler or monitor can
alert; keep its output somewhere other than the database, as a record of
the trail's state on that day.

    python manage.py verify_audit
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from core import audit


class Command(BaseCommand):
    help = "Check that no audit entry has been changed, removed or reordered since it was written."

    def handle(self, *args, **options):
        tables = audit.audit_tables(apps)
        state = audit.verify(tables)
        if not state.available:
            self.stdout.write("The audit chain is kept on PostgreSQL only: nothing to check on this database.")
            return
        if state.broken is not None:
            raise CommandError(f"The audit trail is broken: {state.broken}.")
        self.stdout.write(f"The audit trail is intact: {state.entries} entries in {len(tables)} tables checked.")
