from django.core.management import BaseCommand, call_command

FRAMEWORK_FIXTURES = ["consultant_framework", "consultant_impact"]


class Command(BaseCommand):
    help = "Load (or reload) the consultant-level practice framework. Safe to run repeatedly."

    def handle(self, *args, **options):
        call_command("loaddata", *FRAMEWORK_FIXTURES, verbosity=options["verbosity"])
