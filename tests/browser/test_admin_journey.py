"""An organisation admin runs their organisation in a real browser: invites
a new practitioner, who sets up their account through the emailed link in
their own browser; assigns them an appraiser and sees the dashboard change;
then exports the portfolio reports and downloads the ZIP."""

import io
import re
import zipfile

import pytest
from django.core import mail
from pypdf import PdfReader

from accounts.models import AppraiserAssignment, Membership, Role, User
from portfolios.models import AppraiserRating, AssessmentStatus
from reports.models import ExportJob, ExportStatus
from tests.browser.support import Journey, sign_in
from tests.factories import TEST_PASSWORD, AssessmentFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)

NEW_EMAIL = "sam.rivers@northshire.example"
NEW_PASSWORD = "heron-lantern-meadow-42"


def signed_off_assessment(practitioner, appraiser):
    """A locked assessment with self and agreed ratings, so the dashboard
    has a profile to show and the export a report to make."""
    assessment = AssessmentFactory(practitioner=practitioner, title="Self-assessment 2025 to 2026",
                                   status=AssessmentStatus.LOCKED)
    level = assessment.rating_scale.levels.get(value=3)
    assessment.ratings.update(level=level)
    AppraiserRating.objects.bulk_create(
        AppraiserRating(assessment=assessment, capability_id=rating.capability_id, appraiser=appraiser, level=level)
        for rating in assessment.ratings.all()
    )
    return assessment


def test_an_admin_invites_assigns_and_exports(live_server, browser, framework, settings):
    # Given an organisation with an admin, an appraiser, and a practitioner
    # whose assessment is signed off; and background jobs that run at once
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    organisation = OrganisationFactory(name="Northshire Hospitals NHS Foundation Trust")
    admin = MembershipFactory(
        organisation=organisation, role=Role.ORGANISATION_ADMIN, user__full_name="Grace Adeyemi"
    ).user
    appraiser = MembershipFactory(organisation=organisation, role=Role.APPRAISER, user__full_name="Daniel Okafor").user
    priya = MembershipFactory(organisation=organisation, role=Role.PRACTITIONER, user__full_name="Priya Shah").user
    signed_off_assessment(priya, appraiser)
    journey = Journey("organisation-admin")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()

    # When the admin signs in and opens the organisation's dashboard
    sign_in(page, live_server, admin, TEST_PASSWORD)
    journey.check(page, "admin home")
    page.get_by_role("link", name="Manage Northshire Hospitals NHS Foundation Trust").click()
    assert page.locator("h1").inner_text() == "Northshire Hospitals NHS Foundation Trust"
    assert page.get_by_role("status").inner_text().strip() == "1 practitioner"
    assert "1 of 1 practitioner has agreed ratings" in page.locator("main").inner_text()
    journey.check(page, "dashboard before")

    # And invites someone, first with an email address that is not one
    page.get_by_role("link", name="Invite someone").click()
    journey.check(page, "invite someone")
    page.get_by_label("Email address").fill("sam.rivers at northshire")
    page.get_by_label("Practitioner").check()
    page.get_by_role("button", name="Send invitation").click()
    error_summary = page.locator(".nhsuk-error-summary")
    assert "Enter an email address in the correct format" in error_summary.inner_text()
    assert page.get_by_label("Practitioner").is_checked()
    journey.check(page, "invite with an invalid email")

    mail.outbox.clear()
    page.get_by_label("Email address").fill(NEW_EMAIL)
    page.get_by_role("button", name="Send invitation").click()
    assert f"Invitation sent to {NEW_EMAIL}" in page.locator("main").inner_text()
    pending = page.get_by_role("table", name="Invitations not yet accepted")
    assert NEW_EMAIL in pending.inner_text() and "Practitioner" in pending.inner_text()
    journey.check(page, "invitation sent")
    assert [message.to for message in mail.outbox] == [[NEW_EMAIL]]
    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[0].body).group(0)

    # Then the invitee opens the link in their own browser and sets up their
    # account, after first mistyping the password
    invitee = browser.new_context().new_page()
    invitee.goto(link)
    assert "Grace Adeyemi has invited you to join Northshire Hospitals NHS Foundation Trust as a practitioner" in (
        invitee.locator("main").inner_text()
    )
    journey.check(invitee, "set up your account")
    invitee.get_by_label("Full name").fill("Sam Rivers")
    invitee.get_by_label("Create a password").fill(NEW_PASSWORD)
    invitee.get_by_label("Confirm your password").fill(NEW_PASSWORD + "x")
    invitee.get_by_role("button", name="Create account").click()
    assert "The passwords do not match" in invitee.locator(".nhsuk-error-summary").inner_text()
    journey.check(invitee, "passwords do not match")
    invitee.get_by_label("Create a password").fill(NEW_PASSWORD)
    invitee.get_by_label("Confirm your password").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Create account").click()
    assert "You are now a practitioner in Northshire Hospitals NHS Foundation Trust" in (
        invitee.locator("main").inner_text()
    )
    assert "Sam Rivers" in invitee.locator("header").inner_text()
    journey.check(invitee, "invitee signed in")
    invitee.context.close()
    sam = User.objects.get(email=NEW_EMAIL)
    assert sam.full_name == "Sam Rivers" and sam.check_password(NEW_PASSWORD)
    assert Membership.objects.active().filter(user=sam, organisation=organisation, role=Role.PRACTITIONER).exists()

    # When the admin goes back to the dashboard, Sam is there, with no appraiser
    page.get_by_role("link", name="Northshire Hospitals NHS Foundation Trust").click()
    assert page.get_by_role("status").inner_text().strip() == "2 practitioners"
    sam_row = page.get_by_role("row").filter(has_text="Sam Rivers")
    assert "Not started" in sam_row.inner_text()
    main = page.locator("main").inner_text()
    assert "Not started: 1" in main and "Signed off: 1" in main
    assert "1 of 2 practitioners has agreed ratings" in main
    journey.check(page, "dashboard with the new practitioner")

    # And assigns Sam an appraiser, first choosing nobody
    sam_row.get_by_role("link", name="Assign an appraiser to Sam Rivers").click()
    assert "Sam Rivers does not have an appraiser yet" in page.locator("main").inner_text()
    journey.check(page, "new practitioner")
    page.get_by_role("button", name="Assign appraisers").click()
    assert "Select at least one appraiser" in page.locator(".nhsuk-error-summary").inner_text()
    journey.check(page, "assign nobody")
    page.get_by_label("Daniel Okafor").check()
    page.get_by_role("button", name="Assign appraisers").click()
    assert "Daniel Okafor is now appraising Sam Rivers" in page.locator("main").inner_text()
    journey.check(page, "appraiser assigned")
    assert AppraiserAssignment.objects.filter(organisation=organisation, practitioner=sam, appraiser=appraiser).exists()

    # Then the dashboard shows the appraiser against Sam
    page.get_by_role("link", name="Northshire Hospitals NHS Foundation Trust").first.click()
    sam_row = page.get_by_role("row").filter(has_text="Sam Rivers")
    assert "Daniel Okafor" in sam_row.inner_text()
    assert sam_row.get_by_role("link", name=re.compile("Assign an appraiser")).count() == 0
    journey.check(page, "dashboard after assigning")

    # When the admin exports the portfolio reports, first choosing nobody
    page.get_by_role("link", name="Export portfolio reports as a ZIP file").click()
    journey.check(page, "export portfolio reports")
    assert not page.get_by_role("checkbox", name="Priya Shah").is_visible()
    page.get_by_label("Practitioners I choose").check()
    assert page.get_by_role("checkbox", name="Priya Shah").is_visible()
    page.get_by_role("button", name="Start export").click()
    assert "Choose at least one practitioner" in page.locator(".nhsuk-error-summary").inner_text()
    journey.check(page, "export with nobody chosen")
    page.get_by_label("All practitioners (2)").check()
    page.get_by_role("button", name="Start export").click()

    # Then the progress page has reached the end: both practitioners done,
    # one report made (Sam has no assessment yet)
    assert page.locator("h1").inner_text() == "Your export is ready"
    main = page.locator("main").inner_text()
    assert "1 of 1 report made" in main
    assert "The ZIP file has a portfolio report for 1 practitioner, and a list of the people it has no report for" in main
    assert "No assessment yet" in main and "Sam Rivers" in main
    assert page.locator(".nhsuk-card--warning").count() == 0
    journey.check(page, "export ready")
    job = ExportJob.objects.get(organisation=organisation)
    assert (job.status, job.done, job.total) == (ExportStatus.DONE, 2, 2)
    progress = page.request.get(f"{live_server.url}/organisations/{organisation.pk}/exports/{job.pk}/progress/").json()
    assert progress["finished"] and progress["done"] == progress["total"] == 2

    # And the ZIP downloads, holding Priya's report as a PDF that can be read
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the ZIP file").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        names = archive.namelist()
        pdfs = [name for name in names if name.endswith(".pdf")]
        assert pdfs == ["priya-shah-self-assessment-2025-to-2026.pdf"]
        assert "errors.txt" in names
        reader = PdfReader(io.BytesIO(archive.read(pdfs[0])))
    assert len(reader.pages) >= 1
    assert "Priya Shah" in "".join(page_.extract_text() for page_ in reader.pages)

    # And the export is listed as done
    page.get_by_role("link", name="Export portfolio reports").first.click()
    recent = page.get_by_role("table", name=re.compile("Recent exports"))
    assert "Ready to download" in recent.inner_text()
    journey.check(page, "recent exports")
    context.close()
