"""360° feedback pages of the practitioner and their appraiser."""

from django.urls import path

from feedback.views import rounds as views

app_name = "feedback"

urlpatterns: list = [
    path("assessments/<uuid:pk>/feedback/new/", views.round_start, name="round_start"),
    path("feedback/<uuid:pk>/", views.round_detail, name="round"),
    path("feedback/<uuid:pk>/edit/", views.round_edit, name="round_edit"),
    path("feedback/<uuid:pk>/self-rating/", views.self_rating, name="self_rating"),
    path("feedback/<uuid:pk>/raters/add/", views.rater_add, name="rater_add"),
    path("feedback/<uuid:pk>/raters/<uuid:invitation_pk>/remove/", views.rater_remove, name="rater_remove"),
    path("feedback/<uuid:pk>/send/", views.round_send, name="round_send"),
    path("feedback/<uuid:pk>/remind/", views.round_remind, name="round_remind"),
    path("feedback/<uuid:pk>/close/", views.round_close, name="round_close"),
    path("feedback/<uuid:pk>/release/", views.report_release, name="report_release"),
    path("feedback/<uuid:pk>/report/", views.report, name="report"),
    path("feedback/<uuid:pk>/evidence/", views.report_evidence, name="report_evidence"),
]
