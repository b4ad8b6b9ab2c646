"""The 360° feedback report: self-rating against what others said, by group
where a group is big enough to keep its raters anonymous.

Group rules (plan_groups), with the threshold from
settings.FEEDBACK_MIN_GROUP_SIZE (3 unless set):
- a group with at least the threshold of responses is shown on its own;
- smaller groups, and the "Other" group whatever its size, are folded into
  "Other raters", shown if that pool reaches the threshold;
- otherwise those responses are withheld: left out of every figure, the
  "All raters" ones included, so no figure can be worked out by subtracting
  one shown figure from another;
- a line manager who agreed to be named is shown under their name, whatever
  the count.
Comments carry no group; they are shown, in their random stored order, only
when at least the threshold of responses is reported.
"""

import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch

from feedback.models import (
    CommentKind,
    FeedbackAnswer,
    FeedbackResponse,
    FeedbackRound,
    RaterGroup,
)

OTHER_RATERS = "other_raters"
OTHER_RATERS_LABEL = "Other raters"
ALL_RATERS = "all"
# A difference between self-rating and others' mean this large, or larger,
# is highlighted (on a 4-point scale).
GAP_HIGHLIGHT = 0.5
HIGHLIGHTS_SHOWN = 3
# Groups in the order the report shows them. "Other" is always pooled.
SHOWN_ON_THEIR_OWN = [g for g in RaterGroup.values if g != RaterGroup.OTHER]


def min_group_size() -> int:
    return getattr(settings, "FEEDBACK_MIN_GROUP_SIZE", 3)


@dataclass(frozen=True)
class GroupPlan:
    shown: list[str]
    pooled: list[str]
    pool_shown: bool
    withheld: list[str]

    def column_for(self, group: str) -> str | None:
        """Where a response from this group is counted, or None if withheld."""
        if group in self.shown:
            return group
        if group in self.pooled and self.pool_shown:
            return OTHER_RATERS
        return None


def plan_groups(counts: Mapping[str, int], threshold: int) -> GroupPlan:
    """Which groups are shown, pooled into "Other raters" or withheld, given
    the number of (unnamed) responses in each."""
    shown = [g for g in SHOWN_ON_THEIR_OWN if counts.get(g, 0) >= threshold]
    pooled = [g for g in RaterGroup.values if counts.get(g, 0) and g not in shown]
    pool_size = sum(counts[g] for g in pooled)
    if pool_size >= threshold:
        return GroupPlan(shown=shown, pooled=pooled, pool_shown=True, withheld=[])
    return GroupPlan(shown=shown, pooled=[], pool_shown=False, withheld=pooled)


@dataclass
class Summary:
    """Answers to one question (or a pillar's questions) from a set of raters."""

    values: list[int] = field(default_factory=list)
    not_able: int = 0

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float | None:
        return round(statistics.fmean(self.values), 1) if self.values else None

    @property
    def low(self) -> int | None:
        return min(self.values) if self.values else None

    @property
    def high(self) -> int | None:
        return max(self.values) if self.values else None

    @property
    def spread(self) -> str:
        if not self.values:
            return ""
        return f"{self.low} to {self.high}" if self.low != self.high else str(self.low)


@dataclass
class Column:
    key: str
    label: str
    responses: int


@dataclass
class Row:
    """A capability, or a whole pillar, with the self-rating and the others'."""

    label: str
    number: int | None
    self_value: float | None
    self_label: str
    others: Summary
    by_column: dict[str, Summary]

    @property
    def gap(self) -> float | None:
        """Others' mean minus the self-rating: negative where the
        practitioner rates themselves higher than others do."""
        if self.self_value is None or self.others.mean is None:
            return None
        return round(self.others.mean - self.self_value, 1)

    def cells(self, columns: list[Column]) -> list[Summary]:
        return [self.by_column.get(column.key, Summary()) for column in columns]


@dataclass
class PillarSection:
    pillar: object
    summary: Row
    capabilities: list[Row]


@dataclass
class CountLine:
    label: str
    invited: int
    responded: int
    reported_as: str


@dataclass
class FeedbackReport:
    round: FeedbackRound
    threshold: int
    plan: GroupPlan
    columns: list[Column]
    pillars: list[PillarSection]
    counts: list[CountLine]
    responses: int
    reported: int
    withheld: int
    blind_spots: list[Row]
    hidden_strengths: list[Row]
    comments_shown: bool
    comments: list[tuple[str, str, list[str]]]
    chart: object = None

    @property
    def capability_rows(self) -> list[Row]:
        return [row for section in self.pillars for row in section.capabilities]

    @property
    def invited(self) -> int:
        return sum(line.invited for line in self.counts)

    @property
    def table(self) -> list[tuple[PillarSection, list[tuple[Row, list[Summary]]]]]:
        """Each pillar with its capability rows and their cells, one per
        column, for templates (which cannot pass arguments)."""
        return [(section, [(row, row.cells(self.columns)) for row in section.capabilities]) for section in self.pillars]


def _responses(feedback_round: FeedbackRound) -> list[FeedbackResponse]:
    return list(
        feedback_round.responses.prefetch_related(
            Prefetch("answers", queryset=FeedbackAnswer.objects.select_related("level"))
        )
    )


def build_report(feedback_round: FeedbackRound) -> FeedbackReport:
    """The report of a round, in a fixed number of queries."""
    threshold = min_group_size()
    capabilities = list(feedback_round.capabilities.select_related("pillar").order_by("pillar__order", "number"))
    self_ratings = {
        rating.capability_id: rating.level
        for rating in feedback_round.self_ratings.select_related("level")
    }
    responses = _responses(feedback_round)
    invited = Counter(feedback_round.invitations.values_list("group", flat=True))
    responded = Counter(response.group for response in responses)

    unnamed = Counter(response.group for response in responses if not response.named_as)
    plan = plan_groups(unnamed, threshold)

    columns = [
        Column(key=f"named-{response.pk}", label=f"Line manager: {response.named_as}", responses=1)
        for response in responses if response.named_as
    ]
    for group in plan.shown:
        columns.append(Column(key=group, label=RaterGroup(group).label, responses=unnamed[group]))
    if plan.pool_shown:
        columns.append(Column(key=OTHER_RATERS, label=OTHER_RATERS_LABEL, responses=sum(unnamed[g] for g in plan.pooled)))

    def column_of(response: FeedbackResponse) -> str | None:
        return f"named-{response.pk}" if response.named_as else plan.column_for(response.group)

    reported = [(column_of(response), response) for response in responses]
    reported = [(column, response) for column, response in reported if column is not None]

    by_capability: dict[int, dict[str, Summary]] = defaultdict(lambda: defaultdict(Summary))
    for column, response in reported:
        for answer in response.answers.all():
            for key in (column, ALL_RATERS):
                summary = by_capability[answer.capability_id][key]
                if answer.level is None:
                    summary.not_able += 1
                else:
                    summary.values.append(answer.level.value)

    def row_for(capability) -> Row:
        level = self_ratings.get(capability.pk)
        cells = by_capability.get(capability.pk, {})
        return Row(
            label=capability.statement, number=capability.number,
            self_value=level.value if level else None, self_label=str(level) if level else "Not rated",
            others=cells.get(ALL_RATERS, Summary()), by_column={k: v for k, v in cells.items() if k != ALL_RATERS},
        )

    pillars: list[PillarSection] = []
    for capability in capabilities:
        if not pillars or pillars[-1].pillar.pk != capability.pillar_id:
            pillars.append(PillarSection(pillar=capability.pillar, summary=None, capabilities=[]))
        pillars[-1].capabilities.append(row_for(capability))
    for section in pillars:
        section.summary = _pillar_row(section)

    rows = [row for section in pillars for row in section.capabilities]
    gaps = [row for row in rows if row.gap is not None and abs(row.gap) >= GAP_HIGHLIGHT]
    blind_spots = sorted((row for row in gaps if row.gap < 0), key=lambda row: (row.gap, row.number))
    hidden_strengths = sorted((row for row in gaps if row.gap > 0), key=lambda row: (-row.gap, row.number))

    comments_shown = len(reported) >= threshold
    report = FeedbackReport(
        round=feedback_round, threshold=threshold, plan=plan, columns=columns, pillars=pillars,
        counts=_count_lines(invited, responded, responses, plan),
        responses=len(responses), reported=len(reported), withheld=len(responses) - len(reported),
        blind_spots=blind_spots[:HIGHLIGHTS_SHOWN], hidden_strengths=hidden_strengths[:HIGHLIGHTS_SHOWN],
        comments_shown=comments_shown,
        comments=_comments(feedback_round) if comments_shown else [],
    )
    report.chart = _chart(report, list(feedback_round.assessment.rating_scale.levels.order_by("value")))
    return report


def _pillar_row(section: PillarSection) -> Row:
    """A pillar's self-rating mean and the others' answers to all its
    questions taken together."""
    self_values = [row.self_value for row in section.capabilities if row.self_value is not None]
    others = Summary()
    by_column: dict[str, Summary] = defaultdict(Summary)
    for row in section.capabilities:
        others.values += row.others.values
        others.not_able += row.others.not_able
        for key, summary in row.by_column.items():
            by_column[key].values += summary.values
            by_column[key].not_able += summary.not_able
    self_mean = round(statistics.fmean(self_values), 1) if self_values else None
    return Row(
        label=section.pillar.name, number=None, self_value=self_mean,
        self_label=str(self_mean) if self_mean is not None else "Not rated", others=others, by_column=dict(by_column),
    )


def _count_lines(invited: Counter, responded: Counter, responses, plan: GroupPlan) -> list[CountLine]:
    named = Counter(response.group for response in responses if response.named_as)
    lines = []
    for group in RaterGroup.values:
        if not invited[group] and not responded[group]:
            continue
        if not responded[group]:
            reported_as = "No responses"
        elif group in plan.shown:
            reported_as = "Shown as a group"
        elif plan.pool_shown and group in plan.pooled:
            reported_as = f"Included in {OTHER_RATERS_LABEL.lower()}"
        elif named[group] == responded[group]:
            reported_as = "Shown by name, with their agreement"
        else:
            reported_as = "Not shown: too few responses to keep them anonymous"
        if named[group] and named[group] != responded[group]:
            reported_as += f" ({named[group]} shown by name, with their agreement)"
        lines.append(CountLine(RaterGroup(group).label, invited[group], responded[group], reported_as))
    return lines


def _comments(feedback_round: FeedbackRound) -> list[tuple[str, str, list[str]]]:
    """(heading, kind label, texts) in pillar order, overall first."""
    grouped: dict[tuple, list[str]] = defaultdict(list)
    headings = {}
    for comment in feedback_round.comments.select_related("pillar").order_by("id"):
        key = (comment.pillar.order if comment.pillar else -1, comment.kind)
        headings[key] = comment.pillar.name if comment.pillar else "All the capabilities"
        grouped[key].append(comment.text)
    kinds = dict(CommentKind.choices)
    order = {kind: index for index, kind in enumerate(CommentKind.values)}
    return [
        (headings[key], kinds[key[1]], grouped[key])
        for key in sorted(grouped, key=lambda key: (key[0], order[key[1]]))
    ]


def _chart(report: FeedbackReport, levels):
    """The comparison picture (core.comparison), as on the assessment's
    pages: the self-rating given for the round and the raters' mean and
    range, in the same colours and shapes."""
    from core.comparison import FEEDBACK, SELF, ComparisonChart, ComparisonRow

    figures = comparison_figures(report)
    levels = [(level.value, level.label) for level in levels]
    return ComparisonChart(
        title="Your rating and other raters' ratings, by capability",
        description=(
            f"For each capability asked about, on the scale from {levels[0][0]} {levels[0][1]} to {levels[-1][0]} "
            f"{levels[-1][1]}: the self-rating and the other raters' mean, lowest and highest rating. The same "
            "figures are in the table that follows."
        ),
        levels=levels,
        groups=[
            (section.pillar.name, [
                ComparisonRow(number=row.number, statement=row.label,
                              self_value=int(row.self_value) if row.self_value is not None else None,
                              feedback=figures.get(row.number))
                for row in section.capabilities
            ])
            for section in report.pillars
        ],
        sources=(SELF, FEEDBACK), shows_expected=False,
    )


def comparison_figures(report: FeedbackReport) -> dict:
    """The raters' mean and range for each capability, for the comparison
    picture (core.comparison): only what the report itself shows."""
    from core.comparison import FeedbackFigures

    return {
        row.number: FeedbackFigures(mean=row.others.mean, low=row.others.low, high=row.others.high,
                                    count=row.others.count)
        for row in report.capability_rows if row.others.mean is not None
    }
