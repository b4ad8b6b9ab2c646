"""Rules about framework editions."""

import hashlib

from capability.models import CapabilityElement, ElementBullet, Framework, Pillar, RatingLevel


def is_in_use(framework: Framework) -> bool:
    """An edition is in use, and so frozen, once any assessment is on it."""
    return framework.assessments.exists()


def content_fingerprint(framework: Framework) -> str:
    """A digest of everything an assessment on this edition depends on, to
    detect a change to an edition that is in use."""
    from impact.models import EvidenceExample, ImpactStatement

    digest = hashlib.sha256()
    parts = [
        Pillar.objects.filter(framework=framework).order_by("order").values_list("slug", "name", "purpose", "goes_beyond"),
        framework.capabilities.order_by("number").values_list("number", "pillar__slug", "statement"),
        CapabilityElement.objects.filter(capability__framework=framework)
        .order_by("capability__number", "order").values_list("number", "text"),
        ElementBullet.objects.filter(element__capability__framework=framework)
        .order_by("element__capability__number", "element__order", "order").values_list("level", "text"),
        ImpactStatement.objects.filter(pillar__framework=framework).order_by("pillar__order", "order").values_list("text"),
        EvidenceExample.objects.filter(impact_statement__pillar__framework=framework)
        .order_by("impact_statement__pillar__order", "impact_statement__order", "order").values_list("text"),
        RatingLevel.objects.filter(scale__framework=framework).order_by("scale__slug", "value")
        .values_list("value", "label", "descriptor"),
    ]
    for rows in parts:
        for row in rows:
            digest.update(repr(row).encode())
    return digest.hexdigest()
