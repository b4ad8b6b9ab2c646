"""Loads one framework edition from a framework file (format in
fixtures/README.md). Every problem in the file is named, with its line and
field, before anything is written; loading the same file twice changes
nothing; an edition in use cannot change. In the impact app because an
edition's file holds its impact framework too."""

from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError

from capability.framework_file import parse, read_checked
from impact.framework_loader import EditionInUse, load_edition

CONSULTANT_FRAMEWORK_FILE = Path(settings.BASE_DIR) / "fixtures" / "consultant-level-practice.yaml"


class Command(BaseCommand):
    help = "Load (or reload) a framework edition from a framework file. Safe to run repeatedly."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", type=Path, default=CONSULTANT_FRAMEWORK_FILE,
            help="The framework file (YAML). Without one, the consultant-level practice framework.",
        )
        parser.add_argument("--check", action="store_true", help="Check the file and write nothing.")

    def handle(self, *args, path: Path, check: bool, verbosity: int, **options):
        edition = read_checked(path, parse)
        if check:
            if verbosity:
                self.stdout.write(f"{path.name} is a valid framework file for {edition.name} ({edition.version}).")
            return
        try:
            result = load_edition(edition)
        except EditionInUse as error:
            raise CommandError(f"{path.name}: {error} Nothing was loaded.") from None
        if verbosity:
            verb = "Loaded" if result.created else "Updated" if result.changed else "No change to"
            self.stdout.write(f"{verb} {result.framework}.")
