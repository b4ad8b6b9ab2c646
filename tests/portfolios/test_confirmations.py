"""Confirmed evidence: a practitioner asks a named person to confirm an
item; the person answers through a link that needs no account (hashed,
expiring, single use, rate-limited, withdrawable); the item then says who
confirmed it, everywhere it appears; changing it afterwards keeps the
confirmed version and marks the live one "changed since confirmed"."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core import link_tokens
from portfolios import confirmations
from portfolios.models import (
    AssessmentEvidence,
    AssessmentStatus,
    ConfirmationStatus,
    EvidenceAttachment,
    EvidenceConfirmation,
)
from tests.conftest import signed_in
from tests.factories import AssessmentFactory, EvidenceFactory
from tests.portfolios.test_evidence import LIST_URL, detail_url, edit_url, evidence_post
from tests.portfolios.review_pages import every_pillar_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(practitioner, framework):
    item = EvidenceFactory(owner=practitioner, title="Led the sepsis audit", description="I led the audit.")
    attachment = EvidenceAttachment(evidence=item, original_name="audit.txt", content_type="text/plain", size=5)
    attachment.file.save("audit.txt", ContentFile(b"audit"), save=False)
    attachment.save()
    return item


def ask(client, item, django_capture_on_commit_callbacks, **overrides):
    data = {"name": "Jo Bloggs", "role": "Ward manager", "email": "Jo.Bloggs@Trust.example", **overrides}
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("portfolios:confirmation_request", kwargs={"pk": item.pk}), data)


def emailed_link(index=-1) -> str:
    return re.search(r"http://\S+/confirm/\S+/", mail.outbox[index].body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_asking_emails_a_link_whose_token_is_never_stored(
    practitioner_client, item, django_capture_on_commit_callbacks
):
    response = ask(practitioner_client, item, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    confirmation = EvidenceConfirmation.objects.get()
    assert (confirmation.name, confirmation.role, confirmation.email) == ("Jo Bloggs", "Ward manager",
                                                                            "jo.bloggs@trust.example")
    assert mail.outbox[-1].to == ["jo.bloggs@trust.example"]
    assert "Led the sepsis audit" in mail.outbox[-1].body
    token = emailed_link().rstrip("/").rsplit("/", 1)[1]
    assert confirmation.token_hash == link_tokens.hash_token(token)
    assert token not in str(EvidenceConfirmation.objects.values().get())
    assert "We have emailed Jo Bloggs a link to confirm this evidence" in practitioner_client.get(
        detail_url(item)).content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Enter the name of the person who can confirm this evidence"),
        ({"role": ""}, "Enter their role, for example ward manager"),
        ({"email": "not an email"}, "Enter an email address in the correct format"),
    ],
)
def test_bad_input_is_named_and_nothing_is_sent(
    practitioner_client, item, django_capture_on_commit_callbacks, overrides, message
):
    response = ask(practitioner_client, item, django_capture_on_commit_callbacks, **overrides)
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert not EvidenceConfirmation.objects.exists() and not mail.outbox


def test_a_practitioner_cannot_confirm_their_own_evidence_or_ask_the_same_person_twice(
    practitioner_client, practitioner, item, django_capture_on_commit_callbacks
):
    own = ask(practitioner_client, item, django_capture_on_commit_callbacks,
              email=practitioner.email.upper().replace("@", "+me@"))
    assert "you cannot confirm your own evidence" in own.content.decode()
    # Said at once, with the form's other problems.
    both = ask(practitioner_client, item, django_capture_on_commit_callbacks, name="", email=practitioner.email)
    assert "you cannot confirm your own evidence" in both.content.decode()
    assert "Enter the name of the person who can confirm this evidence" in both.content.decode()
    ask(practitioner_client, item, django_capture_on_commit_callbacks)
    again = ask(practitioner_client, item, django_capture_on_commit_callbacks, email="jo.bloggs+2@trust.example")
    assert "You have already asked someone with this email address" in again.content.decode()
    assert EvidenceConfirmation.objects.count() == 1


def test_the_confirmer_sees_exactly_the_item_and_its_files_and_confirms_once(
    practitioner_client, item, django_capture_on_commit_callbacks
):
    client = Client()  # the confirmer's own browser, signed in to nothing
    ask(practitioner_client, item, django_capture_on_commit_callbacks)
    link = path_of(emailed_link())
    other = EvidenceFactory(owner=item.owner, title="Someone else's secret")
    secret = EvidenceAttachment(evidence=other, original_name="secret.txt", content_type="text/plain", size=6)
    secret.file.save("secret.txt", ContentFile(b"secret"), save=False)
    secret.save()

    page = client.get(link)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Led the sepsis audit" in html and "I led the audit." in html and "audit.txt" in html
    assert "Someone else" not in html
    file_link = re.search(r'href="(/confirm/[^"]+/files/[^"]+/)"', html).group(1)
    download = client.get(file_link)
    assert b"".join(download.streaming_content) == b"audit"
    assert download["Content-Disposition"].startswith("attachment")
    assert client.get(f"{link}files/{secret.pk}/").status_code == 404

    missing = client.post(link, {"decision": "decline", "responder_role": "Ward manager", "comment": ""})
    assert "Enter why you cannot confirm this evidence" in missing.content.decode()

    done = client.post(link, {"decision": "confirm", "responder_role": "Matron", "comment": "I was there."})
    assert "Reply sent" in done.content.decode()
    confirmation = EvidenceConfirmation.objects.get()
    assert (confirmation.status, confirmation.responder_role, confirmation.comment) == (
        ConfirmationStatus.CONFIRMED, "Matron", "I was there.")

    again = client.get(link)
    assert again.status_code == 410 and "You have already replied" in again.content.decode()
    assert client.get(file_link).status_code == 410
    today = timezone.localdate()
    expected = f"by Jo Bloggs, Matron, on {today.day} {today:%B} {today.year}"
    assert expected in practitioner_client.get(detail_url(item)).content.decode()
    assert expected in practitioner_client.get(LIST_URL).content.decode()


def test_links_that_cannot_be_used_say_why(practitioner_client, item, django_capture_on_commit_callbacks):
    client = Client()
    ask(practitioner_client, item, django_capture_on_commit_callbacks)
    link = path_of(emailed_link())
    confirmation = EvidenceConfirmation.objects.get()

    assert client.get(link[:-5] + "abcd/").status_code == 404
    assert "This link is not valid" in client.get("/confirm/not-a-token/").content.decode()

    EvidenceConfirmation.objects.filter(pk=confirmation.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    expired = client.get(link)
    assert expired.status_code == 410 and "This link has expired" in expired.content.decode()
    EvidenceConfirmation.objects.filter(pk=confirmation.pk).update(expires_at=timezone.now() + datetime.timedelta(1))

    practitioner_client.post(reverse("portfolios:confirmation_withdraw",
                                     kwargs={"pk": item.pk, "confirmation_pk": confirmation.pk}))
    withdrawn = client.post(link, {"decision": "confirm", "responder_role": "Matron"})
    assert withdrawn.status_code == 410 and "This request has been withdrawn" in withdrawn.content.decode()
    assert EvidenceConfirmation.objects.get().status == ConfirmationStatus.WITHDRAWN


def test_too_many_attempts_from_one_address_are_paused(client, settings, item):
    cache.clear()  # a fresh count for this address
    settings.EVIDENCE_CONFIRMATION_RATE_LIMIT = 3
    statuses = [client.get(f"/confirm/{'x' * 43}/").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_a_reminder_resends_the_same_link_once_a_day(
    practitioner_client, item, django_capture_on_commit_callbacks
):
    ask(practitioner_client, item, django_capture_on_commit_callbacks)
    first = emailed_link()
    confirmation = EvidenceConfirmation.objects.get()
    remind_url = reverse("portfolios:confirmation_remind", kwargs={"pk": item.pk, "confirmation_pk": confirmation.pk})
    with django_capture_on_commit_callbacks(execute=True):
        too_soon = practitioner_client.post(remind_url, follow=True)
    assert "You can send Jo Bloggs a reminder once a day" in too_soon.content.decode()
    assert len(mail.outbox) == 1
    EvidenceConfirmation.objects.filter(pk=confirmation.pk).update(
        requested_at=timezone.now() - datetime.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        practitioner_client.post(remind_url)
    assert len(mail.outbox) == 2
    assert mail.outbox[-1].subject.startswith("Reminder:")
    assert emailed_link() == first


def test_changing_confirmed_evidence_keeps_the_confirmed_version(
    practitioner_client, item, django_capture_on_commit_callbacks
):
    client = Client()
    ask(practitioner_client, item, django_capture_on_commit_callbacks)
    link = path_of(emailed_link())
    client.post(link, {"decision": "confirm", "responder_role": "Ward manager", "comment": ""})

    response = practitioner_client.post(edit_url(item), evidence_post(title="Led the sepsis audit (revised)"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Led the sepsis audit" and not item.is_current  # the confirmed version, unchanged
    newer = item.__class__.objects.get(previous_version=item)
    assert newer.title == "Led the sepsis audit (revised)"
    assert "Changed since confirmed" in practitioner_client.get(detail_url(newer)).content.decode()
    old_page = practitioner_client.get(detail_url(item)).content.decode()
    assert "Confirmed</strong> by Jo Bloggs, Ward manager" in old_page
    assert EvidenceConfirmation.objects.get().current_evidence == newer


def test_the_review_page_and_the_pdf_say_who_confirmed_it(
    practitioner, appraiser, item, django_capture_on_commit_callbacks, practitioner_client
):
    client = Client()
    ask(practitioner_client, item, django_capture_on_commit_callbacks)
    client.post(path_of(emailed_link()), {"decision": "confirm", "responder_role": "Ward manager", "comment": ""})
    assessment = AssessmentFactory(practitioner=practitioner, status=AssessmentStatus.IN_REVIEW)
    AssessmentEvidence.objects.create(assessment=assessment, evidence=item)

    signed_in(client, appraiser)
    review = every_pillar_page(client, assessment)
    assert "Confirmed by Jo Bloggs, Ward manager, on" in review
    pdf = client.get(reverse("reports:assessment_report", kwargs={"pk": assessment.pk}))
    content = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Confirmed by Jo Bloggs, Ward manager, on" in text


def test_asking_is_the_owners_alone(client, appraiser, item, django_capture_on_commit_callbacks):
    signed_in(client, appraiser)
    assert ask(client, item, django_capture_on_commit_callbacks).status_code in (403, 404)
    assert not EvidenceConfirmation.objects.exists()


def test_a_service_level_answer_cannot_be_given_twice(practitioner_client, item, django_capture_on_commit_callbacks):
    ask(practitioner_client, item, django_capture_on_commit_callbacks)
    token = emailed_link().rstrip("/").rsplit("/", 1)[1]
    confirmations.respond(token=token, confirmed=True, responder_role="Matron", comment="")
    with pytest.raises(confirmations.LinkUnusable):
        confirmations.respond(token=token, confirmed=False, responder_role="Matron", comment="Changed my mind")
    assert EvidenceConfirmation.objects.get().status == ConfirmationStatus.CONFIRMED
