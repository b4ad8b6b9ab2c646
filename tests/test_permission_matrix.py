"""Every URL of the application, for every kind of person, GET and POST.

The URL list is read from the URL conf, so a new view is covered as soon as
it exists: it must be placed in one of the families below or this test
fails. Each request runs inside a savepoint that is rolled back, so a POST
that changes something does not affect the next person's request.
"""

import datetime
import re

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Role
from portfolios.models import AssessmentStatus, DevelopmentObjective, EvidenceAttachment
from tests.conftest import signed_in
from tests.factories import AssessmentFactory, AssignmentFactory, EvidenceFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "owner",
    "practitioner_same_org",
    "practitioner_other_org",
    "assigned_appraiser",
    "unassigned_appraiser",
    "organisation_admin",
    "admin_other_org",
]

# What each family of pages allows. "ok": may use it; "forbidden": may know
# it exists but not use it (403); "hidden": must not learn it exists (404).
OK, FORBIDDEN, HIDDEN = "ok", "forbidden", "hidden"
EVERYONE = {role: OK for role in ROLES[1:]}
PRACTITIONERS = {**EVERYONE, "assigned_appraiser": FORBIDDEN, "unassigned_appraiser": FORBIDDEN,
                 "organisation_admin": FORBIDDEN, "admin_other_org": FORBIDDEN}
STRANGERS = {"practitioner_same_org": HIDDEN, "practitioner_other_org": HIDDEN, "unassigned_appraiser": HIDDEN,
             "admin_other_org": HIDDEN}
PORTFOLIO_VIEW = {"owner": OK, "assigned_appraiser": OK, "organisation_admin": OK, **STRANGERS}
PORTFOLIO_CHANGE = {"owner": OK, "assigned_appraiser": FORBIDDEN, "organisation_admin": FORBIDDEN, **STRANGERS}
REVIEW = {"owner": FORBIDDEN, "assigned_appraiser": OK, "organisation_admin": FORBIDDEN, **STRANGERS}
PLAN_STATUS = {"owner": OK, "assigned_appraiser": OK, "organisation_admin": FORBIDDEN, **STRANGERS}
# A pack or large report made by the worker is the file of the person who
# asked for it: nobody else learns it exists.
OWN_FILE = {"owner": OK, "assigned_appraiser": HIDDEN, "organisation_admin": HIDDEN, **STRANGERS}
ORGANISATION_ADMIN = {
    "owner": FORBIDDEN, "practitioner_same_org": FORBIDDEN, "assigned_appraiser": FORBIDDEN,
    "unassigned_appraiser": FORBIDDEN, "organisation_admin": OK, "practitioner_other_org": HIDDEN,
    "admin_other_org": HIDDEN,
}
ORGANISATION_INDEX = {**{role: FORBIDDEN for role in ROLES[1:]}, "organisation_admin": OK, "admin_other_org": OK}

FAMILIES = {
    "home": EVERYONE, "profile": EVERYONE, "password_change": EVERYONE, "password_change_done": EVERYONE, "reports:data_export": EVERYONE, "logout": EVERYONE, "reviews": EVERYONE,
    "framework:overview": EVERYONE, "framework:pillar": EVERYONE, "framework:capability": EVERYONE,
    "impact:statements": EVERYONE, "framework:editions": EVERYONE,
    "portfolios:assessment_start": PRACTITIONERS, "portfolios:evidence_list": PRACTITIONERS,
    "portfolios:evidence_create": PRACTITIONERS, "portfolios:reviews": EVERYONE,
    "portfolios:assessment_summary": PORTFOLIO_VIEW, "portfolios:assessment_gaps": PORTFOLIO_VIEW,
    "portfolios:assessment_carried": PORTFOLIO_VIEW, "portfolios:assessment_submitted": PORTFOLIO_VIEW,
    "portfolios:assessment_history": PORTFOLIO_VIEW, "portfolios:evidence_detail": PORTFOLIO_VIEW,
    "portfolios:attachment_download": PORTFOLIO_VIEW, "reports:assessment_report": PORTFOLIO_VIEW,
    "reports:make_report": PORTFOLIO_VIEW, "reports:report_job": OWN_FILE, "reports:report_job_progress": OWN_FILE,
    "reports:report_job_download": OWN_FILE,
    "portfolios:assessment_submit": PORTFOLIO_CHANGE, "portfolios:practitioner_decision": PORTFOLIO_CHANGE,
    "portfolios:evidence_edit": PORTFOLIO_CHANGE, "portfolios:evidence_delete": PORTFOLIO_CHANGE,
    "portfolios:confirmation_request": PORTFOLIO_CHANGE, "portfolios:confirmation_remind": PORTFOLIO_CHANGE,
    "portfolios:confirmation_withdraw": PORTFOLIO_CHANGE,
    "portfolios:review": REVIEW, "portfolios:review_pillar": REVIEW, "portfolios:review_summary": REVIEW,
    "portfolios:review_return": REVIEW, "portfolios:review_sign_off": REVIEW, "portfolios:review_done": REVIEW,
    "portfolios:practitioner_sign_off": PORTFOLIO_CHANGE, "portfolios:assessment_signed_off": PORTFOLIO_VIEW,
    "portfolios:objective_create": REVIEW, "portfolios:objective_edit": REVIEW,
    "portfolios:objective_delete": REVIEW, "portfolios:objective_status": PLAN_STATUS,
    "organisations:index": ORGANISATION_INDEX,
    "feedback:round_start": PORTFOLIO_CHANGE, "feedback:round": PORTFOLIO_VIEW, "feedback:round_edit": PORTFOLIO_CHANGE,
    "feedback:self_rating": PORTFOLIO_CHANGE, "feedback:rater_add": PORTFOLIO_CHANGE,
    "feedback:rater_remove": PORTFOLIO_CHANGE, "feedback:round_send": PORTFOLIO_CHANGE,
    "feedback:round_remind": PORTFOLIO_CHANGE, "feedback:round_close": PORTFOLIO_CHANGE,
    "feedback:report_release": REVIEW, "feedback:report": PORTFOLIO_VIEW,
    "feedback:report_evidence": PORTFOLIO_CHANGE,
}
# The pillar page shows to all who may view, but only the practitioner saves it.
METHOD_FAMILIES = {"portfolios:assessment_pillar": {"GET": PORTFOLIO_VIEW, "POST": PORTFOLIO_CHANGE}}


def url_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from url_patterns(entry, prefix + str(entry.pattern), entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}:{entry.name}" if namespace else entry.name


# Covered by test_site.py, test_invitations.py, test_feedback_rater.py, test_passwords.py and
# tests/portfolios/test_confirmations.py.
PUBLIC = {"login", "healthz", "invitations:accept", "feedback_respond", "evidence_confirm", "evidence_confirm_file",
          "password_reset", "password_reset_done",
          "password_reset_confirm", "password_reset_complete",
          "accessibility", "privacy", "cookies", "help"}
ALL_URLS = sorted(set(url_patterns()))
PRIVATE_URLS = [(route, name) for route, name in ALL_URLS if name not in PUBLIC]


def family(name: str, method: str) -> dict:
    if name in METHOD_FAMILIES:
        return METHOD_FAMILIES[name][method]
    if name.startswith(("organisations:", "reports:")):
        # Organisation pages and their reports and exports are for its admins.
        return FAMILIES.get(name, ORGANISATION_ADMIN)
    return FAMILIES[name]


@pytest.fixture
def world(framework):
    org, other_org = OrganisationFactory(), OrganisationFactory()

    def member(role, organisation=org):
        return MembershipFactory(organisation=organisation, role=role).user

    people = {
        "owner": member(Role.PRACTITIONER),
        "practitioner_same_org": member(Role.PRACTITIONER),
        "practitioner_other_org": member(Role.PRACTITIONER, other_org),
        "assigned_appraiser": member(Role.APPRAISER),
        "unassigned_appraiser": member(Role.APPRAISER),
        "organisation_admin": member(Role.ORGANISATION_ADMIN),
        "admin_other_org": member(Role.ORGANISATION_ADMIN, other_org),
    }
    AssignmentFactory(organisation=org, practitioner=people["owner"], appraiser=people["assigned_appraiser"])
    assessment = AssessmentFactory(practitioner=people["owner"], status=AssessmentStatus.IN_REVIEW)
    evidence = EvidenceFactory(owner=people["owner"])
    attachment = EvidenceAttachment(evidence=evidence, original_name="note.txt", content_type="text/plain", size=5)
    attachment.file.save("note.txt", ContentFile(b"hello"), save=False)
    attachment.save()
    objective = DevelopmentObjective.objects.create(
        assessment=assessment, objective="Lead an audit", actions="Plan", target_date=datetime.date(2027, 3, 1),
        created_by=people["assigned_appraiser"],
    )
    from reports.models import ExportJob, ReportJob

    job = ExportJob.objects.create(organisation=org, requested_by=people["organisation_admin"])
    # The owner's pack, under the same id (another table), so one <job_id> serves both.
    ReportJob.objects.create(pk=job.pk, assessment=assessment, requested_by=people["owner"])
    from django.utils import timezone

    from feedback import services as feedback_services

    today = timezone.localdate()
    feedback_round = feedback_services.start_round(
        assessment=assessment, capabilities=assessment.framework.capabilities.all()[:2],
        opens_on=today, closes_on=today + datetime.timedelta(days=21),
    )
    invitation = feedback_services.add_rater(
        feedback_round=feedback_round, name="A rater", email="rater@elsewhere.example", group="peer"
    )
    from portfolios import confirmations

    confirmation = confirmations.request_confirmation(
        evidence=evidence, name="A manager", role="Ward manager", email="manager@elsewhere.example")
    values = {
        "confirmation_pk": confirmation.pk,
        "job_id": job.pk,
        "pillar_slug": "expert-practice", "number": "1", "framework_slug": framework.slug,
        "file_pk": attachment.pk, "objective_pk": objective.pk, "organisation_id": org.pk,
        "user_id": people["owner"].pk, "appraiser_id": people["assigned_appraiser"].pk, "token": "not-a-token",
        "invitation_pk": invitation.pk,
    }
    return {"people": people, "assessment": assessment, "evidence": evidence, "values": values,
            "feedback_round": feedback_round}


def concrete(route: str, world) -> str:
    def value(match):
        name = match.group(2)
        if name == "pk":
            if route.startswith("feedback/"):
                return str(world["feedback_round"].pk)
            return str(world["evidence"].pk if route.startswith("evidence/") else world["assessment"].pk)
        return str(world["values"][name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def check(response, expected: str, method: str, path: str, role: str, name: str):
    status = response.status_code
    where = (method, path, role, status)
    if expected == OK:
        assert status not in (403, 404, 405) and status < 500, where
        if status == 302 and name != "logout":
            assert not response["Location"].startswith("/accounts/login/"), where
    elif expected == FORBIDDEN:
        assert status == 403, where
    else:
        assert status == 404, where


@pytest.mark.parametrize("route, name", PRIVATE_URLS)
def test_every_url_gives_each_person_exactly_the_access_they_should_have(route, name, world):
    path = concrete(route, world)
    anonymous = Client()
    for method in ("GET", "POST"):
        response = getattr(anonymous, method.lower())(path)
        assert response.status_code in (302, 405), (method, path, "anonymous")
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), (method, path)

    # A view limited to one method answers 405 to the other, and must do so
    # for everyone alike, or the answer would hint at what exists.
    clients = {role: signed_in(Client(), world["people"][role]) for role in ROLES[1:]}
    for method in ("GET", "POST"):
        expected_by_role = family(name, method)
        statuses = {}
        for role, client in clients.items():
            savepoint = transaction.savepoint()
            try:
                response = getattr(client, method.lower())(path)
                statuses[role] = response.status_code
                if response.status_code != 405:
                    check(response, expected_by_role[role], method, path, role, name)
            finally:
                transaction.savepoint_rollback(savepoint)
        if 405 in statuses.values():
            assert set(statuses.values()) == {405}, (method, path, "405 for some people only", statuses)


def test_every_url_is_in_a_family():
    unplaced = [name for _, name in ALL_URLS if name not in PUBLIC and name not in METHOD_FAMILIES
                and name not in FAMILIES and not name.startswith(("organisations:", "reports:"))]
    assert unplaced == []
