"""Demo assessments and evidence for `manage.py seed_demo`. Deterministic
(seeded by the practitioner's email) so repeated runs give the same
portfolio, and skipped for anyone who already has evidence."""

import datetime
import random
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import AppraiserAssignment, CareerStage
from capability.models import Capability, Framework
from impact.models import ImpactStatement
from portfolios import review_services, services, workflow
from portfolios.evidence_numbers import next_number
from portfolios.models import (
    AssessmentEvidence,
    Beneficiary,
    CapabilityRating,
    EvidenceAttachment,
    EvidenceCapabilityLink,
    EvidenceImpactLink,
    EvidenceItem,
    EvidenceType,
    ObjectiveStatus,
)
from portfolios.models import (
    AssessmentStatus as S,
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
def seed_portfolio(practitioner, *, index: int, before_review=None) -> None:
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
            number=next_number(practitioner.pk),
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
            EvidenceCapabilityLink(evidence=item, owner_id=item.owner_id, capability=c, justification=rng.choice(["", f"Shows {c.number}.1 in practice"]))
            for c in chosen
        )
        if rng.random() < 0.5:
            EvidenceImpactLink.objects.create(evidence=item, impact_statement=rng.choice(statements))
        if rng.random() < 0.6:
            _attachment(item, rng)
        items.append(item)

    appraiser = (
        AppraiserAssignment.objects.filter(practitioner=practitioner).select_related("appraiser")
        .order_by("appraiser__email").first()
    )
    target = DEMO_STATES[index % len(DEMO_STATES)]
    if index == 0 and appraiser is not None:
        # One practitioner has a full year behind them: a locked assessment
        # whose plan has been reviewed, then the cycle after it.
        earlier = _assessment(practitioner, framework, items, rng, year=2024, rate_all=True)
        _advance(earlier, appraiser.appraiser, S.LOCKED, rng, plan=True)
        for objective in earlier.objectives.all():
            review_services.set_objective_status(
                objective=objective, status=rng.choice(ObjectiveStatus.values), note="Reviewed at the next appraisal",
                user=practitioner,
            )
    if target == S.DRAFT or appraiser is None:
        _assessment(practitioner, framework, items, rng, year=2026, rate_all=False)
        return
    assessment = _assessment(practitioner, framework, items, rng, year=2025, rate_all=True)
    if before_review is not None:
        # What an app above this one adds before the appraisal (the demo's
        # 360° feedback, from organisations' seed_demo).
        before_review(assessment)
    _advance(assessment, appraiser.appraiser, target, rng, plan=True)


# The state each demo practitioner's latest assessment is left in, in turn.
DEMO_STATES = [S.LOCKED, S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.RETURNED, S.AWAITING_SIGN_OFF, S.LOCKED, S.DRAFT,
               S.IN_REVIEW, S.SUBMITTED]
OBJECTIVES = [
    ("Lead a regional audit of {topic}", "Agree the audit standard with the network, then report to the ICS board."),
    ("Publish the evaluation of the {topic} service", "Write up with the university team and submit to a journal."),
    ("Mentor a colleague towards consultant practice", "Monthly mentoring; agree a development plan together."),
]


def _assessment(practitioner, framework, items, rng, *, year: int, rate_all: bool):
    assessment = services.start_assessment(
        practitioner=practitioner,
        title=f"Annual self-assessment {year} to {year + 1}",
        period_start=datetime.date(year, 4, 1),
        period_end=datetime.date(year + 1, 3, 31),
        framework=framework,
    )
    levels = list(assessment.rating_scale.levels.order_by("value"))
    ratings = list(assessment.ratings.select_related("capability"))
    rate_upto = len(ratings) if rate_all else rng.randint(4, len(ratings) - 2)
    for rating in ratings[:rate_upto]:
        rating.level = rng.choice(levels[1:]) if rng.random() < 0.8 else levels[0]
        rating.reflection = rng.choice(REFLECTIONS).format(
            verb=rng.choice(VERBS), scope=rng.choice(SCOPES), topic=rng.choice(TOPICS), next=rng.choice(NEXTS)
        )
        rating.development_priority = rating.level.value <= 2
        rating.updated_at = timezone.now()
    bulk_update_with_history(ratings, CapabilityRating, ["level", "reflection", "development_priority", "updated_at"],
                             default_user=practitioner)
    bulk_create_with_history(
        [AssessmentEvidence(assessment=assessment, evidence=item) for item in items], AssessmentEvidence,
        default_user=practitioner,
    )
    return assessment


def _advance(assessment, appraiser, target: str, rng, *, plan: bool) -> None:
    """Move an assessment through the real workflow to the target state."""
    practitioner = assessment.practitioner

    def move(name, actor_user, actor, **kwargs):
        workflow.apply(assessment=assessment, name=name, actor_user=actor_user, actor=actor, **kwargs)

    move("submit", practitioner, workflow.Actor.PRACTITIONER)
    if target == S.SUBMITTED:
        return
    move("start_review", appraiser, workflow.Actor.APPRAISER)
    levels = list(assessment.rating_scale.levels.order_by("value"))
    ratings = [
        review_services.AppraiserRatingInput(
            capability_id=rating.capability_id,
            level_id=rng.choice(levels[max(0, rating.level.value - 2):rating.level.value + 1]).pk,
            comment=rng.choice(["", "Agreed; strong examples in the evidence.", "Discussed: more system-level evidence would help."]),
        )
        for rating in assessment.ratings.select_related("level")
    ]
    if target == S.IN_REVIEW:
        review_services.save_review(assessment=assessment, appraiser=appraiser, ratings=ratings[:6], summary="")
        return
    if target == S.RETURNED:
        move("return", appraiser, workflow.Actor.APPRAISER,
             comment="Please add evidence for the consultancy pillar, and say more about capability 9.")
        return
    review_services.save_review(
        assessment=assessment, appraiser=appraiser, ratings=ratings,
        summary="A productive year with clear impact across the system. We agreed to focus next on research "
        "capacity and on sharing expertise regionally.",
    )
    if plan:
        capabilities = list(assessment.ratings.values_list("capability_id", flat=True))
        for text, actions in rng.sample(OBJECTIVES, 2):
            review_services.save_objective(
                assessment=assessment, appraiser=appraiser, objective=None,
                text=text.format(topic=rng.choice(TOPICS)), actions=actions, support="Protected time: half a day a month",
                target_date=assessment.period_end + datetime.timedelta(days=365),
                capability_ids=rng.sample(capabilities, 2),
            )
    move("appraiser_sign_off", appraiser, workflow.Actor.APPRAISER, declaration=True)
    if target == S.AWAITING_SIGN_OFF:
        return
    move("practitioner_sign_off", practitioner, workflow.Actor.PRACTITIONER, declaration=True)
