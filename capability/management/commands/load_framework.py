import csv
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError, call_command
from django.db import transaction

from capability.models import CapabilityElement, Framework, TransitionPoint
from capability.services import content_fingerprint, is_in_use
from portfolios import page_cache

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
            page_cache.everything_changed()
        if options["verbosity"]:
            self.stdout.write(f"Set the transition point of {updated} elements.")


def load_transition_points(framework: Framework, path: Path) -> int:
    """Set each element's transition point from a CSV of element,transition_point."""
    elements = {e.number: e for e in CapabilityElement.objects.filter(capability__framework=framework)}
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        number, point = row["element"].strip(), row["transition_point"].strip()
        if number not in elements:
            raise CommandError(f"{path.name}: element {number} is not in {framework}")
        if point not in TransitionPoint.values:
            raise CommandError(f"{path.name}: {point!r} for element {number} is not a known transition point")
        elements[number].transition_point = point
    CapabilityElement.objects.bulk_update(elements.values(), ["transition_point"])
    return len(rows)
