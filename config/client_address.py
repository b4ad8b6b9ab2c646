"""The address a request came from, behind any number of trusted proxies.

Behind a load balancer REMOTE_ADDR is the balancer's, the same for everyone,
so a limit counted by it would be one limit for the whole country. Each
proxy appends the address it was reached from to X-Forwarded-For, so with
DJANGO_TRUSTED_PROXY_COUNT proxies in front, the client is that many
entries from the right. Entries further left were written by the client
and are not believed.
"""

from django.conf import settings


def client_address(request) -> str | None:
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
