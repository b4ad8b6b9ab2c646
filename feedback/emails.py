"""Emails to 360° feedback raters: the invitation and reminders. Each holds
the rater's own link; nothing else about the round's raters."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse


def _absolute(path: str, request=None) -> str:
    return request.build_absolute_uri(path) if request is not None else f"{settings.SITE_URL}{path}"


def send_rater_emails(*, feedback_round, links, request=None, reminder: bool = False) -> None:
    """``links``: (invitation, token) pairs."""
    practitioner = feedback_round.assessment.practitioner
    subject = (
        f"Reminder: {practitioner.full_name} has asked for your feedback"
        if reminder else f"{practitioner.full_name} has asked for your feedback"
    )
    for invitation, token in links:
        context = {
            "invitation": invitation,
            "round": feedback_round,
            "practitioner": practitioner,
            "link": _absolute(reverse("feedback_respond", kwargs={"token": token}), request),
            "reminder": reminder,
            "service_name": settings.SERVICE_NAME,
        }
        message = EmailMultiAlternatives(
            subject=subject, body=render_to_string("emails/feedback_request.txt", context), to=[invitation.email]
        )
        message.attach_alternative(render_to_string("emails/feedback_request.html", context), "text/html")
        message.send()
