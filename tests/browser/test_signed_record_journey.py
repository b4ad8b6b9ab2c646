"""What was signed never changes, seen in a real browser: after sign-off the
practitioner rewrites an evidence item; the locked assessment's evidence
matrix, the item as signed and the portfolio PDF all still show what was
signed, and say that the item has changed since."""

import pytest

from accounts.models import Role
from portfolios.models import AssessmentStatus, EvidenceItem
from tests.browser.support import Journey, sign_in
from tests.factories import TEST_PASSWORD, AssignmentFactory, MembershipFactory
from tests.reports.test_reports_pdf import pdf_text, signed_off_assessment

pytestmark = pytest.mark.django_db(transaction=True)

SIGNED = "What I did."
REWRITTEN = "Rewritten a month after the sign-off, with a new ending."


def test_a_signed_record_keeps_the_evidence_it_was_signed_with(live_server, browser, framework, settings):
    # The pack is made by the worker; here the task runs as soon as it is asked for.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Given a locked assessment, signed by both, including one evidence item
    membership = MembershipFactory(role=Role.PRACTITIONER, user__full_name="Priya Shah")
    practitioner = membership.user
    appraiser = MembershipFactory(role=Role.APPRAISER, organisation=membership.organisation).user
    AssignmentFactory(organisation=membership.organisation, practitioner=practitioner, appraiser=appraiser)
    assessment = signed_off_assessment(practitioner, appraiser, evidence=1, status=AssessmentStatus.LOCKED)
    item = assessment.evidence.get()
    journey = Journey("signed-record")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()

    # When the practitioner changes what the item says
    sign_in(page, live_server, practitioner, TEST_PASSWORD)
    page.goto(f"{live_server.url}/evidence/{item.pk}/")
    assert "You cannot delete this evidence" in page.locator("main").inner_text()
    journey.check(page, "evidence as signed")
    page.get_by_role("button", name="Change evidence").click()
    page.get_by_label("What did you do?").fill(REWRITTEN)
    page.get_by_role("button", name="Save changes").click()
    main = page.locator("main").inner_text()
    assert "Evidence saved as a new version" in main and REWRITTEN in main
    journey.check(page, "saved as a new version")

    # Then the locked assessment still shows the item as signed, marked as changed since
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/gaps/")
    row = page.locator("li").filter(has_text=item.title).first
    assert "Changed since signed" in row.inner_text()
    journey.check(page, "evidence matrix of the locked record")
    row.get_by_role("link", name=item.title).click()
    main = page.locator("main").inner_text()
    assert "Changed since this was submitted" in main and SIGNED in main and REWRITTEN not in main
    assert page.get_by_role("button", name="Change evidence").count() == 0
    journey.check(page, "the version that was signed")
    page.get_by_role("link", name="See the newer version").click()
    assert REWRITTEN in page.locator("main").inner_text()

    # And so does the portfolio PDF
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the portfolio report (PDF)").click()
    text = pdf_text(open(download.value.path(), "rb").read())
    assert SIGNED in text and REWRITTEN not in text

    # And so does the pack, asked for on its own page and made by the worker
    page.get_by_role("link", name="Get the portfolio pack (PDF)").click()
    journey.check(page, "get the portfolio pack")
    page.get_by_role("button", name="Make the portfolio pack").click()
    assert "Your portfolio pack is ready" in page.locator("main").inner_text()
    journey.check(page, "the pack is ready")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the portfolio pack (PDF)").click()
    assert download.value.suggested_filename.startswith("capability-portfolio-pack-")
    text = pdf_text(open(download.value.path(), "rb").read())
    assert SIGNED in text and REWRITTEN not in text
    assert EvidenceItem.objects.filter(owner=practitioner, is_current=True).get().description == REWRITTEN
    context.close()
