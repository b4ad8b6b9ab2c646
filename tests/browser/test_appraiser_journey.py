"""An appraiser reviews a submitted self-assessment in a real browser: opens
it from their reviews list, starts the review, rates and comments on every
capability, returns it to the practitioner, who submits it again in her own
browser; then writes the summary, agrees a development objective and signs
off, and the practitioner confirms, which locks the record."""

import re

import pytest

from accounts.models import Role
from portfolios import services
from portfolios.models import AppraiserRating, Assessment, AssessmentStatus, DevelopmentObjective
from tests.browser.support import Journey, sign_in
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


def test_an_appraiser_reviews_returns_and_signs_off_an_assessment(live_server, browser, framework):
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
    journey = Journey("appraiser-review")
    context = browser.new_context()
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

    # And starts the review
    page.get_by_role("button", name="Start review").click()
    assert "Review started" in page.locator("main").inner_text()
    assert page.locator(".nhsuk-tag").first.inner_text() == "In review"
    journey.check(page, "review started")

    # Then he rates every capability, comments on some, and saves
    for number in range(1, capability_count + 1):
        value = 4 if number == 5 else 3
        rating_group(page, number).get_by_label(levels[value], exact=True).check()
    page.get_by_label("Your comment on capability 5").fill("Your service redesign went well beyond this level.")
    page.get_by_label("Your comment on capability 14").fill("I could not find evidence of the audit.")
    page.get_by_role("button", name="Save review").click()
    assert "Review saved" in page.locator("main").inner_text()
    assert rating_group(page, 5).get_by_label(levels[4], exact=True).is_checked()
    journey.check(page, "review saved")
    assert AppraiserRating.objects.filter(assessment=assessment, level__isnull=False).count() == capability_count

    # Returning it without a comment is refused, with the reason
    page.get_by_role("button", name="Return to the practitioner").click()
    assert page.locator(".nhsuk-error-summary").is_visible()
    assert "Enter a comment explaining why" in page.locator(".nhsuk-error-summary").inner_text()
    journey.check(page, "return without a comment")

    # So he says why and returns it
    page.get_by_label("Why are you returning it?").fill(RETURN_COMMENT)
    page.get_by_role("button", name="Return to the practitioner").click()
    assert "Assessment returned to the practitioner" in page.locator("main").inner_text()
    assert page.locator(".nhsuk-tag").first.inner_text() == "Returned"
    journey.check(page, "returned to the practitioner")

    # When the practitioner signs in, in her own browser, she sees why it came back
    practitioner_page = browser.new_context().new_page()
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
    page.get_by_role("link", name="Your reviews").click()
    assert "Submitted" in page.get_by_role("row").filter(has_text="Priya Shah").inner_text()
    page.get_by_role("link", name="Review Priya Shah").click()
    page.get_by_role("button", name="Start review").click()
    assert rating_group(page, 5).get_by_label(levels[4], exact=True).is_checked()
    journey.check(page, "review started again")

    # Signing off before writing the summary is refused, with the reason
    page.get_by_label(re.compile("I have reviewed this self-assessment")).check()
    page.get_by_role("button", name="Sign off", exact=True).click()
    summary_box = page.locator(".nhsuk-error-summary")
    assert summary_box.is_visible()
    assert "Write your overall summary before you sign off" in summary_box.inner_text()
    journey.check(page, "sign off without a summary")
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.IN_REVIEW

    # So he follows the error to the summary, writes it and saves
    summary_box.get_by_role("link", name="Write your overall summary before you sign off").click()
    page.get_by_label("Your overall summary").fill(SUMMARY)
    page.get_by_role("button", name="Save review").click()
    assert "Review saved" in page.locator("main").inner_text()
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

    # Then he signs off with the declaration
    page.get_by_label(re.compile("I have reviewed this self-assessment")).check()
    page.get_by_role("button", name="Sign off", exact=True).click()
    assert "The practitioner has been asked to sign off too" in page.locator("main").inner_text()
    assert page.locator(".nhsuk-tag").first.inner_text() == "Awaiting practitioner sign-off"
    journey.check(page, "appraiser signed off")

    # When the practitioner reads the summary and signs off too, after
    # first forgetting the declaration
    practitioner_page.reload()
    main = practitioner_page.locator("main").inner_text()
    assert SUMMARY in main and "Publish the audit of discharge planning" in main
    journey.check(practitioner_page, "practitioner asked to sign off")
    practitioner_page.get_by_role("button", name="Sign off", exact=True).click()
    assert practitioner_page.locator(".nhsuk-error-summary").is_visible()
    journey.check(practitioner_page, "practitioner sign-off without the declaration")
    practitioner_page.get_by_label(re.compile("I have read my appraiser.s ratings")).check()
    practitioner_page.get_by_role("button", name="Sign off", exact=True).click()
    assert "Your assessment is now complete and locked" in practitioner_page.locator("main").inner_text()
    assert practitioner_page.locator(".nhsuk-tag").first.inner_text() == "Signed off"
    assert practitioner_page.get_by_role("button", name="Submit again").count() == 0
    journey.check(practitioner_page, "practitioner signed off")
    practitioner_page.context.close()

    # Then the record is locked, for the appraiser too
    locked = Assessment.objects.get(pk=assessment.pk)
    assert locked.status == AssessmentStatus.LOCKED
    assert locked.appraiser_signed_by == appraiser and locked.practitioner_signed_at is not None
    assert locked.appraiser_summary == SUMMARY
    assert DevelopmentObjective.objects.filter(assessment=assessment).count() == 1
    page.reload()
    assert page.locator(".nhsuk-tag").first.inner_text() == "Signed off"
    assert "You can read the review but not change it" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Save review").count() == 0
    assert rating_group(page, 1).get_by_role("radio").first.is_disabled()
    journey.check(page, "locked review")
    page.get_by_role("link", name="History", exact=True).click()
    assert "Locked when both sides had signed off" in page.locator("main").inner_text()
    journey.check(page, "history")
    context.close()
