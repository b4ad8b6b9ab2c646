"""Write a ZIP of the portfolio reports of every active practitioner of an
organisation, as the bulk export in the organisation admin area does, but at
once and to a file:

    python manage.py export_reports --organisation XN1 --output reports.zip [--packs]
"""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organisation


class Command(BaseCommand):
    help = "Write a ZIP of the portfolio reports (one PDF per practitioner) of an organisation."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="The organisation's ODS code, such as XN1.")
        parser.add_argument("--output", required=True, help="The ZIP file to write.")
        parser.add_argument(
            "--packs", action="store_true", help="Write packs (reports followed by the evidence files)."
        )

    def handle(self, *args, organisation, output, packs, **options):
        from organisations.selectors import practitioner_queryset
        from reports.bulk import write_reports_zip

        try:
            found = Organisation.objects.get(ods_code__iexact=organisation.strip())
        except Organisation.DoesNotExist:
            raise CommandError(f"There is no organisation with the ODS code {organisation}")
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"There is no folder {path.parent}")
        people = list(practitioner_queryset(found).prefetch_related(None))
        total = len(people)
        verbosity = options.get("verbosity", 1)

        def progress(done):
            if verbosity > 1 or (verbosity == 1 and (done == total or done % 10 == 0)):
                self.stdout.write(f"{done} of {total} done")

        # Written beside the output and renamed at the end, so a run that
        # stops half way leaves no half-written ZIP under the asked-for name.
        partial = path.with_name(path.name + ".part")
        try:
            with open(partial, "wb") as handle:
                problems = write_reports_zip(handle, found, people, include_packs=packs, on_progress=progress)
            os.replace(partial, path)
        finally:
            if partial.exists():
                partial.unlink()
        for problem in problems:
            self.stderr.write(f"Not included: {problem.line()}")
        made = total - len(problems)
        kind = "pack" if packs else "report"
        self.stdout.write(self.style.SUCCESS(
            f"Wrote {made} {kind}{'' if made == 1 else 's'} of {total} for {found.name} to {path}"
        ))
