"""An edition's structure (pillars, capabilities with their elements and
bullets, transition points, rating levels), read once per process.

Portfolio pages show editions in use, whose content cannot change
(capability.services.is_in_use): reading the same rows for every page was a
third of a pillar page's queries. Transition points are the exception:
load_framework may set them on an edition in use, and moves the edition's
structure_revision on when it does. The revision is part of every key
here, and comes with the assessment's edition (select_related), so a
process sees the change on its next page.

Everything returned is shared by every request the process serves: read
it, never change it (copy an element before marking it, as the pillar page
does).
"""

from collections import defaultdict

from django.db.models import Prefetch

from capability.models import (
    Capability,
    CapabilityElement,
    ElementBullet,
    Framework,
    Pillar,
    RatingLevel,
    RatingScale,
)

_kept: dict[tuple, object] = {}


def forget() -> None:
    """Drop everything kept (tests start from nothing, as a new process does)."""
    _kept.clear()


def _kept_or_loaded(key: tuple, load):
    try:
        return _kept[key]
    except KeyError:
        value = _kept[key] = load()
        return value


def framework(framework_id: int, structure_revision: int) -> Framework:
    """The edition itself, for pages that need it only as the key to its
    structure and for its frozen text (name, version). Fields that can change
    in use (is_current) must not be read from it."""
    return _kept_or_loaded(
        ("framework", framework_id, structure_revision), lambda: Framework.objects.get(pk=framework_id)
    )


def rating_scale(scale_id: int) -> RatingScale:
    """A rating scale (frozen with its edition)."""
    return _kept_or_loaded(("scale", scale_id), lambda: RatingScale.objects.get(pk=scale_id))


def pillars(framework: Framework) -> list[Pillar]:
    """The edition's pillars, in order."""
    return _kept_or_loaded(
        ("pillars", framework.pk, framework.structure_revision),
        lambda: list(Pillar.objects.filter(framework_id=framework.pk).order_by("order")),
    )


def capabilities_by_pillar(framework: Framework) -> dict[int, list[Capability]]:
    """Pillar id → its capabilities in number order, each with its elements
    (in order) and their bullets prefetched."""

    def load():
        by_pillar = defaultdict(list)
        for capability in Capability.objects.filter(framework_id=framework.pk).order_by("number").prefetch_related(
            Prefetch(
                "elements",
                queryset=CapabilityElement.objects.order_by("order").prefetch_related(
                    Prefetch("bullets", queryset=ElementBullet.objects.order_by("order"))
                ),
            )
        ):
            by_pillar[capability.pillar_id].append(capability)
        return dict(by_pillar)

    return _kept_or_loaded(("capabilities", framework.pk, framework.structure_revision), load)


def transition_points(framework: Framework) -> list[tuple[int, str]]:
    """(capability id, transition point) of every element that has one."""
    return _kept_or_loaded(
        ("transition points", framework.pk, framework.structure_revision),
        lambda: list(
            CapabilityElement.objects.filter(capability__framework_id=framework.pk)
            .exclude(transition_point="")
            .values_list("capability_id", "transition_point")
        ),
    )


def levels(scale: RatingScale) -> list[RatingLevel]:
    """The scale's levels, lowest first. (Levels are part of an edition's
    frozen content, so the scale's id is enough of a key.)"""
    return _kept_or_loaded(("levels", scale.pk), lambda: list(scale.levels.order_by("value")))


def level_named(scale: RatingScale, value: int | None) -> RatingLevel | None:
    """The scale's level of this value (for wording such as "rated below
    3 Established"), or None when there is no such level or no value."""
    if value is None:
        return None
    return next((level for level in levels(scale) if level.value == value), None)


def has_transition_points(framework: Framework) -> bool:
    """Whether any element of the edition says when it is expected (so a
    career stage means something for it). From the capabilities the pages
    read anyway, not a query of its own."""
    return any(
        element.transition_point
        for group in capabilities_by_pillar(framework).values()
        for capability in group
        for element in capability.elements.all()
    )
