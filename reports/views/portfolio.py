"""The portfolio report and pack of an assessment, for everyone who may see
the assessment. A small report is made while the person waits; a pack, or a
report of a large portfolio, is made by the worker, with a page that follows
it and a download that only the person who asked for it can use, while they
may still see the assessment (reports.report_jobs)."""

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from portfolios import access
from portfolios.models import Assessment
from portfolios.queries import assessments_for_pages
from reports import report_jobs, services
from reports.models import ExportStatus, ReportJob
from reports.portfolio import render_portfolio_pdf, report_filename


def _private(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _make_url(assessment, pack: bool) -> str:
    url = reverse("reports:make_report", kwargs={"pk": assessment.pk})
    return url if pack else f"{url}?kind=report"


@require_GET
def assessment_report(request, pk):
    """The report as a PDF, or with ?pack=1 (or for a large portfolio) the
    page where the worker is asked to make it."""
    assessment = access.get_assessment(request.user, pk, assessments_for_pages(Assessment.objects.all()))
    pack = request.GET.get("pack") == "1"
    if report_jobs.made_by_worker(assessment, pack=pack, evidence_count=assessment.evidence_links.count()):
        return redirect(_make_url(assessment, pack))
    response = HttpResponse(render_portfolio_pdf(assessment), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, report_filename(assessment))
    return _private(response)


@require_http_methods(["GET", "POST"])
def make_report(request, pk):
    """GET says what the file will be, with the person's latest one; POST
    asks the worker for it (or finds the one already being made)."""
    assessment = access.get_assessment(request.user, pk, Assessment.objects.select_related("practitioner"))
    pack = (request.POST if request.method == "POST" else request.GET).get("kind") != "report"
    if request.method == "POST":
        job = services.start_report_job(assessment=assessment, requested_by=request.user, include_pack=pack)
        return redirect("reports:report_job", pk=assessment.pk, job_id=job.pk)
    latest = ReportJob.objects.filter(assessment=assessment, requested_by=request.user, include_pack=pack).first()
    return render(request, "reports/make_report.html", {
        "assessment": assessment, "pack": pack, "kind": report_jobs.kind_label(pack),
        "latest": report_jobs.refresh(latest) if latest else None, "valid_hours": report_jobs.REPORT_VALID_HOURS,
    })


def _get_job(request, pk, job_id) -> ReportJob:
    """The person's own job for an assessment they may still see; 404 for
    anyone else's."""
    assessment = access.get_assessment(request.user, pk, Assessment.objects.select_related("practitioner"))
    try:
        job = ReportJob.objects.get(pk=job_id, assessment=assessment, requested_by=request.user)
    except (ReportJob.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such file")
    job.assessment = assessment
    return report_jobs.refresh(job)


def _job_page(request, job, *, status=200):
    return render(request, "reports/report_job.html", {
        "job": job, "assessment": job.assessment, "kind": report_jobs.kind_label(job),
        "progress": report_jobs.progress_data(job), "valid_hours": report_jobs.REPORT_VALID_HOURS,
        "make_url": _make_url(job.assessment, job.include_pack),
    }, status=status)


@require_safe
def report_job(request, pk, job_id):
    """The file's progress, its download when ready, or why there is none."""
    return _job_page(request, _get_job(request, pk, job_id))


@require_safe
def report_job_progress(request, pk, job_id):
    """The progress as JSON, for static/js/export-progress.js."""
    return _private(JsonResponse(report_jobs.progress_data(_get_job(request, pk, job_id))))


@require_safe
def report_job_download(request, pk, job_id):
    job = _get_job(request, pk, job_id)
    if job.status == ExportStatus.EXPIRED:
        return _job_page(request, job, status=410)
    if job.status != ExportStatus.DONE or not job.file:
        return redirect("reports:report_job", pk=job.assessment.pk, job_id=job.pk)
    try:
        handle = job.file.storage.open(job.file.name, "rb")
    except (FileNotFoundError, ValueError):
        raise Http404("No such file")
    filename = report_filename(job.assessment, pack=job.include_pack)
    return _private(FileResponse(handle, as_attachment=True, filename=filename, content_type="application/pdf"))
