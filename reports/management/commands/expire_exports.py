"""Delete bulk export files that have expired (7 days after they were ready)
and people's packs and large reports (24 hours after), and mark their jobs
expired; mark as failed those that were never finished (still waiting or
running 7 days on for an export, a day for a pack, or running with no
progress for 15 minutes: their worker stopped). Run it daily, for example
from cron:

    python manage.py expire_exports
"""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Delete expired bulk exports, packs and large reports, and mark their jobs expired."

    def handle(self, *args, **options):
        from reports import bulk, report_jobs

        count = bulk.expire_due()
        self.stdout.write(f"Expired {count} export{'' if count == 1 else 's'}")
        abandoned = bulk.fail_stalled() + bulk.fail_abandoned()
        if abandoned:
            self.stdout.write(f"Marked {abandoned} unfinished export{'' if abandoned == 1 else 's'} as failed")
        count = report_jobs.expire_due()
        self.stdout.write(f"Expired {count} pack{'' if count == 1 else 's'} and large report{'' if count == 1 else 's'}")
        unfinished = report_jobs.fail_unfinished()
        if unfinished:
            self.stdout.write(f"Marked {unfinished} unfinished pack{'' if unfinished == 1 else 's'} as failed")
