"""Demo assessments and evidence for `manage.py seed_demo`. Deterministic
(seeded by the practitioner's email) so repeated runs give the same
portfolio, and skipped for anyone who already has evidence."""

import datetime
import random
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import CareerStage
from capability.models import Capability, Framework
from impact.models import ImpactStatement
from portfolios import services
from portfolios.models import (
    Assessment,
    AssessmentEvidence,
    AssessmentStatus,
    Beneficiary,
    EvidenceAttachment,
    EvidenceCapabilityLink,
    EvidenceImpactLink,
    EvidenceItem,
    EvidenceType,
)

ACTIVITIES = [
    ("Audit of {topic} across the division", EvidenceType.AUDIT_DATA),
    ("Redesign of the {topic} pathway with primary care", EvidenceType.OTHER),
    ("Service user feedback on {topic}", EvidenceType.FEEDBACK),
    ("Reflective account: a complex decision about {topic}", EvidenceType.REFLECTIVE_ACCOUNT),
    ("Conference presentation on {topic}", EvidenceType.PUBLICATION),
    ("Trust policy on {topic}", EvidenceType.POLICY),
    ("Teaching programme on {topic} for advanced practitioners", EvidenceType.COURSE),
    ("Peer-reviewed paper on {topic}", EvidenceType.PUBLICATION),
    ("360-degree feedback after leading the {topic} review", EvidenceType.FEEDBACK),
    ("Quality improvement project: {topic}", EvidenceType.AUDIT_DATA),
    ("Regional network meeting on {topic}", EvidenceType.OTHER),
    ("Mentoring a trainee consultant in {topic}", EvidenceType.REFLECTIVE_ACCOUNT),
]
TOPICS = [
    "falls prevention", "sepsis recognition", "frailty", "medicines optimisation", "pressure ulcer prevention",
    "early supported discharge", "anticoagulation", "respiratory rehabilitation", "dysphagia screening",
    "perinatal mental health", "deprescribing in care homes", "point-of-care testing", "virtual wards",
    "acute kidney injury", "stroke thrombolysis", "chronic pain", "heart failure follow-up", "delirium",
]
REFLECTIONS = [
    "I {verb} this across the {scope}. The clearest example this year was the work on {topic}, where I "
    "brought service users, commissioners and colleagues together to agree what needed to change.\n\n"
    "Next year I want to {next}.",
    "This is an area I am still developing. I have {verb} this within my own team, for example in our work on "
    "{topic}, but not yet across the wider system.\n\nI have asked my appraiser for an opportunity to {next}.",
]
VERBS = ["led", "supported", "developed", "championed", "co-ordinated"]
SCOPES = ["trust", "integrated care system", "regional network", "division"]
NEXTS = [
    "share the approach with the regional network",
    "publish our evaluation",
    "mentor a colleague to lead the next phase",
    "secure funding for a formal evaluation",
]


def minimal_pdf(title: str) -> bytes:
    """A small, valid one-page PDF, so demo attachments open in any reader."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")[:80]
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _attachment(item: EvidenceItem, rng: random.Random) -> EvidenceAttachment:
    if rng.random() < 0.7:
        name, content_type, data = f"{item.title[:60]}.pdf", "application/pdf", minimal_pdf(item.title)
    else:
        rows = "month,measure\n" + "".join(f"2026-{m:02d},{rng.randint(40, 99)}\n" for m in range(1, 7))
        name, content_type, data = f"{item.title[:60]} data.csv", "text/csv", rows.encode()
    name = name.replace("/", "-").replace(":", " -")
    attachment = EvidenceAttachment(evidence=item, original_name=name, content_type=content_type, size=len(data))
    attachment.file.save(name, ContentFile(data), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def seed_portfolio(practitioner, *, index: int) -> None:
    if EvidenceItem.objects.filter(owner=practitioner).exists():
        return
    rng = random.Random(practitioner.email)
    framework = Framework.objects.current().get()
    capabilities = list(Capability.objects.filter(framework=framework).order_by("number"))
    statements = list(ImpactStatement.objects.filter(pillar__framework=framework))
    practitioner.career_stage = list(CareerStage.values)[index % len(CareerStage.values)]
    practitioner.save(update_fields=["career_stage"])

    items = []
    for n in range(rng.randint(10, 30)):
        pattern, evidence_type = ACTIVITIES[n % len(ACTIVITIES)]
        topic = TOPICS[(n * 7 + index) % len(TOPICS)]
        item = EvidenceItem.objects.create(
            owner=practitioner,
            title=pattern.format(topic=topic)[:150] + (f" ({n // len(ACTIVITIES) + 1})" if n >= len(ACTIVITIES) else ""),
            evidence_type=evidence_type,
            activity_date=datetime.date(2025, 4, 1) + datetime.timedelta(days=rng.randint(0, 540)),
            description=f"What I did: {pattern.format(topic=topic).lower()}, working with colleagues across the "
            f"{rng.choice(SCOPES)}.",
            impact=rng.choice(["", f"Fewer incidents related to {topic} over six months, and staff report more "
                                   "confidence in the new approach."]),
            beneficiaries=rng.sample(list(Beneficiary.values), rng.randint(1, 3)),
            link=rng.choice(["", "https://www.example.org/reports/" + uuid.UUID(int=rng.getrandbits(128)).hex[:8]]),
        )
        if rng.random() < 0.3:
            item.confirmed_by_name = rng.choice(["Dr Sam Rivers", "Jo Whitfield", "Prof. Amir Haddad"])
            item.confirmed_by_role = "Clinical director"
            item.confirmed_by_email = "confirmer@example.org"
            item.confirmed_on = item.activity_date + datetime.timedelta(days=14)
            item.save()
        chosen = rng.sample(capabilities, rng.randint(1, 3))
        EvidenceCapabilityLink.objects.bulk_create(
            EvidenceCapabilityLink(evidence=item, capability=c, justification=rng.choice(["", f"Shows {c.number}.1 in practice"]))
            for c in chosen
        )
        if rng.random() < 0.5:
            EvidenceImpactLink.objects.create(evidence=item, impact_statement=rng.choice(statements))
        if rng.random() < 0.6:
            _attachment(item, rng)
        items.append(item)

    submitted_year = index % 2 == 0
    assessment = services.start_assessment(
        practitioner=practitioner,
        title="Annual self-assessment 2025 to 2026" if submitted_year else "Annual self-assessment 2026 to 2027",
        period_start=datetime.date(2025, 4, 1) if submitted_year else datetime.date(2026, 4, 1),
        period_end=datetime.date(2026, 3, 31) if submitted_year else datetime.date(2027, 3, 31),
        framework=framework,
    )
    levels = list(assessment.rating_scale.levels.order_by("value"))
    ratings = list(assessment.ratings.select_related("capability"))
    rate_upto = len(ratings) if submitted_year else rng.randint(4, len(ratings) - 2)
    for rating in ratings[:rate_upto]:
        rating.level = rng.choice(levels[1:]) if rng.random() < 0.8 else levels[0]
        rating.reflection = rng.choice(REFLECTIONS).format(
            verb=rng.choice(VERBS), scope=rng.choice(SCOPES), topic=rng.choice(TOPICS), next=rng.choice(NEXTS)
        )
        rating.development_priority = rating.level.value <= 2
        rating.updated_at = timezone.now()
    type(ratings[0]).objects.bulk_update(ratings, ["level", "reflection", "development_priority", "updated_at"])
    AssessmentEvidence.objects.bulk_create(AssessmentEvidence(assessment=assessment, evidence=i) for i in items)
    if submitted_year:
        Assessment.objects.filter(pk=assessment.pk).update(
            status=AssessmentStatus.SUBMITTED, submitted_at=timezone.now(), version=assessment.version + 1
        )
