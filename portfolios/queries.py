"""Read-side helpers for portfolio pages: each view family builds its
queries here, in one place, so their counts stay fixed whatever the size of
the portfolio."""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.urls import reverse

from accounts.models import Membership, Organisation, Role
from capability import structure
from capability.models import Capability, Framework, Pillar, TransitionPoint
from capability.selectors import chosen_editions
from portfolios.models import (
    AppraiserRating,
    Assessment,
    AssessmentStatus,
    AssessmentTransition,
    CapabilityRating,
    DevelopmentObjective,
    EvidenceAttachment,
    EvidenceCapabilityLink,
    EvidenceItem,
)


def assessments_for_pages(queryset: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Assessment pages' one query: the assessment with its edition, rating
    scale and practitioner."""
    return queryset.select_related("framework", "rating_scale", "practitioner")


def assessment_list(user) -> list[Assessment]:
    """The practitioner's assessments with progress counts, in one query."""
    return list(
        Assessment.objects.for_practitioner(user)
        .latest_first()
        .annotate(
            rated_count=Count("ratings", filter=Q(ratings__level__isnull=False), distinct=True),
            capability_count=Count("ratings", distinct=True),
        )
    )


@dataclass(frozen=True)
class StartOption:
    """An organisation a practitioner may start an assessment for, and one
    of the editions it uses."""

    organisation: Organisation
    framework: Framework

    @property
    def key(self) -> str:
        return f"{self.organisation.pk}:{self.framework.slug}"

    @property
    def label(self) -> str:
        return f"{self.organisation.name}: {self.framework.display_name} ({self.framework.version})"


def start_options(practitioner) -> list[StartOption]:
    """Every (organisation, edition) the practitioner may start an
    assessment on: each organisation where they are an active practitioner
    (oldest membership first), with the editions it chose, or the current
    edition if it chose none. Two queries, three when one chose none."""
    organisations = list({
        membership.organisation_id: membership.organisation
        for membership in Membership.objects.active().filter(user=practitioner, role=Role.PRACTITIONER)
        .select_related("organisation").order_by("created_at")
    }.values())
    chosen = chosen_editions(organisation.pk for organisation in organisations)
    current = None
    if any(organisation.pk not in chosen for organisation in organisations):
        current = list(Framework.objects.current())
    return [
        StartOption(organisation, framework)
        for organisation in organisations
        for framework in chosen.get(organisation.pk) or current
    ]


def editions_of(practitioner) -> list[Framework]:
    """The editions a practitioner's evidence is mapped against: those of
    their assessments, latest assessment first, then those their
    organisations start new assessments on (start_options: the ones chosen,
    or the current edition where an organisation chose none), by name.

    Two or three plain queries of ids and structure revisions; the editions
    themselves come from the structure each process keeps
    (capability.structure.framework). The evidence list runs this on every
    page: one query of EXISTS subqueries, or a UNION, cost more to build
    than the rest of the page."""
    own = (
        Assessment.objects.filter(practitioner=practitioner).order_by("-period_end", "-created_at")
        .values_list("framework_id", "framework__structure_revision")
    )
    chosen = list(
        Membership.objects.active().filter(user=practitioner, role=Role.PRACTITIONER)
        .values_list("organisation__framework_choices__framework_id",
                     "organisation__framework_choices__framework__structure_revision")
    )
    if (None, None) in chosen:
        # An organisation that chose none uses the current edition.
        chosen += list(Framework.objects.filter(is_current=True).values_list("pk", "structure_revision"))
    editions = {pk: structure.framework(pk, revision) for pk, revision in own}
    offered = sorted((structure.framework(pk, revision) for pk, revision in chosen if pk is not None),
                     key=lambda framework: (framework.name, -framework.year))
    for framework in offered:
        editions.setdefault(framework.pk, framework)
    return list(editions.values())


def stage_rank(user) -> int | None:
    return TransitionPoint.rank(user.career_stage) if user.career_stage else None


def mark_expected(elements, rank: int | None) -> None:
    """Tag elements expected now (at or before the practitioner's career
    stage) or later. Elements without a transition point get neither."""
    for element in elements:
        element_rank = TransitionPoint.rank(element.transition_point) if element.transition_point else None
        element.expected_now = rank is not None and element_rank is not None and element_rank <= rank
        element.expected_later = rank is not None and element_rank is not None and element_rank > rank


def evidence_by_capability(owner, capability_ids) -> dict[int, list[EvidenceItem]]:
    """The owner's evidence mapped to each of these capabilities, in one query."""
    items = defaultdict(list)
    rows = (
        EvidenceItem.objects.for_owner(owner)
        .filter(capability_links__capability_id__in=capability_ids)
        .values_list("capability_links__capability_id", "pk", "title", "activity_date")
        .order_by("-activity_date", "title")
    )
    for capability_id, pk, title, activity_date in rows:
        items[capability_id].append(EvidenceItem(pk=pk, title=title, activity_date=activity_date))
    return items


@dataclass
class CapabilityRow:
    capability: Capability
    rating: CapabilityRating
    evidence: list = field(default_factory=list)
    expected_now: bool = False
    appraiser_rating: "AppraiserRating | None" = None
    # The edition's guidance (Framework.expected_level, guide_per_capability):
    # an edition without it marks nothing below expected and has no guide.
    expected_level: int | None = None
    guide: tuple[int, int] | None = None

    @property
    def appraiser_value(self) -> int | None:
        if self.appraiser_rating is None or self.appraiser_rating.level_id is None:
            return None
        return self.appraiser_rating.level.value

    @property
    def ratings_differ(self) -> bool:
        """Self and appraiser ratings a level or more apart: worth talking about."""
        return (
            self.level_value is not None and self.appraiser_value is not None
            and abs(self.level_value - self.appraiser_value) >= 1
        )

    @property
    def level_value(self) -> int | None:
        return self.rating.level.value if self.rating.level_id else None

    @property
    def below_expected(self) -> bool:
        """Rated, and below the level expected now (a capability not rated
        yet is not called below: expected_but_unrated says so)."""
        return self.expected_now and self.expected_level is not None and (
            self.level_value is not None and self.level_value < self.expected_level
        )

    @property
    def expected_but_unrated(self) -> bool:
        return self.expected_now and self.expected_level is not None and self.level_value is None

    @property
    def is_gap(self) -> bool:
        return not self.evidence or self.below_expected or self.expected_but_unrated

    @property
    def evidence_guide(self) -> str:
        """below, within or above the edition's guide; empty without one."""
        if self.guide is None:
            return ""
        low, high = self.guide
        count = len(self.evidence)
        if count < low:
            return "below"
        return "within" if count <= high else "above"


@dataclass
class PillarRows:
    pillar: Pillar
    rows: list[CapabilityRow]
    guide: tuple[int, int] | None = None

    @property
    def evidence_count(self) -> int:
        """Distinct items across the pillar's capabilities."""
        return len({item.pk for row in self.rows for item in row.evidence})

    @property
    def rated_values(self) -> list[int]:
        return [row.level_value for row in self.rows if row.level_value is not None]

    @property
    def average(self) -> float | None:
        values = self.rated_values
        return round(sum(values) / len(values), 1) if values else None

    @property
    def evidence_guide(self) -> str:
        if self.guide is None:
            return ""
        low, high = self.guide
        if self.evidence_count < low:
            return "below"
        return "within" if self.evidence_count <= high else "above"


_ITEM, _FILE = uuid.UUID(int=1), uuid.UUID(int=2)


def evidence_url_makers():
    """Functions giving an item's page and a file's download address. A
    portfolio can list hundreds of items: resolving the URL pattern for each
    (reverse()) cost more than the rest of the page, so it is resolved once
    and the ids put into the result."""
    detail = reverse("portfolios:evidence_detail", kwargs={"pk": _ITEM})
    download = reverse("portfolios:attachment_download", kwargs={"pk": _ITEM, "file_pk": _FILE})
    return (
        lambda item_id: detail.replace(str(_ITEM), str(item_id)),
        lambda item_id, file_id: download.replace(str(_ITEM), str(item_id)).replace(str(_FILE), str(file_id)),
    )


@dataclass
class ReviewTask:
    """One line of the review's task list: a pillar to rate, or the summary."""

    name: str
    pillar: Pillar | None
    done: int
    total: int

    @property
    def remaining(self) -> int:
        return self.total - self.done

    @property
    def status(self) -> str:
        if self.total and self.done == self.total:
            return "Completed"
        return "In progress" if self.done else "Not started"


def review_tasks(matrix: list[PillarRows], summary: str) -> list[ReviewTask]:
    """The review's tasks from assessment_matrix (with the appraiser's
    ratings): each pillar, done when every capability has the appraiser's
    rating, then the overall summary."""
    tasks = [
        ReviewTask(name=group.pillar.name, pillar=group.pillar, total=len(group.rows),
                   done=sum(1 for row in group.rows if row.appraiser_value is not None))
        for group in matrix
    ]
    tasks.append(ReviewTask(name="Overall summary", pillar=None, total=1, done=int(bool(summary.strip()))))
    return tasks


@dataclass
class SignOffProblems:
    """What the appraiser must still do before signing off, for the pages to
    list with links. workflow checks the same again when the move is made."""

    unrated: list[tuple[Pillar, Capability]]
    summary_missing: bool

    def __bool__(self) -> bool:
        return bool(self.unrated or self.summary_missing)


def sign_off_problems(assessment: Assessment, matrix: list[PillarRows]) -> SignOffProblems:
    return SignOffProblems(
        unrated=[(group.pillar, row.capability) for group in matrix for row in group.rows
                 if row.appraiser_value is None],
        summary_missing=not assessment.appraiser_summary.strip(),
    )


def assessment_matrix(assessment: Assessment, *, with_appraiser: bool = True,
                      with_files: bool = False, with_confirmations: bool = False) -> list[PillarRows]:
    """Every capability of the assessment grouped by pillar, with its rating,
    the evidence included in the assessment that is mapped to it, and whether
    it is expected now at the practitioner's career stage; with_appraiser:
    the appraiser's rating too; with_files: each item's files
    (item.attachment_list, with a download_url each). A capability is
    expected now when any of its elements is. Three queries, one more for
    each of with_appraiser, with_files and with_confirmations (each item's
    confirmation_notes): pages leave out what they do not show."""
    # The edition's capabilities and the scale's levels come from the
    # structure each process keeps (editions in use cannot change), not
    # from joins read and built into objects again on every page.
    capabilities = {c.pk: c for group in structure.capabilities_by_pillar(assessment.framework).values() for c in group}
    levels = {level.pk: level for level in structure.levels(assessment.rating_scale)}
    ratings = {}
    # Sorted here: the model's default ordering joins the assessment and the
    # capability into the query only to order by them.
    for rating in sorted(assessment.ratings.order_by(), key=lambda r: capabilities[r.capability_id].number):
        rating.capability = capabilities[rating.capability_id]
        rating.level = levels.get(rating.level_id)
        ratings[rating.capability_id] = rating
    # Only the columns the pages show: an item's description and impact are
    # long, and were most of what this query read.
    included = list(
        EvidenceItem.objects.filter(assessment_links__assessment=assessment)
        .only("pk", "number", "title", "activity_date", "is_current")
        .order_by("-activity_date", "title")
    )
    # Which capability each item is mapped to, as pairs of ids: the
    # prefetch machinery (a queryset per relation, objects for every link)
    # cost more than the query.
    links = defaultdict(list)
    for evidence_id, capability_id in EvidenceCapabilityLink.objects.filter(
        evidence_id__in=[item.pk for item in included]
    ).order_by().values_list("evidence_id", "capability_id") if included else ():
        links[evidence_id].append(capability_id)
    if with_files:
        # Prefetched into plain lists: calling .all() on a prefetched
        # relation clones its queryset, with the IN list of every item,
        # each time, which cost a tenth of a second on a 300-item portfolio.
        prefetch_related_objects(included, Prefetch(
            "attachments",
            queryset=EvidenceAttachment.objects.only("evidence_id", "original_name", "size"),
            to_attr="attachment_list",
        ))
    evidence = defaultdict(list)
    detail_url, download_url = evidence_url_makers()
    if with_confirmations:
        attach_confirmation_notes(included)
    for item in included:
        item.detail_url = detail_url(item.pk)
        for attachment in getattr(item, "attachment_list", ()):
            attachment.download_url = download_url(item.pk, attachment.pk)
        for capability_id in links[item.pk]:
            evidence[capability_id].append(item)
    appraiser_ratings = {}
    for rating in AppraiserRating.objects.filter(assessment=assessment) if with_appraiser else ():
        rating.level = levels.get(rating.level_id)
        appraiser_ratings[rating.capability_id] = rating
    rank = stage_rank(assessment.practitioner)
    expected_capabilities = set()
    if rank is not None:
        for capability_id, point in structure.transition_points(assessment.framework):
            if TransitionPoint.rank(point) <= rank:
                expected_capabilities.add(capability_id)
    framework = assessment.framework
    expected_level = framework.expected_level if expected_capabilities else None
    guide_per_capability = framework.guide_per_capability
    pillars = []
    for pillar in structure.pillars(framework):
        rows = [
            CapabilityRow(
                capability=rating.capability,
                rating=rating,
                evidence=evidence.get(capability_id, []),
                expected_now=capability_id in expected_capabilities,
                appraiser_rating=appraiser_ratings.get(capability_id),
                expected_level=expected_level,
                guide=guide_per_capability,
            )
            for capability_id, rating in ratings.items()
            if rating.capability.pillar_id == pillar.pk
        ]
        pillars.append(PillarRows(pillar=pillar, rows=rows, guide=framework.guide_per_pillar))
    return pillars


@dataclass
class ObjectiveSuggestion:
    """A capability the plan could develop, and why: drafted for the
    appraiser, who edits it before anything is saved."""

    capability: Capability
    reasons: list[str]

    @property
    def draft(self) -> str:
        statement = self.capability.statement
        if len(statement) > 200:
            statement = statement[:200].rsplit(" ", 1)[0] + "…"
        return f"Develop capability {self.capability.number}: {statement[:1].lower()}{statement[1:]}"


def objective_suggestions(assessment: Assessment) -> list[ObjectiveSuggestion]:
    """Capabilities the practitioner marked as a development priority, or
    rated (by either side) below the level expected at their career stage,
    that no objective of the plan develops yet."""
    covered = set(DevelopmentObjective.objects.filter(assessment=assessment)
                  .values_list("capabilities", flat=True))
    suggestions = []
    for group in assessment_matrix(assessment):
        for row in group.rows:
            if row.capability.pk in covered:
                continue
            reasons = []
            if row.rating.development_priority:
                reasons.append("a development priority")
            if row.below_expected or (row.expected_now and row.expected_level is not None
                                      and row.appraiser_value is not None
                                      and row.appraiser_value < row.expected_level):
                reasons.append("below the level expected now")
            if reasons:
                suggestions.append(ObjectiveSuggestion(capability=row.capability, reasons=reasons))
    return suggestions


def objectives_for(assessment: Assessment) -> list:
    return list(
        DevelopmentObjective.objects.filter(assessment=assessment)
        .prefetch_related(Prefetch("capabilities", queryset=Capability.objects.order_by("number")))
        .order_by("target_date", "created_at")
    )


def previous_objectives(assessment: Assessment) -> list:
    """The plan agreed at the practitioner's previous assessment, whose
    objectives need a status before this one is signed off."""
    previous = (
        Assessment.objects.filter(practitioner_id=assessment.practitioner_id, period_end__lt=assessment.period_end)
        .exclude(pk=assessment.pk)
        .order_by("-period_end")
        .first()
    )
    return (previous, objectives_for(previous)) if previous else (None, [])


def appraiser_caseload(user) -> list[dict]:
    """Practitioners assigned to this appraiser, each with their latest
    assessment, in two queries."""
    from portfolios.access import appraiser_assignments, visible_assessments

    assignments = (
        appraiser_assignments(user)
        .select_related("practitioner", "organisation")
        .order_by("practitioner__full_name")
    )
    people = {}
    for assignment in assignments:
        people.setdefault(assignment.practitioner_id, {"practitioner": assignment.practitioner,
                                                       "organisation": assignment.organisation})
    latest = {}
    for assessment in (
        visible_assessments(user).filter(practitioner_id__in=people.keys())
        .annotate(rated_count=Count("ratings", filter=Q(ratings__level__isnull=False)))
        .order_by("practitioner_id", "-period_end", "-created_at")
    ):
        latest.setdefault(assessment.practitioner_id, assessment)
    rows = []
    for practitioner_id, row in people.items():
        row["assessment"] = latest.get(practitioner_id)
        row["needs_attention"] = bool(row["assessment"]) and row["assessment"].status in (
            "submitted", "in_review")
        rows.append(row)
    rows.sort(key=lambda r: (not r["needs_attention"], r["practitioner"].full_name))
    return rows


def waiting_for_review_count(user) -> int:
    """How many assessments are waiting for this appraiser: submitted or in
    review, by a practitioner of one of their live assignments, in the
    organisation of the assignment (the rule of access.capacity). One
    query, once per request (the header and the home page both show it)."""
    from portfolios.access import appraiser_assignments

    known = getattr(user, "_waiting_for_review", None)
    if known is None:
        assigned = appraiser_assignments(user).filter(
            practitioner_id=OuterRef("practitioner_id"), organisation_id=OuterRef("organisation_id"))
        known = user._waiting_for_review = Assessment.objects.filter(
            status__in=[AssessmentStatus.SUBMITTED, AssessmentStatus.IN_REVIEW]
        ).filter(Exists(assigned)).exclude(practitioner=user).count()
    return known


def appraisers_of(practitioner) -> list:
    """The practitioner's appraisers with a live assignment (both still
    active members of the organisation), with the organisation, for the
    home page. One query."""
    from accounts.models import AppraiserAssignment

    active = Membership.objects.active()
    return list(
        AppraiserAssignment.objects.filter(practitioner=practitioner)
        .filter(Exists(active.filter(user_id=OuterRef("practitioner_id"), organisation_id=OuterRef("organisation_id"),
                                     role=Role.PRACTITIONER)))
        .filter(Exists(active.filter(user_id=OuterRef("appraiser_id"), organisation_id=OuterRef("organisation_id"),
                                     role=Role.APPRAISER)))
        .select_related("appraiser", "organisation").order_by("organisation__name", "appraiser__full_name")
    )


def waiting_on_practitioner(assessments: list[Assessment]) -> list[tuple[Assessment, AssessmentTransition]]:
    """The practitioner's assessments that wait on them after a review
    (returned to change, or signed off by the appraiser and waiting for
    their own sign-off), each with the move that put it there, for the
    home page. One query, none when nothing waits."""
    waiting = {a.pk: a for a in assessments
               if a.status in (AssessmentStatus.RETURNED, AssessmentStatus.AWAITING_SIGN_OFF)}
    if not waiting:
        return []
    moves = {}
    for move in (AssessmentTransition.objects.filter(assessment_id__in=waiting.keys())
                 .select_related("actor").order_by("created_at", "id")):
        if move.to_status == waiting[move.assessment_id].status:
            moves[move.assessment_id] = move
    return [(assessment, moves.get(pk)) for pk, assessment in waiting.items()]


@dataclass(frozen=True)
class ConfirmationNote:
    """"Confirmed by … on …" for an item: ``changed_since`` when the item
    shown is a later version than the one confirmed."""

    name: str
    role: str
    on: object
    changed_since: bool


def confirmation_notes_from(item, confirmations) -> list[ConfirmationNote]:
    """The notes for one item from its confirmations (any status), earliest first."""
    return [
        ConfirmationNote(name=c.name, role=c.responder_role or c.role, on=c.responded_at,
                         changed_since=c.evidence_id != item.pk)
        for c in sorted(confirmations, key=lambda c: c.responded_at or c.requested_at)
        if c.status == "confirmed"
    ]


def attach_confirmation_notes(items) -> None:
    """Give each item ``confirmation_notes``: who confirmed it (this version,
    or an earlier one it changed from), earliest first. One query."""
    from portfolios.models import EvidenceConfirmation

    by_id = {item.pk: item for item in items}
    found = {pk: [] for pk in by_id}
    if by_id:
        for confirmation in (
            EvidenceConfirmation.objects.confirmed()
            .filter(Q(evidence_id__in=by_id) | Q(current_evidence_id__in=by_id))
            .only("evidence_id", "current_evidence_id", "name", "role", "responder_role", "responded_at",
                  "requested_at", "status")
        ):
            found[confirmation.evidence_id if confirmation.evidence_id in by_id
                  else confirmation.current_evidence_id].append(confirmation)
    for pk, item in by_id.items():
        item.confirmation_notes = confirmation_notes_from(item, found[pk])
