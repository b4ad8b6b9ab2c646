"""360° multi-source feedback on an assessment's capabilities.

A practitioner runs a round: chooses capabilities, rates themselves, invites
raters by email. Each rater answers through a link holding a random token;
the database keeps only the token's hash.

Anonymity is structural: a submitted response (FeedbackResponse, its
FeedbackAnswer rows and the round's FeedbackComment rows) has no field that
points at an invitation or a person, and no time stamp that could be matched
to one. The invitation only records that it was used. The one exception is
a line manager who agrees to be named: their name is copied onto their
response, with their consent, so the report can show it.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from capability.models import Capability, Pillar, RatingLevel

MESSAGE_MAX_LENGTH = 2_000
COMMENT_MAX_LENGTH = 2_000


class RaterGroup(models.TextChoices):
    LINE_MANAGER = "line_manager", "Line manager"
    PEER = "peer", "Peer"
    DIRECT_REPORT = "direct_report", "Direct report"
    WIDER_TEAM = "wider_team", "Wider team or partner organisation"
    SERVICE_USER = "service_user", "Service user or carer"
    OTHER = "other", "Other"


class RoundStatus(models.TextChoices):
    DRAFT = "draft", "Not sent yet"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class CommentScope(models.TextChoices):
    OVERALL = "overall", "Once, for all the capabilities"
    PILLAR = "pillar", "For each pillar"


class CommentKind(models.TextChoices):
    STRENGTHS = "strengths", "Strengths"
    DEVELOP = "develop", "What could be developed"


class FeedbackRoundQuerySet(models.QuerySet):
    def for_assessment(self, assessment):
        return self.filter(assessment=assessment)

    def open_on(self, day):
        """Rounds taking responses on this day."""
        return self.filter(status=RoundStatus.OPEN, opens_on__lte=day, closes_on__gte=day)


class FeedbackRound(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.ForeignKey("portfolios.Assessment", on_delete=models.PROTECT, related_name="feedback_rounds")
    capabilities = models.ManyToManyField(Capability, related_name="+")
    opens_on = models.DateField()
    closes_on = models.DateField()
    message = models.TextField(blank=True, max_length=MESSAGE_MAX_LENGTH)
    comment_scope = models.CharField(max_length=10, choices=CommentScope.choices, default=CommentScope.OVERALL)
    reminder_days_before = models.PositiveSmallIntegerField(default=3)
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = FeedbackRoundQuerySet.as_manager()

    class Meta:
        db_table = "portfolios_feedbackround"  # its table since it was a portfolios model
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="feedback_round_closes_after_opening"),
            models.CheckConstraint(condition=Q(reminder_days_before__lte=60), name="feedback_round_reminder_in_range"),
        ]

    def __str__(self) -> str:
        return f"360° feedback for {self.assessment}, {self.opens_on:%d %B %Y} to {self.closes_on:%d %B %Y}"

    def clean(self):
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": "The closing date must be the same as or after the opening date"})

    @property
    def ends_on(self):
        """The last day the round took responses: its closing date, or the
        day it was closed if that was earlier (closed early)."""
        if self.closed_at is not None:
            closed_on = timezone.localdate(self.closed_at)
            if closed_on < self.closes_on:
                return closed_on
        return self.closes_on

    @property
    def closed_early(self) -> bool:
        return self.ends_on < self.closes_on

    def is_closed(self, today=None) -> bool:
        """Closed by the practitioner, or past its closing date."""
        today = today or timezone.localdate()
        return self.status == RoundStatus.CLOSED or (self.status == RoundStatus.OPEN and today > self.closes_on)

    def takes_responses(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == RoundStatus.OPEN and self.opens_on <= today <= self.closes_on


class FeedbackSelfRating(models.Model):
    """The practitioner's own answer to a question of the round, on the same
    scale the raters use. ``level`` is empty until rated."""

    round = models.ForeignKey(FeedbackRound, on_delete=models.CASCADE, related_name="self_ratings")
    capability = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(RatingLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        db_table = "portfolios_feedbackselfrating"  # its table since it was a portfolios model
        ordering = ["round", "capability__number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "capability"], name="feedback_self_rating_once"),
        ]

    def __str__(self) -> str:
        return f"Self-rating for capability {self.capability.number}: {self.level or 'not yet rated'}"


class FeedbackInvitationQuerySet(models.QuerySet):
    def awaiting_response(self):
        return self.filter(responded=False, sent_at__isnull=False)


class FeedbackInvitation(models.Model):
    """A rater asked for feedback. The link's token is never stored: it is
    derived from ``token_nonce`` with the site's secret key when an email is
    sent (feedback/tokens.py), and found again by its hash."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(FeedbackRound, on_delete=models.CASCADE, related_name="invitations")
    name = models.CharField(max_length=150)
    email = models.EmailField()
    group = models.CharField(max_length=20, choices=RaterGroup.choices)
    token_nonce = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Only that the link was used: never when, and never which response.
    responded = models.BooleanField(default=False)

    objects = FeedbackInvitationQuerySet.as_manager()

    class Meta:
        db_table = "portfolios_feedbackinvitation"  # its table since it was a portfolios model
        ordering = ["round", "name", "email"]
        constraints = [
            models.UniqueConstraint(fields=["round", "email"], name="feedback_invitation_one_per_email"),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="feedback_invitation_email_lower"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_group_display()})"


class FeedbackDraft(models.Model):
    """A rater's answers saved to come back to. Linked to the invitation so
    the rater can resume; deleted when the response is submitted or the round
    closes."""

    invitation = models.OneToOneField(FeedbackInvitation, on_delete=models.CASCADE, related_name="draft")
    answers = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "portfolios_feedbackdraft"  # its table since it was a portfolios model

    def __str__(self) -> str:
        return f"Saved answers for {self.invitation}"


class FeedbackResponse(models.Model):
    """A submitted response: which round and which group, nothing else about
    who gave it. No time stamp, and a random key, so rows cannot be matched
    to invitations by time or order."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(FeedbackRound, on_delete=models.CASCADE, related_name="responses")
    group = models.CharField(max_length=20, choices=RaterGroup.choices)
    # Only for a line manager who agreed to be named in the report.
    named_as = models.CharField(max_length=150, blank=True)

    class Meta:
        db_table = "portfolios_feedbackresponse"  # its table since it was a portfolios model
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(named_as="") | Q(group=RaterGroup.LINE_MANAGER), name="feedback_response_named_line_manager"
            ),
        ]

    def __str__(self) -> str:
        return f"Response from a {self.get_group_display().lower()}"


class FeedbackAnswer(models.Model):
    """One answer of a response. No level means "not able to comment". A
    random key: sequential ids would put responses in the order they came."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(FeedbackResponse, on_delete=models.CASCADE, related_name="answers")
    capability = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(RatingLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        db_table = "portfolios_feedbackanswer"  # its table since it was a portfolios model
        ordering = ["capability__number"]
        constraints = [
            models.UniqueConstraint(fields=["response", "capability"], name="feedback_answer_once"),
        ]

    def __str__(self) -> str:
        return f"Capability {self.capability.number}: {self.level or 'not able to comment'}"


class FeedbackComment(models.Model):
    """Free text from a rater, kept apart from the response it came with so
    the report can show comments unattributed. The random key gives the
    random, stable order they are shown in."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(FeedbackRound, on_delete=models.CASCADE, related_name="comments")
    pillar = models.ForeignKey(Pillar, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=10, choices=CommentKind.choices)
    text = models.TextField(max_length=COMMENT_MAX_LENGTH)

    class Meta:
        db_table = "portfolios_feedbackcomment"  # its table since it was a portfolios model
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} comment"
