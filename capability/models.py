"""The capability framework as data.

Nothing here knows how many pillars or capabilities a framework has: the
consultant-level framework (five pillars, 16 capabilities) is one row of
Framework among any number. Every model has a natural key so that framework
fixtures load by meaning rather than by database id, and loading one twice
changes nothing.
"""

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from core.audit import ChainedHistory
from django.utils.functional import cached_property
from django.utils.text import Truncator


class FrameworkQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


GUIDE_RANGES = (
    ("capability_guide", "evidence_per_capability_low", "evidence_per_capability_high", "per-capability"),
    ("pillar_guide", "evidence_per_pillar_low", "evidence_per_pillar_high", "per-pillar"),
)


class Framework(models.Model):
    """One edition of a framework. A new edition is a new Framework; the
    content of an edition does not change once assessments use it."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=255)
    short_name = models.CharField(max_length=120, blank=True)
    version = models.CharField(max_length=40)
    publisher = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField()
    description = models.TextField(blank=True)
    is_current = models.BooleanField(
        default=False, help_text="The edition new assessments are started on."
    )
    # Moved on whenever load_framework sets transition points, the one part
    # of an edition that may change in use: processes keep an edition's
    # structure under it (capability/structure.py).
    structure_revision = models.PositiveIntegerField(default=0, editable=False)

    # What the edition says about expectations (its file's `guidance`). A
    # framework that says none of it shows none of it: no "below expected",
    # no suggested numbers of evidence items.
    expected_level = models.PositiveSmallIntegerField(
        null=True, blank=True,
        help_text="The level of the default scale below which a capability expected now is a gap.",
    )
    evidence_per_capability_low = models.PositiveSmallIntegerField(null=True, blank=True)
    evidence_per_capability_high = models.PositiveSmallIntegerField(null=True, blank=True)
    evidence_per_pillar_low = models.PositiveSmallIntegerField(null=True, blank=True)
    evidence_per_pillar_high = models.PositiveSmallIntegerField(null=True, blank=True)
    evidence_guide_source = models.CharField(
        max_length=120, blank=True, help_text="Who suggests the numbers of evidence items, as pages name it."
    )

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        ordering = ["-is_current", "name", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="framework_single_current",
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{low}__isnull": True, f"{high}__isnull": True})
                    | models.Q(**{f"{low}__isnull": False, f"{high}__gte": models.F(low)}),
                    name=f"framework_{name}_range",
                    violation_error_message=f"The {label} guide needs a low and a high, the high at least the low",
                )
                for name, low, high, label in GUIDE_RANGES
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"

    def clean(self):
        for _name, low, high, label in GUIDE_RANGES:
            low_value, high_value = getattr(self, low), getattr(self, high)
            if (low_value is None) != (high_value is None) or (
                low_value is not None and high_value < low_value
            ):
                raise ValidationError({high: f"The {label} guide needs a low and a high, the high at least the low"})

    @property
    def guide_per_capability(self) -> tuple[int, int] | None:
        """The suggested number of evidence items for each capability, if the edition suggests one."""
        if self.evidence_per_capability_low is None:
            return None
        return (self.evidence_per_capability_low, self.evidence_per_capability_high)

    @property
    def guide_per_pillar(self) -> tuple[int, int] | None:
        if self.evidence_per_pillar_low is None:
            return None
        return (self.evidence_per_pillar_low, self.evidence_per_pillar_high)

    def natural_key(self):
        return (self.slug,)

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class PillarQuerySet(models.QuerySet):
    def get_by_natural_key(self, framework_slug, slug):
        return self.get(framework__slug=framework_slug, slug=slug)


class Pillar(models.Model):
    """A pillar (or domain) of a framework. The consultant framework has four
    pillars founded on consultancy, which is modelled as a foundational pillar."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="pillars")
    slug = models.SlugField(max_length=80)
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    heading = models.CharField(
        max_length=255, blank=True, help_text="The pillar's full heading where it differs from its name."
    )
    summary = models.CharField(max_length=255, blank=True, help_text="The short gloss in the framework overview.")
    is_foundation = models.BooleanField(
        default=False, help_text="Underpins the other pillars rather than standing beside them."
    )
    purpose = models.TextField()
    goes_beyond = models.TextField("this goes beyond", blank=True)
    note = models.TextField(blank=True)
    impact_purpose = models.TextField(
        blank=True, help_text="The purpose as worded in the impact framework, where it is worded differently."
    )

    objects = PillarQuerySet.as_manager()

    class Meta:
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "slug"], name="pillar_unique_slug"),
            models.UniqueConstraint(fields=["framework", "order"], name="pillar_unique_order"),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (*self.framework.natural_key(), self.slug)

    natural_key.dependencies = ["capability.framework"]

    def capability_numbers(self) -> list[int]:
        """Uses prefetched capabilities when they are there."""
        return sorted(c.number for c in self.capabilities.all())


class CapabilityQuerySet(models.QuerySet):
    def get_by_natural_key(self, framework_slug, number):
        return self.get(framework__slug=framework_slug, number=number)

    def with_elements(self):
        """Capabilities with their elements and bullets, in three queries."""
        return self.prefetch_related(
            models.Prefetch(
                "elements",
                queryset=CapabilityElement.objects.order_by("order").prefetch_related(
                    models.Prefetch("bullets", queryset=ElementBullet.objects.order_by("order"))
                ),
            )
        )


class Capability(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="capabilities")
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="capabilities")
    number = models.PositiveSmallIntegerField()
    statement = models.TextField()
    # For service users and carers giving 360° feedback: the framework's
    # words can be technical. Written for this service, not the framework's
    # text, so not part of an edition's fingerprint.
    plain_english = models.TextField(blank=True)

    objects = CapabilityQuerySet.as_manager()

    class Meta:
        ordering = ["framework", "number"]
        verbose_name_plural = "capabilities"
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="capability_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.statement}"

    @cached_property
    def short_statement(self) -> str:
        """The statement's first fourteen words, for tables: worked out once
        for each capability the per-process structure keeps
        (capability/structure.py), not on every row of every page."""
        return Truncator(self.statement).words(14)

    def natural_key(self):
        return (*self.framework.natural_key(), self.number)

    natural_key.dependencies = ["capability.pillar"]

    def clean(self):
        if self.pillar_id and self.framework_id and self.pillar.framework_id != self.framework_id:
            raise ValidationError({"pillar": "The pillar must belong to the same framework."})


class CapabilityElementQuerySet(models.QuerySet):
    def get_by_natural_key(self, framework_slug, capability_number, number):
        return self.get(
            capability__framework__slug=framework_slug,
            capability__number=capability_number,
            number=number,
        )


class TransitionPoint(models.TextChoices):
    """The career point at which an element is typically expected, in the
    order a career passes them."""

    ADVANCED = "advanced", "Advanced practice"
    TRANSITION = "transition", "Transition to consultant practice"
    YEARS_1_3 = "years_1_3", "Consultant practice, years 1 to 3"
    YEARS_3_5 = "years_3_5", "Consultant practice, years 3 to 5"

    @classmethod
    def rank(cls, value: str) -> int | None:
        values = [choice.value for choice in cls]
        return values.index(value) if value in values else None


class CapabilityElement(models.Model):
    """A numbered element of a capability, such as 2.1."""

    capability = models.ForeignKey(Capability, on_delete=models.CASCADE, related_name="elements")
    number = models.CharField(max_length=10, help_text="As printed, for example 2.1.")
    order = models.PositiveSmallIntegerField()
    text = models.TextField()
    transition_point = models.CharField(
        max_length=20, choices=TransitionPoint.choices, blank=True,
        help_text="When the element is typically expected. Blank where the framework says nothing.",
    )

    objects = CapabilityElementQuerySet.as_manager()

    class Meta:
        ordering = ["capability", "order"]
        constraints = [
            models.UniqueConstraint(fields=["capability", "number"], name="element_unique_number"),
            models.UniqueConstraint(fields=["capability", "order"], name="element_unique_order"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.text}"

    def natural_key(self):
        return (*self.capability.natural_key(), self.number)

    natural_key.dependencies = ["capability.capability"]

    def bullet_tree(self) -> list[dict]:
        """Bullets nested under the bullet they indent from, for rendering as
        nested lists. Uses prefetched bullets when they are there."""
        tree: list[dict] = []
        for bullet in self.bullets.all():
            if bullet.level > 0 and tree:
                tree[-1]["children"].append(bullet)
            else:
                tree.append({"bullet": bullet, "children": []})
        return tree


class ElementBulletQuerySet(models.QuerySet):
    def get_by_natural_key(self, framework_slug, capability_number, element_number, order):
        return self.get(
            element__capability__framework__slug=framework_slug,
            element__capability__number=capability_number,
            element__number=element_number,
            order=order,
        )


class ElementBullet(models.Model):
    """A bullet point under an element. Level 1 bullets sit under the level 0
    bullet before them."""

    element = models.ForeignKey(CapabilityElement, on_delete=models.CASCADE, related_name="bullets")
    order = models.PositiveSmallIntegerField()
    level = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()

    objects = ElementBulletQuerySet.as_manager()

    class Meta:
        ordering = ["element", "order"]
        constraints = [
            models.UniqueConstraint(fields=["element", "order"], name="bullet_unique_order"),
            models.CheckConstraint(condition=models.Q(level__lte=1), name="bullet_level_at_most_one"),
        ]

    def __str__(self) -> str:
        return self.text

    def natural_key(self):
        return (*self.element.natural_key(), self.order)

    natural_key.dependencies = ["capability.capabilityelement"]


class RatingScaleQuerySet(models.QuerySet):
    def get_by_natural_key(self, framework_slug, slug):
        return self.get(framework__slug=framework_slug, slug=slug)


class RatingScale(models.Model):
    """The levels a capability is rated on. A scale belongs to a framework
    edition; an assessment keeps the scale it was started with."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="rating_scales")
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)

    objects = RatingScaleQuerySet.as_manager()

    class Meta:
        ordering = ["framework", "name"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "slug"], name="rating_scale_unique_slug"),
            models.UniqueConstraint(
                fields=["framework"], condition=models.Q(is_default=True), name="rating_scale_single_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (*self.framework.natural_key(), self.slug)

    natural_key.dependencies = ["capability.framework"]


class RatingLevelQuerySet(models.QuerySet):
    def get_by_natural_key(self, framework_slug, scale_slug, value):
        return self.get(scale__framework__slug=framework_slug, scale__slug=scale_slug, value=value)


class RatingLevel(models.Model):
    scale = models.ForeignKey(RatingScale, on_delete=models.CASCADE, related_name="levels")
    value = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=80)
    descriptor = models.CharField(max_length=255)

    objects = RatingLevelQuerySet.as_manager()

    class Meta:
        ordering = ["scale", "value"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "value"], name="rating_level_unique_value"),
            models.CheckConstraint(condition=models.Q(value__gte=1), name="rating_level_value_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.value} {self.label}"

    def natural_key(self):
        return (*self.scale.natural_key(), self.value)

    natural_key.dependencies = ["capability.ratingscale"]


class OrganisationFramework(models.Model):
    """An edition an organisation's practitioners start new assessments on,
    as its admins chose (organisations.services.set_frameworks). An
    organisation with none starts them on the current edition. Assessments
    already started keep their own edition whatever is chosen later.

    Here rather than with organisations: starting an assessment
    (portfolios) reads it, and portfolios is below the admin area."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="framework_choices"
    )
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="organisation_choices")
    chosen_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[ChainedHistory])

    class Meta:
        ordering = ["framework__name", "-framework__year"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "framework"], name="organisation_framework_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} uses {self.framework}"


class Crosswalk(models.Model):
    """How an older edition's capabilities (and elements) map onto a newer
    edition's, loaded from a crosswalk file (capability/crosswalk_file.py).
    Starting an assessment on the newer edition from one on the older
    carries ratings, reflections and evidence links across it
    (portfolios.services.start_assessment)."""

    from_framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="crosswalks_out")
    to_framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="crosswalks_in")
    description = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_framework", "to_framework"], name="crosswalk_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(from_framework=models.F("to_framework")), name="crosswalk_between_two_editions",
                violation_error_message="A crosswalk maps one edition onto another",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_framework} to {self.to_framework}"


class CrosswalkLink(models.Model):
    """One older capability mapped to one newer capability, or to none (no
    equivalent). A mapping of the file is the links sharing its `group`: one
    to one, one to many (one source, several targets), many to one (several
    sources, one target)."""

    crosswalk = models.ForeignKey(Crosswalk, on_delete=models.CASCADE, related_name="links")
    group = models.PositiveSmallIntegerField()
    source = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    class Meta:
        ordering = ["group", "source__number", "target__number"]
        constraints = [
            models.UniqueConstraint(fields=["crosswalk", "source", "target"], name="crosswalk_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source} to {self.target or 'no equivalent'}"


class CrosswalkElementLink(models.Model):
    """One older element mapped to one newer element, or to none."""

    crosswalk = models.ForeignKey(Crosswalk, on_delete=models.CASCADE, related_name="element_links")
    source = models.ForeignKey(CapabilityElement, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(CapabilityElement, on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["crosswalk", "source", "target"], name="crosswalk_element_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source} to {self.target or 'no equivalent'}"
