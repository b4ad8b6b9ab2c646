"""A practitioner asks a colleague to confirm an evidence item, in a real
browser; the colleague, with no account, opens the emailed link on a phone
(375 px wide), checks the item and confirms it; the item then says so.
axe checks every page."""

import re

import pytest
from django.core import mail

from portfolios.models import ConfirmationStatus, EvidenceConfirmation
from tests.browser.support import Journey, sign_in
from tests.factories import TEST_PASSWORD, EvidenceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_colleague_confirms_evidence_from_the_emailed_link_on_a_phone(live_server, browser, framework, practitioner):
    item = EvidenceFactory(owner=practitioner, title="Led the sepsis audit", description="I led a trust-wide audit.")
    journey = Journey("evidence-confirmation")
    page = browser.new_context().new_page()
    sign_in(page, live_server, practitioner, TEST_PASSWORD)

    page.goto(f"{live_server.url}/evidence/{item.pk}/")
    page.get_by_role("link", name="Ask someone to confirm this evidence").click()
    journey.check(page, "ask")
    page.get_by_role("button", name="Send the request").click()
    assert page.locator(".nhsuk-error-summary").is_visible()
    journey.check(page, "ask with errors")
    page.get_by_label("Their full name").fill("Jo Bloggs")
    page.get_by_label("Their role").fill("Ward manager")
    page.get_by_label("Their email address").fill("jo.bloggs@trust.example")
    mail.outbox.clear()
    page.get_by_role("button", name="Send the request").click()
    assert "We have emailed Jo Bloggs" in page.locator("main").inner_text()
    journey.check(page, "asked")
    link = re.search(r"http://\S+/confirm/\S+/", mail.outbox[0].body).group(0)

    phone = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
    phone.goto(link)
    assert "Led the sepsis audit" in phone.locator("main").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    journey.check(phone, "confirmer on a phone")
    phone.get_by_label("No, I cannot confirm it").check()
    phone.get_by_role("button", name="Send your reply").click()
    assert "Enter why you cannot confirm this evidence" in phone.locator(".nhsuk-error-summary").inner_text()
    journey.check(phone, "confirmer errors")
    phone.get_by_label("Yes, I can confirm it").check()
    phone.get_by_label("Comment").fill("I saw the audit presented.")
    phone.get_by_role("button", name="Send your reply").click()
    assert "Reply sent" in phone.locator("h1").inner_text()
    journey.check(phone, "confirmer thanked")
    phone.context.close()
    assert EvidenceConfirmation.objects.get().status == ConfirmationStatus.CONFIRMED

    page.reload()
    assert "Confirmed by Jo Bloggs, Ward manager" in page.locator("main").inner_text()
    journey.check(page, "confirmed")
