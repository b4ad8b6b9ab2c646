from django.urls import path

from accounts import organisation_views as views
from accounts import report_views

app_name = "organisations"

# The organisation admin area. Every view checks, through
# accounts.organisation_access, that the user is an active admin of the
# organisation in the address.
member = "<uuid:organisation_id>/members/<uuid:user_id>/"
export = "<uuid:organisation_id>/exports/<uuid:job_id>/"

urlpatterns = [
    path("", views.index, name="index"),
    path("<uuid:organisation_id>/", views.dashboard, name="dashboard"),
    path("<uuid:organisation_id>/members/", views.members, name="members"),
    path("<uuid:organisation_id>/invite/", views.invite, name="invite"),
    path(member, views.member, name="member"),
    path(member + "roles/", views.member_roles, name="member_roles"),
    path(member + "deactivate/", views.member_deactivate, name="member_deactivate"),
    path(member + "reactivate/", views.member_reactivate, name="member_reactivate"),
    path(member + "appraisers/", views.member_appraisers, name="member_appraisers"),
    path(
        member + "appraisers/<uuid:appraiser_id>/remove/",
        views.member_appraiser_remove,
        name="member_appraiser_remove",
    ),
    # Reports and exports (accounts/report_views.py).
    path("<uuid:organisation_id>/report.pdf", report_views.report_pdf, name="report_pdf"),
    path("<uuid:organisation_id>/ratings.csv", report_views.ratings_csv, name="ratings_csv"),
    path("<uuid:organisation_id>/evidence.csv", report_views.evidence_csv, name="evidence_csv"),
    path("<uuid:organisation_id>/exports/", report_views.exports, name="exports"),
    path(export, report_views.export, name="export"),
    path(export + "progress/", report_views.export_progress, name="export_progress"),
    path(export + "download/", report_views.export_download, name="export_download"),
]
