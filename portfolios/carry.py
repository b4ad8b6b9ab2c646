"""Carrying an assessment across a crosswalk: what a new assessment on a
newer edition takes from one on an older edition (issue 18, point 4).

Called by portfolios.services.start_assessment, inside its transaction. The
rules, for each capability of the newer edition and the older capabilities
that map onto it (capability.models.CrosswalkLink):

- rating: the older rating's level value, on the newer edition's scale, if
  that scale has the value. Where several older capabilities map onto one
  (many to one), the lowest of their ratings: a practitioner is asked to
  review what was carried, and starting low never overstates;
- reflection: the older reflection; from several, each whole one in turn,
  headed with the capability it came from, while they fit the reflection's
  length (one that does not fit is left out, and listed as not carried);
- development priority: if any of them was one;
- evidence: every item of the older assessment is included (its latest
  version), and an item mapped to an older capability is mapped to the
  newer ones it maps onto too (an item in a submitted or signed record gets
  a new version first, so that record does not change).

Older capabilities with no equivalent carry nothing, and are listed with
their rating for the practitioner to review. Every pair is kept as a
CarriedOver row.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from simple_history.utils import bulk_create_with_history

from capability.models import Crosswalk, CrosswalkLink
from portfolios.evidence_versions import held_by_a_record, latest_version, new_version
from portfolios.models import (
    REFLECTION_MAX_LENGTH,
    Assessment,
    CarriedOver,
    EvidenceCapabilityLink,
    EvidenceItem,
)


@dataclass
class Carried:
    """What the new assessment's rating of one capability starts with."""

    level_id: int | None = None
    reflection: str = ""
    development_priority: bool = False


@dataclass
class CarryPlan:
    ratings: dict[int, Carried] = field(default_factory=dict)  # newer capability id → what it starts with
    targets: dict[int, list[int]] = field(default_factory=dict)  # older capability id → newer ids
    rows: list[CarriedOver] = field(default_factory=list)  # without their assessment yet


def crosswalk_between(older: Assessment, framework) -> Crosswalk | None:
    return Crosswalk.objects.filter(from_framework_id=older.framework_id, to_framework=framework).first()


def plan(*, crosswalk: Crosswalk, older: Assessment, scale) -> CarryPlan:
    """What carrying ``older`` across ``crosswalk`` gives, onto ``scale``
    (the new assessment's). Reads; writes nothing."""
    links = list(CrosswalkLink.objects.filter(crosswalk=crosswalk).select_related("source", "target"))
    ratings = {r.capability_id: r for r in older.ratings.select_related("level")}
    levels_by_value = {level.value: level for level in scale.levels.all()}
    sources_of = defaultdict(list)
    result = CarryPlan()
    for link in links:
        result.targets.setdefault(link.source_id, [])
        if link.target_id is None:
            rating = ratings.get(link.source_id)
            result.rows.append(CarriedOver(crosswalk=crosswalk, source=link.source, target=None,
                                           source_level=rating.level if rating else None))
            continue
        result.targets[link.source_id].append(link.target_id)
        sources_of[link.target].append(link.source)
    for target, sources in sources_of.items():
        sources.sort(key=lambda capability: capability.number)
        rated = [ratings[s.pk].level for s in sources if s.pk in ratings and ratings[s.pk].level_id]
        lowest = min(rated, key=lambda level: level.value) if rated else None
        carried_level = levels_by_value.get(lowest.value) if lowest else None
        reflection, carried_reflections = _reflections(sources, ratings)
        result.ratings[target.pk] = Carried(
            level_id=carried_level.pk if carried_level else None,
            reflection=reflection,
            development_priority=any(ratings[s.pk].development_priority for s in sources if s.pk in ratings),
        )
        for source in sources:
            rating = ratings.get(source.pk)
            result.rows.append(CarriedOver(
                crosswalk=crosswalk, source=source, target=target,
                source_level=rating.level if rating else None,
                carried_level=bool(carried_level and rating and rating.level_id
                                   and rating.level.value == carried_level.value),
                carried_reflection=source.pk in carried_reflections,
            ))
    return result


def _reflections(sources, ratings) -> tuple[str, set[int]]:
    written = [(s, ratings[s.pk].reflection.strip()) for s in sources if s.pk in ratings and ratings[s.pk].reflection.strip()]
    if len(written) == 1:
        source, text = written[0]
        return (text, {source.pk}) if len(text) <= REFLECTION_MAX_LENGTH else ("", set())
    parts, carried = [], set()
    for source, text in written:
        part = f"From capability {source.number}:\n{text}"
        if len("\n\n".join([*parts, part])) <= REFLECTION_MAX_LENGTH:
            parts.append(part)
            carried.add(source.pk)
    return "\n\n".join(parts), carried


def carried_over(assessment: Assessment) -> dict:
    """What the assessment carried across a crosswalk, for its pages: the
    newer capabilities with where each came from, and the older ones with
    no equivalent. Empty when it carried nothing. One query."""
    rows = list(
        CarriedOver.objects.filter(assessment=assessment)
        .select_related("source", "target", "source_level", "crosswalk__from_framework")
        .order_by("target__number", "source__number")
    )
    if not rows:
        return {}
    by_target = defaultdict(list)
    for row in rows:
        if row.target_id:
            by_target[row.target].append(row)
    return {
        "from_framework": rows[0].crosswalk.from_framework,
        "carried": sorted(by_target.items(), key=lambda pair: pair[0].number),
        "no_equivalent": [row for row in rows if row.target_id is None],
    }


def carry_evidence(*, older: Assessment, targets: dict[int, list[int]] | None) -> tuple[list[EvidenceItem], dict]:
    """The older assessment's evidence, each item at its latest version, for
    the new assessment to include, and how many items each (older, newer)
    capability pair carried. With ``targets`` (a crosswalk's older → newer
    capability ids), each item mapped to an older capability is mapped to
    the newer ones too; an item that a submitted or signed record holds gets
    a new version first, so that record does not change."""
    items, carried = [], defaultdict(int)
    for item in EvidenceItem.objects.filter(assessment_links__assessment=older):
        try:
            item = latest_version(item)
        except ValidationError:
            continue  # deleted from the live portfolio since
        linked = set(item.capability_links.values_list("capability_id", flat=True))
        for source in linked:
            for target in (targets or {}).get(source, []):
                carried[(source, target)] += 1
        adding = sorted({target for source in linked for target in (targets or {}).get(source, [])} - linked)
        if adding:
            if held_by_a_record(item):
                item, _ = new_version(item)
            bulk_create_with_history(
                [EvidenceCapabilityLink(evidence=item, capability_id=pk, owner_id=item.owner_id) for pk in adding],
                EvidenceCapabilityLink, default_user=item.owner,
            )
        items.append(item)
    return items, dict(carried)
