"""Writing a checked framework file (capability.framework_file) into the
database, and writing an edition back out as such a file.

In the impact app because an edition's file holds its impact framework too,
and this app sits above capability. Rows are found by their natural keys, so
loading the same file twice changes nothing. An edition in use by any
assessment is frozen: a file that would change its content is refused and
nothing is written; only transition points and the plain-English wording
(written for this service, not the framework's text) may change in use.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from django.db import transaction
from django.db.models import F

from capability.framework_file import FORMAT, Edition
from capability.models import (
    Capability, CapabilityElement, ElementBullet, Framework, Pillar, RatingLevel, RatingScale,
)
from capability.services import is_in_use

from .models import EvidenceExample, ImpactStatement
from .services import content_fingerprint


class EditionInUse(Exception):
    """The file would change the content of an edition assessments use."""


@dataclass(frozen=True)
class LoadResult:
    framework: Framework
    created: bool
    changed: bool


def _sync(queryset, wanted: dict, make) -> None:
    """Make `queryset`'s rows, keyed by natural key, exactly `wanted`
    (key -> field values): update what differs, create what is missing,
    delete what the file no longer has."""
    existing = {row.sync_key: row for row in queryset}
    for key in set(existing) - set(wanted):
        existing.pop(key).delete()
    # Orders are unique per parent, so rows that move are first put out of
    # the way; a row that does not move is not written at all.
    moving = [row for key, row in existing.items()
              if key in wanted and "order" in wanted[key] and row.order != wanted[key]["order"]]
    if moving:
        type(moving[0]).objects.filter(pk__in=[row.pk for row in moving]).update(order=F("order") + 10000)
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            make(key, values)
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.save(update_fields=list(values))


def _keyed(queryset, *names):
    rows = list(queryset)
    for row in rows:
        row.sync_key = tuple(getattr(row, name) for name in names) if len(names) > 1 else getattr(row, names[0])
    return rows


def _write(framework: Framework, edition: Edition) -> None:
    _sync(_keyed(Pillar.objects.filter(framework=framework), "slug"), {
        p.slug: {"order": i, "name": p.name, "heading": p.heading, "summary": p.summary,
                 "is_foundation": p.is_foundation, "purpose": p.purpose, "goes_beyond": p.goes_beyond,
                 "note": p.note, "impact_purpose": p.impact_purpose}
        for i, p in enumerate(edition.pillars, start=1)
    }, lambda key, values: Pillar.objects.create(framework=framework, slug=key, **values))
    pillars = {p.slug: p for p in Pillar.objects.filter(framework=framework)}

    _sync(_keyed(Capability.objects.filter(framework=framework), "number"), {
        c.number: {"pillar_id": pillars[p.slug].pk, "statement": c.statement, "plain_english": c.plain_english}
        for p in edition.pillars for c in p.capabilities
    }, lambda key, values: Capability.objects.create(framework=framework, number=key, **values))
    capabilities = {c.number: c for c in Capability.objects.filter(framework=framework)}

    for pillar in edition.pillars:
        for spec in pillar.capabilities:
            capability = capabilities[spec.number]
            _sync(_keyed(capability.elements.all(), "number"), {
                e.number: {"order": i, "text": e.text, "transition_point": e.transition_point}
                for i, e in enumerate(spec.elements, start=1)
            }, lambda key, values, capability=capability: CapabilityElement.objects.create(
                capability=capability, number=key, **values))
            elements = {e.number: e for e in capability.elements.all()}
            for element_spec in spec.elements:
                element = elements[element_spec.number]
                _sync(_keyed(element.bullets.all(), "order"), {
                    i: {"level": b.level, "text": b.text} for i, b in enumerate(element_spec.bullets, start=1)
                }, lambda key, values, element=element: ElementBullet.objects.create(
                    element=element, order=key, **values))
        _write_impact(pillars[pillar.slug], pillar)

    _sync(_keyed(RatingScale.objects.filter(framework=framework), "slug"), {
        s.slug: {"name": s.name, "is_default": s.is_default} for s in edition.rating_scales
    }, lambda key, values: RatingScale.objects.create(framework=framework, slug=key, **values))
    scales = {s.slug: s for s in RatingScale.objects.filter(framework=framework)}
    for spec in edition.rating_scales:
        scale = scales[spec.slug]
        _sync(_keyed(scale.levels.all(), "value"), {
            level.value: {"label": level.label, "descriptor": level.descriptor} for level in spec.levels
        }, lambda key, values, scale=scale: RatingLevel.objects.create(scale=scale, value=key, **values))


def _write_impact(pillar: Pillar, spec) -> None:
    _sync(_keyed(pillar.impact_statements.all(), "order"), {
        i: {"text": s.text} for i, s in enumerate(spec.impact_statements, start=1)
    }, lambda key, values: ImpactStatement.objects.create(pillar=pillar, order=key, **values))
    statements = {s.order: s for s in pillar.impact_statements.all()}
    for i, statement_spec in enumerate(spec.impact_statements, start=1):
        statement = statements[i]
        _sync(_keyed(statement.examples.all(), "order"), {
            j: {"text": text} for j, text in enumerate(statement_spec.examples, start=1)
        }, lambda key, values, statement=statement: EvidenceExample.objects.create(
            impact_statement=statement, order=key, **values))


FRAMEWORK_FIELDS = ("name", "short_name", "version", "publisher", "year", "description")


def _framework_values(edition: Edition) -> dict:
    guidance = edition.guidance
    per_capability = guidance.evidence_per_capability or (None, None)
    per_pillar = guidance.evidence_per_pillar or (None, None)
    return {
        **{name: getattr(edition, name) for name in FRAMEWORK_FIELDS},
        "expected_level": guidance.expected_level,
        "evidence_per_capability_low": per_capability[0], "evidence_per_capability_high": per_capability[1],
        "evidence_per_pillar_low": per_pillar[0], "evidence_per_pillar_high": per_pillar[1],
        "evidence_guide_source": guidance.source,
    }


def load_edition(edition: Edition) -> LoadResult:
    """Write the edition a checked file describes. Raises EditionInUse, with
    nothing written, if it would change an edition that is in use."""
    with transaction.atomic():
        framework = Framework.objects.select_for_update().filter(slug=edition.slug).first()
        created = framework is None
        before = None if created else dump(framework)
        frozen = not created and is_in_use(framework)
        fingerprint = content_fingerprint(framework) if frozen else None
        if created:
            framework = Framework.objects.create(
                slug=edition.slug, is_current=not Framework.objects.filter(is_current=True).exists(),
                **_framework_values(edition),
            )
        else:
            Framework.objects.filter(pk=framework.pk).update(**_framework_values(edition))
        _write(framework, edition)
        framework.refresh_from_db()
        if frozen and content_fingerprint(framework) != fingerprint:
            transaction.set_rollback(True)
            raise EditionInUse(
                f"{framework} is used by assessments, so its content cannot change. "
                "Publish the changed content as a new edition (a new framework slug) instead."
            )
        changed = created or dump(framework) != before
        if changed:
            # Processes keep an edition's structure under its revision
            # (capability/structure.py): moving it on shows them the change.
            Framework.objects.filter(pk=framework.pk).update(structure_revision=framework.structure_revision + 1)
            framework.refresh_from_db()
    return LoadResult(framework=framework, created=created, changed=changed)


def _dump_guidance(framework: Framework) -> dict:
    guidance = {}
    if framework.expected_level is not None:
        guidance["expected_level"] = framework.expected_level
    for key, value in (("evidence_per_capability", framework.guide_per_capability),
                       ("evidence_per_pillar", framework.guide_per_pillar)):
        if value is not None:
            guidance[key] = {"low": value[0], "high": value[1]}
    if framework.evidence_guide_source:
        guidance["source"] = framework.evidence_guide_source
    return guidance


def dump(framework: Framework) -> str:
    """The edition as a framework file: what load_edition would load to make
    it again, field for field."""
    def optional(**values):
        return {key: value for key, value in values.items() if value not in ("", False, None, [])}

    pillars = []
    for pillar in Pillar.objects.filter(framework=framework).order_by("order"):
        capabilities = []
        for capability in pillar.capabilities.order_by("number"):
            elements = []
            for element in capability.elements.order_by("order"):
                bullets = [b.text if b.level == 0 else {"text": b.text, "level": b.level}
                           for b in element.bullets.order_by("order")]
                elements.append({"number": element.number, "text": element.text,
                                 **optional(transition_point=element.transition_point, bullets=bullets)})
            capabilities.append({"number": capability.number, "statement": capability.statement,
                                 **optional(plain_english=capability.plain_english, elements=elements)})
        statements = [
            {"text": s.text, **optional(examples=[e.text for e in s.examples.order_by("order")])}
            for s in pillar.impact_statements.order_by("order")
        ]
        pillars.append({
            "slug": pillar.slug, "name": pillar.name,
            **optional(heading=pillar.heading, summary=pillar.summary, foundation=pillar.is_foundation),
            "purpose": pillar.purpose,
            **optional(goes_beyond=pillar.goes_beyond, note=pillar.note, impact_purpose=pillar.impact_purpose,
                       capabilities=capabilities, impact_statements=statements),
        })
    document = {
        "format": FORMAT,
        "framework": {"slug": framework.slug, "name": framework.name,
                      **optional(short_name=framework.short_name),
                      "version": framework.version, "publisher": framework.publisher, "year": framework.year,
                      **optional(description=framework.description)},
        "rating_scales": [
            {"slug": s.slug, "name": s.name, **optional(default=s.is_default),
             "levels": [{"value": level.value, "label": level.label, "descriptor": level.descriptor}
                        for level in s.levels.order_by("value")]}
            for s in RatingScale.objects.filter(framework=framework).order_by("slug")
        ],
        **({"guidance": guidance} if (guidance := _dump_guidance(framework)) else {}),
        "pillars": pillars,
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
