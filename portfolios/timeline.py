"""A readable history of one assessment: workflow moves and every recorded
change to ratings, reflections, the appraiser's review, evidence included and
the development plan, with who made it and when. Built from the audit records
(django-simple-history) in a fixed number of queries."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from django.apps import apps
from django.db import connection

from core import audit
from core.templatetags.nhs_dates import nhs_date

from capability.models import Capability
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
    """A recorded value as the pages word it: level names, choices' labels,
    dates like 2 December 2026, yes or no."""
    value = getattr(record, field, "")
    if field == "level":
        return str(record.level) if record.level_id else "not yet rated"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return ""
    if isinstance(value, (date, datetime)):
        return nhs_date(value)
    choices = record._meta.get_field(field).choices
    if choices:
        return str(dict(choices).get(value, value))
    return str(value)


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


# The audit state of one assessment -------------------------------------------

_NOT_CONTENT = {"history_id", "history_date", "history_change_reason", "history_type", "history_user",
                "audit_prev", "audit_hash"}


@dataclass
class AuditState:
    chain: audit.ChainState
    drifted: list[str] = field(default_factory=list)

    @property
    def trusted(self) -> bool:
        return self.chain.intact and not self.drifted


def _drift_sql(model, condition: str, label: str, join: str = "") -> str:
    """Rows of ``model`` (as ``l``) that differ from their last audit entry,
    or have none: changed without the service, which records every change
    it makes. Each as (kind, label)."""
    history = model.history.model
    live_columns = {f.column for f in model._meta.concrete_fields}
    columns = [f.column for f in history._meta.concrete_fields
               if f.name not in _NOT_CONTENT and f.column in live_columns]
    live = ", ".join(f'l."{c}"' for c in columns)
    recorded = ", ".join(f'h."{c}"' for c in columns)
    return f"""
(SELECT '{model.__name__}', {label} FROM "{model._meta.db_table}" l {join}
 LEFT JOIN LATERAL (SELECT * FROM "{history._meta.db_table}" h WHERE h.id = l.id ORDER BY h.history_id DESC LIMIT 1)
   h ON true
 WHERE {condition} AND (h.history_id IS NULL OR h.history_type = '-' OR ROW({live}) IS DISTINCT FROM ROW({recorded})))"""


def _describe(kind: str, label: str) -> str:
    return {
        "Assessment": "the assessment's details or status",
        "CapabilityRating": f"your rating of capability {label}",
        "AppraiserRating": f"the appraiser's rating of capability {label}",
        "DevelopmentObjective": f"objective “{label}”",
    }[kind]


def assessment_audit_state(assessment) -> AuditState:
    """Whether this assessment's audit entries are all as written (their
    chains, core.audit) and whether its live rows still match them: two
    queries."""
    tables = {table.table: table for table in audit.audit_tables(apps)}
    by_assessment = ("t.assessment_id = %s", (assessment.pk,))
    models = [CapabilityRating, AppraiserRating, AssessmentEvidence, DevelopmentObjective]
    where = {model.history.model._meta.db_table: by_assessment for model in models}
    where[AssessmentTransition._meta.db_table] = by_assessment
    where[type(assessment).history.model._meta.db_table] = ("t.id = %s", (assessment.pk,))
    chain = audit.verify([tables[name] for name in where], where=where)
    if not chain.available:
        return AuditState(chain=chain)
    capability = f'JOIN "{Capability._meta.db_table}" c ON c.id = l.capability_id'
    sql = " UNION ALL ".join([
        _drift_sql(type(assessment), "l.id = %s", "''"),
        _drift_sql(CapabilityRating, "l.assessment_id = %s", "c.number::text", capability),
        _drift_sql(AppraiserRating, "l.assessment_id = %s", "c.number::text", capability),
        _drift_sql(DevelopmentObjective, "l.assessment_id = %s", "l.objective"),
    ])
    with connection.cursor() as cursor:
        cursor.execute(sql, [assessment.pk] * 4)
        drifted = [_describe(kind, label) for kind, label in sorted(cursor.fetchall(), key=_drift_order)]
    return AuditState(chain=chain, drifted=drifted)


def _drift_order(row):
    kind, label = row
    return (["Assessment", "CapabilityRating", "AppraiserRating", "DevelopmentObjective"].index(kind),
            int(label) if label.isdigit() else 0, label)


def record_digest(assessment, *, ratings, appraiser_ratings, evidence_ids, objectives) -> str:
    """SHA-256 of the assessment's content as a report shows it: ratings,
    reflections, the appraiser's ratings, comments and summary, the evidence
    (the id of each version included), the plan and the signatures, from
    what the report has already read. A copy of a PDF can be checked against
    the record it says it was made from."""
    content = {
        "assessment": [str(assessment.pk), assessment.title, str(assessment.period_start),
                       str(assessment.period_end), assessment.status, assessment.appraiser_summary,
                       str(assessment.appraiser_signed_at), str(assessment.practitioner_signed_at)],
        "ratings": sorted([r.capability_id, r.level_id, r.reflection, r.development_priority] for r in ratings),
        "appraiser": sorted([r.capability_id, r.level_id, r.comment] for r in appraiser_ratings),
        "evidence": sorted(str(pk) for pk in evidence_ids),
        "plan": sorted([str(o.pk), o.objective, o.actions, o.support, str(o.target_date), o.status, o.status_note]
                       for o in objectives),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
