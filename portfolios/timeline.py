"""A readable history of one assessment: workflow moves and every recorded
change to ratings, reflections, the appraiser's review, evidence included and
the development plan, with who made it and when. Built from the audit records
(django-simple-history) in a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime

from portfolios.models import (
    AppraiserRating,
    AssessmentEvidence,
    AssessmentTransition,
    CapabilityRating,
    DevelopmentObjective,
)


@dataclass
class Entry:
    when: datetime
    who: str
    what: str
    details: list[tuple[str, str, str]]  # (field, old, new)
    comment: str = ""


FIELD_LABELS = {
    "level": "rating",
    "reflection": "reflection",
    "development_priority": "development priority",
    "comment": "comment",
    "objective": "objective",
    "actions": "actions",
    "support": "support needed",
    "target_date": "target date",
    "status": "status",
    "status_note": "note",
}


def _name(user) -> str:
    return user.full_name if user else "The service"


def _changes(records, fields, describe):
    """Turn history records (oldest first) into entries: creations, deletions
    and field-by-field changes against the previous record of the same row."""
    entries, previous = [], {}
    for record in records:
        before = previous.get(record.id)
        subject = describe(record)
        if record.history_type == "+":
            details = [(FIELD_LABELS.get(f, f), "", _show(record, f)) for f in fields if _show(record, f)]
            entries.append(Entry(record.history_date, _name(record.history_user), f"Added {subject}", details))
        elif record.history_type == "-":
            entries.append(Entry(record.history_date, _name(record.history_user), f"Removed {subject}", []))
        elif before is not None:
            details = [
                (FIELD_LABELS.get(f, f), _show(before, f), _show(record, f))
                for f in fields if _show(before, f) != _show(record, f)
            ]
            if details:
                entries.append(Entry(record.history_date, _name(record.history_user), f"Changed {subject}", details))
        previous[record.id] = record
    return entries


def _show(record, field) -> str:
    value = getattr(record, field, "")
    if field == "level":
        return str(record.level) if record.level_id else "not yet rated"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def assessment_timeline(assessment) -> list[Entry]:
    entries = [
        Entry(t.created_at, _name(t.actor), f"{t.get_from_status_display()} → {t.get_to_status_display()}", [],
              t.comment)
        for t in AssessmentTransition.objects.filter(assessment=assessment).select_related("actor")
    ]
    entries += _changes(
        CapabilityRating.history.filter(assessment_id=assessment.pk)
        .select_related("history_user", "level", "capability").order_by("history_date", "history_id"),
        ["level", "reflection", "development_priority"],
        lambda r: f"your rating of capability {r.capability.number}",
    )
    entries += _changes(
        AppraiserRating.history.filter(assessment_id=assessment.pk)
        .select_related("history_user", "level", "capability").order_by("history_date", "history_id"),
        ["level", "comment"],
        lambda r: f"the appraiser's rating of capability {r.capability.number}",
    )
    entries += _changes(
        AssessmentEvidence.history.filter(assessment_id=assessment.pk)
        .select_related("history_user", "evidence").order_by("history_date", "history_id"),
        [],
        lambda r: f"evidence “{r.evidence.title}”" if r.evidence else "evidence that has since been deleted",
    )
    entries += _changes(
        DevelopmentObjective.history.filter(assessment_id=assessment.pk)
        .select_related("history_user").order_by("history_date", "history_id"),
        ["objective", "actions", "support", "target_date", "status", "status_note"],
        lambda r: f"objective “{r.objective}”",
    )
    return sorted(entries, key=lambda e: e.when, reverse=True)
