"""Signing in with an email and password, and loading the signed-in person
on each request.

Every page's header shows what the person can do (their portfolio,
reviews, their organisation), so the roles they hold are read with the
person: three EXISTS in the query Django makes anyway, not a query of
their own on every page (accounts.selectors.roles_of reads them)."""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from accounts.models import Membership, Role, User

ROLE_FLAGS = {
    Role.PRACTITIONER: "_holds_practitioner",
    Role.APPRAISER: "_holds_appraiser",
    Role.ORGANISATION_ADMIN: "_holds_organisation_admin",
}


def with_roles(queryset):
    """Users, each knowing which roles they hold in any organisation (an
    active membership)."""
    return queryset.annotate(**{
        flag: Exists(Membership.objects.active().filter(user_id=OuterRef("pk"), role=role))
        for role, flag in ROLE_FLAGS.items()
    })


class SignInBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = with_roles(User._default_manager.all()).get(pk=user_id)
        except (User.DoesNotExist, ValueError):
            return None
        return user if self.user_can_authenticate(user) else None
