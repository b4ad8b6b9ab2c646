"""The portfolio report of one assessment: an A4 PDF that an appraisal or
credentialing panel can read on its own.

HTML from templates/reports/portfolio.html, styled by static/css/report.css
and made into a tagged PDF by WeasyPrint, which loads only what
core.pdf allows. The pack (``pack=True``) appends the
evidence files themselves (reports.pack).

Contract used by other modules:
    render_portfolio_html(assessment, *, pack: bool = False) -> str
    render_portfolio_pdf(assessment, *, pack: bool = False) -> bytes

The HTML takes a fixed number of queries whatever the size of the portfolio
(see tests/test_reports_pdf.py).

Who sees what: the report does not know who asked for it, so it shows what
everyone who may open the assessment may see. The appraiser's ratings,
comments and summary are shown once the appraiser has signed off (as the
practitioner sees them on the summary page); before that, the report says
they are not yet shared.
"""

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from feedback.report import comparison_figures
from portfolios.charts import comparison
from core.pdf import html_to_pdf
from portfolios.models import (
    Assessment,
    AssessmentStatus,
    EvidenceAttachment,
    EvidenceCapabilityLink,
    EvidenceImpactLink,
    EvidenceItem,
)
from portfolios.queries import (
    attach_confirmation_notes,
    CapabilityRow,
    PillarRows,
    assessment_matrix,
    objectives_for,
    previous_objectives,
)
from portfolios.timeline import assessment_audit_state, record_digest
from portfolios.workflow import APPRAISER_DECLARATION, PRACTITIONER_DECLARATION
from reports import pack as packs

APPRAISER_SHARED = (AssessmentStatus.AWAITING_SIGN_OFF, AssessmentStatus.SIGNED_OFF, AssessmentStatus.LOCKED)
# PDF/UA-1: a tagged PDF (structure tree, reading order, alternative text),
# PDF 1.7, with XMP metadata. WeasyPrint 70 sets the tags for this variant.


@dataclass
class IndexedEvidence:
    """An evidence item in the report, by its number in the portfolio (E1 is
    the first added), the same number the pages and the data export give."""

    item: EvidenceItem

    @property
    def number(self) -> int:
        return self.item.number

    @property
    def reference(self) -> str:
        return self.item.reference

    @property
    def anchor(self) -> str:
        return f"evidence-{self.number}"


@dataclass
class CapabilitySection:
    row: CapabilityRow
    evidence: list[IndexedEvidence]

    @property
    def references(self) -> str:
        return ", ".join(entry.reference for entry in self.evidence)


@dataclass
class PillarSection:
    group: PillarRows
    capabilities: list[CapabilitySection]

    @property
    def appraiser_average(self) -> float | None:
        values = [c.row.appraiser_value for c in self.capabilities if c.row.appraiser_value is not None]
        return round(sum(values) / len(values), 1) if values else None


@dataclass
class RenderedReport:
    html: str
    pdf: bytes
    pack_files: list = field(default_factory=list)


def _assessment(assessment: Assessment) -> Assessment:
    """The assessment as it is now, with everything the report shows about it
    in one query."""
    return Assessment.objects.select_related(
        "practitioner", "organisation", "framework", "rating_scale", "appraiser_signed_by"
    ).get(pk=assessment.pk)


def _evidence_index(assessment: Assessment) -> list[IndexedEvidence]:
    """The evidence included in the assessment, by number, with all it
    shows in the index, in five queries."""
    items = (
        EvidenceItem.objects.filter(assessment_links__assessment=assessment)
        .select_related("framework_example")
        .prefetch_related(
            Prefetch(
                "capability_links",
                queryset=EvidenceCapabilityLink.objects.select_related("capability").order_by("capability__number"),
            ),
            Prefetch(
                "impact_links",
                queryset=EvidenceImpactLink.objects.select_related("impact_statement__pillar").order_by(
                    "impact_statement__pillar__order", "impact_statement__order"
                ),
            ),
            Prefetch("attachments", queryset=EvidenceAttachment.objects.order_by("uploaded_at", "original_name")),
        )
        .order_by("number")
    )
    items = list(items)
    attach_confirmation_notes(items)
    return [IndexedEvidence(item=item) for item in items]


def _appraisers(assessment: Assessment) -> list[str]:
    from accounts.models import AppraiserAssignment

    if assessment.appraiser_signed_by_id:
        return [assessment.appraiser_signed_by.full_name]
    assignments = AppraiserAssignment.objects.filter(practitioner_id=assessment.practitioner_id)
    if assessment.organisation_id:
        assignments = assignments.filter(organisation_id=assessment.organisation_id)
    return sorted({a.appraiser.full_name for a in assignments.select_related("appraiser")})


def _feedback_reports(assessment: Assessment) -> list:
    """Reports of the assessment's 360° feedback rounds that the practitioner
    may read (the report shows what everyone who may open it may see)."""
    from feedback.report import build_report
    from feedback.access import feedback_report_visible
    from portfolios.access import Capacity

    rounds = assessment.feedback_rounds.select_related("assessment__organisation", "assessment__rating_scale")
    return [
        build_report(feedback_round) for feedback_round in rounds.order_by("closes_on", "created_at")
        if feedback_report_visible(feedback_round, Capacity.PRACTITIONER)
    ]


def report_context(assessment: Assessment, *, pack: bool = False) -> dict:
    assessment = _assessment(assessment)
    matrix = assessment_matrix(assessment)
    levels = list(assessment.rating_scale.levels.all())
    show_appraiser = assessment.status in APPRAISER_SHARED
    evidence = _evidence_index(assessment)
    by_pk = {entry.item.pk: entry for entry in evidence}
    pillars = [
        PillarSection(
            group=group,
            capabilities=[
                CapabilitySection(
                    row=row,
                    evidence=sorted(
                        (by_pk[item.pk] for item in row.evidence if item.pk in by_pk), key=lambda e: e.number
                    ),
                )
                for row in group.rows
            ],
        )
        for group in matrix
    ]
    rows = [row for group in matrix for row in group.rows]
    objectives = objectives_for(assessment)
    practitioner = assessment.practitioner
    feedback_reports = _feedback_reports(assessment)
    latest_feedback = feedback_reports[-1] if feedback_reports else None
    chart = comparison(
        matrix, levels, with_appraiser=show_appraiser,
        feedback=comparison_figures(latest_feedback) if latest_feedback else None,
    )
    previous, previous_plan = previous_objectives(assessment)
    context = {
        "assessment": assessment,
        "practitioner": practitioner,
        "generated_on": timezone.localdate(),
        "generated_at": timezone.now(),
        "pillars": pillars,
        "levels": levels,
        "show_appraiser": show_appraiser,
        "comparison": chart,
        "gaps": {
            "below": [row for row in rows if row.below_expected],
            "unrated": [row for row in rows if row.level_value is None],
            "no_evidence": [row for row in rows if not row.evidence],
            "appraiser_below": [row for row in rows if show_appraiser and row.appraiser_value is not None
                                and row.expected_now and row.expected_level is not None
                                and row.appraiser_value < row.expected_level],
        },
        "latest_feedback": latest_feedback,
        "previous_assessment": previous,
        "previous_plan": previous_plan,
        "evidence": evidence,
        "objectives": objectives,
        "transitions": list(assessment.transitions.select_related("actor").order_by("created_at", "id")),
        "appraisers": _appraisers(assessment),
        # As the service shows it: a locked assessment is one signed off.
        "status_label": "Signed off" if assessment.status == AssessmentStatus.LOCKED
        else assessment.get_status_display(),
        "is_signed_off": assessment.status in (AssessmentStatus.SIGNED_OFF, AssessmentStatus.LOCKED),
        "counts": {
            "capabilities": len(rows),
            "rated": sum(1 for row in rows if row.level_value is not None),
            "appraiser_rated": sum(1 for row in rows if row.appraiser_value is not None),
            "evidence": len(evidence),
            "files": sum(len(entry.item.attachments.all()) for entry in evidence),
            "without_evidence": sum(1 for row in rows if not row.evidence),
            "priorities": sum(1 for row in rows if row.rating.development_priority),
            "differ": sum(1 for row in rows if row.ratings_differ),
        },
        "feedback_reports": feedback_reports,
        "appraiser_declaration": APPRAISER_DECLARATION,
        "practitioner_declaration": PRACTITIONER_DECLARATION,
        "pack": pack,
        "pack_files": [],
        # The audit trail's state when the PDF was made, and a digest of the
        # record it was made from, to check a copy against the record.
        "audit": assessment_audit_state(assessment),
        "record_digest": record_digest(
            assessment, ratings=[row.rating for row in rows],
            appraiser_ratings=[row.appraiser_rating for row in rows if row.appraiser_rating],
            evidence_ids=[entry.item.pk for entry in evidence], objectives=objectives,
        ),
    }
    return context


def _render(context: dict) -> str:
    return render_to_string("reports/portfolio.html", context)


def _with_files(context: dict, folder: Path, on_progress=None) -> dict:
    context["pack_files"] = packs.prepare(
        context["evidence"], practitioner_name=context["practitioner"].full_name, folder=folder,
        on_progress=on_progress,
    )
    return context


def write_report(assessment: Assessment, destination, *, pack: bool = False, on_progress=None) -> RenderedReport:
    """Write the report's PDF (the pack's, when ``pack``) to the file
    ``destination``, never holding a pack whole in memory. ``on_progress``
    is called with the number of evidence files looked at so far. Returns
    the HTML WeasyPrint was given and what happened to each file (no PDF)."""
    context = report_context(assessment, pack=pack)
    if not pack:
        html = _render(context)
        html_to_pdf(html, target=str(destination))
        return RenderedReport(html=html, pdf=b"")
    with tempfile.TemporaryDirectory(prefix="pack-") as folder:
        folder = Path(folder)
        _with_files(context, folder, on_progress)
        html = _render(context)
        report = folder / "report.pdf"
        html_to_pdf(html, target=str(report))
        dividers = packs.write_dividers(context["pack_files"], practitioner_name=context["practitioner"].full_name,
                                        folder=folder)
        packs.release_memory()
        packs.assemble(report, context["pack_files"], Path(destination), dividers=dividers)
    return RenderedReport(html=html, pdf=b"", pack_files=context["pack_files"])


def file_count(assessment: Assessment) -> int:
    """How many evidence files a pack of the assessment looks at."""
    return packs.file_count(_evidence_index(assessment))


def build_report(assessment: Assessment, *, pack: bool = False) -> RenderedReport:
    """The report's HTML and PDF (the pack's, when ``pack``) in memory: the
    HTML is exactly what WeasyPrint was given. For a small report; packs for
    people are made by the worker with write_report (reports.jobs)."""
    with tempfile.TemporaryDirectory(prefix="report-") as folder:
        destination = Path(folder) / "out.pdf"
        report = write_report(assessment, destination, pack=pack)
        report.pdf = destination.read_bytes()
    return report


def render_portfolio_html(assessment, *, pack: bool = False) -> str:
    """The report's HTML. With ``pack``, it says what happened to each
    evidence file, so every file is read and checked."""
    context = report_context(assessment, pack=pack)
    if not pack:
        return _render(context)
    with tempfile.TemporaryDirectory(prefix="pack-") as folder:
        return _render(_with_files(context, Path(folder)))


def render_portfolio_pdf(assessment, *, pack: bool = False) -> bytes:
    return build_report(assessment, pack=pack).pdf


def report_filename(assessment: Assessment, *, pack: bool = False) -> str:
    """capability-portfolio-aisha-khan-2025-2026.pdf (or capability-portfolio-pack-…)."""
    name = slugify(assessment.practitioner.full_name) or "practitioner"
    kind = "capability-portfolio-pack" if pack else "capability-portfolio"
    return f"{kind}-{name}-{assessment.period_start.year}-{assessment.period_end.year}.pdf"
