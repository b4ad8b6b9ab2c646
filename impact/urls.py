"""Mounted at /framework/ beside capability.urls: the impact page of the
current edition, and of any edition by its slug."""

from django.urls import path

from impact import views

app_name = "impact"

urlpatterns = [
    path("impact/", views.statements, name="statements"),
    path("editions/<slug:framework_slug>/impact/", views.statements, name="statements"),
]
