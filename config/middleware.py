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
