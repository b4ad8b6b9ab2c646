"""Reads for the organisation admin area and the reports about it: the
organisation's practitioners with their latest assessment, the dashboard's
filters and counts, and the capability profile of agreed ratings. Each
query's count stays fixed whatever the number of people. The dashboard, the
organisation report and the CSVs all read through here, so they always
cover the same people for the same filters."""

from dataclasses import dataclass, field

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import AppraiserAssignment, Membership, Organisation, Role, User
from capability import structure
from capability.models import Framework, RatingLevel
from core.stacked_charts import stacked_bar_chart
from organisations.forms import NOT_STARTED, DashboardFilterForm
from portfolios.models import (
    AppraiserRating,
    AssessmentStatus,
    AssessmentTransition,
    CapabilityRating,
)

FILTER_FIELDS = ("status", "profession", "appraiser", "overdue")
CLOSED_STATUSES = (AssessmentStatus.SIGNED_OFF, AssessmentStatus.LOCKED)
# (label, tag modifier) for each status, as on the practitioner's own pages,
# where a locked assessment is shown as signed off.
STATUS_TAGS = {
    None: ("Not started", "nhsuk-tag--white"),
    AssessmentStatus.DRAFT: (AssessmentStatus.DRAFT.label, "nhsuk-tag--grey"),
    AssessmentStatus.SUBMITTED: (AssessmentStatus.SUBMITTED.label, "nhsuk-tag--blue"),
    AssessmentStatus.IN_REVIEW: (AssessmentStatus.IN_REVIEW.label, "nhsuk-tag--purple"),
    AssessmentStatus.RETURNED: (AssessmentStatus.RETURNED.label, "nhsuk-tag--orange"),
    AssessmentStatus.AWAITING_SIGN_OFF: (AssessmentStatus.AWAITING_SIGN_OFF.label, "nhsuk-tag--yellow"),
    AssessmentStatus.SIGNED_OFF: (AssessmentStatus.SIGNED_OFF.label, "nhsuk-tag--green"),
    AssessmentStatus.LOCKED: (AssessmentStatus.SIGNED_OFF.label, "nhsuk-tag--green"),
}


def _count_for_latest(queryset) -> Coalesce:
    rows = (
        queryset.filter(assessment=OuterRef("latest_assessment_id"))
        .order_by()
        .values("assessment")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def practitioner_queryset(organisation: Organisation) -> QuerySet[User]:
    """The organisation's active practitioners, each with their latest
    assessment there (by end of period) as annotations: its status, dates,
    progress and number of agreed ratings; and their active appraisers
    (one query more)."""
    from portfolios.models import Assessment

    latest = Assessment.objects.filter(practitioner=OuterRef("pk"), organisation=organisation).order_by(
        "-period_end", "-created_at"
    )

    def of_latest(name):
        return Subquery(latest.values(name)[:1])

    practitioner_ids = (
        Membership.objects.active().filter(organisation=organisation, role=Role.PRACTITIONER).values("user_id")
    )
    appraiser_ids = Membership.objects.active().filter(organisation=organisation, role=Role.APPRAISER).values("user_id")
    last_move = (
        AssessmentTransition.objects.filter(assessment=OuterRef("latest_assessment_id"))
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    return (
        User.objects.filter(pk__in=practitioner_ids)
        .annotate(
            latest_assessment_id=of_latest("pk"),
            latest_title=of_latest("title"),
            latest_status=of_latest("status"),
            latest_period_end=of_latest("period_end"),
            latest_created_at=of_latest("created_at"),
        )
        .annotate(
            rated_count=_count_for_latest(CapabilityRating.objects.filter(level__isnull=False)),
            capability_count=_count_for_latest(CapabilityRating.objects.all()),
            agreed_count=_count_for_latest(
                AppraiserRating.objects.filter(level__isnull=False)
            ),
            status_since=Coalesce(
                Subquery(last_move, output_field=DateTimeField()), F("latest_created_at"),
                output_field=DateTimeField(),
            ),
        )
        .prefetch_related(
            Prefetch(
                "appraiser_assignments",
                queryset=AppraiserAssignment.objects.filter(organisation=organisation, appraiser_id__in=appraiser_ids)
                .select_related("appraiser")
                .order_by("appraiser__full_name", "appraiser__email"),
                to_attr="current_assignments",
            )
        )
        .order_by("full_name", "email", "pk")
    )


def filter_practitioners(queryset, organisation, form: DashboardFilterForm, today) -> QuerySet[User]:
    data = form.cleaned_data
    status = data.get("status")
    if status == NOT_STARTED:
        queryset = queryset.filter(latest_status__isnull=True)
    elif status == AssessmentStatus.SIGNED_OFF:
        queryset = queryset.filter(latest_status__in=CLOSED_STATUSES)
    elif status:
        queryset = queryset.filter(latest_status=status)
    if data.get("profession"):
        queryset = queryset.filter(profession=data["profession"])
    if data.get("appraiser"):
        queryset = queryset.filter(
            Exists(AppraiserAssignment.objects.filter(
                organisation=organisation, practitioner=OuterRef("pk"), appraiser_id=data["appraiser"]
            ))
        )
    if data.get("overdue"):
        queryset = queryset.filter(latest_period_end__lt=today).exclude(latest_status__in=CLOSED_STATUSES)
    return queryset


@dataclass
class PractitionerCounts:
    total: int
    overdue: int
    profiled: int
    by_status: list[tuple[str, int]]


def practitioner_counts(queryset: QuerySet[User], today) -> PractitionerCounts:
    """How many practitioners there are, overdue, with agreed ratings and at
    each status, for the whole list (not just the page shown), counted in
    the database in one query."""
    overdue = Q(latest_period_end__lt=today) & ~Q(latest_status__in=CLOSED_STATUSES)
    grouped = (
        queryset.order_by()
        .values("latest_status")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=overdue),
            profiled=Count("pk", filter=Q(agreed_count__gt=0)),
        )
    )
    by_label: dict[str, int] = {}
    total = overdue_count = profiled = 0
    for row in grouped:
        label, _ = STATUS_TAGS.get(row["latest_status"], (row["latest_status"], ""))
        by_label[label] = by_label.get(label, 0) + row["n"]
        total += row["n"]
        overdue_count += row["overdue"]
        profiled += row["profiled"]
    in_order = dict.fromkeys(label for label, _ in STATUS_TAGS.values())
    return PractitionerCounts(
        total=total, overdue=overdue_count, profiled=profiled,
        by_status=[(label, by_label[label]) for label in in_order if label in by_label],
    )


@dataclass
class PractitionerRow:
    user: User
    status_label: str
    tag_class: str
    overdue: bool
    appraisers: list[User] = field(default_factory=list)


def practitioner_row(user: User, today) -> PractitionerRow:
    label, tag_class = STATUS_TAGS.get(user.latest_status, (user.latest_status, ""))
    overdue = (
        user.latest_status is not None
        and user.latest_status not in CLOSED_STATUSES
        and user.latest_period_end < today
    )
    return PractitionerRow(
        user=user, status_label=label, tag_class=tag_class, overdue=overdue,
        appraisers=[assignment.appraiser for assignment in user.current_assignments],
    )


@dataclass
class ProfileRow:
    label: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class PillarProfile:
    name: str
    total_row: ProfileRow
    rows: list[ProfileRow]


def capability_profile(practitioners: QuerySet[User], framework: Framework | None) -> tuple[list[str], list[PillarProfile]]:
    """How many agreed (appraiser's) ratings there are at each level, for
    each capability of one edition (the organisation's: editions_for) and
    each pillar, across the latest assessments of these practitioners that
    are on it. Two queries, counted in the database; the edition's
    capabilities come from the structure each process keeps."""
    if framework is None:
        return [], []
    capabilities = sorted(
        (c for group in structure.capabilities_by_pillar(framework).values() for c in group),
        key=lambda c: c.number,
    )
    pillars_by_id = {pillar.pk: pillar for pillar in structure.pillars(framework)}
    capabilities.sort(key=lambda c: (pillars_by_id[c.pillar_id].order, c.number))
    levels = {
        level.value: f"{level.value} {level.label}"
        for level in RatingLevel.objects.filter(scale__framework=framework, scale__is_default=True)
    }
    counts = (
        AppraiserRating.objects.filter(
            assessment_id__in=practitioners.values("latest_assessment_id"),
            assessment__framework=framework,
            level__isnull=False,
        )
        .order_by()
        .values("capability_id", "level__value")
        .annotate(n=Count("pk"))
    )
    by_capability: dict[int, dict[int, int]] = {}
    for row in counts:
        by_capability.setdefault(row["capability_id"], {})[row["level__value"]] = row["n"]
        levels.setdefault(row["level__value"], f"Level {row['level__value']}")
    values = sorted(levels)
    pillars: dict[int, PillarProfile] = {}
    for capability in capabilities:
        name = pillars_by_id[capability.pillar_id].name
        pillar = pillars.setdefault(
            capability.pillar_id,
            PillarProfile(name=name, total_row=ProfileRow(name, [0] * len(values)), rows=[]),
        )
        found = by_capability.get(capability.pk, {})
        row = ProfileRow(label=f"Capability {capability.number}", counts=[found.get(v, 0) for v in values])
        pillar.rows.append(row)
        pillar.total_row.counts = [a + b for a, b in zip(pillar.total_row.counts, row.counts)]
    return [levels[v] for v in values], list(pillars.values())


def profile_charts(levels: list[str], pillars: list[PillarProfile]) -> dict:
    return {
        "by_pillar": stacked_bar_chart(
            title="Agreed ratings by pillar",
            description="For each pillar, the number of agreed ratings of its capabilities at each level, "
            "from the latest assessment of each practitioner shown. The table below gives the same numbers.",
            levels=levels,
            groups=[("", [(p.name, p.total_row.counts) for p in pillars])],
        ),
        "by_capability": stacked_bar_chart(
            title="Agreed ratings by capability",
            description="For each capability, grouped by pillar, the number of practitioners whose agreed "
            "rating is at each level. The table below gives the same numbers.",
            levels=levels,
            groups=[(p.name, [(row.label, row.counts) for row in p.rows]) for p in pillars],
        ),
    }





def dashboard_appraisers(organisation: Organisation) -> list[User]:
    return list(
        User.objects.filter(
            pk__in=Membership.objects.active()
            .filter(organisation=organisation, role=Role.APPRAISER)
            .values("user_id")
        ).order_by("full_name", "email")
    )


def filter_data(data) -> dict | None:
    """Only the dashboard's filters from a query string or form post."""
    found = {name: data.get(name) for name in FILTER_FIELDS if data.get(name)}
    return found or None


def dashboard_selection(organisation: Organisation, data) -> tuple:
    """The practitioners the dashboard shows for these filters: (queryset,
    filter form, whether any filter applies). Invalid filters are left out,
    as on the dashboard. One query (the appraisers, for the form)."""
    form = DashboardFilterForm(filter_data(data), appraisers=dashboard_appraisers(organisation))
    queryset = practitioner_queryset(organisation)
    filtered = False
    if form.is_bound:
        form.is_valid()
        queryset = filter_practitioners(queryset, organisation, form, timezone.localdate())
        filtered = any(form.cleaned_data.get(name) for name in form.fields)
    return queryset, form, filtered




def assessment_counts_by_framework(organisation) -> list[tuple[Framework, int]]:
    """Each edition the organisation's assessments are on, with how many, by name. One query."""
    return [
        (framework, framework.assessment_count)
        for framework in Framework.objects.filter(assessments__organisation=organisation)
        .annotate(assessment_count=Count("assessments")).order_by("name", "-year")
    ]
