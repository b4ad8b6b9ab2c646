from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import Role
from tests.factories import AssignmentFactory, MembershipFactory, OrganisationFactory, UserFactory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Proper password hashing takes a good part of a second per user, which
    tests that make users do not need. Sign-in tests still check passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Uploaded files go to a fresh folder per test, never to var/private."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location, "base_url": None},
        },
    }
    settings.PRIVATE_STORAGE_ROOT = location
    return location


@pytest.fixture(autouse=True)
def fresh_structure_memo():
    """Each test starts with no framework structure kept in memory
    (capability/structure.py), as a freshly started server does."""
    from capability import structure

    structure.forget()


@pytest.fixture
def framework(db):
    """The consultant-level framework, loaded from the project's fixtures."""
    from capability.models import Framework

    call_command("load_framework", verbosity=0)
    return Framework.objects.get(slug="consultant-level-practice")


@pytest.fixture
def outline(db):
    """The Healthcare Leadership Model outline: a second framework, with no
    elements, no impact framework and no guidance."""
    from capability.models import Framework

    call_command("load_framework", str(FIXTURES / "healthcare-leadership-model-outline.yaml"), verbosity=0)
    return Framework.objects.get(slug="healthcare-leadership-model-outline")


@pytest.fixture
def organisation(db):
    return OrganisationFactory()


@pytest.fixture
def practitioner(organisation):
    return MembershipFactory(organisation=organisation, role=Role.PRACTITIONER).user


@pytest.fixture
def appraiser(organisation, practitioner):
    user = MembershipFactory(organisation=organisation, role=Role.APPRAISER).user
    AssignmentFactory(organisation=organisation, practitioner=practitioner, appraiser=user)
    return user


@pytest.fixture
def org_admin(organisation):
    return MembershipFactory(organisation=organisation, role=Role.ORGANISATION_ADMIN).user


def signed_in(client, user):
    """Sign in and make one request, so the session's activity stamp is
    written now rather than inside a query-count assertion."""
    client.force_login(user)
    client.get("/healthz")
    return client


@pytest.fixture
def practitioner_client(client, practitioner):
    return signed_in(client, practitioner)


@pytest.fixture
def other_user(db):
    return UserFactory()
