"""An appraiser reviews a submitted self-assessment in a real browser: opens
it from their reviews list, starts the review, rates and comments pillar by
pillar (every way on saving what was typed), returns it to the practitioner
with a reason, who submits it again in her own browser; then writes the
summary, agrees a development objective, checks the review and signs off,
and the practitioner checks it and signs off too, which locks the record."""

import re

import pytest

from accounts.models import Role
from portfolios import services
from portfolios.models import AppraiserRating, Assessment, AssessmentStatus, DevelopmentObjective
from tests.browser.support import VIEWPORTS, Journey, sign_in
from tests.factories import TEST_PASSWORD, AssessmentFactory, AssignmentFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

RETURN_COMMENT = "Add a reflection on the audit you led for capability 14."
SUMMARY = "A strong year of clinical leadership. Next, widen the research work."


def submitted_assessment(practitioner):
    """A self-assessment with every capability rated 3, submitted through
    the service, as the practitioner's own pages would."""
    assessment = AssessmentFactory(practitioner=practitioner, title="Self-assessment 2026 to 2027")
    assessment.ratings.update(level=assessment.rating_scale.levels.get(value=3), reflection="I led the audit.")
    assessment.refresh_from_db()
    return services.submit_assessment(assessment=assessment, expected_version=assessment.version)


def rating_group(page, number: int):
    return page.get_by_role("group", name=f"Your rating as appraiser for capability {number}", exact=True)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_an_appraiser_reviews_returns_and_signs_off_an_assessment(live_server, browser, framework, viewport):
    # Given a practitioner whose assessment is submitted with every
    # capability rated, and her assigned appraiser
    membership = MembershipFactory(role=Role.PRACTITIONER, user__full_name="Priya Shah")
    practitioner = membership.user
    appraiser = MembershipFactory(
        role=Role.APPRAISER, organisation=membership.organisation, user__full_name="Daniel Okafor"
    ).user
    AssignmentFactory(organisation=membership.organisation, practitioner=practitioner, appraiser=appraiser)
    assessment = submitted_assessment(practitioner)
    capability_count = assessment.ratings.count()
    levels = {level.value: f"{level.value} {level.label}" for level in assessment.rating_scale.levels.all()}
    pillars = {}
    for rating in assessment.ratings.select_related("capability__pillar").order_by("capability__pillar__order",
                                                                                  "capability__number"):
        pillars.setdefault(rating.capability.pillar.name, []).append(rating.capability.number)
    pillars = list(pillars.items())
    journey = Journey(f"appraiser-review-{viewport}")
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()

    # When the appraiser signs in and opens the assessment from his reviews
    sign_in(page, live_server, appraiser, TEST_PASSWORD)
    journey.check(page, "appraiser home")
    page.get_by_role("link", name="Practitioners you appraise and assessments to review").click()
    row = page.get_by_role("row").filter(has_text="Priya Shah")
    assert "Submitted" in row.inner_text()
    journey.check(page, "reviews list")
    row.get_by_role("link", name="Review Priya Shah").click()
    assert page.locator("h1").inner_text() == "Review: Self-assessment 2026 to 2027"
    journey.check(page, "review not started")

    # And starts the review, which is a task list of the pillars and the summary
    page.get_by_role("button", name="Start review").click()
    assert "Review started" in page.locator("main").inner_text()
    assert page.locator(".nhsuk-tag").first.inner_text() == "In review"
    tasks = page.locator(".nhsuk-task-list")
    assert tasks.get_by_role("listitem").count() == len(pillars) + 1
    assert "Not started" in tasks.inner_text() and "Completed" not in tasks.inner_text()
    assert page.get_by_role("button", name="Check and sign off").count() == 0
    journey.check(page, "review tasks")

    # Then he rates the first pillar, and a comment he types but does not
    # save is not lost when he tries to leave by the back link
    tasks.get_by_role("link", name=pillars[0][0]).click()
    assert page.locator("h1").inner_text() == pillars[0][0]
    assert "Priya's rating" in page.locator("main").inner_text()
    journey.check(page, "first pillar")
    for number in pillars[0][1]:
        rating_group(page, number).get_by_label(levels[3], exact=True).check()
    page.get_by_label("Your comment on capability 1").fill("Clear, well-evidenced clinical judgement.")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Review tasks").click()
    assert dialogs == ["beforeunload"] and page.locator("h1").inner_text() == pillars[0][0]

    # Each "Save and continue" saves the pillar and opens the next, with the
    # banner at the top of the page he lands on
    page.get_by_role("button", name="Save and continue").click()
    assert page.locator("h1").inner_text() == pillars[1][0]
    assert f"{pillars[0][0]} saved" in page.locator(".nhsuk-notification-banner").inner_text()
    for name, numbers in pillars[1:]:
        assert page.locator("h1").inner_text() == name
        for number in numbers:
            rating_group(page, number).get_by_label(levels[4 if number == 5 else 3], exact=True).check()
        if 14 in numbers:
            page.get_by_label("Your comment on capability 14").fill("I could not find evidence of the audit.")
        page.get_by_role("button", name="Save and continue").click()
    assert page.locator("h1").inner_text() == "Overall summary"
    journey.check(page, "overall summary page")
    assert AppraiserRating.objects.filter(assessment=assessment, level__isnull=False).count() == capability_count
    assert AppraiserRating.objects.get(assessment=assessment, capability__number=14).comment.startswith("I could not")
    assert AppraiserRating.objects.get(assessment=assessment, capability__number=1).comment.startswith("Clear")

    # Moving between pillars saves what he changed on the way
    page.get_by_role("link", name="Review tasks").click()
    page.locator(".nhsuk-task-list").get_by_role("link", name=pillars[1][0]).click()
    rating_group(page, 5).get_by_label(levels[2], exact=True).check()
    page.get_by_role("button", name=f"Save and go to {pillars[0][0].lower()}").click()
    assert page.locator("h1").inner_text() == pillars[0][0]
    assert AppraiserRating.objects.get(assessment=assessment, capability__number=5).level.value == 2
    page.get_by_role("button", name=f"Save and go to {pillars[1][0].lower()}").click()
    rating_group(page, 5).get_by_label(levels[4], exact=True).check()
    page.get_by_role("button", name="Save and go to review tasks").click()
    assert "Completed" in page.locator(".nhsuk-task-list").inner_text()

    # Returning it needs a reason: the page says what happens, and refuses without one
    page.get_by_role("link", name="return it to Priya").click()
    assert page.locator("h1").inner_text() == "Return the assessment to Priya"
    journey.check(page, "return page")
    page.get_by_role("button", name="Return the assessment").click()
    assert "Enter a comment explaining why" in page.locator(".nhsuk-error-summary").inner_text()
    journey.check(page, "return without a comment")
    page.get_by_label("Why are you returning it?").fill(RETURN_COMMENT)
    page.get_by_role("button", name="Return the assessment").click()
    assert page.locator(".nhsuk-panel h1").inner_text() == "Assessment returned to Priya Shah"
    assert "What happens next" in page.locator("main").inner_text()
    journey.check(page, "returned to the practitioner")

    # When the practitioner signs in, in her own browser, she sees why it came back
    practitioner_page = browser.new_context(viewport=VIEWPORTS[viewport]).new_page()
    sign_in(practitioner_page, live_server, practitioner, TEST_PASSWORD)
    journey.check(practitioner_page, "practitioner home")
    practitioner_page.get_by_role("link", name="Self-assessment 2026 to 2027").click()
    callout = practitioner_page.locator(".nhsuk-warning-callout")
    assert "Returned by your appraiser" in callout.inner_text()
    assert RETURN_COMMENT in callout.inner_text()
    journey.check(practitioner_page, "practitioner sees it returned")

    # And submits it again
    practitioner_page.get_by_role("button", name="Submit again").click()
    practitioner_page.get_by_label(re.compile("I confirm this self-assessment is my own")).check()
    practitioner_page.get_by_role("button", name="Submit again").click()
    assert "Assessment submitted" in practitioner_page.locator("main").inner_text()
    journey.check(practitioner_page, "practitioner resubmitted")
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.SUBMITTED

    # Then the appraiser finds it waiting again, with his ratings kept
    page.get_by_role("link", name="Go to your reviews").click()
    assert "Submitted" in page.get_by_role("row").filter(has_text="Priya Shah").inner_text()
    page.get_by_role("link", name="Review Priya Shah").click()
    page.get_by_role("button", name="Start review").click()
    journey.check(page, "review started again")

    # He cannot sign off before writing the summary: the page says so, with a link
    assert page.get_by_role("button", name="Check and sign off").count() == 0
    page.get_by_role("link", name="Write your overall summary").click()
    page.get_by_label("Your overall summary").fill(SUMMARY)
    page.get_by_role("button", name="Save and continue").click()
    assert "Overall summary saved" in page.locator("main").inner_text()
    journey.check(page, "summary saved")

    # And agrees an objective for the development plan, after one mistake
    page.get_by_role("link", name="Add an objective").click()
    journey.check(page, "add an objective")
    page.get_by_label("Objective", exact=True).fill("Publish the audit of discharge planning")
    page.get_by_role("button", name="Save objective").click()
    assert page.locator(".nhsuk-error-summary").is_visible()
    journey.check(page, "objective errors")
    page.get_by_label("Actions").fill("Write it up with the audit team and submit it to a journal.")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2027")
    page.get_by_role("checkbox", name=re.compile(r"^14\. ")).check()
    page.get_by_role("button", name="Save objective").click()
    assert "Objective saved" in page.locator("main").inner_text()
    assert "Publish the audit of discharge planning" in page.locator("#plan ~ .nhsuk-card").first.inner_text()
    journey.check(page, "objective saved")

    # Then he checks his answers and signs off with the declaration
    page.get_by_role("button", name="Check and sign off").click()
    assert page.locator("h1").inner_text() == "Check your review before signing off"
    check = page.locator("main").inner_text()
    assert SUMMARY in check and "Publish the audit of discharge planning" in check
    journey.check(page, "check the review")
    page.get_by_role("button", name="Sign off", exact=True).click()
    assert "Confirm the declaration to sign off" in page.locator(".nhsuk-error-summary").inner_text()
    page.get_by_label(re.compile("I have reviewed this self-assessment")).check()
    page.get_by_role("button", name="Sign off", exact=True).click()
    assert page.locator(".nhsuk-panel h1").inner_text() == "Review signed off"
    journey.check(page, "appraiser signed off")
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.AWAITING_SIGN_OFF

    # When the practitioner reads the summary, checks and signs off too,
    # after first forgetting the declaration
    practitioner_page.get_by_role("link", name="Go to your assessment").click()
    main = practitioner_page.locator("main").inner_text()
    assert SUMMARY in main and "Publish the audit of discharge planning" in main
    journey.check(practitioner_page, "practitioner asked to sign off")
    practitioner_page.get_by_role("button", name="Check and sign off").click()
    assert practitioner_page.locator("h1").inner_text() == "Check your review before signing off"
    journey.check(practitioner_page, "practitioner checks the review")
    practitioner_page.get_by_role("button", name="Sign off", exact=True).click()
    assert practitioner_page.locator(".nhsuk-error-summary").is_visible()
    journey.check(practitioner_page, "practitioner sign-off without the declaration")
    practitioner_page.get_by_label(re.compile("I have read my appraiser.s ratings")).check()
    practitioner_page.get_by_role("button", name="Sign off", exact=True).click()
    assert practitioner_page.locator(".nhsuk-panel h1").inner_text() == "Assessment signed off"
    assert "portfolio pack" in practitioner_page.locator("main").inner_text()
    journey.check(practitioner_page, "practitioner signed off")
    practitioner_page.get_by_role("link", name="Go to this assessment").click()
    assert practitioner_page.locator(".nhsuk-tag").first.inner_text() == "Signed off"
    assert practitioner_page.get_by_role("button", name="Submit again").count() == 0
    practitioner_page.context.close()

    # Then the record is locked, for the appraiser too
    locked = Assessment.objects.get(pk=assessment.pk)
    assert locked.status == AssessmentStatus.LOCKED
    assert locked.appraiser_signed_by == appraiser and locked.practitioner_signed_at is not None
    assert locked.appraiser_summary == SUMMARY
    assert DevelopmentObjective.objects.filter(assessment=assessment).count() == 1
    page.get_by_role("link", name="Go back to this review").click()
    assert page.locator(".nhsuk-tag").first.inner_text() == "Signed off"
    assert "You can read the review but not change it" in page.locator("main").inner_text()
    journey.check(page, "locked review")
    page.locator(".nhsuk-task-list").get_by_role("link", name=pillars[0][0]).click()
    assert page.get_by_role("button", name="Save and continue").count() == 0
    assert rating_group(page, 1).get_by_role("radio").first.is_disabled()
    page.get_by_role("link", name="Review tasks").click()
    page.get_by_role("link", name="History", exact=True).click()
    assert "Locked when both sides had signed off" in page.locator("main").inner_text()
    journey.check(page, "history")
    context.close()
