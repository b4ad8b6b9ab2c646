"""The rater's page, reached by the link in their email (no account)."""

from django.urls import path

from feedback.views import rater

urlpatterns = [
    path("<str:token>/", rater.respond, name="feedback_respond"),
]
