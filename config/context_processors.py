from django.conf import settings


def _section(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.namespace == "framework":
        return "framework"
    if match.namespace == "organisations":
        return "organisation"
    if match.url_name in ("reviews", "review"):
        return "reviews"
    if match.url_name and match.url_name.startswith(("evidence", "attachment")):
        return "evidence"
    if match.url_name == "home" or (match.url_name or "").startswith("assessment"):
        return "portfolio"
    return ""


def service(request):
    return {"service_name": settings.SERVICE_NAME, "nav_section": _section(request)}

