"""Delete bulk export files that have expired (7 days after they were ready)
and mark their jobs expired; mark as failed the exports that were never
finished (still waiting or running 7 days on, or running with no report made
for 15 minutes: their worker stopped). Run it daily, for example from cron:

    python manage.py expire_exports
"""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Delete expired bulk export files and mark their jobs expired."

    def handle(self, *args, **options):
        from reports.bulk import expire_due, fail_abandoned, fail_stalled

        count = expire_due()
        self.stdout.write(f"Expired {count} export{'' if count == 1 else 's'}")
        abandoned = fail_stalled() + fail_abandoned()
        if abandoned:
            self.stdout.write(f"Marked {abandoned} unfinished export{'' if abandoned == 1 else 's'} as failed")
