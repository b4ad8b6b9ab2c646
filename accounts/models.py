import uuid

from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.audit import ChainedHistory


class Profession(models.TextChoices):
    NURSE = "nurse", "Nurse"
    MIDWIFE = "midwife", "Midwife"
    PARAMEDIC = "paramedic", "Paramedic"
    PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
    OCCUPATIONAL_THERAPIST = "occupational_therapist", "Occupational therapist"
    SPEECH_AND_LANGUAGE_THERAPIST = "speech_and_language_therapist", "Speech and language therapist"
    DIETITIAN = "dietitian", "Dietitian"
    PODIATRIST = "podiatrist", "Podiatrist"
    RADIOGRAPHER = "radiographer", "Radiographer"
    PHARMACIST = "pharmacist", "Pharmacist"
    HEALTHCARE_SCIENTIST = "healthcare_scientist", "Healthcare scientist"
    PSYCHOLOGIST = "psychologist", "Practitioner psychologist"
    OTHER = "other", "Other"


class RegistrationBody(models.TextChoices):
    NMC = "nmc", "Nursing and Midwifery Council (NMC)"
    HCPC = "hcpc", "Health and Care Professions Council (HCPC)"
    GPHC = "gphc", "General Pharmaceutical Council (GPhC)"
    AHCS = "ahcs", "Academy for Healthcare Science (AHCS)"
    SWE = "swe", "Social Work England"
    OTHER = "other", "Other"


class CareerStage(models.TextChoices):
    """Where a practitioner is on the way to and through consultant practice.
    The values match the framework's transition points, so elements expected
    at or before a stage can be found by comparing the two."""

    TRANSITION = "transition", "Aspiring to, or in transition to, consultant practice"
    YEARS_1_3 = "years_1_3", "Consultant practice, years 1 to 3"
    YEARS_3_5 = "years_3_5", "Consultant practice, years 3 to 5 and beyond"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Email is the login identifier; it is stored
    lower-cased and unique regardless of case."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("email address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    profession = models.CharField(max_length=40, choices=Profession.choices, blank=True)
    registration_body = models.CharField(
        "professional registration body", max_length=20, choices=RegistrationBody.choices, blank=True
    )
    registration_number = models.CharField("professional registration number", max_length=40, blank=True)
    career_stage = models.CharField(max_length=20, choices=CareerStage.choices, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("can use Django admin", default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class FeedbackRelease(models.TextChoices):
    ON_CLOSE = "on_close", "When the round closes"
    BY_APPRAISER = "by_appraiser", "When their appraiser releases it"


class Organisation(models.Model):
    """An NHS trust or other provider, identified by its ODS code."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    ods_code = models.CharField("ODS code", max_length=10, unique=True)
    feedback_release = models.CharField(
        "When practitioners see their 360° feedback",
        max_length=20,
        choices=FeedbackRelease.choices,
        default=FeedbackRelease.ON_CLOSE,
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    APPRAISER = "appraiser", "Appraiser"
    ORGANISATION_ADMIN = "organisation_admin", "Organisation admin"


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, user__is_active=True)

    def with_role(self, role: str):
        return self.filter(role=role)


class Membership(models.Model):
    """A role a person holds in an organisation. A person may hold several."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(bases=[ChainedHistory])

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "user__full_name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user.full_name}: {self.get_role_display()} at {self.organisation.name}"


class AppraiserAssignmentQuerySet(models.QuerySet):
    def for_practitioner(self, user):
        return self.filter(practitioner=user)

    def for_appraiser(self, user):
        return self.filter(appraiser=user)


class AppraiserAssignment(models.Model):
    """An appraiser who reviews a practitioner's portfolio in an organisation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="assignments")
    practitioner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="appraiser_assignments")
    appraiser = models.ForeignKey(User, on_delete=models.PROTECT, related_name="practitioner_assignments")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(bases=[ChainedHistory])

    objects = AppraiserAssignmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "practitioner", "appraiser"], name="assignment_unique_pair"
            ),
            models.CheckConstraint(
                condition=~models.Q(practitioner=models.F("appraiser")),
                name="assignment_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appraiser.full_name} appraises {self.practitioner.full_name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.practitioner_id and self.practitioner_id == self.appraiser_id:
            raise ValidationError("A practitioner cannot be their own appraiser.")


class InvitationQuerySet(models.QuerySet):
    def pending(self, now=None):
        """Not yet used and not yet expired."""
        return self.filter(used_at__isnull=True, expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """An invitation to join an organisation in a role. Only a SHA-256 hash of
    the link's token is stored: the token itself is in the email and nowhere
    else. Single use (used_at, used_by) and expiring (expires_at)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField("email address", max_length=254)
    role = models.CharField(max_length=30, choices=Role.choices)
    token_hash = models.CharField(max_length=64, editable=False)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["token_hash"], name="invitation_token_hash_unique"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="invitation_role_valid"),
            models.CheckConstraint(
                condition=models.Q(expires_at__gte=models.F("created_at")), name="invitation_expires_after_creation"
            ),
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True, used_by__isnull=True)
                | models.Q(used_at__isnull=False, used_by__isnull=False),
                name="invitation_used_at_and_by_together",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "email"], name="invitation_org_email_idx"),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to be {self.get_role_display().lower()} at {self.organisation.name}"

    def clean(self):
        super().clean()
        self.email = User.objects.normalize_email(self.email).lower()

    @property
    def is_used(self) -> bool:
        return self.used_at is not None

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())
