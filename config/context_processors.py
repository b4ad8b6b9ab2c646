from django.conf import settings


def _section(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.namespace == "framework":
        return "framework"
    if match.url_name and match.url_name.startswith(("evidence", "attachment")):
        return "evidence"
    if match.url_name == "home" or (match.url_name or "").startswith("assessment"):
        return "portfolio"
    return ""


def service(request):
    section = _section(request)
    return {"service_name": settings.SERVICE_NAME, "nav_section": section, "header_key": _header_key(request, section)}


def _header_key(request, section: str) -> str:
    """The key the page header is kept under (base.html): made of all it
    shows, that is who is signed in, the section and page (which menu item
    is current) and, for the sign-out form's token, the browser's CSRF
    secret. Empty (drawn each time) when there is no secret yet."""
    from portfolios.page_cache import browser_secret_digest, content_key

    user = getattr(request, "user", None)
    if user is None or not request.META.get("CSRF_COOKIE"):
        return ""
    if not user.is_authenticated:
        return content_key("header", section)
    return content_key("header", user.pk, user.get_full_name(), user.get_username(), section, request.path,
                       browser_secret_digest(request))
