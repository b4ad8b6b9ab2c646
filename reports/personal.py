"""A person's own data, for the UK GDPR rights of access and to data
portability: one ZIP with everything the service holds about them and that
they put into it, as data.json (structured, machine-readable), every file
they attached under attachments/E<n>-<original name>, and README.txt
saying what is where.

data.json holds:
- their profile and their roles (memberships) in each organisation;
- who appraises them, and whom they appraise;
- every assessment of theirs: its ratings and reflections, the appraiser's
  ratings and comments, the appraiser's summary and sign-off, every move
  through the workflow and the development plan agreed at review;
- the reviews they gave as an appraiser: their ratings, comments, summaries
  and the moves they made;
- every evidence item of theirs, numbered E1 (oldest) onwards, with the
  capabilities and impact statements it is mapped to and why, and the
  details of each attached file.

The ZIP is written to a file one attachment at a time (the caller gives an
open temporary file), so memory does not grow with the size of the files.
The queries are fixed in number whatever the size of the portfolio.
"""

import json
import logging
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, Q
from django.utils import timezone

from accounts.models import AppraiserAssignment, Membership
from portfolios.models import (
    EvidenceConfirmation,
    AppraiserRating,
    Assessment,
    AssessmentEvidence,
    AssessmentTransition,
    Beneficiary,
    CapabilityRating,
    DevelopmentObjective,
    EvidenceAttachment,
    EvidenceCapabilityLink,
    EvidenceImpactLink,
    EvidenceItem,
    ObjectiveStatus,
)

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
README = """Your data from the Consultant capability portfolio
=================================================

Made on {made}, for {email}.

data.json
  Everything the service holds about you, in JSON: your profile and roles,
  your appraisers (and the practitioners you appraise), your assessments
  with your ratings and reflections, your appraisers' ratings, comments and
  summaries, every step of each review, your development plans, the reviews
  you gave as an appraiser, and your evidence with the capabilities and
  impact statements it is mapped to.

attachments/
  Every file you attached to your evidence, named E<number>-<the name you
  gave it> (E<number>-version-<n>-<name> for a later version of the item).
  The number is the evidence item's "reference" in data.json, and the
  number the service and your portfolio reports give the item.
"""


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"name": user.full_name, "email": user.email}


def _organisation(organisation) -> dict | None:
    if organisation is None:
        return None
    return {"name": organisation.name, "ods_code": organisation.ods_code}


def _level(level) -> dict | None:
    if level is None:
        return None
    return {"value": level.value, "label": level.label}


def _choice(value: str, choices) -> dict | None:
    if not value:
        return None
    return {"value": value, "label": dict(choices).get(value, value)}


def _transition(transition: AssessmentTransition) -> dict:
    return {
        "from": transition.get_from_status_display(),
        "to": transition.get_to_status_display(),
        "by": _person(transition.actor),
        "comment": transition.comment,
        "at": transition.created_at,
    }


def attachment_path(reference: str, original_name: str) -> str:
    """attachments/E3-Audit results.pdf. The original name was checked to be
    a plain file name when it was uploaded; it is made safe again here."""
    name = unicodedata.normalize("NFC", original_name or "file")
    name = "".join("_" if ch in "/\\" or unicodedata.category(ch).startswith("C") else ch for ch in name)
    name = name.strip().lstrip(".") or "file"
    return f"attachments/{reference}-{name}"


@dataclass
class _File:
    path: str
    attachment: EvidenceAttachment
    entry: dict


def _profile(user) -> dict:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "profession": _choice(user.profession, user._meta.get_field("profession").choices),
        "registration_body": _choice(user.registration_body, user._meta.get_field("registration_body").choices),
        "registration_number": user.registration_number,
        "career_stage": _choice(user.career_stage, user._meta.get_field("career_stage").choices),
        "is_active": user.is_active,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
    }


def _memberships(user) -> list[dict]:
    return [
        {
            "organisation": _organisation(m.organisation),
            "role": m.get_role_display(),
            "is_active": m.is_active,
            "since": m.created_at,
        }
        for m in Membership.objects.filter(user=user).select_related("organisation").order_by("created_at")
    ]


def _assignments(user) -> tuple[list[dict], list[dict]]:
    appraisers = [
        {"organisation": _organisation(a.organisation), "appraiser": _person(a.appraiser), "since": a.created_at}
        for a in AppraiserAssignment.objects.filter(practitioner=user)
        .select_related("organisation", "appraiser")
        .order_by("created_at")
    ]
    appraisees = [
        {"organisation": _organisation(a.organisation), "practitioner": _person(a.practitioner), "since": a.created_at}
        for a in AppraiserAssignment.objects.filter(appraiser=user)
        .select_related("organisation", "practitioner")
        .order_by("created_at")
    ]
    return appraisers, appraisees


def _evidence(user) -> tuple[list[dict], dict, list[_File]]:
    """The evidence items, oldest first and numbered; a map from item id to
    reference; and the files to put in the ZIP."""
    # Every version: an assessment submitted with an earlier version of an
    # item refers to that version.
    items = (
        EvidenceItem.objects.filter(owner=user)
        .select_related("framework_example")
        .prefetch_related(
            Prefetch(
                "capability_links",
                queryset=EvidenceCapabilityLink.objects.select_related("capability__pillar").order_by(
                    "capability__number"
                ),
            ),
            Prefetch(
                "impact_links",
                queryset=EvidenceImpactLink.objects.select_related("impact_statement__pillar").order_by(
                    "impact_statement__pillar__order", "impact_statement__order"
                ),
            ),
            Prefetch("attachments", queryset=EvidenceAttachment.objects.order_by("uploaded_at", "original_name")),
            Prefetch("confirmations", queryset=EvidenceConfirmation.objects.order_by("requested_at")),
        )
        .order_by("number", "version_number")
    )
    entries, references, files = [], {}, []
    beneficiaries = dict(Beneficiary.choices)
    for item in items:
        # Every version of an item has its number; the file names tell the
        # versions' files apart.
        reference = item.reference
        file_prefix = reference if item.version_number == 1 else f"{reference}-version-{item.version_number}"
        references[item.pk] = reference if item.version_number == 1 else f"{reference} version {item.version_number}"
        entry = {
            "reference": reference,
            "id": item.pk,
            "title": item.title,
            "version": item.version_number,
            "is_latest_version": item.is_current,
            "evidence_type": _choice(item.evidence_type, item._meta.get_field("evidence_type").choices),
            "framework_example": item.framework_example.text if item.framework_example_id else None,
            "activity_date": item.activity_date,
            "description": item.description,
            "what_changed": item.impact,
            "who_benefited": [beneficiaries.get(value, value) for value in item.beneficiaries],
            "web_link": item.link,
            "confirmed_by": {
                "name": item.confirmed_by_name,
                "role": item.confirmed_by_role,
                "email": item.confirmed_by_email,
                "date": item.confirmed_on,
            } if item.confirmed_by_name or item.confirmed_by_email or item.confirmed_on else None,
            # Requests to confirm this version, and the answers (confirmed evidence).
            "confirmation_requests": [
                {"name": c.name, "role": c.role, "email": c.email, "status": c.get_status_display(),
                 "asked_at": c.requested_at, "answered_at": c.responded_at, "their_role": c.responder_role,
                 "comment": c.comment}
                for c in item.confirmations.all()
            ],
            "created_at": item.created_at,
            "updated_at": item.updated_at,
            "capabilities": [
                {
                    "capability": link.capability.number,
                    "pillar": link.capability.pillar.name,
                    "statement": link.capability.statement,
                    "what_this_shows": link.justification,
                }
                for link in item.capability_links.all()
            ],
            "impact_statements": [
                {
                    "pillar": link.impact_statement.pillar.name,
                    "statement": link.impact_statement.text,
                    "what_this_shows": link.justification,
                }
                for link in item.impact_links.all()
            ],
            "attachments": [],
        }
        for attachment in item.attachments.all():
            path = attachment_path(file_prefix, attachment.original_name)
            file_entry = {
                "name": attachment.original_name,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "uploaded_at": attachment.uploaded_at,
                "path": path,
            }
            entry["attachments"].append(file_entry)
            files.append(_File(path=path, attachment=attachment, entry=file_entry))
        entries.append(entry)
    return entries, references, files


def _assessments(user, references: dict) -> list[dict]:
    assessments = list(
        Assessment.objects.for_practitioner(user)
        .select_related("organisation", "framework", "rating_scale", "appraiser_signed_by")
        .order_by("period_start", "created_at")
    )
    ids = [a.pk for a in assessments]
    ratings: dict = {}
    for rating in (
        CapabilityRating.objects.filter(assessment_id__in=ids)
        .select_related("capability__pillar", "level")
        .order_by("capability__pillar__order", "capability__number")
    ):
        ratings.setdefault(rating.assessment_id, []).append(rating)
    agreed = {
        (r.assessment_id, r.capability_id): r
        for r in AppraiserRating.objects.filter(assessment_id__in=ids).select_related("level", "appraiser")
    }
    included: dict = {}
    for link in AssessmentEvidence.objects.filter(assessment_id__in=ids).order_by("added_at", "pk"):
        if link.evidence_id in references:
            included.setdefault(link.assessment_id, []).append(references[link.evidence_id])
    transitions: dict = {}
    for transition in (
        AssessmentTransition.objects.filter(assessment_id__in=ids).select_related("actor").order_by("created_at", "id")
    ):
        transitions.setdefault(transition.assessment_id, []).append(_transition(transition))
    objectives: dict = {}
    for objective in (
        DevelopmentObjective.objects.filter(assessment_id__in=ids)
        .select_related("created_by")
        .prefetch_related("capabilities")
        .order_by("target_date", "created_at")
    ):
        objectives.setdefault(objective.assessment_id, []).append({
            "objective": objective.objective,
            "actions": objective.actions,
            "support_needed": objective.support,
            "target_date": objective.target_date,
            "capabilities": sorted(c.number for c in objective.capabilities.all()),
            "status": dict(ObjectiveStatus.choices).get(objective.status) if objective.status else None,
            "status_note": objective.status_note,
            "agreed_by": _person(objective.created_by),
            "agreed_at": objective.created_at,
        })

    result = []
    for assessment in assessments:
        rows = []
        for rating in ratings.get(assessment.pk, []):
            appraiser_rating = agreed.get((assessment.pk, rating.capability_id))
            rows.append({
                "capability": rating.capability.number,
                "pillar": rating.capability.pillar.name,
                "statement": rating.capability.statement,
                "self_rating": _level(rating.level),
                "reflection": rating.reflection,
                "development_priority": rating.development_priority,
                "appraiser_rating": _level(appraiser_rating.level) if appraiser_rating else None,
                "appraiser_comment": appraiser_rating.comment if appraiser_rating else "",
                "appraiser": _person(appraiser_rating.appraiser) if appraiser_rating else None,
            })
        result.append({
            "id": assessment.pk,
            "title": assessment.title,
            "organisation": _organisation(assessment.organisation),
            "framework": str(assessment.framework),
            "rating_scale": assessment.rating_scale.name,
            "period_start": assessment.period_start,
            "period_end": assessment.period_end,
            "status": assessment.get_status_display(),
            "created_at": assessment.created_at,
            "updated_at": assessment.updated_at,
            "submitted_at": assessment.submitted_at,
            "copied_from": assessment.copied_from_id,
            "ratings": rows,
            "evidence": included.get(assessment.pk, []),
            "appraiser_summary": assessment.appraiser_summary,
            "appraiser_signed_by": _person(assessment.appraiser_signed_by),
            "appraiser_signed_at": assessment.appraiser_signed_at,
            "practitioner_signed_at": assessment.practitioner_signed_at,
            "transitions": transitions.get(assessment.pk, []),
            "development_plan": objectives.get(assessment.pk, []),
        })
    return result


def _reviews_given(user) -> list[dict]:
    """What they wrote as an appraiser of other people's assessments."""
    others = ~Q(assessment__practitioner=user)
    reviews: dict = {}

    def review(assessment) -> dict:
        return reviews.setdefault(assessment.pk, {
            "assessment": assessment.title,
            "practitioner": _person(assessment.practitioner),
            "organisation": _organisation(assessment.organisation),
            "period_start": assessment.period_start,
            "period_end": assessment.period_end,
            "ratings": [],
            "summary": None,
            "signed_at": None,
            "transitions": [],
        })

    for rating in (
        AppraiserRating.objects.filter(others, appraiser=user)
        .select_related("assessment__practitioner", "assessment__organisation", "capability", "level")
        .order_by("assessment__period_start", "assessment_id", "capability__number")
    ):
        review(rating.assessment)["ratings"].append({
            "capability": rating.capability.number,
            "rating": _level(rating.level),
            "comment": rating.comment,
            "updated_at": rating.updated_at,
        })
    for assessment in (
        Assessment.objects.filter(appraiser_signed_by=user)
        .exclude(practitioner=user)
        .select_related("practitioner", "organisation")
    ):
        entry = review(assessment)
        entry["summary"] = assessment.appraiser_summary
        entry["signed_at"] = assessment.appraiser_signed_at
    for transition in (
        AssessmentTransition.objects.filter(others, actor=user)
        .select_related("assessment__practitioner", "assessment__organisation", "actor")
        .order_by("created_at", "id")
    ):
        review(transition.assessment)["transitions"].append(_transition(transition))
    return list(reviews.values())


def collect(user) -> tuple[dict, list[_File]]:
    """data.json's content and the files to add, in a fixed number of queries."""
    evidence, references, files = _evidence(user)
    appraisers, appraisees = _assignments(user)
    data = {
        "about": {
            "service": "Consultant capability portfolio",
            "made_at": timezone.now(),
            "format_version": FORMAT_VERSION,
            "dates": "Dates are YYYY-MM-DD; times are ISO 8601 with their offset from UTC.",
        },
        "profile": _profile(user),
        "memberships": _memberships(user),
        "appraisers": appraisers,
        "practitioners_you_appraise": appraisees,
        "assessments": _assessments(user, references),
        "reviews_you_gave": _reviews_given(user),
        "evidence": evidence,
    }
    return data, files


def write_personal_export(user, fileobj) -> None:
    """Write the ZIP to ``fileobj`` (an open binary file)."""
    data, files = collect(user)
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in files:
            attachment = item.attachment
            try:
                source = attachment.file.storage.open(attachment.file.name, "rb")
            except (FileNotFoundError, ValueError, OSError):
                logger.warning("Attachment %s is missing from storage", attachment.pk)
                item.entry["path"] = None
                item.entry["missing"] = True
                continue
            with source, archive.open(item.path, "w", force_zip64=True) as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
        archive.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        made = timezone.localtime(data["about"]["made_at"])
        archive.writestr("README.txt", README.format(made=f"{made.day} {made:%B %Y}", email=user.email))


def export_filename() -> str:
    return f"consultant-capability-portfolio-your-data-{timezone.localdate().isoformat()}.zip"
