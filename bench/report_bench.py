"""Benchmark of the portfolio report: a signed-off assessment with all 16
capabilities rated and 200 items of evidence.

    python bench/report_bench.py

Prints one JSON document: the total time to make the PDF (median of several
runs after a warm-up), the application's own part (queries and template
rendering: render_portfolio_html), WeasyPrint alone on the same HTML (the
floor no change to the application can go below), their ratios, the query
count and the machine. Exits 1 when the total is over 3 seconds or the
application's share is over 25 %.

Data: with DATABASE_URL set, in that database, inside a transaction that is
rolled back (migrating inside it first if the database is empty and can
migrate in a transaction, as PostgreSQL can); otherwise in a temporary SQLite
file that is deleted afterwards. Nothing is left behind either way.
"""

import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

TEMPORARY_DB = None
if not os.environ.get("DATABASE_URL"):
    handle, TEMPORARY_DB = tempfile.mkstemp(prefix="report-bench-", suffix=".sqlite3")
    os.close(handle)
    os.environ["DATABASE_URL"] = f"sqlite:///{TEMPORARY_DB}"

import logging  # noqa: E402

import django  # noqa: E402

django.setup()
# WeasyPrint logs every step at INFO; the figures are what matters here.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

RUNS = 5
EVIDENCE_ITEMS = 200
BUDGET_TOTAL_SECONDS = 3.0
BUDGET_APP_SHARE = 0.25


class Rollback(Exception):
    pass


def needs_migrating() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def make_portfolio():
    """A signed-off assessment: 16 capabilities rated with reflections and
    appraiser comments, 200 evidence items mapped to one to three capabilities
    each, impact links, attachments, a development plan and a full history."""
    from accounts.models import (
        AppraiserAssignment, CareerStage, Membership, Organisation, Profession, RegistrationBody, Role, User,
    )
    from capability.models import Capability, Framework
    from impact.models import ImpactStatement
    from portfolios import services
    from portfolios.models import (
        AppraiserRating, Assessment, AssessmentEvidence, AssessmentStatus as S, AssessmentTransition,
        DevelopmentObjective, EvidenceAttachment, EvidenceCapabilityLink, EvidenceImpactLink, EvidenceItem,
    )

    if not Framework.objects.current().exists():
        call_command("load_framework", verbosity=0)
    organisation = Organisation.objects.create(name="Benchmark Hospitals NHS Foundation Trust", ods_code="ZZB9")
    practitioner = User.objects.create_user(
        "bench.practitioner@bench.example", full_name="Aisha Benchmark", profession=Profession.NURSE,
        registration_body=RegistrationBody.NMC, registration_number="01A2345B", career_stage=CareerStage.YEARS_1_3,
    )
    appraiser = User.objects.create_user("bench.appraiser@bench.example", full_name="Helen Benchmark")
    Membership.objects.create(user=practitioner, organisation=organisation, role=Role.PRACTITIONER)
    Membership.objects.create(user=appraiser, organisation=organisation, role=Role.APPRAISER)
    AppraiserAssignment.objects.create(organisation=organisation, practitioner=practitioner, appraiser=appraiser)

    assessment = services.start_assessment(
        practitioner=practitioner, title="Annual self-assessment 2025 to 2026",
        period_start=datetime.date(2025, 4, 1), period_end=datetime.date(2026, 3, 31),
    )
    levels = list(assessment.rating_scale.levels.order_by("value"))
    ratings = list(assessment.ratings.select_related("capability"))
    for index, rating in enumerate(ratings):
        rating.level = levels[index % len(levels)]
        rating.reflection = (
            "I led this across the integrated care system this year, bringing service users, commissioners and "
            "colleagues together to agree what needed to change and how we would know it had worked.\n\n"
            "Next year I want to share the approach with the regional network and publish our evaluation."
        )
        rating.development_priority = rating.level.value <= 2
    type(ratings[0]).objects.bulk_update(ratings, ["level", "reflection", "development_priority"])
    AppraiserRating.objects.bulk_create(
        AppraiserRating(assessment=assessment, capability=r.capability, appraiser=appraiser,
                        level=levels[(i + 1) % len(levels)], comment="Agreed; strong examples in the evidence.")
        for i, r in enumerate(ratings)
    )

    capabilities = list(Capability.objects.filter(framework=assessment.framework).order_by("number"))
    statements = list(ImpactStatement.objects.filter(pillar__framework=assessment.framework))
    items = EvidenceItem.objects.bulk_create(
        EvidenceItem(
            owner=practitioner, title=f"Quality improvement project {n}: falls prevention across the division",
            evidence_type="audit_data", activity_date=datetime.date(2025, 4, 1) + datetime.timedelta(days=n * 2),
            description="What I did: led an audit of falls across the division, working with colleagues across "
            "the trust and with service users to agree the standard.",
            impact="Fewer falls over six months, and staff report more confidence in the new approach."
            if n % 2 else "",
            beneficiaries=["service_users", "staff"], link=f"https://www.example.org/reports/{n:04d}",
            confirmed_by_name="Dr Sam Rivers" if n % 3 == 0 else "",
            confirmed_by_role="Clinical director" if n % 3 == 0 else "",
        )
        for n in range(EVIDENCE_ITEMS)
    )
    EvidenceCapabilityLink.objects.bulk_create(
        EvidenceCapabilityLink(evidence=item, capability=capabilities[(n + k * 5) % len(capabilities)],
                               justification="Shows the element in practice" if k == 0 else "")
        for n, item in enumerate(items) for k in range(1 + n % 3)
    )
    EvidenceImpactLink.objects.bulk_create(
        EvidenceImpactLink(evidence=item, impact_statement=statements[n % len(statements)],
                           justification="Changed practice across the division")
        for n, item in enumerate(items) if n % 2 == 0
    )
    EvidenceAttachment.objects.bulk_create(
        EvidenceAttachment(evidence=item, file=f"evidence/bench-{n}.pdf", original_name=f"audit-report-{n}.pdf",
                           content_type="application/pdf", size=120_000 + n)
        for n, item in enumerate(items) if n % 3 == 0
    )
    AssessmentEvidence.objects.bulk_create(AssessmentEvidence(assessment=assessment, evidence=item) for item in items)
    for n in range(3):
        objective = DevelopmentObjective.objects.create(
            assessment=assessment, objective=f"Lead a regional audit, part {n + 1}",
            actions="Agree the audit standard with the network, then report to the ICS board.",
            support="Protected time: half a day a month", target_date=datetime.date(2027, 3, 31), created_by=appraiser,
        )
        objective.capabilities.set(capabilities[n:n + 2])
    moves = [(S.DRAFT, S.SUBMITTED, practitioner), (S.SUBMITTED, S.IN_REVIEW, appraiser),
             (S.IN_REVIEW, S.AWAITING_SIGN_OFF, appraiser), (S.AWAITING_SIGN_OFF, S.SIGNED_OFF, practitioner),
             (S.SIGNED_OFF, S.LOCKED, None)]
    AssessmentTransition.objects.bulk_create(
        AssessmentTransition(assessment=assessment, from_status=a, to_status=b, actor=who) for a, b, who in moves
    )
    now = timezone.now()
    Assessment.objects.filter(pk=assessment.pk).update(
        status=S.LOCKED, appraiser_summary="A productive year with clear impact across the system.",
        appraiser_signed_by=appraiser, appraiser_signed_at=now, practitioner_signed_at=now, submitted_at=now,
    )
    assessment.refresh_from_db()
    return assessment


def timed(function, runs):
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def run() -> dict:
    import io

    import pypdf
    import weasyprint

    from portfolios.reports.portfolio import html_to_pdf, render_portfolio_html, render_portfolio_pdf

    mode = "temporary SQLite file" if TEMPORARY_DB else "configured database, in a transaction rolled back"
    if TEMPORARY_DB:
        call_command("migrate", verbosity=0)  # SQLite cannot migrate inside a transaction
    with transaction.atomic():
        if needs_migrating():
            if not connection.features.can_rollback_ddl:
                raise SystemExit("The configured database needs migrating: run manage.py migrate first")
            call_command("migrate", verbosity=0)
        assessment = make_portfolio()
        render_portfolio_pdf(assessment)  # warm-up: imports, fonts, template loading
        total, total_runs, pdf = timed(lambda: render_portfolio_pdf(assessment), RUNS)
        html_time, html_runs, html = timed(lambda: render_portfolio_html(assessment), RUNS)
        weasy_time, weasy_runs, _ = timed(lambda: html_to_pdf(html), RUNS)
        with CaptureQueriesContext(connection) as queries:
            render_portfolio_html(assessment)
        pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
        result = {
            "benchmark": "portfolio report PDF",
            "data": {"capabilities_rated": assessment.ratings.filter(level__isnull=False).count(),
                     "evidence_items": assessment.evidence_links.count(), "pages": pages, "pdf_bytes": len(pdf),
                     "html_bytes": len(html.encode())},
            "runs": RUNS,
            "seconds": {
                "total_median": round(total, 3),
                "app_html_median": round(html_time, 3),
                "weasyprint_only_median": round(weasy_time, 3),
                "total_runs": [round(t, 3) for t in total_runs],
                "app_html_runs": [round(t, 3) for t in html_runs],
                "weasyprint_only_runs": [round(t, 3) for t in weasy_runs],
            },
            "ratios": {
                "app_share": round(html_time / total, 3),
                "weasyprint_share": round(weasy_time / total, 3),
                "total_over_floor": round(total / weasy_time, 3),
            },
            "queries": {"render_portfolio_html": len(queries.captured_queries)},
            "budget": {"total_seconds_max": BUDGET_TOTAL_SECONDS, "app_share_max": BUDGET_APP_SHARE},
            "machine": {
                "cpu_count": os.cpu_count(),
                "platform": platform.platform(),
                "processor": platform.processor() or platform.machine(),
                "python": platform.python_version(),
                "django": django.get_version(),
                "weasyprint": weasyprint.__version__,
                "pypdf": pypdf.__version__,
                "database": f"{connection.vendor} ({mode})",
            },
        }
        transaction.set_rollback(True)
    result["passed"] = total <= BUDGET_TOTAL_SECONDS and result["ratios"]["app_share"] <= BUDGET_APP_SHARE
    return result


def main() -> int:
    try:
        result = run()
    finally:
        connection.close()
        if TEMPORARY_DB:
            Path(TEMPORARY_DB).unlink(missing_ok=True)
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
