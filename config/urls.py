from django.contrib import admin
from django.urls import include, path

from config import views
from portfolios.views.dashboard import dashboard

urlpatterns = [
    path("", dashboard, name="home"),
    path("", include("portfolios.urls")),
    path("", include("portfolios.feedback.urls")),
    path("feedback/respond/", include("portfolios.feedback.rater_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("framework/", include("capability.urls")),
    path("organisations/", include("accounts.organisation_urls")),
    path("invitations/", include("accounts.invitation_urls")),
    path("admin/", admin.site.urls),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
