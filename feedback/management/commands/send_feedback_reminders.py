"""The daily 360° feedback job. It closes, by status, the rounds whose
closing date has passed, then emails a reminder to every rater who has not
responded, for the rounds whose reminder day is today (the practitioner
chooses how many days before closing). Run it once a day, for example from
cron:

    python manage.py send_feedback_reminders

Running it twice on the same day sends nothing the second time.
"""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Close overdue 360° feedback rounds and send today's reminders to raters who have not responded."

    def handle(self, *args, **options):
        from feedback.services import close_overdue_rounds, send_due_reminders

        closed = close_overdue_rounds()
        count = send_due_reminders()
        self.stdout.write(f"Closed {closed} round{'' if closed == 1 else 's'} past their closing date")
        self.stdout.write(f"Sent {count} reminder{'' if count == 1 else 's'}")
