"""The rater's page at /feedback/respond/<token>/: what a rater sees, saving
and submitting answers, links that cannot be used, and the rate limit."""

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from feedback import services, tokens
from feedback.models import (
    COMMENT_MAX_LENGTH,
    CommentKind,
    CommentScope,
    FeedbackAnswer,
    FeedbackComment,
    FeedbackDraft,
    FeedbackResponse,
    FeedbackRound,
    RaterGroup,
)
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db

CHOSEN = [1, 2, 4]
NAME = "Alex Morgan"


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    """The rate limit counts in the cache, by address: every test starts
    with no attempts counted."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def assessment(framework, practitioner):
    practitioner.full_name = NAME
    practitioner.save(update_fields=["full_name"])
    return AssessmentFactory(practitioner=practitioner)


@pytest.fixture
def levels(assessment):
    return {level.value: level for level in assessment.rating_scale.levels.all()}


@pytest.fixture
def capabilities(framework):
    return {c.number: c for c in framework.capabilities.filter(number__in=CHOSEN).select_related("pillar")}


def make_round(assessment, framework, *, raters=((RaterGroup.PEER, "Sam Peer", "sam@trust.example"),),
               opens_on=None, closes_on=None, send=True, **kwargs):
    """A round on capabilities 1, 2 and 4, self-rated, with these raters,
    sent unless send=False. Returns the round and each rater's token, by
    email address."""
    today = timezone.localdate()
    feedback_round = services.start_round(
        assessment=assessment,
        capabilities=list(framework.capabilities.filter(number__in=CHOSEN)),
        opens_on=opens_on or today,
        closes_on=closes_on or today + datetime.timedelta(days=14),
        **kwargs,
    )
    level = assessment.rating_scale.levels.get(value=3)
    services.save_self_ratings(
        feedback_round=feedback_round, levels={c.pk: level for c in feedback_round.capabilities.all()}
    )
    links = {}
    for group, name, email in raters:
        invitation = services.add_rater(feedback_round=feedback_round, name=name, email=email, group=group)
        links[email] = tokens.token_for(invitation.token_nonce)
    if send:
        services.send_round(feedback_round=feedback_round)
    feedback_round.refresh_from_db()
    return feedback_round, links


def one_link(assessment, framework, group=RaterGroup.PEER, **kwargs):
    feedback_round, links = make_round(
        assessment, framework, raters=((group, "Sam Rater", "sam@trust.example"),), **kwargs
    )
    return feedback_round, links["sam@trust.example"]


def url(token):
    return reverse("feedback_respond", kwargs={"token": token})


def full_answers(capabilities, levels, **extra):
    return {
        f"capability_{capabilities[1].number}": str(levels[3].pk),
        f"capability_{capabilities[2].number}": str(levels[4].pk),
        f"capability_{capabilities[4].number}": "na",
        **extra,
    }


# What the rater sees ------------------------------------------------------------


def test_page_shows_who_asked_their_message_the_closing_date_and_only_the_chosen_capabilities(
    client, assessment, framework, capabilities
):
    feedback_round, token = one_link(assessment, framework, message="Thank you for helping.\nIt matters to me.")

    response = client.get(url(token))

    assert response.status_code == 200
    html = response.content.decode()
    assert f"<title>Give feedback to {NAME} – Consultant capability portfolio – NHS</title>" in html
    assert html.count("<h1") == 1
    assert f"Give feedback to {NAME}" in html
    assert "<p>Thank you for helping.<br>It matters to me.</p>" in html
    assert f"Give your feedback by {feedback_round.closes_on:%d %B %Y}".replace(" 0", " ") in html
    for number in CHOSEN:
        assert f"Capability {number}" in html
    assert capabilities[4].statement in html
    other = framework.capabilities.get(number=3)
    assert "Capability 3<" not in html
    assert other.statement not in html
    assert "What this capability includes" in html
    assert capabilities[4].elements.first().text in html
    assert "3 Established" in html
    assert "Consistently demonstrates this at consultant level" in html
    assert "Not able to comment" in html
    assert "Submit feedback" in html
    assert 'name="action" value="save"' in html


def test_capabilities_are_grouped_under_their_pillars_in_pillar_order(client, assessment, framework, capabilities):
    _, token = one_link(assessment, framework)

    html = client.get(url(token)).content.decode()

    first, second = capabilities[1].pillar.name, capabilities[4].pillar.name
    assert html.index(first) < html.index("Capability 1") < html.index("Capability 2")
    assert html.index("Capability 2") < html.index(second) < html.index("Capability 4")


def test_page_needs_no_sign_in_and_is_never_cached(client, assessment, framework):
    _, token = one_link(assessment, framework)

    response = client.get(url(token))

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_the_token_appears_nowhere_in_the_page(client, assessment, framework):
    _, token = one_link(assessment, framework)

    response = client.get(url(token))

    assert token not in response.content.decode()


def test_the_page_explains_anonymity_with_the_minimum_group_size(client, assessment, framework, settings):
    settings.FEEDBACK_MIN_GROUP_SIZE = 4
    _, token = one_link(assessment, framework)

    html = client.get(url(token)).content.decode()

    assert "Your answers are anonymous" in html
    assert "never who said what" in html
    assert "at least 4 people in that group" in html


def test_a_service_user_sees_the_plain_english_question_and_the_framework_wording_only_in_details(
    client, assessment, framework, capabilities
):
    _, token = one_link(assessment, framework, group=RaterGroup.SERVICE_USER)

    html = client.get(url(token)).content.decode()

    capability = capabilities[4]
    assert capability.plain_english
    question = html.index(capability.plain_english)
    statement = html.index(capability.statement)
    details = html.rindex('<details class="nhsuk-details">', 0, statement)
    assert question < details < statement < html.index("</details>", details)


def test_a_service_user_sees_the_statement_when_there_is_no_plain_english(
    client, assessment, framework, capabilities
):
    capabilities[2].__class__.objects.filter(pk=capabilities[2].pk).update(plain_english="")
    _, token = one_link(assessment, framework, group=RaterGroup.SERVICE_USER)

    html = client.get(url(token)).content.decode()

    assert capabilities[2].statement in html


def test_a_peer_sees_the_framework_statement_as_the_question(client, assessment, framework, capabilities):
    _, token = one_link(assessment, framework, group=RaterGroup.PEER)

    html = client.get(url(token)).content.decode()

    assert capabilities[4].statement in html
    assert capabilities[4].plain_english not in html


@pytest.mark.parametrize("group", [g for g in RaterGroup.values if g != RaterGroup.LINE_MANAGER])
def test_only_a_line_manager_is_offered_to_be_named(client, assessment, framework, group):
    _, token = one_link(assessment, framework, group=group)

    assert "You can show my name with my answers" not in client.get(url(token)).content.decode()


def test_a_line_manager_is_offered_to_be_named(client, assessment, framework, settings):
    settings.FEEDBACK_MIN_GROUP_SIZE = 3
    _, token = one_link(assessment, framework, group=RaterGroup.LINE_MANAGER)

    html = client.get(url(token)).content.decode()

    assert "You can show my name with my answers" in html
    assert 'name="named"' in html
    assert "at least 3 responses" in html


def test_comments_are_asked_once_overall_by_default(client, assessment, framework):
    _, token = one_link(assessment, framework)

    html = client.get(url(token)).content.decode()

    assert html.count('name="strengths"') == 1
    assert html.count('name="develop"') == 1
    assert "What could be developed" in html


def test_comments_are_asked_for_each_pillar_when_the_round_says_so(client, assessment, framework, capabilities):
    _, token = one_link(assessment, framework, comment_scope=CommentScope.PILLAR)

    html = client.get(url(token)).content.decode()

    for pillar in {c.pillar for c in capabilities.values()}:
        assert f'name="strengths_{pillar.pk}"' in html
        assert f'name="develop_{pillar.pk}"' in html
        assert f"Strengths in {pillar.name}" in html
    assert 'name="strengths"' not in html


def test_the_personal_message_is_escaped(client, assessment, framework):
    _, token = one_link(assessment, framework, message='<b onmouseover="x()">Hello</b>')

    html = client.get(url(token)).content.decode()

    assert "<b onmouseover" not in html
    assert "&lt;b onmouseover=&quot;x()&quot;&gt;Hello&lt;/b&gt;" in html


# Saving and submitting ----------------------------------------------------------


def test_saving_keeps_a_draft_and_the_next_visit_shows_the_saved_choices(
    client, assessment, framework, capabilities, levels
):
    feedback_round, token = one_link(assessment, framework)
    data = {"capability_1": str(levels[2].pk), "strengths": "Calm in a crisis.", "action": "save"}

    response = client.post(url(token), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Your answers have been saved" in html
    assert f"come back to them by {feedback_round.closes_on.day} {feedback_round.closes_on:%B %Y}" in html
    draft = FeedbackDraft.objects.get()
    assert services.RaterAnswers.from_json(draft.answers).ratings == {capabilities[1].pk: levels[2].pk}
    assert FeedbackResponse.objects.count() == 0

    html = client.get(url(token)).content.decode()
    assert f'id="id_capability_1_1" name="capability_1" type="radio" value="{levels[2].pk}" checked' in html
    assert "Calm in a crisis." in html
    assert "Your answers have been saved" not in html


def test_saving_again_replaces_the_draft(client, assessment, framework, levels):
    _, token = one_link(assessment, framework)

    client.post(url(token), {"capability_1": str(levels[2].pk), "action": "save"})
    client.post(url(token), {"capability_2": "na", "action": "save"})

    draft = FeedbackDraft.objects.get()
    assert services.RaterAnswers.from_json(draft.answers).ratings == {
        framework.capabilities.get(number=2).pk: "na"
    }


def test_a_line_manager_s_saved_consent_comes_back_ticked(client, assessment, framework):
    _, token = one_link(assessment, framework, group=RaterGroup.LINE_MANAGER)

    client.post(url(token), {"named": "on", "action": "save"})

    html = client.get(url(token)).content.decode()
    assert re.search(r'name="named" type="checkbox" value="[^"]*" checked', html)


def test_submitting_stores_an_anonymous_response_and_marks_the_link_used(
    client, assessment, framework, capabilities, levels
):
    feedback_round, token = one_link(assessment, framework)
    client.post(url(token), {"capability_1": str(levels[1].pk), "action": "save"})
    assert FeedbackDraft.objects.exists()

    response = client.post(url(token), full_answers(
        capabilities, levels, strengths="Explains plans clearly.", develop="Delegate more."
    ))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Feedback sent" in html
    assert token not in html
    stored = FeedbackResponse.objects.get()
    assert stored.round == feedback_round
    assert stored.group == RaterGroup.PEER
    assert stored.named_as == ""
    answers = {a.capability.number: a.level for a in FeedbackAnswer.objects.filter(response=stored)}
    assert answers == {1: levels[3], 2: levels[4], 4: None}
    comments = {(c.pillar_id, c.kind): c.text for c in FeedbackComment.objects.filter(round=feedback_round)}
    assert comments == {
        (None, CommentKind.STRENGTHS): "Explains plans clearly.",
        (None, CommentKind.DEVELOP): "Delegate more.",
    }
    invitation = feedback_round.invitations.get()
    assert invitation.responded
    assert not FeedbackDraft.objects.exists()


def test_per_pillar_comments_are_stored_against_their_pillar(client, assessment, framework, capabilities, levels):
    feedback_round, token = one_link(assessment, framework, comment_scope=CommentScope.PILLAR)
    pillar = capabilities[4].pillar

    client.post(url(token), full_answers(capabilities, levels, **{f"develop_{pillar.pk}": "More strategy."}))

    comment = FeedbackComment.objects.get(round=feedback_round)
    assert (comment.pillar, comment.kind, comment.text) == (pillar, CommentKind.DEVELOP, "More strategy.")


def test_a_line_manager_who_agrees_is_named_on_their_response(client, assessment, framework, capabilities, levels):
    _, token = one_link(assessment, framework, group=RaterGroup.LINE_MANAGER)

    client.post(url(token), full_answers(capabilities, levels, named="on"))

    stored = FeedbackResponse.objects.get()
    assert (stored.group, stored.named_as) == (RaterGroup.LINE_MANAGER, "Sam Rater")


def test_a_line_manager_who_does_not_agree_is_not_named(client, assessment, framework, capabilities, levels):
    _, token = one_link(assessment, framework, group=RaterGroup.LINE_MANAGER)

    client.post(url(token), full_answers(capabilities, levels))

    assert FeedbackResponse.objects.get().named_as == ""


def test_a_peer_cannot_be_named_by_posting_the_field(client, assessment, framework, capabilities, levels):
    _, token = one_link(assessment, framework, group=RaterGroup.PEER)

    client.post(url(token), full_answers(capabilities, levels, named="on"))

    assert FeedbackResponse.objects.get().named_as == ""


def test_a_second_submission_is_refused_with_the_already_responded_page(
    client, assessment, framework, capabilities, levels
):
    _, token = one_link(assessment, framework)
    client.post(url(token), full_answers(capabilities, levels))

    again = client.post(url(token), full_answers(capabilities, levels))

    assert again.status_code == 410
    assert "You have already given your feedback. Thank you." in again.content.decode()
    assert FeedbackResponse.objects.count() == 1
    assert client.get(url(token)).status_code == 410


def test_a_missing_answer_shows_the_error_summary_keeps_what_was_typed_and_stores_nothing(
    client, assessment, framework, capabilities, levels
):
    feedback_round, token = one_link(assessment, framework)
    data = full_answers(capabilities, levels, strengths="Listens well.")
    del data["capability_4"]

    response = client.post(url(token), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: " in html
    assert "There is a problem" in html
    assert (
        '<a href="#id_capability_4_0">'
        "Select a rating for capability 4, or select &#x27;Not able to comment&#x27;</a>"
    ) in html
    assert 'id="id_capability_4-error"' in html
    assert "Listens well." in html
    assert f'name="capability_1" type="radio" value="{levels[3].pk}" checked' in html
    assert FeedbackResponse.objects.count() == 0
    assert FeedbackComment.objects.count() == 0
    assert not feedback_round.invitations.get().responded


def test_an_empty_submission_lists_every_capability_in_page_order(client, assessment, framework):
    _, token = one_link(assessment, framework)

    html = client.post(url(token), {}).content.decode()

    links = re.findall(r'<a href="#id_capability_(\d+)_0">', html)
    assert links == ["1", "2", "4"]


def test_a_made_up_rating_is_an_error_not_a_crash(client, assessment, framework, capabilities, levels):
    _, token = one_link(assessment, framework)

    response = client.post(url(token), full_answers(capabilities, levels, capability_1="999999"))

    assert response.status_code == 200
    assert "Select a rating for capability 1 from the list" in response.content.decode()
    assert FeedbackResponse.objects.count() == 0


@pytest.mark.parametrize("action", ["save", ""])
def test_a_comment_over_the_limit_is_an_error_and_nothing_is_stored(
    client, assessment, framework, capabilities, levels, action
):
    _, token = one_link(assessment, framework)
    data = full_answers(capabilities, levels, develop="x" * (COMMENT_MAX_LENGTH + 1))
    if action:
        data["action"] = action

    response = client.post(url(token), data)

    assert response.status_code == 200
    assert "What could be developed must be 2,000 characters or fewer" in response.content.decode()
    assert FeedbackResponse.objects.count() == 0
    assert not FeedbackDraft.objects.exists()


def test_a_script_typed_into_a_comment_comes_back_escaped(client, assessment, framework):
    _, token = one_link(assessment, framework)

    html = client.post(url(token), {"strengths": "<script>alert('x')</script>"}).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


# Links that cannot be used ----------------------------------------------------


@pytest.mark.parametrize("bad", ["A" * tokens.TOKEN_LENGTH, "short", "A" * (tokens.TOKEN_LENGTH + 1), "%3Cscript%3E"])
def test_an_unknown_or_malformed_link_shows_the_not_valid_page(client, assessment, framework, bad):
    one_link(assessment, framework)

    response = client.get(f"/feedback/respond/{bad}/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "This link is not valid" in html
    assert "contact the person who asked you" in html


def test_a_tampered_link_shows_the_not_valid_page(client, assessment, framework):
    _, token = one_link(assessment, framework)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert client.get(url(tampered)).status_code == 404
    assert client.post(url(tampered), {}).status_code == 404


def test_a_link_for_a_round_not_sent_yet_is_not_valid(client, assessment, framework):
    _, token = one_link(assessment, framework, send=False)

    response = client.get(url(token))

    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_a_closed_round_shows_the_day_it_closed(client, assessment, framework, today):
    feedback_round, token = one_link(assessment, framework)
    services.close_round(feedback_round=feedback_round)

    response = client.get(url(token))

    assert response.status_code == 410
    assert f"This feedback round closed on {today.day} {today:%B %Y}" in response.content.decode()


def test_a_round_past_its_closing_date_shows_that_date(client, assessment, framework, today):
    feedback_round, token = one_link(assessment, framework)
    closed_on = today - datetime.timedelta(days=1)
    FeedbackRound.objects.filter(pk=feedback_round.pk).update(
        opens_on=today - datetime.timedelta(days=10), closes_on=closed_on
    )

    response = client.get(url(token))

    assert response.status_code == 410
    assert f"This feedback round closed on {closed_on.day} {closed_on:%B %Y}" in response.content.decode()


def test_a_round_not_open_yet_says_when_it_opens(client, assessment, framework, today):
    opens_on = today + datetime.timedelta(days=3)
    _, token = one_link(assessment, framework, opens_on=opens_on, closes_on=opens_on + datetime.timedelta(days=7))

    response = client.get(url(token))

    assert response.status_code == 410
    assert f"You can give feedback from {opens_on.day} {opens_on:%B %Y}" in response.content.decode()


def test_a_submission_racing_with_the_round_closing_gets_the_closed_page(
    client, assessment, framework, capabilities, levels, monkeypatch
):
    feedback_round, token = one_link(assessment, framework)
    submit = services.submit_response

    def closed_just_before(**kwargs):
        services.close_round(feedback_round=feedback_round)
        return submit(**kwargs)

    monkeypatch.setattr(services, "submit_response", closed_just_before)

    response = client.post(url(token), full_answers(capabilities, levels))

    assert response.status_code == 410
    assert "This feedback round closed on" in response.content.decode()
    assert FeedbackResponse.objects.count() == 0


def test_saving_racing_with_the_round_closing_gets_the_closed_page(client, assessment, framework, monkeypatch):
    feedback_round, token = one_link(assessment, framework)
    save = services.save_draft

    def closed_just_before(**kwargs):
        services.close_round(feedback_round=feedback_round)
        return save(**kwargs)

    monkeypatch.setattr(services, "save_draft", closed_just_before)

    response = client.post(url(token), {"action": "save", "strengths": "Kind."})

    assert response.status_code == 410
    assert not FeedbackDraft.objects.exists()


def test_other_methods_are_not_allowed(client, assessment, framework):
    _, token = one_link(assessment, framework)

    assert client.put(url(token)).status_code == 405


# Rate limit ---------------------------------------------------------------------


@override_settings(FEEDBACK_LINK_RATE_LIMIT=3)
def test_too_many_attempts_from_one_address_are_paused(client, assessment, framework):
    _, token = one_link(assessment, framework)
    cache.clear()

    statuses = [client.get(url(token)).status_code for _ in range(3)]
    paused = client.get(url(token))

    assert statuses == [200, 200, 200]
    assert paused.status_code == 429
    html = paused.content.decode()
    assert "Too many attempts" in html
    assert "Wait 10 minutes, then try the link again" in html
    assert client.post(url(token), {}).status_code == 429


@override_settings(FEEDBACK_LINK_RATE_LIMIT=3)
def test_guessing_links_counts_towards_the_limit_and_other_addresses_are_not_affected(
    client, assessment, framework
):
    _, token = one_link(assessment, framework)
    cache.clear()

    for _ in range(3):
        assert client.get(url("B" * tokens.TOKEN_LENGTH)).status_code == 404

    assert client.get(url(token)).status_code == 429
    assert client.get(url(token), REMOTE_ADDR="192.0.2.7").status_code == 200


@override_settings(FEEDBACK_LINK_RATE_LIMIT=3, TRUSTED_PROXY_COUNT=1)
def test_behind_a_load_balancer_the_limit_counts_each_client_not_the_balancer(client, assessment, framework):
    _, token = one_link(assessment, framework)
    cache.clear()
    balancer = {"REMOTE_ADDR": "10.0.0.2"}

    for _ in range(3):
        assert client.get(url("B" * tokens.TOKEN_LENGTH), HTTP_X_FORWARDED_FOR="198.51.100.9", **balancer).status_code == 404
    # The guesser is paused, even when it writes a made-up address first...
    assert client.get(url(token), HTTP_X_FORWARDED_FOR="203.0.113.1, 198.51.100.9", **balancer).status_code == 429
    # ...and another rater behind the same balancer is not.
    assert client.get(url(token), HTTP_X_FORWARDED_FOR="192.0.2.44", **balancer).status_code == 200


def test_client_address_is_remote_addr_unless_proxies_are_trusted(rf, settings):
    from config.client_address import client_address

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.1, 198.51.100.9")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "198.51.100.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(request) == "203.0.113.1"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer entries than proxies: not believed
    assert client_address(request) == "10.0.0.2"


# The email ---------------------------------------------------------------------


def test_the_invitation_email_carries_a_link_that_opens_the_page(
    client, assessment, framework, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        make_round(assessment, framework, raters=((RaterGroup.PEER, "Sam Peer", "sam@trust.example"),))

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam@trust.example"]
    assert NAME in message.subject
    match = re.search(r"https?://[^/\s]+(/feedback/respond/[A-Za-z0-9_-]+/)", message.body)
    assert match, message.body

    response = client.get(match.group(1))

    assert response.status_code == 200
    assert f"Give feedback to {NAME}" in response.content.decode()
