"""Rules about framework editions."""

import csv
import hashlib
from pathlib import Path

from django.core.management import CommandError

from capability.models import (
    CapabilityElement,
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
