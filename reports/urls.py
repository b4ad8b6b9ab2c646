"""Every PDF, CSV and ZIP download, and the pages that start and follow a
bulk export. Mounted at the site's root by config/urls.py, so that each
download sits beside the page it is about."""

from django.urls import path

from reports.views import organisation, personal, portfolio

app_name = "reports"

made = "assessments/<uuid:pk>/files/<uuid:job_id>/"
export = "organisations/<uuid:organisation_id>/exports/<uuid:job_id>/"

urlpatterns = [
    path("assessments/<uuid:pk>/report.pdf", portfolio.assessment_report, name="assessment_report"),
    path("assessments/<uuid:pk>/pdf/", portfolio.make_report, name="make_report"),
    path(made, portfolio.report_job, name="report_job"),
    path(made + "progress/", portfolio.report_job_progress, name="report_job_progress"),
    path(made + "download/", portfolio.report_job_download, name="report_job_download"),
    path("accounts/profile/export/", personal.data_export, name="data_export"),
    path("organisations/<uuid:organisation_id>/report.pdf", organisation.report_pdf, name="report_pdf"),
    path("organisations/<uuid:organisation_id>/ratings.csv", organisation.ratings_csv, name="ratings_csv"),
    path("organisations/<uuid:organisation_id>/evidence.csv", organisation.evidence_csv, name="evidence_csv"),
    path("organisations/<uuid:organisation_id>/exports/", organisation.exports, name="exports"),
    path(export, organisation.export, name="export"),
    path(export + "progress/", organisation.export_progress, name="export_progress"),
    path(export + "download/", organisation.export_download, name="export_download"),
]
