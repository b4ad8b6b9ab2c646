"""CSV downloads for organisation admins: everyone's ratings, one row per
practitioner and capability, and everyone's evidence counts, one row per
practitioner.

Both are read in a fixed number of queries whatever the number of people
(the rows are gathered first, so a failed query is an error page, not a
file cut short), then sent to the browser in chunks of a few hundred
lines. The ratings file is the big one (8,000 lines, 1.5 MB, for 500
practitioners).

Every text cell that a spreadsheet would read as a formula (one that begins
with =, +, -, @, a tab or a carriage return) is neutralised with a leading
apostrophe: names, titles and email addresses are typed by people, and a
cell such as =HYPERLINK("http://x") must stay text when an admin opens the
file in Excel. Dates are written as YYYY-MM-DD so that spreadsheets sort
them; the file starts with a byte order mark so that Excel reads UTF-8.
"""

import csv
import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import CharField, Count, Q, QuerySet
from django.db.models.functions import Cast
from django.http import StreamingHttpResponse
from django.utils import timezone

from accounts.models import Profession
from capability.models import Capability, Pillar, RatingLevel
from portfolios.models import (
    AppraiserRating,
    Assessment,
    AssessmentEvidence,
    AssessmentStatus,
    CapabilityRating,
    EvidenceCapabilityLink,
    EvidenceItem,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PROFESSIONS = dict(Profession.choices)
BYTE_ORDER_MARK = "\ufeff"
NOT_STARTED = "Not started"
LINES_PER_CHUNK = 250

RATINGS_HEADER = [
    "Practitioner",
    "Email address",
    "Profession",
    "Assessment",
    "Status",
    "Period start",
    "Period end",
    "Submitted",
    "Signed off by appraiser",
    "Signed off by practitioner",
    "Framework",
    "Edition",
    "Capability",
    "Pillar",
    "Self rating",
    "Appraiser rating",
    "Evidence items for this capability",
]


def neutralise(value):
    """The value as a CSV cell that no spreadsheet runs as a formula."""
    # Called for every cell (8,000 rows of 15 for 500 practitioners): the
    # common cases first.
    if type(value) is str:
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None or type(value) is int:
        return "" if value is None else value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date().isoformat() if timezone.is_aware(value) else value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def profession_label(person) -> str:
    """As get_profession_display(), which rebuilds the choices' lookup on
    every call."""
    return PROFESSIONS.get(person.profession, person.profession)


class Echo:
    """A file-like object that hands back what is written to it, so that
    csv.writer produces one line at a time for a streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list], *, neutralised: bool = False) -> Iterator[str]:
    """The file's lines. Every cell goes through neutralise() unless the
    rows say they already have (neutralised=True)."""
    writer = csv.writer(Echo())
    yield BYTE_ORDER_MARK + writer.writerow([neutralise(cell) for cell in header])
    # A few hundred lines a chunk: a chunk a line cost more in the response's
    # handling of each chunk than in writing the lines.
    chunk = []
    for row in rows:
        chunk.append(writer.writerow(row if neutralised else [neutralise(cell) for cell in row]))
        if len(chunk) == LINES_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def streaming_csv_response(filename: str, header: list[str] | None = None, rows: Iterable[list] = (), *,
                           lines: Iterable[str] | None = None) -> StreamingHttpResponse:
    """The file as a download: lines when given, else csv_lines(header, rows)."""
    response = StreamingHttpResponse(
        csv_lines(header, rows) if lines is None else lines, content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# As on every other page, a locked assessment is shown as signed off.
STATUS_LABELS = {**dict(AssessmentStatus.choices), AssessmentStatus.LOCKED: AssessmentStatus.SIGNED_OFF.label}


def _status_label(status: str | None) -> str:
    return NOT_STARTED if status is None else STATUS_LABELS.get(status, status)


@dataclass(frozen=True)
class Person:
    pk: object
    full_name: str
    email: str
    profession: str
    latest_assessment_id: object


def _practitioners(practitioners: QuerySet) -> list[Person]:
    """The practitioners (a queryset from
    organisations.selectors.practitioner_queryset, so annotated with
    their latest assessment, and perhaps filtered on its annotations), in
    one query of just the columns the files need: the dashboard's progress
    counts, worked out per person in subqueries, were most of the time."""
    return [
        Person(pk, full_name, email, profession, latest_assessment_id)
        for pk, full_name, email, profession, latest_assessment_id in practitioners.prefetch_related(None).values_list(
            "pk", "full_name", "email", "profession", "latest_assessment_id"
        )
    ]


def ratings_rows(practitioners: QuerySet) -> list[list]:
    """One row per practitioner and capability of their latest assessment in
    the organisation; someone who has not started one gets a row for each
    capability of the current framework, with the assessment cells empty.
    Seven queries. The cells come neutralised (see csv_lines): what is the
    same on a person's sixteen rows is neutralised once."""
    people = _practitioners(practitioners)
    assessment_ids = [person.latest_assessment_id for person in people if person.latest_assessment_id]
    assessments = {_key(a.pk): a for a in Assessment.objects.filter(pk__in=assessment_ids)}
    # Assessment ids as text: thousands of rows each made into a uuid.UUID
    # took a quarter of the time of the whole file.
    as_text = Cast("assessment_id", output_field=CharField())

    # The framework tables are small: read whole, so that the big queries
    # below read one table each, with no joins.
    # Capability 1 of one framework is not capability 1 of another: every
    # row says which framework and edition it is of.
    capabilities, editions = {}, {}
    for pk, order, number, pillar, is_current, framework_id, short_name, name, version in (
        Capability.objects.values_list("pk", "pillar__order", "number", "pillar__name", "framework__is_current",
                                       "framework_id", "framework__short_name", "framework__name",
                                       "framework__version")
    ):
        capabilities[pk] = (order, number, pillar, is_current, framework_id)
        if framework_id not in editions:
            editions[framework_id] = [neutralise(short_name or name), neutralise(version)]
    level_values = dict(RatingLevel.objects.values_list("pk", "value"))

    ratings = defaultdict(list)
    for assessment_id, capability_id, level_id in CapabilityRating.objects.filter(
        assessment_id__in=assessment_ids
    ).values_list(as_text, "capability_id", "level_id"):
        ratings[_key(assessment_id)].append((capability_id, level_id))

    agreed = {
        (_key(assessment_id), capability_id): level_values.get(level_id)
        for assessment_id, capability_id, level_id in AppraiserRating.objects.filter(
            assessment_id__in=assessment_ids
        ).values_list(as_text, "capability_id", "level_id")
    }
    evidence_counts = _included_evidence_counts(assessment_ids)
    current = [
        (number, pillar)
        for _, number, pillar, _, _ in sorted(c for c in capabilities.values() if c[3])
    ]
    current_edition = next((editions[c[4]] for c in capabilities.values() if c[3]), ["", ""])
    pillar_names = {name: neutralise(name) for _, name in current}

    rows = []
    for person in people:
        who = [neutralise(person.full_name), neutralise(person.email), neutralise(profession_label(person))]
        assessment = assessments.get(_key(person.latest_assessment_id))
        if assessment is None:
            for number, pillar in current:
                rows.append([*who, "", NOT_STARTED, "", "", "", "", "", *current_edition, number, pillar_names[pillar],
                             "", "", ""])
            continue
        key = _key(assessment.pk)
        about = [neutralise(value) for value in (
            assessment.title,
            _status_label(assessment.status),
            assessment.period_start,
            assessment.period_end,
            assessment.submitted_at,
            assessment.appraiser_signed_at,
            assessment.practitioner_signed_at,
        )] + editions[assessment.framework_id]
        for capability_id, level_id in sorted(ratings[key], key=lambda rating: capabilities[rating[0]][:2]):
            _, number, pillar, _, _ = capabilities[capability_id]
            level = level_values.get(level_id)
            rows.append([
                *who, *about, number, pillar_names.get(pillar) or neutralise(pillar),
                "" if level is None else level,
                "" if (agreed_level := agreed.get((key, capability_id))) is None else agreed_level,
                evidence_counts.get((key, capability_id), 0),
            ])
    return rows


def _key(assessment_id) -> str:
    """An assessment id as it comes from any of the queries here (a UUID, or
    text with or without dashes, as PostgreSQL and SQLite give it)."""
    return str(assessment_id).replace("-", "")


def _included_evidence_counts(assessment_ids: list) -> dict[tuple[str, int], int]:
    """(assessment key, capability id) → how many evidence items are
    included in the assessment and mapped to the capability. An item is
    linked to a capability once (a unique constraint), so rows are items."""
    return {
        (_key(assessment_id), capability_id): n
        for assessment_id, capability_id, n in AssessmentEvidence.objects.filter(assessment_id__in=assessment_ids)
        .order_by()
        .values_list("assessment_id", "evidence__capability_links__capability_id")
        .annotate(n=Count("evidence_id"))
    }


def evidence_header(pillars: list) -> list[str]:
    return [
        "Practitioner",
        "Email address",
        "Profession",
        "Evidence items",
        # The edition the pillar columns are of.
        "Framework",
        "Edition",
        *(f"Evidence items for {pillar.name}" for pillar in pillars),
        "Evidence items with attached files",
    ]


def evidence_rows(practitioners: QuerySet, framework) -> tuple[list[str], list[list]]:
    """The header and one row per practitioner: how many evidence items they
    have, how many are mapped to each pillar of ``framework`` (the
    organisation's edition; an item mapped to capabilities in two pillars
    counts in both), and how many have files attached. Four queries."""
    people = _practitioners(practitioners)
    ids = [person.pk for person in people]
    pillars = list(Pillar.objects.filter(framework=framework).order_by("order"))
    totals = {
        row["owner_id"]: row
        for row in EvidenceItem.objects.current().filter(owner_id__in=ids)
        .order_by()
        .values("owner_id")
        .annotate(
            total=Count("pk", distinct=True),
            with_files=Count("pk", filter=Q(attachments__isnull=False), distinct=True),
        )
    }
    per_pillar = {
        (row["evidence__owner_id"], row["capability__pillar_id"]): row["n"]
        for row in EvidenceCapabilityLink.objects.filter(
            evidence__owner_id__in=ids, evidence__is_current=True, capability__framework=framework
        )
        .order_by()
        .values("evidence__owner_id", "capability__pillar_id")
        .annotate(n=Count("evidence_id", distinct=True))
    }
    rows = []
    for person in people:
        counts = totals.get(person.pk, {})
        rows.append([
            person.full_name,
            person.email,
            profession_label(person),
            counts.get("total", 0),
            framework.display_name if framework else "",
            framework.version if framework else "",
            *(per_pillar.get((person.pk, pillar.pk), 0) for pillar in pillars),
            counts.get("with_files", 0),
        ])
    return evidence_header(pillars), rows
