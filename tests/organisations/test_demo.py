import json

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from portfolios import files
from portfolios.models import Assessment, AssessmentStatus, EvidenceAttachment, EvidenceItem

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_every_practitioner_a_portfolio_and_an_assessment(framework, private_storage, capsys):
    call_command("seed_demo", "--json")
    accounts = json.loads(capsys.readouterr().out)
    practitioners = [a["email"] for a in accounts if "practitioner" in a["roles"]]
    for email in practitioners:
        count = EvidenceItem.objects.filter(owner__email=email).count()
        assert 10 <= count <= 30, (email, count)
        assert Assessment.objects.filter(practitioner__email=email).exists()
        assert all(item.capability_links.exists() for item in EvidenceItem.objects.filter(owner__email=email))
    statuses = set(Assessment.objects.values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "in_review", "returned", "awaiting_sign_off", "locked"}
    for assessment in Assessment.objects.exclude(status=AssessmentStatus.DRAFT):
        assert not assessment.ratings.filter(level__isnull=True).exists()
        assert assessment.transitions.exists()
    for assessment in Assessment.objects.filter(status__in=["awaiting_sign_off", "locked"]):
        assert assessment.appraiser_summary and assessment.objectives.count() == 2
        assert assessment.appraiser_ratings.filter(level__isnull=False).count() == 16

    # Running again adds nothing.
    before = (EvidenceItem.objects.count(), EvidenceAttachment.objects.count(), Assessment.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (EvidenceItem.objects.count(), EvidenceAttachment.objects.count(), Assessment.objects.count()) == before


def test_demo_attachments_pass_the_upload_checks(framework, private_storage):
    call_command("seed_demo", verbosity=0)
    attachments = list(EvidenceAttachment.objects.all()[:20])
    assert attachments
    for attachment in attachments:
        with default_storage.open(attachment.file.name) as handle:
            handle.name = attachment.original_name
            handle.size = attachment.size
            name, kind = files.check_upload(handle)
        assert kind.content_type == attachment.content_type
        assert attachment.file.name != attachment.original_name


def test_seed_demo_gives_a_practitioner_a_closed_360_round_with_a_report(framework, private_storage):
    from feedback.models import FeedbackResponse, FeedbackRound, RoundStatus
    from feedback.report import build_report

    call_command("seed_demo", verbosity=0)
    feedback_round = FeedbackRound.objects.get()
    assert feedback_round.status == RoundStatus.CLOSED
    assert FeedbackResponse.objects.filter(round=feedback_round).count() == 11
    report = build_report(feedback_round)
    assert report.withheld == 0 and report.comments_shown
    assert [column.label for column in report.columns] == [
        "Line manager: Dr Priya Natarajan", "Peer", "Direct report", "Other raters",
    ]
    assert len(report.capability_rows) == 16
    call_command("seed_demo", verbosity=0)
    assert FeedbackRound.objects.count() == 1
