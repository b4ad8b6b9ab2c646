"""Data for the benchmarks: signed-off portfolios as an appraisal panel would
see them. Call after django.setup()."""

import datetime
import os

from django.core.management import call_command
from django.utils import timezone


def make_organisation():
    """A trust and an appraiser in it."""
    from accounts.models import Membership, Organisation, Role, User

    organisation = Organisation.objects.create(name="Benchmark Hospitals NHS Foundation Trust", ods_code="ZZB9")
    appraiser = User.objects.create_user("bench.appraiser@bench.example", full_name="Helen Benchmark")
    Membership.objects.create(user=appraiser, organisation=organisation, role=Role.APPRAISER)
    return organisation, appraiser


def make_portfolio(*, organisation=None, appraiser=None, number: int = 0, evidence_items: int = 200):
    """A signed-off assessment: 16 capabilities rated with reflections and
    appraiser comments, ``evidence_items`` items of evidence mapped to one to
    three capabilities each, impact links, attachments, a development plan and
    a full history. Without an organisation and appraiser, both are made.
    ``number`` keeps practitioners' emails apart."""
    from accounts.models import AppraiserAssignment, CareerStage, Membership, Profession, RegistrationBody, Role, User
    from capability.models import Capability, Framework
    from impact.models import ImpactStatement
    from portfolios import services
    from portfolios.evidence_numbers import reserve_numbers
    from portfolios.models import (
        AppraiserRating, Assessment, AssessmentEvidence, AssessmentStatus as S, AssessmentTransition,
        DevelopmentObjective, EvidenceAttachment, EvidenceCapabilityLink, EvidenceImpactLink, EvidenceItem,
    )

    if not Framework.objects.current().exists():
        call_command("load_framework", verbosity=0)
    if organisation is None:
        organisation, appraiser = make_organisation()
    practitioner = User.objects.create_user(
        f"bench.practitioner.{number}@bench.example", full_name=f"Aisha Benchmark {number}",
        profession=Profession.NURSE, registration_body=RegistrationBody.NMC, registration_number="01A2345B",
        career_stage=CareerStage.YEARS_1_3,
    )
    Membership.objects.create(user=practitioner, organisation=organisation, role=Role.PRACTITIONER)
    AppraiserAssignment.objects.create(organisation=organisation, practitioner=practitioner, appraiser=appraiser)

    assessment = services.start_assessment(
        practitioner=practitioner, title="Annual self-assessment 2025 to 2026",
        period_start=datetime.date(2025, 4, 1), period_end=datetime.date(2026, 3, 31),
    )
    levels = list(assessment.rating_scale.levels.order_by("value"))
    ratings = list(assessment.ratings.select_related("capability"))
    for index, rating in enumerate(ratings):
        rating.level = levels[index % len(levels)]
        rating.reflection = (
            "I led this across the integrated care system this year, bringing service users, commissioners and "
            "colleagues together to agree what needed to change and how we would know it had worked.\n\n"
            "Next year I want to share the approach with the regional network and publish our evaluation."
        )
        rating.development_priority = rating.level.value <= 2
    type(ratings[0]).objects.bulk_update(ratings, ["level", "reflection", "development_priority"])
    AppraiserRating.objects.bulk_create(
        AppraiserRating(assessment=assessment, capability=r.capability, appraiser=appraiser,
                        level=levels[(i + 1) % len(levels)], comment="Agreed; strong examples in the evidence.")
        for i, r in enumerate(ratings)
    )

    capabilities = list(Capability.objects.filter(framework=assessment.framework).order_by("number"))
    statements = list(ImpactStatement.objects.filter(pillar__framework=assessment.framework))
    numbers = reserve_numbers(practitioner.pk, evidence_items)
    items = EvidenceItem.objects.bulk_create(
        EvidenceItem(
            owner=practitioner, number=numbers[n], title=f"Quality improvement project {n}: falls prevention across the division",
            evidence_type="audit_data", activity_date=datetime.date(2025, 4, 1) + datetime.timedelta(days=n * 2),
            description="What I did: led an audit of falls across the division, working with colleagues across "
            "the trust and with service users to agree the standard.",
            impact="Fewer falls over six months, and staff report more confidence in the new approach."
            if n % 2 else "",
            beneficiaries=["service_users", "staff"], link=f"https://www.example.org/reports/{n:04d}",
            confirmed_by_name="Dr Sam Rivers" if n % 3 == 0 else "",
            confirmed_by_role="Clinical director" if n % 3 == 0 else "",
        )
        for n in range(evidence_items)
    )
    EvidenceCapabilityLink.objects.bulk_create(
        EvidenceCapabilityLink(evidence=item, owner_id=item.owner_id, capability=capabilities[(n + k * 5) % len(capabilities)],
                               justification="Shows the element in practice" if k == 0 else "")
        for n, item in enumerate(items) for k in range(1 + n % 3)
    )
    EvidenceImpactLink.objects.bulk_create(
        EvidenceImpactLink(evidence=item, impact_statement=statements[n % len(statements)],
                           justification="Changed practice across the division")
        for n, item in enumerate(items) if n % 2 == 0
    )
    EvidenceAttachment.objects.bulk_create(
        EvidenceAttachment(evidence=item, file=f"evidence/bench-{n}.pdf", original_name=f"audit-report-{n}.pdf",
                           content_type="application/pdf", size=120_000 + n)
        for n, item in enumerate(items) if n % 3 == 0
    )
    AssessmentEvidence.objects.bulk_create(AssessmentEvidence(assessment=assessment, evidence=item) for item in items)
    for n in range(3):
        objective = DevelopmentObjective.objects.create(
            assessment=assessment, objective=f"Lead a regional audit, part {n + 1}",
            actions="Agree the audit standard with the network, then report to the ICS board.",
            support="Protected time: half a day a month", target_date=datetime.date(2027, 3, 31), created_by=appraiser,
        )
        objective.capabilities.set(capabilities[n:n + 2])
    moves = [(S.DRAFT, S.SUBMITTED, practitioner), (S.SUBMITTED, S.IN_REVIEW, appraiser),
             (S.IN_REVIEW, S.AWAITING_SIGN_OFF, appraiser), (S.AWAITING_SIGN_OFF, S.SIGNED_OFF, practitioner),
             (S.SIGNED_OFF, S.LOCKED, None)]
    AssessmentTransition.objects.bulk_create(
        AssessmentTransition(assessment=assessment, from_status=a, to_status=b, actor=who) for a, b, who in moves
    )
    now = timezone.now()
    Assessment.objects.filter(pk=assessment.pk).update(
        status=S.LOCKED, appraiser_summary="A productive year with clear impact across the system.",
        appraiser_signed_by=appraiser, appraiser_signed_at=now, practitioner_signed_at=now, submitted_at=now,
    )
    assessment.refresh_from_db()
    return assessment


def random_pdf(size: int) -> bytes:
    """A valid one-page PDF of about ``size`` bytes: a page showing an RGB image of random (incompressible) pixels."""
    side = max(8, int((size / 3) ** 0.5))
    pixels = os.urandom(side * side * 3)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length %d >>\nstream\n" % (side, side, len(pixels)) + pixels + b"\nendstream",
    ]
    content = b"q 500 0 0 500 47 171 cm /Im0 Do Q"
    objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
