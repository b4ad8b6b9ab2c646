"""The rater's page, reached by the link in their email (no account)."""

from django.urls import path

urlpatterns: list = []
