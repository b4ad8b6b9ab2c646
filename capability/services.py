"""Rules about framework editions."""

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.core.management import CommandError
from django.db import transaction

from capability.crosswalk_file import CrosswalkPlan
from capability.models import (
    Capability,
    CapabilityElement,
    Crosswalk,
    CrosswalkElementLink,
    CrosswalkLink,
    ElementBullet,
    Framework,
    Pillar,
    RatingLevel,
    TransitionPoint,
)


def is_in_use(framework: Framework) -> bool:
    """An edition is in use, and so frozen, once any assessment is on it."""
    return framework.assessments.exists()


def content_fingerprint(framework: Framework, *, more=()) -> str:
    """A digest of the edition's capability content (and of `more`: rows of
    content that apps above this one keep about it, such as the impact
    framework), to detect a change to an edition that is in use."""
    digest = hashlib.sha256()
    parts = [
        Framework.objects.filter(pk=framework.pk).values_list(
            "expected_level", "evidence_per_capability_low", "evidence_per_capability_high",
            "evidence_per_pillar_low", "evidence_per_pillar_high", "evidence_guide_source"),
        Pillar.objects.filter(framework=framework).order_by("order").values_list("slug", "name", "purpose", "goes_beyond"),
        framework.capabilities.order_by("number").values_list("number", "pillar__slug", "statement"),
        CapabilityElement.objects.filter(capability__framework=framework)
        .order_by("capability__number", "order").values_list("number", "text"),
        ElementBullet.objects.filter(element__capability__framework=framework)
        .order_by("element__capability__number", "element__order", "order").values_list("level", "text"),
        RatingLevel.objects.filter(scale__framework=framework).order_by("scale__slug", "value")
        .values_list("value", "label", "descriptor"),
        *more,
    ]
    for rows in parts:
        for row in rows:
            digest.update(repr(row).encode())
    return digest.hexdigest()


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


class CrosswalkInUse(Exception):
    """A crosswalk that assessments were carried across cannot change."""


@dataclass(frozen=True)
class CrosswalkLoaded:
    crosswalk: Crosswalk
    created: bool
    changed: bool


@transaction.atomic
def load_crosswalk(plan: CrosswalkPlan) -> CrosswalkLoaded:
    """Write a checked crosswalk (capability.crosswalk_file.read). Loading
    the same file twice changes nothing; once any assessment has been carried
    across it (portfolios' CarriedOver rows), a changed file is refused with
    nothing written."""
    older, newer = plan.from_framework, plan.to_framework
    capabilities = {
        (c.framework_id, c.number): c.pk for c in Capability.objects.filter(framework__in=[older, newer])
    }
    elements = {
        (e.capability.framework_id, e.number): e.pk
        for e in CapabilityElement.objects.filter(capability__framework__in=[older, newer]).select_related("capability")
    }
    links = {
        (group, capabilities[(older.pk, source)], capabilities[(newer.pk, target)] if target else None)
        for group, mapping in enumerate(plan.mappings, start=1)
        for source in mapping.sources
        for target in (mapping.targets or (None,))
    }
    element_links = {
        (elements[(older.pk, mapping.source)], elements[(newer.pk, target)] if target else None)
        for mapping in plan.element_mappings
        for target in (mapping.targets or (None,))
    }
    crosswalk = Crosswalk.objects.select_for_update().filter(from_framework=older, to_framework=newer).first()
    created = crosswalk is None
    if created:
        crosswalk = Crosswalk.objects.create(from_framework=older, to_framework=newer, description=plan.description)
    else:
        stored = set(crosswalk.links.values_list("group", "source_id", "target_id"))
        stored_elements = set(crosswalk.element_links.values_list("source_id", "target_id"))
        if (stored, stored_elements, crosswalk.description) == (links, element_links, plan.description):
            return CrosswalkLoaded(crosswalk, created=False, changed=False)
        if crosswalk.carried.exists():
            raise CrosswalkInUse(
                f"Assessments have been carried across the crosswalk from {older} to {newer}, so it cannot change."
            )
        crosswalk.links.all().delete()
        crosswalk.element_links.all().delete()
        Crosswalk.objects.filter(pk=crosswalk.pk).update(description=plan.description)
    CrosswalkLink.objects.bulk_create(
        CrosswalkLink(crosswalk=crosswalk, group=group, source_id=source, target_id=target)
        for group, source, target in sorted(links, key=lambda link: (link[0], link[1], link[2] or 0))
    )
    CrosswalkElementLink.objects.bulk_create(
        CrosswalkElementLink(crosswalk=crosswalk, source_id=source, target_id=target)
        for source, target in sorted(element_links, key=lambda link: (link[0], link[1] or 0))
    )
    return CrosswalkLoaded(crosswalk, created=created, changed=True)
