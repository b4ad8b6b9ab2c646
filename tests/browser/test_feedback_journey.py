"""A practitioner runs a 360° feedback round in a real browser: sets it up,
rates themselves, invites two raters, who answer through their own links in
separate browsers with no account; the practitioner closes the round, reads
the report and adds it to their evidence."""

import re

import pytest
from django.core import mail

from accounts.models import Role
from feedback.models import FeedbackResponse
from portfolios.models import EvidenceItem, EvidenceType
from tests.browser.support import VIEWPORTS, Journey, sign_in
from tests.factories import TEST_PASSWORD, AssessmentFactory, AssignmentFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def choose_a_rating_in_every_question(page, rating_index: int) -> None:
    fieldsets = page.locator("fieldset:has(input[type=radio])")
    for n in range(fieldsets.count()):
        fieldsets.nth(n).locator("input[type=radio]").nth(rating_index).check()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_practitioner_runs_a_360_round_from_invitation_to_evidence(live_server, browser, framework, settings, viewport):
    # Given a practitioner with a draft assessment, and a group size of two
    # so that two raters' answers can be reported
    settings.FEEDBACK_MIN_GROUP_SIZE = 2
    membership = MembershipFactory(role=Role.PRACTITIONER, user__full_name="Aisha Khan")
    practitioner = membership.user
    appraiser = MembershipFactory(role=Role.APPRAISER, organisation=membership.organisation).user
    AssignmentFactory(organisation=membership.organisation, practitioner=practitioner, appraiser=appraiser)
    assessment = AssessmentFactory(practitioner=practitioner, title="Self-assessment 2026 to 2027")
    journey = Journey(f"feedback-360-{viewport}")
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()

    # When she signs in and starts a round on her assessment
    sign_in(page, live_server, practitioner, TEST_PASSWORD)
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    page.get_by_role("link", name="Start a 360° feedback round").click()
    journey.check(page, "start a round")
    page.get_by_label("Your message to raters (optional)").fill("Thank you for helping me <b>grow</b>.")
    page.get_by_role("button", name="Continue").click()
    journey.check(page, "round set up")

    # Sending before rating herself is refused, with the reason
    page.get_by_label("Full name").fill("Tom Ellery")
    page.get_by_label("Email address").fill("tom.ellery@example.org")
    page.get_by_label("How do they know you?").select_option("peer")
    page.get_by_role("button", name="Add rater").click()
    page.get_by_role("button", name="Send invitations").click()
    assert page.locator(".nhsuk-error-summary").is_visible()
    journey.check(page, "cannot send before the self-rating")

    # So she rates herself on every capability
    page.get_by_role("link", name="Rate yourself", exact=True).click()
    choose_a_rating_in_every_question(page, 1)
    journey.check(page, "self-rating")
    page.get_by_role("button", name="Save self-rating").click()

    # And adds a second rater, a service user, then sends the invitations
    page.get_by_label("Full name").fill("Ann Fielding")
    page.get_by_label("Email address").fill("ann.fielding@example.org")
    page.get_by_label("How do they know you?").select_option("service_user")
    page.get_by_role("button", name="Add rater").click()
    mail.outbox.clear()
    page.get_by_role("button", name="Send invitations").click()
    journey.check(page, "invitations sent")
    links = {
        message.to[0]: re.search(r"http://\S+/feedback/respond/\S+/", message.body).group(0)
        for message in mail.outbox
    }
    assert set(links) == {"tom.ellery@example.org", "ann.fielding@example.org"}

    # Then each rater answers through their own link, in their own browser
    for email, rating_index, comment in [
        ("tom.ellery@example.org", 3, "Calm and clear when things are difficult."),
        ("ann.fielding@example.org", 2, "She explained my care so I understood it <script>alert(1)</script>"),
    ]:
        rater = browser.new_context(viewport=VIEWPORTS[viewport]).new_page()
        rater.goto(links[email])
        assert "Aisha Khan" in rater.locator("main").inner_text()
        journey.check(rater, f"rater form {email.split('.')[0]}")
        # A first try with nothing chosen shows what is missing
        rater.get_by_label("Strengths").first.fill(comment)
        rater.get_by_role("button", name="Submit feedback").click()
        assert rater.locator(".nhsuk-error-summary").is_visible()
        assert rater.get_by_label("Strengths").first.input_value() == comment
        journey.check(rater, f"rater errors {email.split('.')[0]}")
        choose_a_rating_in_every_question(rater, rating_index)
        rater.get_by_role("button", name="Submit feedback").click()
        journey.check(rater, f"rater thanked {email.split('.')[0]}")
        rater.goto(links[email])
        assert "already given your feedback" in rater.locator("main").inner_text()
        rater.context.close()
    assert FeedbackResponse.objects.filter(round__assessment=assessment).count() == 2

    # When she closes the round and opens the report
    page.reload()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close the round now").click()
    journey.check(page, "round closed")
    page.get_by_role("link", name=re.compile("report", re.I)).first.click()
    report_text = page.locator("main").inner_text()
    assert "360° feedback report" in report_text
    assert "Calm and clear when things are difficult." in report_text
    assert "<script>alert(1)</script>" in report_text  # shown as text, not run
    assert page.locator("svg.app-comparison").count() == 1
    assert page.get_by_role("img", name="Your rating and other raters' ratings, by capability").count() == 1
    journey.check(page, "report")

    # Then she adds it to her evidence, mapped to the capabilities asked about
    page.go_back()
    page.get_by_role("button", name="Add the report to your evidence").click()
    journey.check(page, "report as evidence")
    item = EvidenceItem.objects.get(owner=practitioner, evidence_type=EvidenceType.FEEDBACK_360)
    assert item.capability_links.count() == 16
    assert "360-degree feedback" in page.locator("h1").inner_text()
    context.close()
