"""A practitioner does a whole self-assessment in a real browser, on a
desktop screen and on a 375 px wide phone screen: starts it from her
portfolio, rates herself and reflects on every capability pillar by pillar,
adds a piece of evidence with a file and a web link mapped to three
capabilities, sees the gaps it fills, and submits the assessment to her
appraiser."""

import re

import pytest

from accounts.models import Role
from portfolios.demo import minimal_pdf
from portfolios.models import Assessment, AssessmentStatus, EvidenceItem
from tests.browser.support import VIEWPORTS, Journey, sign_in
from tests.factories import TEST_PASSWORD, AssignmentFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

EVIDENCE_TITLE = "Nurse-led sepsis pathway audit"
MAPPED = (4, 9, 14)  # one capability in each of three pillars


def gap_row(page, number: int):
    """The gap view's row for one capability: its first cell starts with
    "4. " (after the "Capability" heading shown on narrow screens)."""
    return page.locator("table.app-gap-table tbody tr").filter(
        has=page.locator("td").first.filter(has_text=re.compile(rf"(^|\s){number}\. "))
    )


def leadership_caption(page):
    """The caption of the gap view's table for the pillar of capability 4,
    which counts the evidence for the pillar."""
    return page.locator("table.app-gap-table caption").filter(has_text="Strategic and enabling leadership")


def rate_every_capability_on_the_page(page, pillar_number: int) -> list[int]:
    """Chooses a rating for every capability on a pillar page, cycling
    through the scale, and writes a reflection on each. Returns the
    capability numbers rated."""
    rated = []
    for section in page.locator("section.app-capability").all():
        number = int(section.get_attribute("id").removeprefix("capability-"))
        level = (number % 4) + 1
        section.get_by_role("group", name=f"Your rating for capability {number}").get_by_role(
            "radio", name=re.compile(rf"^{level} ")
        ).check()
        section.get_by_role("textbox", name="Your reflection").fill(
            f"In pillar {pillar_number} I led work on capability {number}.\n\nI would like to do more of it."
        )
        rated.append(number)
    return rated


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_practitioner_completes_and_submits_a_self_assessment(live_server, browser, framework, tmp_path, viewport):
    # Given a practitioner with an appraiser, so that she can submit, and no
    # assessment yet
    membership = MembershipFactory(role=Role.PRACTITIONER, user__full_name="Grace Okafor")
    practitioner = membership.user
    appraiser = MembershipFactory(role=Role.APPRAISER, organisation=membership.organisation).user
    AssignmentFactory(organisation=membership.organisation, practitioner=practitioner, appraiser=appraiser)
    journey = Journey(f"practitioner-{viewport}")
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()

    # When she signs in, she lands on her portfolio, which has no assessment
    sign_in(page, live_server, practitioner, TEST_PASSWORD)
    assert "You have not started an assessment yet." in page.locator("main").inner_text()
    journey.check(page, "portfolio")

    # And she starts an assessment from there, for this year
    page.get_by_role("button", name="Start a new assessment").click()
    journey.check(page, "start an assessment")
    page.get_by_label("Title").fill("Annual self-assessment 2026 to 2027")
    start = page.get_by_role("group", name="Start of the period")
    start.get_by_label("Day").fill("1")
    start.get_by_label("Month").fill("4")
    start.get_by_label("Year").fill("2026")
    end = page.get_by_role("group", name="End of the period")
    end.get_by_label("Day").fill("31")
    end.get_by_label("Month").fill("3")
    end.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Start assessment").click()

    # Then she is taken to the first pillar, and goes through every pillar
    # rating every capability and reflecting on it
    assert "Assessment started" in page.locator("main").inner_text()
    assessment = Assessment.objects.get(practitioner=practitioner)
    pillars = list(assessment.framework.pillars.order_by("order"))
    rated = []
    for n, pillar in enumerate(pillars, start=1):
        assert page.locator("h1").inner_text() == pillar.name
        journey.check(page, f"pillar {n}")
        rated += rate_every_capability_on_the_page(page, n)
        journey.check(page, f"pillar {n} rated")
        page.get_by_role("button", name="Save and continue").click()
    assert sorted(rated) == list(range(1, 17))

    # And after the last pillar she sees the summary with everything rated
    main = page.locator("main")
    assert f"{pillars[-1].name} saved" in main.inner_text()
    assert "Rated 16 of 16 capabilities" in main.inner_text()
    journey.check(page, "summary, all rated")
    assert not assessment.ratings.filter(level__isnull=True).exists()
    assert not assessment.ratings.filter(reflection="").exists()
    assert assessment.ratings.get(capability__number=3).level.value == 4

    # When she opens the gap view, the capabilities she will add evidence
    # for have none yet
    page.get_by_role("link", name="Evidence matrix and gaps").click()
    journey.check(page, "gaps before evidence")
    for number in MAPPED:
        row = gap_row(page, number)
        assert row.count() == 1
        assert "No evidence" in row.inner_text()
        assert EVIDENCE_TITLE not in row.inner_text()
    assert "0 items of evidence" in leadership_caption(page).inner_text()

    # And she goes back to her portfolio to add evidence
    page.get_by_role("link", name="Assessment summary").click()
    page.get_by_role("link", name="Your portfolio", exact=True).last.click()
    page.locator("main").get_by_role("link", name="Add evidence").click()
    journey.check(page, "add evidence")

    # A first try without a title is refused, and says what is missing
    page.get_by_role("radio", name="Audit or KPI data").check()
    activity = page.get_by_role("group", name="Date of the activity")
    activity.get_by_label("Day").fill("12")
    activity.get_by_label("Month").fill("2")
    activity.get_by_label("Year").fill("2026")
    page.get_by_label("What did you do?").fill(
        "I audited how quickly patients with suspected sepsis were given antibiotics, then led changes to the pathway."
    )
    page.get_by_label("Web link (optional)").fill("https://example.org/audit/sepsis-2026")
    for number in MAPPED:
        page.get_by_role("checkbox", name=f"Capability {number}", exact=True).check()
    page.get_by_label("What this shows (optional) for capability 4", exact=True).fill(
        "Expert practice across the pathway"
    )
    pdf = tmp_path / "sepsis-audit.pdf"
    pdf.write_bytes(minimal_pdf("Sepsis audit 2026"))
    page.locator("input[type=file]").set_input_files(str(pdf))
    page.get_by_role("button", name="Add evidence").click()
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible()
    assert "Enter a title" in summary.inner_text()
    assert page.title().startswith("Error: ")
    journey.check(page, "add evidence, no title")

    # Nothing else she entered is lost: the mapping and the file are kept
    for number in MAPPED:
        assert page.get_by_role("checkbox", name=f"Capability {number}", exact=True).is_checked()
    assert page.get_by_label("Web link (optional)").input_value() == "https://example.org/audit/sepsis-2026"
    assert "sepsis-audit.pdf" in page.locator("main").inner_text()

    # So she adds the title and saves
    page.get_by_label("Title").fill(EVIDENCE_TITLE)
    page.get_by_role("button", name="Add evidence").click()
    assert page.locator("h1").inner_text() == EVIDENCE_TITLE
    detail = page.locator("main").inner_text()
    assert "Evidence added" in detail
    assert "sepsis-audit.pdf" in detail
    assert "https://example.org/audit/sepsis-2026" in detail
    journey.check(page, "evidence added")
    item = EvidenceItem.objects.get(owner=practitioner)
    assert sorted(item.capability_links.values_list("capability__number", flat=True)) == list(MAPPED)
    assert item.attachments.count() == 1
    assert item.link == "https://example.org/audit/sepsis-2026"

    # Then the gap view shows the evidence against the three capabilities,
    # which are no longer gaps
    page.get_by_role("link", name="Annual self-assessment 2026 to 2027").click()
    page.get_by_role("link", name="Evidence matrix and gaps").click()
    journey.check(page, "gaps after evidence")
    for number in MAPPED:
        row = gap_row(page, number)
        assert EVIDENCE_TITLE in row.inner_text()
        assert "No evidence" not in row.inner_text()
    assert "No evidence" in gap_row(page, 1).inner_text()
    assert "1 item of evidence" in leadership_caption(page).inner_text()

    # When she submits the assessment from its summary
    page.get_by_role("link", name="Assessment summary").click()
    journey.check(page, "summary before submitting")
    page.get_by_role("button", name="Submit assessment").click()

    # Then she checks her answers, with a link to change each one, and
    # cannot submit without the declaration
    assert page.locator("h1").inner_text() == "Check your answers before submitting your assessment"
    assert page.get_by_role("link", name=re.compile(r"^Change capability \d+$")).count() == 16
    journey.check(page, "check your answers before submitting")
    page.get_by_role("button", name="Submit assessment").click()
    assert "Confirm the declaration to submit your assessment" in page.locator(".nhsuk-error-summary").inner_text()
    journey.check(page, "submit without the declaration")
    page.get_by_label(re.compile("I confirm this self-assessment is my own")).check()
    page.get_by_role("button", name="Submit assessment").click()

    # Then she is told it has gone to her appraiser and what happens next,
    # and its status is submitted; it can no longer be changed
    assert page.locator(".nhsuk-panel__title").inner_text() == "Assessment submitted"
    main_text = page.locator("main").inner_text()
    assert "Your appraiser has been told." in main_text and "What happens next" in main_text
    journey.check(page, "submitted confirmation")
    page.get_by_role("link", name="Go to your assessment").click()
    assert page.locator("main .nhsuk-tag").first.inner_text() == "Submitted"
    assert page.get_by_role("button", name="Submit assessment").count() == 0
    journey.check(page, "submitted")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED

    # And her portfolio lists it as submitted
    page.get_by_role("link", name="Your portfolio", exact=True).last.click()
    row = page.locator("main table tbody tr").filter(has_text="Annual self-assessment 2026 to 2027")
    assert "Submitted" in row.inner_text()
    assert "16 of 16 rated" in row.inner_text()
    journey.check(page, "portfolio after submitting")
    context.close()
