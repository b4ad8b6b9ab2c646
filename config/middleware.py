from django.conf import settings
from django.shortcuts import render


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than any form here can
    need, before any of it is read or written to disk."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_SIZE:
            return render(request, "errors/413.html", {"max_file_size": settings.EVIDENCE_MAX_FILE_SIZE}, status=413)
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """Sign a person out after a period of inactivity, and after an absolute
    limit however active they are. Activity is written to the session at most
    once a minute, so a busy page does not write on every request."""

    TOUCH_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.contrib import messages
        from django.contrib.auth import logout
        from django.shortcuts import redirect

        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault("auth_started", now)
            last_seen = request.session.get("auth_last_seen", now)
            idle = now - last_seen > settings.SESSION_IDLE_SECONDS
            expired = now - started > settings.SESSION_ABSOLUTE_SECONDS
            if idle or expired:
                logout(request)
                messages.info(
                    request,
                    "You have been signed out because you were inactive for a while. Sign in again to continue."
                    if idle else "You have been signed out after a long session. Sign in again to continue.",
                )
                return redirect(f"{settings.LOGIN_URL_PATH}?next={request.path}")
            if "auth_last_seen" not in request.session or now - last_seen >= self.TOUCH_EVERY:
                request.session["auth_last_seen"] = now
        return self.get_response(request)
