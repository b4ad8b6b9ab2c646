from django.urls import path

from organisations.views import admin_area as views

app_name = "organisations"

# The organisation admin area. Every view checks, through
# organisations.access, that the user is an active admin of the
# organisation in the address. Its reports and exports are reports.urls.
member = "<uuid:organisation_id>/members/<uuid:user_id>/"

urlpatterns = [
    path("", views.index, name="index"),
    path("<uuid:organisation_id>/", views.dashboard, name="dashboard"),
    path("<uuid:organisation_id>/members/", views.members, name="members"),
    path("<uuid:organisation_id>/invite/", views.invite, name="invite"),
    path("<uuid:organisation_id>/frameworks/", views.frameworks, name="frameworks"),
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
]
