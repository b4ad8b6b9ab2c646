"""Rendered portfolio pages, cached until the portfolio changes.

The busiest pages (assessment summary, gap view, pillar pages, evidence list,
review) are read far more often than what they show is changed, and building
them is most of the server's work. Their main content is cached under a key
made of everything it depends on:

- the practitioner's portfolio revision (PortfolioRevision), which every
  service that changes anything these pages show moves on, in the same
  transaction as the change (`portfolio_changed`). Pages that show only part
  of the portfolio use a revision that moves only with that part (the
  evidence list; the home page, gap view and summary, which show no
  reflection's text), so the most frequent save, a reflection's, leaves
  them cached;
- who is looking, and the hash of their CSRF secret, because the content holds
  forms whose tokens are only good for that browser;
- the page (its path and query string) and today's date, because some of what
  is shown depends on the date (overdue, feedback rounds that close by date).

A page about several practitioners (an appraiser's reviews list) is keyed by
all their revisions instead (`also`).

Framework editions shown on these pages cannot change once in use (the admin
freezes them), so they need no part in the key.

Within a page built afresh, the costliest fragments (a capability's rating
form on a pillar page, the summary's charts) are cached again under a key
made of their content (`content_key`), so a change to one capability does
not make the others be drawn again.

The cache is each process's own memory (the "pages" cache). A page's parts
are kept in one slot per page and viewer, each with the full key it was
built under; a part is served only under that same key, so copies in other
processes cannot be stale, only absent, and a rebuild replaces the old copy
instead of leaving it to be culled. Pages also expire after
PAGE_CACHE_SECONDS, a bound on how long a change made outside the services
(a database console) can go unseen.
Fragments kept by content cannot go stale that way (changed content has
another key), so they are kept longer (PAGE_FRAGMENT_SECONDS): a short
expiry only made every pillar page draw all its forms again every two
minutes.
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import F
from django.middleware.csrf import get_token
from django.utils import timezone

CACHE_ALIAS = "pages"

# Which of a practitioner's revisions (PortfolioRevision's counters) keys a
# page: the whole portfolio's, or one moved on only by what the page shows.
EVERYTHING = "number"
EVIDENCE = "evidence_number"  # the evidence list
OVERVIEW = "overview_number"  # home page, gap view, summary: all but reflections' text
REVISIONS = (EVERYTHING, EVIDENCE, OVERVIEW)


def portfolio_changed(*practitioner_ids, evidence: bool = True, overview: bool = True) -> None:
    """Move these practitioners' portfolio revisions on. Call it inside the
    transaction that makes the change, so nobody sees the change under the
    old revision. `evidence=False` only for a change nothing on the evidence
    list shows (an assessment's ratings, reflections, review or status), and
    `overview=False` only for a change to the text of reflections: each
    leaves the revision of those pages as it was."""
    from portfolios.models import PortfolioRevision

    ids = {pk for pk in practitioner_ids if pk is not None}
    if not ids:
        return
    with transaction.atomic():
        existing = set(
            PortfolioRevision.objects.filter(practitioner_id__in=ids).values_list("practitioner_id", flat=True)
        )
        if existing != ids:
            PortfolioRevision.objects.bulk_create(
                [PortfolioRevision(practitioner_id=pk) for pk in ids - existing], ignore_conflicts=True
            )
        moved = [EVERYTHING]
        if evidence:
            moved.append(EVIDENCE)
        if overview:
            moved.append(OVERVIEW)
        PortfolioRevision.objects.filter(practitioner_id__in=ids).update(**{name: F(name) + 1 for name in moved})


def everything_changed() -> None:
    """Something every portfolio page shows changed (the framework's
    loaded content, such as transition points)."""
    from portfolios.models import PortfolioRevision

    PortfolioRevision.objects.update(**{name: F(name) + 1 for name in REVISIONS})


def organisation_changed(organisation_id) -> None:
    """Something every member's pages show changed (an organisation setting)."""
    from accounts.models import Membership

    portfolio_changed(*Membership.objects.filter(organisation_id=organisation_id).values_list("user_id", flat=True))


def content_key(*shown) -> str:
    """The cache key of a fragment made from everything it shows, for
    {% content_cached %} (portfolios/templatetags/page_cache_tags.py). Unlike a page's key it needs nothing
    moved on when data changes: different content has a different key, so a
    fragment is found again after a change elsewhere in the portfolio (a
    save on one capability leaves the others' fragments as they were).
    Pass every value the fragment's template reads, directly or through its
    form; the framework's own text needs only its id (frozen once in use).
    Fragments live in this process's memory only, so a deploy (new code or
    templates) starts with none."""
    return hashlib.sha256(repr(shown).encode()).hexdigest()


def revision_of(practitioner, *, revision: str = EVERYTHING) -> int:
    """One of the practitioner's revisions (REVISIONS), read from the
    practitioner as loaded by the page's query
    (select_related("practitioner__portfolio_revision")) or looked up."""
    from accounts.models import User
    from portfolios.models import PortfolioRevision

    related = User.portfolio_revision.related
    if not related.is_cached(practitioner):
        # Looked up by a plain statement: it is read for every cached page,
        # where building it through the ORM cost more than the rest of the hit.
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(quote(name) for name in REVISIONS)} "
                f"FROM {quote(PortfolioRevision._meta.db_table)} WHERE {quote('practitioner_id')} = %s",
                [User._meta.pk.get_db_prep_value(practitioner.pk, connection)],
            )
            remember_revision(practitioner, cursor.fetchone())
    found = related.get_cached_value(practitioner)
    return getattr(found, revision) if found is not None else 0


def remember_revision(practitioner, row: tuple | None) -> None:
    """Keep revisions read by a plain statement (a row of REVISIONS, in that
    order; None: no row yet) on the practitioner, as the ORM's lookup or
    select_related would, so that revision_of reads them without a query."""
    from accounts.models import User
    from portfolios.models import PortfolioRevision

    found = None
    if row is not None and row[0] is not None:
        found = PortfolioRevision(practitioner_id=practitioner.pk, **dict(zip(REVISIONS, row)))
    User.portfolio_revision.related.set_cached_value(practitioner, found)


def page_key(request, *, practitioner, name: str, also=(), revision: str = EVERYTHING) -> str | None:
    """The cache key of this page's content for this viewer, or None when the
    page must not come from the cache (anything but a plain GET). `also`:
    anything else the content depends on (another list's revisions), or a
    function that returns it (called only when the page may be cached).
    `revision`: which of the practitioner's revisions keys it (REVISIONS)."""
    if request.method != "GET" or settings.PAGE_CACHE_SECONDS <= 0:
        return None
    if callable(also):
        also = also()
    if "CSRF_COOKIE" not in request.META:
        get_token(request)  # a first visit: makes the browser's CSRF secret, as rendering the forms would
    # Which page, for whom: the slot its parts are kept in. A new revision
    # (or day) rebuilds the page into the same slot rather than beside it,
    # so saves leave no dead copies behind to push live entries out.
    identity = [
        name,
        # No practitioner: a page about others, keyed by `also`.
        str(practitioner.pk) if practitioner is not None else "",
        str(request.user.pk),
        browser_secret_digest(request),
        request.get_full_path(),
    ]
    moving = [
        str(revision_of(practitioner, revision=revision)) if practitioner is not None else "",
        timezone.localdate().isoformat(),
        repr(also),
    ]
    slot = hashlib.sha256("\x1f".join(identity).encode()).hexdigest()
    stamp = hashlib.sha256("\x1f".join(identity + moving).encode()).hexdigest()
    return f"page:{slot}:{stamp}"


def browser_secret_digest(request) -> str:
    """A digest of the secret behind the CSRF tokens in a page's forms (empty
    string's digest when the browser has none yet): what is cached for one
    browser must not be served to another, whose secret differs."""
    return hashlib.sha256(request.META.get("CSRF_COOKIE", "").encode()).hexdigest()


def _slot_and_stamp(key: str) -> tuple[str, str]:
    _, slot, stamp = key.split(":")
    return f"page:{slot}", stamp


def cached(key: str | None, parts: tuple[str, ...]) -> dict[str, str] | None:
    """Every part of the page kept under key, or None unless all are there
    and were stored under this very key (the same revision, day and viewer:
    an older copy in the page's slot is never served)."""
    if not key:
        return None
    slot, stamp = _slot_and_stamp(key)
    found = caches[CACHE_ALIAS].get_many([f"{slot}:{part}" for part in parts])
    kept = {part: found.get(f"{slot}:{part}") for part in parts}
    if any(entry is None or entry[0] != stamp for entry in kept.values()):
        return None
    return {part: entry[1] for part, entry in kept.items()}


def store(key: str | None, part: str, html: str) -> None:
    if key:
        slot, stamp = _slot_and_stamp(key)
        caches[CACHE_ALIAS].set(f"{slot}:{part}", (stamp, html), settings.PAGE_CACHE_SECONDS)


def render_page(request, template_name: str, context: dict, *, practitioner, name: str, build,
                cache: bool = True, parts: tuple[str, ...] = ("content",), also=(), revision: str = EVERYTHING,
                late: dict | None = None):
    """Render a page whose parts are wrapped in {% cached_part "name" %}: from
    the cache when it holds every part for this key, otherwise with the
    context build() returns (called only then, so a hit skips its queries).
    `late`: values the parts show through {% late %}, filled in afresh each
    time, so they need no part in the key."""
    from django.shortcuts import render

    key = page_key(request, practitioner=practitioner, name=name, also=also, revision=revision) if cache else None
    found = cached(key, parts)
    context = {**context, "page_key": key, "page_parts": found, "late_values": late or {}}
    if found is None:
        context.update(build())
    return render(request, template_name, context)
