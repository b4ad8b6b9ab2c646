from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """For load balancers and uptime checks: proves the app can reach its database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_not_required
@require_GET
def content_page(request, template: str):
    """The footer's pages about the service itself (accessibility, privacy,
    cookies, help): the same for everyone, signed in or not."""
    from django.conf import settings

    return render(request, template, {
        "service_operator": settings.SERVICE_OPERATOR,
        "service_contact_email": settings.SERVICE_CONTACT_EMAIL,
        "session_idle_minutes": settings.SESSION_IDLE_SECONDS // 60,
        "session_absolute_hours": settings.SESSION_ABSOLUTE_SECONDS // 3600,
    })


# Error pages are rendered without the request context processors that touch
# the database or session, so that they still render when those are broken.
def _error(request, template: str, status: int, context=None):
    return render(request, template, context, status=status)


@login_not_required
def bad_request(request, exception=None):
    return _error(request, "errors/400.html", 400)


@login_not_required
def permission_denied(request, exception=None):
    # An exception may name a page that explains itself better than the
    # generic one (portfolios.access.MembershipEnded does).
    template = getattr(exception, "error_template", "errors/403.html")
    return _error(request, template, 403, getattr(exception, "context", None))


@login_not_required
def page_not_found(request, exception=None):
    return _error(request, "errors/404.html", 404)


@login_not_required
def server_error(request):
    # No request context: a 500 may come from the database or a context
    # processor, and the page must render regardless and reveal nothing.
    from django.http import HttpResponseServerError
    from django.template import loader

    template = loader.get_template("errors/500.html")
    return HttpResponseServerError(template.render({"service_name": "Consultant capability portfolio"}))
