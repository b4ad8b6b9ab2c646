"""Assessments against a framework, and the evidence portfolio.

An assessment rates every capability of one framework edition on the rating
scale it was started with. Evidence items belong to the practitioner, not to
an assessment: each is mapped to the capabilities (and optionally impact
statements) it demonstrates and can be included in any number of
assessments.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from core.audit import ChainedHistory

from accounts.models import Organisation
from capability.models import Capability, Crosswalk, Framework, RatingLevel, RatingScale
from impact.models import EvidenceExample, ImpactStatement

REFLECTION_MAX_LENGTH = 10_000
EVIDENCE_TEXT_MAX_LENGTH = 5_000
JUSTIFICATION_MAX_LENGTH = 200


class AssessmentStatus(models.TextChoices):
    """The review workflow. Allowed moves between these live in
    portfolios/workflow.py, and only there."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    RETURNED = "returned", "Returned"
    AWAITING_SIGN_OFF = "awaiting_sign_off", "Awaiting practitioner sign-off"
    SIGNED_OFF = "signed_off", "Signed off"
    LOCKED = "locked", "Locked"


# The practitioner can change ratings, reflections and evidence only here.
PRACTITIONER_EDITABLE = (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)


class AssessmentQuerySet(models.QuerySet):
    def for_practitioner(self, user):
        return self.filter(practitioner=user)

    def drafts(self):
        return self.filter(status__in=PRACTITIONER_EDITABLE)

    def awaiting_review(self):
        return self.filter(status__in=[AssessmentStatus.SUBMITTED, AssessmentStatus.IN_REVIEW])

    def latest_first(self):
        return self.order_by("-period_end", "-created_at")


class Assessment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="assessments", null=True, blank=True
    )
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="assessments")
    rating_scale = models.ForeignKey(RatingScale, on_delete=models.PROTECT, related_name="assessments")
    title = models.CharField(max_length=150)
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    # Bumped on every save of the assessment's content; a save that carries an
    # older version was made from a stale page and is refused.
    version = models.PositiveIntegerField(default=1)
    copied_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    appraiser_summary = models.TextField("appraiser's overall summary", blank=True, max_length=REFLECTION_MAX_LENGTH)
    appraiser_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appraiser_signed_at = models.DateTimeField(null=True, blank=True)
    practitioner_signed_at = models.DateTimeField(null=True, blank=True)
    evidence = models.ManyToManyField("EvidenceItem", through="AssessmentEvidence", related_name="assessments")
    history = HistoricalRecords(bases=[ChainedHistory], excluded_fields=["version", "updated_at"])

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-period_end", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="assessment_period_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.practitioner.full_name})"

    def clean(self):
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": "The end date must be the same as or after the start date"})

    @property
    def is_editable(self) -> bool:
        """Whether the practitioner may change ratings, reflections and evidence."""
        return self.status in PRACTITIONER_EDITABLE

    @property
    def is_under_review(self) -> bool:
        return self.status == AssessmentStatus.IN_REVIEW

    @property
    def is_closed(self) -> bool:
        return self.status in (AssessmentStatus.SIGNED_OFF, AssessmentStatus.LOCKED)


class CapabilityRatingQuerySet(models.QuerySet):
    def rated(self):
        return self.filter(level__isnull=False)


class CapabilityRating(models.Model):
    """The practitioner's own rating of one capability in one assessment.
    Created, unrated, for every capability when the assessment starts."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    capability = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(RatingLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reflection = models.TextField(blank=True, max_length=REFLECTION_MAX_LENGTH)
    development_priority = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(bases=[ChainedHistory], excluded_fields=["updated_at"])

    objects = CapabilityRatingQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "capability__number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "capability"], name="rating_one_per_capability"),
        ]

    def __str__(self) -> str:
        return f"Capability {self.capability.number}: {self.level or 'not yet rated'}"


class EvidenceType(models.TextChoices):
    FRAMEWORK_EXAMPLE = "framework_example", "An example of evidence named in the framework"
    REFLECTIVE_ACCOUNT = "reflective_account", "Reflective account"
    FEEDBACK = "feedback", "Feedback"
    FEEDBACK_360 = "feedback_360", "360-degree feedback"
    AUDIT_DATA = "audit_data", "Audit or KPI data"
    PUBLICATION = "publication", "Publication or presentation"
    COURSE = "course", "Course or qualification"
    POLICY = "policy", "Policy or protocol"
    OTHER = "other", "Other"


class Beneficiary(models.TextChoices):
    SERVICE_USERS = "service_users", "Service users"
    STAFF = "staff", "Staff"
    ORGANISATION = "organisation", "Organisation"
    SYSTEM = "system", "The wider system"


class EvidenceItemQuerySet(models.QuerySet):
    def current(self):
        """The live portfolio: the latest version of each item."""
        return self.filter(is_current=True)

    def for_owner(self, user):
        """The owner's live portfolio (earlier versions are reached through
        the assessments that include them)."""
        return self.filter(owner=user, is_current=True)


class EvidenceItem(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evidence")
    title = models.CharField(max_length=150)
    evidence_type = models.CharField(max_length=30, choices=EvidenceType.choices)
    framework_example = models.ForeignKey(
        EvidenceExample, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    activity_date = models.DateField("date of the activity")
    description = models.TextField(max_length=EVIDENCE_TEXT_MAX_LENGTH)
    impact = models.TextField("what changed as a result", blank=True, max_length=EVIDENCE_TEXT_MAX_LENGTH)
    beneficiaries = models.JSONField("who benefited", default=list, blank=True)
    link = models.URLField("web link", max_length=500, blank=True)
    confirmed_by_name = models.CharField("confirmed by", max_length=150, blank=True)
    confirmed_by_role = models.CharField("their role", max_length=150, blank=True)
    confirmed_by_email = models.EmailField("their email address", blank=True)
    confirmed_on = models.DateField("date confirmed", null=True, blank=True)
    # Set when the item is the report of a 360° feedback round in this service.
    feedback_round = models.OneToOneField(
        "feedback.FeedbackRound", on_delete=models.PROTECT, null=True, blank=True, related_name="evidence_item"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Versions (docs/adr/0007): once an assessment that includes the item is
    # submitted, this row is that assessment's record. Changing the item then
    # leaves it as it is (is_current off) and makes a new row, the next
    # version, for the live portfolio and drafts.
    is_current = models.BooleanField(default=True)
    version_number = models.PositiveIntegerField(default=1)
    # The item's number in its owner's portfolio, E1 the first added: every
    # version keeps it, and the screens, the report and the data export all
    # print it, so a panel's "E7" is the same item everywhere and for ever.
    # Given by evidence_numbers.next_number, never reused.
    number = models.PositiveIntegerField(editable=False)
    previous_version = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_version", editable=False
    )
    capabilities = models.ManyToManyField(Capability, through="EvidenceCapabilityLink", related_name="+")
    impact_statements = models.ManyToManyField(ImpactStatement, through="EvidenceImpactLink", related_name="+")
    # The number is given once and never changes, so it is left out of the
    # audit trail: a new column there would alter the content, and so break
    # the hash chain, of every entry written before it.
    history = HistoricalRecords(bases=[ChainedHistory], excluded_fields=["updated_at", "number"])

    objects = EvidenceItemQuerySet.as_manager()

    class Meta:
        ordering = ["-activity_date", "title"]
        constraints = [
            models.UniqueConstraint(
                "owner", Lower("title"), condition=models.Q(is_current=True), name="evidence_title_unique_per_owner"
            ),
            models.CheckConstraint(
                condition=~models.Q(evidence_type="framework_example") | models.Q(framework_example__isnull=False),
                name="evidence_framework_example_chosen",
            ),
            models.UniqueConstraint(
                "owner", "number", condition=models.Q(is_current=True), name="evidence_number_unique_per_owner"
            ),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="evidence_number_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def reference(self) -> str:
        """E7: how the report, the data export and the pages name the item."""
        return f"E{self.number}"

    def clean(self):
        if self.evidence_type == EvidenceType.FRAMEWORK_EXAMPLE and not self.framework_example_id:
            raise ValidationError({"framework_example": "Choose the example of evidence from the framework"})

    @property
    def type_label(self) -> str:
        if self.evidence_type == EvidenceType.FRAMEWORK_EXAMPLE and self.framework_example_id:
            return self.framework_example.text
        return self.get_evidence_type_display()

    @property
    def beneficiary_labels(self) -> list[str]:
        labels = dict(Beneficiary.choices)
        return [labels[value] for value in self.beneficiaries if value in labels]


class EvidenceNumbering(models.Model):
    """The last evidence number given to a person (portfolios.evidence_numbers):
    numbers of deleted items are never given again."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_given = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"E{self.last_given} last given"


class EvidenceCapabilityLink(models.Model):
    evidence = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="capability_links")
    capability = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="evidence_links")
    justification = models.CharField("what this shows", max_length=JUSTIFICATION_MAX_LENGTH, blank=True)
    # The evidence item's owner, copied here (an item never changes owner) so
    # that an organisation's links are read as a few ranges of the index
    # below: through the items, the ratings CSV looked each of 20,000 items
    # up in turn, and that was half the file's time.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False, editable=False
    )
    history = HistoricalRecords(bases=[ChainedHistory], excluded_fields=["owner"])

    class Meta:
        ordering = ["capability__number"]
        constraints = [
            models.UniqueConstraint(fields=["evidence", "capability"], name="evidence_capability_once"),
        ]
        indexes = [models.Index(fields=["owner", "evidence", "capability"], name="capability_link_by_owner")]

    def __str__(self) -> str:
        return f"{self.evidence.title} → capability {self.capability.number}"


class EvidenceImpactLink(models.Model):
    evidence = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="impact_links")
    impact_statement = models.ForeignKey(ImpactStatement, on_delete=models.PROTECT, related_name="evidence_links")
    justification = models.CharField("what this shows", max_length=JUSTIFICATION_MAX_LENGTH, blank=True)
    history = HistoricalRecords(bases=[ChainedHistory])

    class Meta:
        ordering = ["impact_statement__pillar__order", "impact_statement__order"]
        constraints = [
            models.UniqueConstraint(fields=["evidence", "impact_statement"], name="evidence_impact_once"),
        ]

    def __str__(self) -> str:
        return f"{self.evidence.title} → {self.impact_statement.text[:40]}"


def attachment_path(instance, filename: str) -> str:
    # The stored name is random: the original name is only ever shown, never
    # used on disk, so it cannot traverse paths or collide.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{uuid.uuid4().hex}{suffix}"


class AttachmentFields(models.Model):
    file = models.FileField(upload_to=attachment_path, max_length=255)
    original_name = models.CharField(max_length=150)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()

    class Meta:
        abstract = True


class EvidenceAttachment(AttachmentFields):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evidence = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="attachments")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(bases=[ChainedHistory])

    class Meta:
        ordering = ["uploaded_at", "original_name"]
        constraints = [
            models.UniqueConstraint("evidence", Lower("original_name"), name="attachment_name_unique_per_item"),
        ]

    def __str__(self) -> str:
        return self.original_name


class PendingUpload(AttachmentFields):
    """A file that passed its checks on a form that failed for another reason.
    Kept so the person does not have to choose it again; attached when the
    form is saved, or removed after a day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class AssessmentEvidence(models.Model):
    """Evidence included in an assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence_links")
    evidence = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="assessment_links")
    added_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(bases=[ChainedHistory])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "evidence"], name="assessment_evidence_once"),
        ]

    def __str__(self) -> str:
        return f"{self.evidence.title} in {self.assessment.title}"


class ConfirmationStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for a reply"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class EvidenceConfirmationQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=ConfirmationStatus.CONFIRMED)

    def open(self):
        return self.filter(status=ConfirmationStatus.REQUESTED)


class EvidenceConfirmation(models.Model):
    """A named person asked to confirm that an evidence item is genuine, and
    their answer. They answer through a link with no account (the token
    design of the 360° rater links: core.link_tokens): it works once, until
    ``expires_at``, and not after it is withdrawn.

    ``evidence`` is the version they were asked about and saw; it never
    changes. ``current_evidence`` follows the item's later versions
    (evidence_versions.new_version), so the live item can say "changed since
    confirmed" while the confirmed version stays as it was."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # An item deleted from the portfolio (only ever one no record holds)
    # takes its confirmations with it; its history keeps them.
    evidence = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="confirmations")
    current_evidence = models.ForeignKey(EvidenceItem, on_delete=models.SET_NULL, null=True, related_name="+")
    name = models.CharField(max_length=150)
    role = models.CharField("role", max_length=150)
    email = models.EmailField()
    status = models.CharField(max_length=20, choices=ConfirmationStatus.choices, default=ConfirmationStatus.REQUESTED)
    token_nonce = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    requested_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    # As the confirmer gives them when they answer.
    responder_role = models.CharField(max_length=150, blank=True)
    comment = models.TextField(blank=True)

    history = HistoricalRecords(bases=[ChainedHistory], excluded_fields=["token_nonce", "token_hash"])
    objects = EvidenceConfirmationQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["evidence", "email"], condition=models.Q(status="requested"),
                name="evidence_confirmation_one_open_per_email",
            ),
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="evidence_confirmation_email_lower"),
            models.CheckConstraint(
                condition=models.Q(status__in=["confirmed", "declined"], responded_at__isnull=False)
                | models.Q(status__in=["requested", "withdrawn"]),
                name="evidence_confirmation_answer_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()}) for {self.evidence}"


class CarriedOver(models.Model):
    """What starting this assessment from one on an older edition carried
    across a crosswalk: one row for each older capability and each newer
    capability it maps to, or one with no target where it has no
    equivalent. Written once, when the assessment is started
    (portfolios.carry), so the practitioner can see what came from where and
    review what had no equivalent."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="carried_over")
    crosswalk = models.ForeignKey(Crosswalk, on_delete=models.PROTECT, related_name="carried")
    source = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Capability, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The older rating as it was (its value on the older scale), and what of
    # it became the newer capability's.
    source_level = models.ForeignKey(RatingLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    carried_level = models.BooleanField(default=False)
    carried_reflection = models.BooleanField(default=False)
    evidence_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["target__number", "source__number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "source", "target"], name="carried_over_once",
                                    nulls_distinct=False),
        ]

    def __str__(self) -> str:
        return f"{self.source} to {self.target or 'no equivalent'} in {self.assessment}"


class AssessmentTransition(ChainedHistory):
    """One move of an assessment through the workflow: who, when, from what to
    what, and why. Written by portfolios.workflow only; never changed (an
    audit table: append-only and chained, core.audit)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=AssessmentStatus.choices)
    to_status = models.CharField(max_length=20, choices=AssessmentStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class AppraiserRating(models.Model):
    """The appraiser's rating of one capability, beside the practitioner's own."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="appraiser_ratings")
    capability = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="+")
    appraiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(RatingLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    comment = models.TextField(blank=True, max_length=REFLECTION_MAX_LENGTH)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(bases=[ChainedHistory], excluded_fields=["updated_at"])

    class Meta:
        ordering = ["assessment", "capability__number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "capability"], name="appraiser_rating_one_per_capability"),
        ]

    def __str__(self) -> str:
        return f"Appraiser rating of capability {self.capability.number}: {self.level or 'not yet rated'}"


class ObjectiveStatus(models.TextChoices):
    ACHIEVED = "achieved", "Achieved"
    PARTLY_ACHIEVED = "partly_achieved", "Partly achieved"
    NOT_ACHIEVED = "not_achieved", "Not achieved"
    CARRIED_FORWARD = "carried_forward", "Carried forward"


class DevelopmentObjective(models.Model):
    """An objective of the development plan agreed at review. Its status is
    given when the next assessment is signed off."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="objectives")
    objective = models.CharField(max_length=300)
    actions = models.TextField(max_length=EVIDENCE_TEXT_MAX_LENGTH)
    support = models.TextField("support needed", blank=True, max_length=EVIDENCE_TEXT_MAX_LENGTH)
    target_date = models.DateField()
    capabilities = models.ManyToManyField(Capability, related_name="+")
    status = models.CharField(max_length=20, choices=ObjectiveStatus.choices, blank=True)
    status_note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(bases=[ChainedHistory], m2m_fields=[capabilities])

    class Meta:
        ordering = ["target_date", "created_at"]

    def __str__(self) -> str:
        return self.objective
