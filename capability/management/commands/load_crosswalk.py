"""Loads a crosswalk from an older edition to a newer one (format in
fixtures/README.md). Every problem is named, with its line and field, before
anything is written; loading the same file twice changes nothing; a
crosswalk that assessments were carried across cannot change."""

from pathlib import Path

from django.core.management import BaseCommand, CommandError

from capability.crosswalk_file import read
from capability.framework_file import read_checked
from capability.services import CrosswalkInUse, load_crosswalk


class Command(BaseCommand):
    help = "Load (or reload) a crosswalk between two framework editions. Safe to run repeatedly."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The crosswalk file (YAML).")
        parser.add_argument("--check", action="store_true", help="Check the file and write nothing.")

    def handle(self, *args, path: Path, check: bool, verbosity: int, **options):
        plan = read_checked(path, read)
        described = f"{plan.from_framework} to {plan.to_framework}"
        if check:
            if verbosity:
                self.stdout.write(f"{path.name} is a valid crosswalk from {described}.")
            return
        try:
            result = load_crosswalk(plan)
        except CrosswalkInUse as error:
            raise CommandError(f"{path.name}: {error} Nothing was loaded.") from None
        if verbosity:
            verb = "Loaded" if result.created else "Updated" if result.changed else "No change to"
            self.stdout.write(f"{verb} the crosswalk from {described}.")
