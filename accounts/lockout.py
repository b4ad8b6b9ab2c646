def lockout_username(request, credentials) -> str | None:
    """The key django-axes counts failures under: the email address as typed
    in the sign-in form, in lower case, so AISHA@ and aisha@ count together."""
    username = (credentials or {}).get("username") or request.POST.get("username")
    return username.strip().lower() if username else None
