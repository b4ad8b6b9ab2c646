"""The confirmer's page, reached by the link in their email (no account)."""

from django.urls import path

from portfolios.views import confirmer

urlpatterns = [
    path("<str:token>/", confirmer.confirm, name="evidence_confirm"),
    path("<str:token>/files/<uuid:file_pk>/", confirmer.confirm_file, name="evidence_confirm_file"),
]
