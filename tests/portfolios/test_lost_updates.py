"""No edit is lost: two tabs (or two people) saving the same evidence item,
review, objective or roles each keep their change where they do not
overlap, and a real clash is refused with 409 and the typed text kept."""

import html
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.urls import reverse

from portfolios.models import AppraiserRating, AssessmentStatus, DevelopmentObjective, EvidenceItem
from tests.conftest import signed_in
from tests.factories import AssessmentFactory, EvidenceFactory
from tests.portfolios.test_evidence import capabilities, edit_url, evidence_post
from tests.portfolios.review_pages import pillar_post, pillar_url, save_review, summary_url

pytestmark = pytest.mark.django_db


def shown_on(page: str) -> str:
    return html.unescape(re.search(r'name="shown" value="([^"]*)"', page).group(1))


def open_tab(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return shown_on(response.content.decode())


# Evidence ----------------------------------------------------------------------


@pytest.fixture
def item(framework, practitioner):
    return EvidenceFactory(owner=practitioner, title="Sepsis audit", description="What I did",
                           capabilities=capabilities(1))


def test_two_tabs_changing_different_parts_of_an_item_both_keep_their_change(practitioner_client, item):
    first, second = open_tab(practitioner_client, edit_url(item)), open_tab(practitioner_client, edit_url(item))
    response = practitioner_client.post(edit_url(item), evidence_post(
        title="Sepsis audit 2026", description="What I did", shown=first, activity_date_2=str(item.activity_date.year),
        activity_date_1=str(item.activity_date.month), activity_date_0=str(item.activity_date.day)))
    assert response.status_code == 302
    response = practitioner_client.post(edit_url(item), evidence_post(
        title="Sepsis audit", description="What I did, and what changed", caps=capabilities(1, 7), shown=second,
        activity_date_2=str(item.activity_date.year), activity_date_1=str(item.activity_date.month),
        activity_date_0=str(item.activity_date.day)))
    assert response.status_code == 302
    item = EvidenceItem.objects.get(pk=item.pk)
    assert item.title == "Sepsis audit 2026"
    assert item.description == "What I did, and what changed"
    assert sorted(item.capability_links.values_list("capability__number", flat=True)) == [1, 7]


def test_two_tabs_changing_the_same_field_refuse_the_second_and_keep_its_text(practitioner_client, item):
    first, second = open_tab(practitioner_client, edit_url(item)), open_tab(practitioner_client, edit_url(item))
    assert practitioner_client.post(edit_url(item), evidence_post(
        title="Sepsis audit", description="From the first tab", shown=first)).status_code == 302
    response = practitioner_client.post(edit_url(item), evidence_post(
        title="Sepsis audit", description="From the second tab", shown=second))
    assert response.status_code == 409
    page = response.content.decode()
    assert "This evidence was changed in another tab or window" in page
    assert "From the second tab" in page
    assert "This was also changed in another tab or window" in page
    assert EvidenceItem.objects.get(pk=item.pk).description == "From the first tab"

    # Saving again from that page means "mine, over theirs".
    again = practitioner_client.post(edit_url(item), evidence_post(
        title="Sepsis audit", description="From the second tab", shown=shown_on(page)))
    assert again.status_code == 302
    assert EvidenceItem.objects.get(pk=item.pk).description == "From the second tab"


# The appraiser's review --------------------------------------------------------


@pytest.fixture
def in_review(framework, practitioner, appraiser):
    return AssessmentFactory(practitioner=practitioner, status=AssessmentStatus.IN_REVIEW)


EXPERT_PRACTICE = [1, 2, 3]


def test_two_review_tabs_rating_different_capabilities_both_keep_their_ratings(client, in_review, appraiser):
    signed_in(client, appraiser)
    url = pillar_url(in_review, "expert-practice")
    first, second = open_tab(client, url), open_tab(client, url)
    assert client.post(url, pillar_post(EXPERT_PRACTICE, first, ratings={1: 3},
                                        comments={1: "Clear"})).status_code == 302
    assert client.post(url, pillar_post(EXPERT_PRACTICE, second, ratings={2: 2})).status_code == 302
    saved = {r.capability.number: (r.level.value, r.comment)
             for r in AppraiserRating.objects.filter(assessment=in_review).select_related("capability", "level")
             if r.level_id}
    assert saved == {1: (3, "Clear"), 2: (2, "")}


def test_saving_one_pillar_leaves_the_other_pillars_and_the_summary_alone(client, in_review, appraiser):
    signed_in(client, appraiser)
    save_review(client, in_review, ratings={4: 2}, comments={4: "Leads the network"}, summary="A good year")
    url = pillar_url(in_review, "expert-practice")
    assert client.post(url, pillar_post(EXPERT_PRACTICE, open_tab(client, url), ratings={1: 4})).status_code == 302
    saved = {r.capability.number: (r.level.value, r.comment)
             for r in AppraiserRating.objects.filter(assessment=in_review).select_related("capability", "level")
             if r.level_id}
    assert saved == {1: (4, ""), 4: (2, "Leads the network")}
    in_review.refresh_from_db()
    assert in_review.appraiser_summary == "A good year"


def test_a_pillar_saved_without_its_fingerprint_changes_only_its_own_fields(client, in_review, appraiser):
    # A forged form, or a page from before fingerprints: it overwrites, but
    # only what it sent.
    signed_in(client, appraiser)
    save_review(client, in_review, ratings={4: 2}, summary="A good year")
    url = pillar_url(in_review, "expert-practice")
    assert client.post(url, pillar_post(EXPERT_PRACTICE, "not json", ratings={1: 4})).status_code == 302
    saved = {r.capability.number: r.level.value
             for r in AppraiserRating.objects.filter(assessment=in_review).select_related("capability", "level")
             if r.level_id}
    assert saved == {1: 4, 4: 2}
    in_review.refresh_from_db()
    assert in_review.appraiser_summary == "A good year"


def test_two_review_tabs_rating_one_capability_differently_refuse_the_second(client, in_review, appraiser):
    signed_in(client, appraiser)
    url = pillar_url(in_review, "expert-practice")
    first, second = open_tab(client, url), open_tab(client, url)
    client.post(url, pillar_post(EXPERT_PRACTICE, first, comments={3: "Strong leadership"}))
    response = client.post(url, pillar_post(EXPERT_PRACTICE, second, comments={3: "Needs more data"}))
    assert response.status_code == 409
    page = response.content.decode()
    assert "This review was changed in another tab or window" in page
    assert "Needs more data" in page
    comment = AppraiserRating.objects.get(assessment=in_review, capability__number=3).comment
    assert comment == "Strong leadership"
    # Saving again from the refused page keeps what this tab typed.
    assert client.post(url, pillar_post(EXPERT_PRACTICE, shown_on(page),
                                        comments={3: "Needs more data"})).status_code == 302
    assert AppraiserRating.objects.get(assessment=in_review, capability__number=3).comment == "Needs more data"


def test_two_summary_tabs_refuse_the_second_change_with_its_text_kept(client, in_review, appraiser):
    signed_in(client, appraiser)
    url = summary_url(in_review)
    first, second = open_tab(client, url), open_tab(client, url)
    assert client.post(url, {"shown": first, "summary": "Strong year", "go": "tasks"}).status_code == 302
    response = client.post(url, {"shown": second, "summary": "Mixed year", "go": "tasks"})
    assert response.status_code == 409 and "Mixed year" in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.appraiser_summary == "Strong year"


# The development plan and roles ------------------------------------------------


def test_two_tabs_changing_one_objective_merge_or_refuse(client, in_review, appraiser):
    objective = DevelopmentObjective.objects.create(
        assessment=in_review, objective="Publish the audit", actions="Write it up", target_date="2027-03-31",
        created_by=appraiser,
    )
    objective.capabilities.set([in_review.ratings.first().capability_id])
    url = reverse("portfolios:objective_edit", kwargs={"pk": in_review.pk, "objective_pk": objective.pk})
    signed_in(client, appraiser)
    first, second, third = open_tab(client, url), open_tab(client, url), open_tab(client, url)
    capability = str(in_review.ratings.first().capability_id)
    form = {"objective": "Publish the audit", "actions": "Write it up", "support": "",
            "target_date_0": "31", "target_date_1": "3", "target_date_2": "2027", "capabilities": [capability]}
    assert client.post(url, form | {"shown": first, "objective": "Publish the sepsis audit"}).status_code == 302
    assert client.post(url, form | {"shown": second, "support": "Time to write"}).status_code == 302
    objective.refresh_from_db()
    assert (objective.objective, objective.support) == ("Publish the sepsis audit", "Time to write")
    response = client.post(url, form | {"shown": third, "objective": "Present the audit"})
    assert response.status_code == 409
    assert "Present the audit" in response.content.decode()
    objective.refresh_from_db()
    assert objective.objective == "Publish the sepsis audit"


def test_two_admins_changing_different_roles_of_one_person_both_stand(client, organisation, org_admin, practitioner):
    from accounts.models import Membership, Role

    member = reverse("organisations:member", kwargs={"organisation_id": organisation.pk, "user_id": practitioner.pk})
    roles = reverse("organisations:member_roles",
                    kwargs={"organisation_id": organisation.pk, "user_id": practitioner.pk})
    signed_in(client, org_admin)
    first, second = open_tab(client, member), open_tab(client, member)
    client.post(roles, {"roles": [Role.PRACTITIONER, Role.APPRAISER], "shown": first})
    client.post(roles, {"roles": [Role.PRACTITIONER, Role.ORGANISATION_ADMIN], "shown": second})
    held = set(Membership.objects.active().filter(organisation=organisation, user=practitioner)
               .values_list("role", flat=True))
    assert held == {Role.PRACTITIONER, Role.APPRAISER, Role.ORGANISATION_ADMIN}


# For real: two saves at once over HTTP ----------------------------------------


class Browser:
    """A signed-in browser tab over real HTTP, with its own cookies. Kept by
    hand: the service marks its cookies Secure, which a cookie jar would not
    send to the test server's plain http."""

    def __init__(self, base, session_cookie):
        self.base = base
        self.cookies = dict([session_cookie.split("=", 1)])
        self.opener = urllib.request.build_opener()

    def _open(self, request):
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response

    def get(self, path) -> str:
        return self._open(urllib.request.Request(self.base + path)).read().decode()

    def post(self, path, data, page) -> int:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, data=body,
                                                 headers={"Referer": self.base + path})).status


@pytest.mark.django_db(transaction=True)
def test_two_saves_of_one_item_at_the_same_moment_keep_both_changes(live_server, client, settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs row locks, which SQLite does not have")
    from django.core.management import call_command

    from accounts.models import Role
    from tests.factories import MembershipFactory

    call_command("load_framework", verbosity=0)
    practitioner = MembershipFactory(role=Role.PRACTITIONER).user
    item = EvidenceFactory(owner=practitioner, title="Sepsis audit", description="What I did",
                           capabilities=capabilities(1))
    client.force_login(practitioner)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    tabs = [Browser(live_server.url, cookie) for _ in range(2)]
    pages = [tab.get(edit_url(item)) for tab in tabs]
    date = {"activity_date_0": str(item.activity_date.day), "activity_date_1": str(item.activity_date.month),
            "activity_date_2": str(item.activity_date.year)}
    posts = [
        evidence_post(title="Sepsis audit 2026", description="What I did", **date),
        evidence_post(title="Sepsis audit", description="What I did, and what changed", **date),
    ]
    barrier, statuses = threading.Barrier(2), []

    def save(index):
        barrier.wait(timeout=10)
        statuses.append(tabs[index].post(edit_url(item), posts[index] | {"shown": shown_on(pages[index])},
                                         pages[index]))

    threads = [threading.Thread(target=save, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200, 200]  # each redirected to the item, followed
    item = EvidenceItem.objects.get(pk=item.pk)
    assert (item.title, item.description) == ("Sepsis audit 2026", "What I did, and what changed")
