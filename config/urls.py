"""The root URLconf: each app's addresses, mounted where they have always
been. The one module allowed to import every app (docs/adr/0001-layers.md)."""

from django.contrib import admin
from django.urls import include, path

from config import views
from portfolios.views.dashboard import dashboard

urlpatterns = [
    path("", dashboard, name="home"),
    path("", include("portfolios.urls")),
    path("", include("feedback.urls")),
    path("", include("reports.urls")),
    path("feedback/respond/", include("feedback.rater_urls")),
    path("confirm/", include("portfolios.confirmer_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.content_page, {"template": "content/accessibility.html"}, name="accessibility"),
    path("privacy/", views.content_page, {"template": "content/privacy.html"}, name="privacy"),
    path("cookies/", views.content_page, {"template": "content/cookies.html"}, name="cookies"),
    path("help/", views.content_page, {"template": "content/help.html"}, name="help"),
    path("accounts/", include("accounts.urls")),
    path("framework/", include("impact.urls")),
    path("framework/", include("capability.urls")),
    path("organisations/", include("organisations.urls")),
    path("invitations/", include("organisations.invitation_urls")),
    path("admin/", admin.site.urls),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
