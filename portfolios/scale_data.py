"""Data at national size, for load tests and benchmarks:

    python manage.py seed_demo --organisations 50 --practitioners-per-org 100 --evidence-per-practitioner 40

Each organisation gets an admin, one appraiser per ten practitioners (each
practitioner assigned to one), and practitioners each with a portfolio of
evidence mapped to capabilities and impact statements and one assessment of
the current year with every capability rated and the evidence included. A
third of the assessments have been reviewed and signed off (appraiser
ratings, summary, transitions); the rest are spread over the earlier states.

Rows are written with bulk_create in batches (history rows too, through
simple-history's bulk helpers), one transaction per organisation, so a run
can be stopped and resumed: organisations already present are skipped.
Every account shares the demo password, hashed once.
"""

import datetime
import random
import time
import uuid
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.demo import DEMO_PASSWORD
from accounts.models import (
    AppraiserAssignment,
    CareerStage,
    Membership,
    Organisation,
    Profession,
    Role,
    User,
)
from capability.models import Capability, Framework, RatingScale
from impact.models import ImpactStatement
from portfolios.demo import ACTIVITIES, NEXTS, SCOPES, TOPICS, VERBS
from portfolios.evidence_numbers import reserve_numbers
from portfolios.models import (
    AppraiserRating,
    Assessment,
    AssessmentEvidence,
    AssessmentTransition,
    Beneficiary,
    CapabilityRating,
    EvidenceCapabilityLink,
    EvidenceImpactLink,
    EvidenceItem,
)
from portfolios.models import (
    AssessmentStatus as S,
)

BATCH = 5_000
PRACTITIONERS_PER_APPRAISER = 10
# The path each unreviewed assessment took, in turn; every third one is signed off.
UNREVIEWED = [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.RETURNED, S.AWAITING_SIGN_OFF]
MOVES = {
    S.SUBMITTED: [(S.DRAFT, S.SUBMITTED)],
    S.IN_REVIEW: [(S.DRAFT, S.SUBMITTED), (S.SUBMITTED, S.IN_REVIEW)],
    S.RETURNED: [(S.DRAFT, S.SUBMITTED), (S.SUBMITTED, S.IN_REVIEW), (S.IN_REVIEW, S.RETURNED)],
    S.AWAITING_SIGN_OFF: [(S.DRAFT, S.SUBMITTED), (S.SUBMITTED, S.IN_REVIEW), (S.IN_REVIEW, S.AWAITING_SIGN_OFF)],
    S.LOCKED: [(S.DRAFT, S.SUBMITTED), (S.SUBMITTED, S.IN_REVIEW), (S.IN_REVIEW, S.AWAITING_SIGN_OFF),
               (S.AWAITING_SIGN_OFF, S.SIGNED_OFF), (S.SIGNED_OFF, S.LOCKED)],
}


def ods_code(number: int) -> str:
    return f"L{number:04d}"


def _world() -> dict:
    framework = Framework.objects.current().get()
    world = {
        "framework": framework,
        "scale": RatingScale.objects.get(framework=framework, is_default=True),
        "capabilities": list(Capability.objects.filter(framework=framework).order_by("number")),
        "statements": list(ImpactStatement.objects.filter(pillar__framework=framework)),
        "password": make_password(DEMO_PASSWORD),
    }
    world["levels"] = list(world["scale"].levels.order_by("value"))
    return world


def generate(
    *, organisations: int, practitioners_per_org: int, evidence_per_practitioner: int,
    report: Callable[[str], None] = print, first: int = 1,
) -> dict:
    """Create what is missing of organisations ``first`` to ``first + N - 1``
    (ODS codes L0001…); return counts and time."""
    started = time.perf_counter()
    world = _world()
    made = {"organisations": 0, "practitioners": 0, "evidence": 0}
    last = first + organisations - 1
    for number in range(first, last + 1):
        if Organisation.objects.filter(ods_code=ods_code(number)).exists():
            continue
        counts = _organisation(number, practitioners_per_org, evidence_per_practitioner, world)
        made["organisations"] += 1
        made["practitioners"] += counts["practitioners"]
        made["evidence"] += counts["evidence"]
        elapsed = time.perf_counter() - started
        report(
            f"Organisation {number} of {last}: {made['practitioners']} practitioners, "
            f"{made['evidence']} evidence items so far, {elapsed:.0f} s"
        )
    made["seconds"] = round(time.perf_counter() - started, 1)
    return made


# Not one transaction: the audit chain's trigger holds a lock per audited
# record until its transaction ends (core/audit.py), and an organisation at
# national size writes tens of thousands, more than PostgreSQL's lock table
# holds. Each batch commits on its own instead (_bulk); a seed that fails
# half way is thrown away with its database.
def _organisation(number: int, practitioners: int, evidence_each: int, world: dict) -> dict:
    rng = random.Random(number)
    now = timezone.now()
    organisation = Organisation.objects.create(name=f"Load Test NHS Trust {number}", ods_code=ods_code(number))
    domain = f"load{number}.example"
    appraiser_count = max(1, -(-practitioners // PRACTITIONERS_PER_APPRAISER))

    def user(email, name, **fields):
        return User(email=email, full_name=name, password=world["password"], **fields)

    admin = user(f"admin@{domain}", f"Admin {number}")
    appraisers = [user(f"appraiser{i}@{domain}", f"Appraiser {number}-{i}") for i in range(appraiser_count)]
    people = [
        user(f"practitioner{i}@{domain}", f"Practitioner {number}-{i}",
             profession=rng.choice(Profession.values), career_stage=rng.choice(CareerStage.values))
        for i in range(practitioners)
    ]
    User.objects.bulk_create([admin, *appraisers, *people], batch_size=BATCH)
    _bulk(
        [Membership(organisation=organisation, user=admin, role=Role.ORGANISATION_ADMIN)]
        + [Membership(organisation=organisation, user=a, role=Role.APPRAISER) for a in appraisers]
        + [Membership(organisation=organisation, user=p, role=Role.PRACTITIONER) for p in people],
        Membership, batch_size=BATCH,
    )
    appraiser_of = {p.pk: appraisers[i // PRACTITIONERS_PER_APPRAISER] for i, p in enumerate(people)}
    _bulk(
        [AppraiserAssignment(organisation=organisation, practitioner=p, appraiser=appraiser_of[p.pk]) for p in people],
        AppraiserAssignment, batch_size=BATCH,
    )

    states = [S.LOCKED if i % 3 == 0 else UNREVIEWED[(i // 3) % len(UNREVIEWED)] for i in range(practitioners)]
    assessments = [
        Assessment(
            id=uuid.uuid4(), practitioner=p, organisation=organisation, framework=world["framework"],
            rating_scale=world["scale"], title="Annual self-assessment 2026 to 2027",
            period_start=datetime.date(2026, 4, 1), period_end=datetime.date(2027, 3, 31), status=state,
            submitted_at=now if state != S.DRAFT else None,
            appraiser_summary="A strong year with impact across the system." if state == S.LOCKED else "",
            appraiser_signed_by=appraiser_of[p.pk] if state in (S.LOCKED, S.AWAITING_SIGN_OFF) else None,
            appraiser_signed_at=now if state in (S.LOCKED, S.AWAITING_SIGN_OFF) else None,
            practitioner_signed_at=now if state == S.LOCKED else None,
        )
        for p, state in zip(people, states)
    ]
    _bulk(assessments, Assessment, batch_size=BATCH)

    levels, capabilities = world["levels"], world["capabilities"]
    ratings, appraiser_ratings, transitions = [], [], []
    for assessment in assessments:
        for capability in capabilities:
            level = rng.choice(levels)
            ratings.append(CapabilityRating(
                assessment=assessment, capability=capability, level=level,
                reflection=f"I {rng.choice(VERBS)} this across the {rng.choice(SCOPES)}, for example in our work on "
                           f"{rng.choice(TOPICS)}.\n\nNext year I want to {rng.choice(NEXTS)}.",
                development_priority=level.value <= 2,
            ))
            if assessment.status in (S.LOCKED, S.AWAITING_SIGN_OFF):
                appraiser_ratings.append(AppraiserRating(
                    assessment=assessment, capability=capability, appraiser=appraiser_of[assessment.practitioner_id],
                    level=rng.choice(levels), comment="Agreed, with clear examples in the evidence.",
                ))
        for before, after in MOVES.get(assessment.status, []):
            actor = assessment.practitioner if before in (S.DRAFT, S.AWAITING_SIGN_OFF) else (
                None if after == S.LOCKED else appraiser_of[assessment.practitioner_id])
            transitions.append(AssessmentTransition(assessment=assessment, from_status=before, to_status=after,
                                                    actor=actor))
    _bulk(ratings, CapabilityRating, batch_size=BATCH)
    _bulk(appraiser_ratings, AppraiserRating, batch_size=BATCH)
    AssessmentTransition.objects.bulk_create(transitions, batch_size=BATCH)

    evidence_count = _evidence(people, assessments, evidence_each, world, rng)
    return {"practitioners": practitioners, "evidence": evidence_count}


def add_evidence(*, practitioner, count: int) -> int:
    """More evidence for one generated practitioner, included in their
    assessment: for a portfolio far bigger than the rest."""
    assessment = Assessment.objects.filter(practitioner=practitioner).latest_first().first()
    start = EvidenceItem.objects.filter(owner=practitioner).count()
    return _evidence([practitioner], [assessment], count, _world(), random.Random(practitioner.email), start=start)


def _bulk(objects, model, batch_size=BATCH):
    """bulk_create_with_history, each batch in a transaction of its own."""
    objects = list(objects)
    for start in range(0, len(objects), batch_size):
        with transaction.atomic():
            bulk_create_with_history(objects[start:start + batch_size], model, batch_size=batch_size)


def _evidence(people, assessments, evidence_each: int, world: dict, rng: random.Random, start: int = 0) -> int:
    capabilities, statements = world["capabilities"], world["statements"]
    assessment_of = {a.practitioner_id: a for a in assessments}
    items = []
    for index, person in enumerate(people):
        numbers = iter(reserve_numbers(person.pk, evidence_each))
        for n in range(start, start + evidence_each):
            pattern, evidence_type = ACTIVITIES[n % len(ACTIVITIES)]
            topic = TOPICS[(n * 7 + index) % len(TOPICS)]
            items.append(EvidenceItem(
                id=uuid.uuid4(), owner=person, number=next(numbers), title=f"{pattern.format(topic=topic)} ({n + 1})"[:150],
                evidence_type=evidence_type,
                activity_date=datetime.date(2026, 4, 1) + datetime.timedelta(days=rng.randint(0, 330)),
                description=f"What I did: {pattern.format(topic=topic).lower()}, working with colleagues across the "
                            f"{rng.choice(SCOPES)}.",
                impact=rng.choice(["", f"Fewer incidents related to {topic} over six months."]),
                beneficiaries=rng.sample(list(Beneficiary.values), rng.randint(1, 3)),
            ))
    EvidenceItem.objects.bulk_create(items, batch_size=BATCH)
    capability_links, impact_links, included = [], [], []
    for item in items:
        for capability in rng.sample(capabilities, rng.randint(1, 3)):
            capability_links.append(EvidenceCapabilityLink(evidence=item, owner_id=item.owner_id, capability=capability))
        if rng.random() < 0.5:
            impact_links.append(EvidenceImpactLink(evidence=item, impact_statement=rng.choice(statements)))
        included.append(AssessmentEvidence(assessment=assessment_of[item.owner_id], evidence=item))
    _bulk(capability_links, EvidenceCapabilityLink, batch_size=BATCH)
    _bulk(impact_links, EvidenceImpactLink, batch_size=BATCH)
    _bulk(included, AssessmentEvidence, batch_size=BATCH)
    return len(items)
