"""Loads a whole framework edition: its capabilities and rating scale
(capability) and its impact framework (impact), so it lives in the higher
of the two apps."""

from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError, call_command
from django.db import transaction

from capability.models import Framework
from capability.services import is_in_use, load_transition_points
from impact.services import content_fingerprint

CONSULTANT_FRAMEWORK = "consultant-level-practice"
FRAMEWORK_FIXTURES = ["consultant_framework", "consultant_impact", "consultant_rating_scale"]
# From the Centre for Advancing Practice's consultant-level self-assessment
# guidance; a copy of ../shared/data/transition_points.csv kept in the repo so
# a clone is complete on its own.
TRANSITION_POINTS_CSV = Path(settings.BASE_DIR) / "fixtures" / "consultant_transition_points.csv"


class Command(BaseCommand):
    help = "Load (or reload) the consultant-level practice framework. Safe to run repeatedly."

    def handle(self, *args, **options):
        with transaction.atomic():
            existing = Framework.objects.filter(slug=CONSULTANT_FRAMEWORK).first()
            frozen = existing is not None and is_in_use(existing)
            before = content_fingerprint(existing) if frozen else None
            call_command("loaddata", *FRAMEWORK_FIXTURES, verbosity=options["verbosity"])
            framework = Framework.objects.get(slug=CONSULTANT_FRAMEWORK)
            if frozen and content_fingerprint(framework) != before:
                raise CommandError(
                    f"{framework} is in use by assessments, so its content cannot change. "
                    "Publish the changed content as a new edition (a new framework slug) instead."
                )
            updated = load_transition_points(framework, TRANSITION_POINTS_CSV)
            # Past the revision before loaddata, which puts the fixture's
            # default back.
            Framework.objects.filter(pk=framework.pk).update(
                structure_revision=(existing.structure_revision if existing else 0) + 1
            )
        if options["verbosity"]:
            self.stdout.write(f"Set the transition point of {updated} elements.")
