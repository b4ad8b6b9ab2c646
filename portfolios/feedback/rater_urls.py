"""The rater's page, reached by the link in their email (no account)."""

from django.urls import path

from portfolios.feedback import rater_views

urlpatterns = [
    path("<str:token>/", rater_views.respond, name="feedback_respond"),
]
