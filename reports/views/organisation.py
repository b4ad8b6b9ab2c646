"""Reports and exports in the organisation admin area: the organisation
report (PDF), the ratings and evidence CSVs, and the bulk export of
portfolio reports as a ZIP built in the background.

Every view gets its organisation through
organisations.access.get_organisation_for_admin, so only the
organisation's active admins get in: strangers get 404 and the
organisation's other members 403. An export job is looked up within that
organisation only, so another organisation's admin gets 404 for it.

The reports and CSVs cover the same practitioners as the dashboard with the
same filters (the dashboard links to them with its query string), through
the dashboard's own query builders.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import Organisation
from capability.selectors import editions_for
from organisations.access import get_organisation_for_admin
from organisations.selectors import (
    FILTER_FIELDS,
    STATUS_TAGS,
    dashboard_selection,
    practitioner_queryset,
)
from reports.models import ExportJob, ExportStatus
from reports import bulk, csv_exports, services
from reports.organisation import organisation_report_filename

RECENT_EXPORTS = 10


def _dashboard_url(organisation: Organisation) -> str:
    return reverse("organisations:dashboard", kwargs={"organisation_id": organisation.pk})


def _breadcrumbs(organisation: Organisation) -> list[tuple[str, str]]:
    return [(organisation.name, _dashboard_url(organisation))]


# Organisation report and CSVs -------------------------------------------------


@require_safe
def report_pdf(request, organisation_id):
    from reports.organisation import render_organisation_pdf

    organisation = get_organisation_for_admin(request.user, organisation_id)
    practitioners, form, filtered = dashboard_selection(organisation, request.GET)
    pdf = render_organisation_pdf(organisation, practitioners, form=form if filtered else None)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{organisation_report_filename(organisation, "pdf")}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def ratings_csv(request, organisation_id):
    organisation = get_organisation_for_admin(request.user, organisation_id)
    practitioners, _form, _filtered = dashboard_selection(organisation, request.GET)
    return csv_exports.streaming_csv_response(
        organisation_report_filename(organisation, "csv", kind="ratings"),
        lines=csv_exports.csv_lines(csv_exports.RATINGS_HEADER, csv_exports.ratings_rows(practitioners), neutralised=True),
    )


@require_safe
def evidence_csv(request, organisation_id):
    organisation = get_organisation_for_admin(request.user, organisation_id)
    practitioners, _form, _filtered = dashboard_selection(organisation, request.GET)
    header, rows = csv_exports.evidence_rows(practitioners, next(iter(editions_for(organisation)), None))
    return csv_exports.streaming_csv_response(
        organisation_report_filename(organisation, "csv", kind="evidence-counts"), header, rows
    )


# Bulk export ------------------------------------------------------------------

ALL, FILTERED, CHOSEN = "all", "filtered", "chosen"


class ExportForm(forms.Form):
    selection = forms.ChoiceField(
        label="Whose reports do you want?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whose reports you want",
            "invalid_choice": "Select whose reports you want",
        },
    )
    practitioners = forms.MultipleChoiceField(
        label="Practitioners",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose practitioners from the list"},
    )
    include_packs = forms.BooleanField(
        label="Include the evidence files (a pack for each practitioner, rather than the report alone)",
        required=False,
    )

    def __init__(self, *args, people, filtered_count=None, **kwargs):
        super().__init__(*args, **kwargs)
        options = [(ALL, f"All practitioners ({len(people)})")]
        if filtered_count is not None:
            options.append((FILTERED, f"Practitioners who match the dashboard filters ({filtered_count})"))
        options.append((CHOSEN, "Practitioners I choose"))
        self.fields["selection"].choices = options
        self.fields["practitioners"].choices = [(str(person.pk), person.full_name or person.email) for person in people]

    def clean(self):
        data = super().clean()
        if data.get("selection") == CHOSEN and not data.get("practitioners") and "practitioners" not in self.errors:
            self.add_error("practitioners", "Choose at least one practitioner")
        return data


def _recent_exports(organisation: Organisation) -> list[ExportJob]:
    return list(
        ExportJob.objects.filter(organisation=organisation)
        .select_related("requested_by")
        .order_by("-created_at")[:RECENT_EXPORTS]
    )


@require_http_methods(["GET", "POST"])
def exports(request, organisation_id):
    """Choose whose reports to export, start the export, and see recent ones."""
    organisation = get_organisation_for_admin(request.user, organisation_id)
    data = request.POST if request.method == "POST" else request.GET
    filtered_queryset, filter_form, filtered = dashboard_selection(organisation, data)
    people = list(practitioner_queryset(organisation).prefetch_related(None))
    filtered_ids = [person.pk for person in filtered_queryset.prefetch_related(None)] if filtered else None
    form = ExportForm(
        request.POST if request.method == "POST" else None,
        people=people,
        filtered_count=len(filtered_ids) if filtered else None,
        initial={"selection": FILTERED if filtered else ALL},
    )
    if request.method == "POST" and form.is_valid():
        selection = form.cleaned_data["selection"]
        if selection == ALL:
            chosen = [person.pk for person in people]
        elif selection == FILTERED:
            chosen = filtered_ids
        else:
            chosen = form.cleaned_data["practitioners"]
        if chosen:
            job = services.start_export(
                organisation=organisation, requested_by=request.user, people_ids=chosen,
                include_packs=form.cleaned_data["include_packs"],
            )
            return redirect("reports:export", organisation_id=organisation.pk, job_id=job.pk)
        form.add_error("selection", "There are no practitioners to export. Select others")
    return render(
        request,
        "organisations/exports.html",
        {
            "organisation": organisation,
            "form": form,
            "people": people,
            "filtered": filtered,
            # Carried through the form, so the export covers what was filtered.
            "filters": [(name, filter_form.data[name]) for name in FILTER_FIELDS
                        if filtered and filter_form.cleaned_data.get(name)],
            "choices": [
                (str(person.pk), person.full_name or person.email,
                 STATUS_TAGS.get(person.latest_status, (person.latest_status, ""))[0])
                for person in people
            ],
            "chosen": set(form["practitioners"].value() or []),
            "jobs": _recent_exports(organisation),
            "valid_days": bulk.EXPORT_VALID_DAYS,
            "breadcrumbs": _breadcrumbs(organisation),
        },
    )


def _get_job(organisation: Organisation, job_id) -> ExportJob:
    """The organisation's export job; 404 for any other."""
    try:
        return ExportJob.objects.select_related("organisation", "requested_by").get(
            pk=job_id, organisation=organisation
        )
    except (ExportJob.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such export")


def _export_page(request, organisation, job, *, status=200):
    bulk.expire_if_due(job)
    bulk.fail_if_stalled(job)
    failed, no_assessment = bulk.split_problems(job.problems)
    return render(
        request,
        "organisations/export.html",
        {
            "organisation": organisation,
            "job": job,
            "progress": bulk.progress_data(job),
            # Reports in the file, of the practitioners who had an assessment to report on.
            "made": job.done - len(failed) - len(no_assessment),
            "with_assessment": job.done - len(no_assessment),
            "failed": failed,
            "no_assessment": no_assessment,
            "valid_days": bulk.EXPORT_VALID_DAYS,
            "breadcrumbs": [
                *_breadcrumbs(organisation),
                ("Export portfolio reports",
                 reverse("reports:exports", kwargs={"organisation_id": organisation.pk})),
            ],
        },
        status=status,
    )


@require_safe
def export(request, organisation_id, job_id):
    """The job's progress, its download when ready, or that it has expired."""
    organisation = get_organisation_for_admin(request.user, organisation_id)
    return _export_page(request, organisation, _get_job(organisation, job_id))


@require_safe
def export_progress(request, organisation_id, job_id):
    """The job's progress as JSON, for static/js/export-progress.js."""
    organisation = get_organisation_for_admin(request.user, organisation_id)
    job = _get_job(organisation, job_id)
    bulk.expire_if_due(job)
    bulk.fail_if_stalled(job)
    response = JsonResponse(bulk.progress_data(job))
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def export_download(request, organisation_id, job_id):
    organisation = get_organisation_for_admin(request.user, organisation_id)
    job = _get_job(organisation, job_id)
    if bulk.expire_if_due(job):
        return _export_page(request, organisation, job, status=410)
    if job.status != ExportStatus.DONE or not job.file:
        return redirect("reports:export", organisation_id=organisation.pk, job_id=job.pk)
    try:
        handle = job.file.storage.open(job.file.name, "rb")
    except (FileNotFoundError, ValueError):
        raise Http404("No such file")
    filename = organisation_report_filename(
        organisation, "zip", kind="portfolio-packs" if job.include_packs else "portfolio-reports"
    )
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
