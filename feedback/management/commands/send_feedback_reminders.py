"""Email a reminder to every 360° feedback rater who has not responded, for
the rounds whose reminder day is today (the practitioner chooses how many
days before closing). Run it once a day, for example from cron:

    python manage.py send_feedback_reminders

Running it twice on the same day sends nothing the second time.
"""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Send today's automatic reminders to 360° feedback raters who have not responded."

    def handle(self, *args, **options):
        from feedback.services import send_due_reminders

        count = send_due_reminders()
        self.stdout.write(f"Sent {count} reminder{'' if count == 1 else 's'}")
