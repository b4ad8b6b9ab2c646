"""360° feedback pages of the practitioner and their appraiser."""

from django.urls import path

app_name = "feedback"

urlpatterns: list = []
