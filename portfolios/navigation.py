"""The header's menu: an item for each thing the signed-in person can do,
and never one that would answer "You do not have permission".

A context processor (config/settings.py TEMPLATES), read only when a page
draws its header. The roles come with the person (accounts.backends); the
one query of its own is the count of reviews waiting, for appraisers."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from accounts.models import Role
from accounts.selectors import roles_of


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    section: str
    count: int | None = None
    count_label: str = ""


def items_for(user) -> list[NavItem]:
    from portfolios.queries import waiting_for_review_count

    roles = roles_of(user)
    items = [NavItem("Your portfolio" if Role.PRACTITIONER in roles else "Home", reverse("home"), "portfolio")]
    if Role.PRACTITIONER in roles:
        items.append(NavItem("Evidence", reverse("portfolios:evidence_list"), "evidence"))
    if Role.APPRAISER in roles:
        waiting = waiting_for_review_count(user)
        items.append(NavItem("Reviews", reverse("portfolios:reviews"), "reviews", waiting or None,
                             "waiting for your review"))
    if Role.ORGANISATION_ADMIN in roles:
        items.append(NavItem("Organisation", reverse("organisations:index"), "organisation"))
    items.append(NavItem("Framework", reverse("framework:overview"), "framework"))
    return items


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_items": SimpleLazyObject(lambda: items_for(user))}
