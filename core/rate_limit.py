"""A fixed-window count of requests from one address, for the pages that
links without an account open (a token is the only key, so guessing must
be slow). The count is kept in Django's default cache: with the default
local-memory cache each server process counts on its own, so with several
processes configure a shared cache (such as Redis or the database cache)
for a shared limit (docs: Deploying at scale)."""

import time

from django.core.cache import cache

from config.client_address import client_address

WINDOW_SECONDS = 10 * 60


def over_limit(request, *, name: str, limit: int) -> bool:
    """Count this request against its address's current window for ``name``;
    True once the count is over ``limit``."""
    address = client_address(request) or "unknown"
    window = int(time.time() // WINDOW_SECONDS)
    key = f"{name}:{address}:{window}"
    # A little longer than the window, so a key cannot expire mid-window.
    timeout = WINDOW_SECONDS + 60
    if cache.add(key, 1, timeout=timeout):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:
            # Expired between add and incr: this is the first of a new count.
            cache.set(key, 1, timeout=timeout)
            count = 1
    return count > limit
