from django.urls import include, path

from capability import views

app_name = "framework"

# The same pages serve the current edition at /framework/... and any edition
# at /framework/editions/<slug>/...; reverse() picks by the kwargs given.
edition_patterns = [
    path("", views.overview, name="overview"),
    path("pillars/<slug:pillar_slug>/", views.pillar_detail, name="pillar"),
    path("capabilities/<int:number>/", views.capability_detail, name="capability"),
]

urlpatterns = [
    *edition_patterns,
    path("editions/", views.edition_list, name="editions"),
    path("editions/<slug:framework_slug>/", include(edition_patterns)),
]
