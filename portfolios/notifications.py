"""Emails sent when an assessment moves through review. Sent after the move
has been committed, so nobody is told about a change that did not happen."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from portfolios import access

# Which moves notify whom, and with which template.
MESSAGES = {
    "submit": ("appraisers", "submitted", "{name} has submitted a self-assessment for review"),
    "resubmit": ("appraisers", "submitted", "{name} has submitted a self-assessment for review again"),
    "return": ("practitioner", "returned", "Your self-assessment has been returned to you"),
    "appraiser_sign_off": ("practitioner", "sign_off_requested", "Your appraiser has signed off: please sign off too"),
    "practitioner_sign_off": ("both", "signed_off", "Self-assessment signed off: {title}"),
}


def _recipients(assessment, who: str) -> list[str]:
    # Only those who may review it now (portfolios.access): a deactivated
    # appraiser, or one of an organisation the practitioner has left, is not told.
    appraisers = list(access.reviewers(assessment).order_by("email").values_list("email", flat=True))
    if who == "appraisers":
        return appraisers
    if who == "practitioner":
        return [assessment.practitioner.email]
    return [assessment.practitioner.email, *appraisers]


def after_move(*, assessment, name: str, request=None) -> None:
    if name not in MESSAGES:
        return
    who, template, subject = MESSAGES[name]
    path = reverse("portfolios:assessment_summary", kwargs={"pk": assessment.pk})
    if who == "appraisers":
        path = reverse("portfolios:review", kwargs={"pk": assessment.pk})
    link = request.build_absolute_uri(path) if request is not None else path
    context = {
        "assessment": assessment,
        "practitioner": assessment.practitioner,
        "link": link,
        "comment": assessment.transitions.order_by("-created_at").values_list("comment", flat=True).first() or "",
        "service_name": settings.SERVICE_NAME,
    }
    recipients = _recipients(assessment, who)
    subject = subject.format(name=assessment.practitioner.full_name, title=assessment.title)

    def send():
        for recipient in recipients:
            message = EmailMultiAlternatives(
                subject=subject,
                body=render_to_string(f"emails/{template}.txt", context),
                to=[recipient],
            )
            message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
            message.send()

    transaction.on_commit(send)


def send_confirmation_request(*, confirmation, token: str, request=None, reminder: bool = False) -> None:
    """The email asking someone to confirm an evidence item: their own link,
    and nothing of the item beyond its title (the link shows the rest)."""
    path = reverse("evidence_confirm", kwargs={"token": token})
    link = request.build_absolute_uri(path) if request is not None else f"{settings.SITE_URL}{path}"
    practitioner = confirmation.evidence.owner
    context = {
        "confirmation": confirmation, "practitioner": practitioner, "title": confirmation.evidence.title,
        "link": link, "reminder": reminder, "service_name": settings.SERVICE_NAME,
    }
    subject = f"{practitioner.full_name} has asked you to confirm their evidence"
    message = EmailMultiAlternatives(
        subject=f"Reminder: {subject}" if reminder else subject,
        body=render_to_string("emails/confirmation_request.txt", context), to=[confirmation.email],
    )
    message.attach_alternative(render_to_string("emails/confirmation_request.html", context), "text/html")
    message.send()
