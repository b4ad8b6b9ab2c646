"""Rules for people, organisations and roles. Views and commands call these;
models hold no behaviour beyond validation."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import AppraiserAssignment, Membership, Organisation, Role, User


@transaction.atomic
def ensure_user(*, email: str, full_name: str, password: str | None = None, **profile) -> User:
    """Create the user, or bring an existing one (matched by email, any case)
    up to date. Used by seeding and, later, by invitations."""
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name, **profile)
        return user
    user.full_name = full_name
    for field, value in profile.items():
        setattr(user, field, value)
    if password is not None:
        user.set_password(password)
    user.save()
    return user


@transaction.atomic
def save_profile(*, form) -> User:
    """Save a person's own details (ProfileForm)."""
    return form.save()


@transaction.atomic
def grant_role(*, user: User, organisation: Organisation, role: Role | str) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user, organisation=organisation, role=role, defaults={"is_active": True}
    )
    return membership


@transaction.atomic
def assign_appraiser(*, organisation: Organisation, practitioner: User, appraiser: User) -> AppraiserAssignment:
    """Assign an appraiser to a practitioner; both must hold those roles in
    the organisation."""
    if practitioner == appraiser:
        raise ValidationError("A practitioner cannot be their own appraiser.")
    members = Membership.objects.active().filter(organisation=organisation)
    if not members.filter(user=practitioner, role=Role.PRACTITIONER).exists():
        raise ValidationError(f"{practitioner.full_name} is not a practitioner in {organisation.name}.")
    if not members.filter(user=appraiser, role=Role.APPRAISER).exists():
        raise ValidationError(f"{appraiser.full_name} is not an appraiser in {organisation.name}.")
    assignment, _ = AppraiserAssignment.objects.get_or_create(
        organisation=organisation, practitioner=practitioner, appraiser=appraiser
    )
    return assignment


def clear_sign_in_lockout(*, user: User) -> int:
    """Forget the failed sign-ins counted against the person's address, as a
    successful password reset proves they own it. Returns how many were
    removed. The key is the lowercased address (accounts.lockout)."""
    from axes.utils import reset

    return reset(username=user.email.strip().lower())
