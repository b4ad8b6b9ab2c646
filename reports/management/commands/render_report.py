"""Render the portfolio report (or pack) of a practitioner's assessment to a
file, without a browser: for checking how the report looks, and for support.

    python manage.py render_report aisha.khan@northfield.example --output report.pdf
    python manage.py render_report aisha.khan@northfield.example --assessment UUID --output pack.pdf --pack
    python manage.py render_report aisha.khan@northfield.example --output report.pdf --html report.html
"""

import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from portfolios.models import Assessment
from reports.portfolio import build_report


class Command(BaseCommand):
    help = "Render the portfolio report of a practitioner's assessment (their latest, unless one is chosen) to a PDF."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The practitioner's email address")
        parser.add_argument("--assessment", help="The assessment's ID (default: the practitioner's latest)")
        parser.add_argument("--output", required=True, help="Where to write the PDF")
        parser.add_argument("--html", help="Also write the HTML given to WeasyPrint here")
        parser.add_argument("--pack", action="store_true", help="The pack: the report followed by the evidence files")

    def handle(self, *args, email, assessment=None, output, html=None, pack=False, **options):
        try:
            practitioner = User.objects.get(email__iexact=email.strip())
        except User.DoesNotExist:
            raise CommandError(f"No one has the email address {email}")
        assessments = Assessment.objects.for_practitioner(practitioner)
        if assessment:
            try:
                assessment_id = uuid.UUID(assessment)
            except ValueError:
                raise CommandError(f"{assessment} is not an assessment ID")
            chosen = assessments.filter(pk=assessment_id).first()
            if chosen is None:
                raise CommandError(f"{practitioner.email} has no assessment {assessment}")
        else:
            chosen = assessments.latest_first().first()
            if chosen is None:
                raise CommandError(f"{practitioner.email} has no assessments")

        report = build_report(chosen, pack=pack)
        try:
            Path(output).write_bytes(report.pdf)
            if html:
                Path(html).write_text(report.html, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Could not write the report: {error}")
        self.stdout.write(
            f"Wrote {output} ({len(report.pdf):,} bytes) for “{chosen.title}” of {practitioner.full_name}"
        )
        if html:
            self.stdout.write(f"Wrote {html}")
