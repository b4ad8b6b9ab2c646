"""The portfolio report of an assessment, as a PDF download, for everyone
who may see the assessment."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from portfolios import access
from portfolios.models import Assessment
from portfolios.queries import assessments_for_pages
from reports.portfolio import render_portfolio_pdf, report_filename


@require_GET
def assessment_report(request, pk):
    """The report, or with ?pack=1 the pack (the report followed by the
    evidence files)."""
    assessment = access.get_assessment(
        request.user, pk, assessments_for_pages(Assessment.objects.all())
    )
    pack = request.GET.get("pack") == "1"
    response = HttpResponse(render_portfolio_pdf(assessment, pack=pack), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, report_filename(assessment, pack=pack))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
