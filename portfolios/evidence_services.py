"""Business rules for the evidence portfolio. Views parse input, call one of
these, and render; each runs in one transaction.

Every file is checked again here with files.check_upload, whatever a form
did first, so no path into the portfolio skips the checks. Stored files are
removed from storage only after the transaction that stopped referring to
them commits, so a rolled-back delete never loses a file that is still
referred to. Files written by a step that then fails are removed straight
away; Django has no rollback hook, so a failure later in the same
transaction (after the files were written) can leave an unreferenced file
behind, which is harmless and never served.
"""

import datetime
import uuid
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from capability.models import Capability, Framework
from core import merge
from impact.models import EvidenceExample, ImpactStatement
from portfolios import files as file_checks
from portfolios.models import (
    JUSTIFICATION_MAX_LENGTH,
    Assessment,
    AssessmentStatus,
    Beneficiary,
    EvidenceAttachment,
    EvidenceCapabilityLink,
    EvidenceImpactLink,
    EvidenceItem,
    EvidenceType,
    PendingUpload,
)
from portfolios.evidence_numbers import next_number
from portfolios.evidence_versions import DETAIL_FIELDS, held_by_a_record, latest_version, new_version
from portfolios.services import include_evidence_in_drafts

PENDING_UPLOAD_LIFETIME = datetime.timedelta(hours=24)



class EvidenceLocked(ValidationError):
    """The evidence is part of an assessment that has been submitted."""

    def __init__(self, assessments):
        self.assessments = list(assessments)
        titles = ", ".join(f"‘{a.title}’" for a in self.assessments)
        super().__init__(
            f"You cannot delete this evidence because it is part of a submitted assessment: {titles}",
            code="locked",
        )


def max_files() -> int:
    return settings.EVIDENCE_MAX_FILES


def title_taken_message(title: str) -> str:
    return f"You already have evidence called ‘{title}’"


# Evidence ------------------------------------------------------------------


@transaction.atomic
def create_evidence(
    *,
    owner,
    title: str,
    evidence_type: str,
    activity_date: datetime.date,
    description: str,
    capability_links: Mapping[int, str],
    framework_example: EvidenceExample | None = None,
    impact: str = "",
    beneficiaries: Iterable[str] = (),
    link: str = "",
    confirmed_by_name: str = "",
    confirmed_by_role: str = "",
    confirmed_by_email: str = "",
    confirmed_on: datetime.date | None = None,
    impact_links: Mapping[int, str] | None = None,
    files: Iterable = (),
    pending: Iterable[PendingUpload] = (),
    framework: Framework | None = None,
) -> EvidenceItem:
    """Add an item to the owner's portfolio, mapped to at least one
    capability, with its files, and include it in the owner's draft
    assessments."""
    evidence = EvidenceItem(owner=owner, number=next_number(owner.pk))
    _set_details(
        evidence,
        title=title, evidence_type=evidence_type, framework_example=framework_example,
        activity_date=activity_date, description=description, impact=impact, beneficiaries=beneficiaries,
        link=link, confirmed_by_name=confirmed_by_name, confirmed_by_role=confirmed_by_role,
        confirmed_by_email=confirmed_by_email, confirmed_on=confirmed_on,
    )
    _save_details(evidence)
    set_capability_links(evidence=evidence, links=capability_links, framework=framework)
    set_impact_links(evidence=evidence, links=impact_links or {}, framework=framework)
    _add_attachments(evidence, files=list(files), pending=list(pending))
    include_evidence_in_drafts(evidence=evidence)
    return evidence


@transaction.atomic
def update_evidence(
    *,
    evidence: EvidenceItem,
    title: str,
    evidence_type: str,
    activity_date: datetime.date,
    description: str,
    capability_links: Mapping[int, str],
    framework_example: EvidenceExample | None = None,
    impact: str = "",
    beneficiaries: Iterable[str] = (),
    link: str = "",
    confirmed_by_name: str = "",
    confirmed_by_role: str = "",
    confirmed_by_email: str = "",
    confirmed_on: datetime.date | None = None,
    impact_links: Mapping[int, str] | None = None,
    files: Iterable = (),
    pending: Iterable[PendingUpload] = (),
    remove_attachment_ids: Iterable = (),
    shown: Mapping[str, str] | None = None,
    framework: Framework | None = None,
) -> EvidenceItem:
    """Change an item: its details, its mapping, and its files (removals
    first, so a file can be replaced by one of the same name).

    ``shown`` is the fingerprint of the state the form page showed
    (core.merge): fields changed elsewhere since are kept where this save
    left them alone, and merge.EditConflict is raised, saving nothing, where
    both changed the same field. None overwrites everything.

    The links given are those of ``framework``, the edition the form shows
    (the current one by default); links to other editions are kept."""
    framework = edition_or_current(framework)
    # A page opened on an earlier version saves onto the latest, merging as
    # any stale page does.
    evidence = latest_version(evidence)
    # Locked first, so that two saves of the item merge one after the other.
    EvidenceItem.objects.select_for_update().filter(pk=evidence.pk).values_list("pk").first()
    details = dict(
        title=title, evidence_type=evidence_type, framework_example=framework_example,
        activity_date=activity_date, description=description, impact=impact, beneficiaries=beneficiaries,
        link=link, confirmed_by_name=confirmed_by_name, confirmed_by_role=confirmed_by_role,
        confirmed_by_email=confirmed_by_email, confirmed_on=confirmed_on,
    )
    stored = evidence_state(EvidenceItem.objects.get(pk=evidence.pk))
    submitted = _state(details, _clean_justifications(capability_links, "capabilities"),
                       _clean_justifications(impact_links or {}, "impact statements"))
    # The form shows one edition's links: the others were left alone, as
    # they are stored.
    edition_keys = _edition_link_keys(framework)
    submitted |= {key: value for key, value in stored.items()
                  if key.startswith(("capability:", "impact:")) and key not in edition_keys}
    merged = merge.merge(shown=shown, stored=stored, submitted=submitted)
    details, capability_links, impact_links = _from_state(merged)
    remove_attachment_ids = [str(pk) for pk in remove_attachment_ids]
    if stored != _state(details, capability_links, impact_links) or remove_attachment_ids or files or pending:
        if held_by_a_record(evidence):
            evidence, renamed = new_version(evidence)
            remove_attachment_ids = [renamed.get(pk, pk) for pk in remove_attachment_ids]
    _set_details(evidence, **details)
    _save_details(evidence)
    set_capability_links(evidence=evidence, framework=framework, links={
        pk: text for pk, text in capability_links.items() if f"capability:{pk}" in edition_keys})
    set_impact_links(evidence=evidence, framework=framework, links={
        pk: text for pk, text in impact_links.items() if f"impact:{pk}" in edition_keys})
    remove_attachments(evidence=evidence, attachment_ids=remove_attachment_ids)
    _add_attachments(evidence, files=list(files), pending=list(pending))
    return evidence


def evidence_state(evidence: EvidenceItem) -> dict:
    """What the edit form shows of an item, as core.merge compares it: the
    details, and one key per capability or impact link (its justification)."""
    return _state(
        {name: getattr(evidence, name) for name in DETAIL_FIELDS if name != "framework_example"}
        | {"framework_example": evidence.framework_example_id},
        # .all(), not values_list: the edit page has these prefetched.
        {link.capability_id: link.justification for link in evidence.capability_links.all()},
        {link.impact_statement_id: link.justification for link in evidence.impact_links.all()},
    )


def _state(details: Mapping, capability_links: Mapping[int, str], impact_links: Mapping[int, str]) -> dict:
    state = {}
    for name in DETAIL_FIELDS:
        value = details.get(name)
        if name == "framework_example":
            value = getattr(value, "pk", value)
            if details.get("evidence_type") != EvidenceType.FRAMEWORK_EXAMPLE:
                value = None
        elif name == "beneficiaries":
            value = sorted(set(value or ()))
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        elif isinstance(value, str):
            # Browsers send a textarea's line breaks as CRLF whatever they were.
            value = value.replace("\r\n", "\n").strip()
        state[name] = value
    state |= {f"capability:{pk}": text for pk, text in capability_links.items()}
    state |= {f"impact:{pk}": text for pk, text in impact_links.items()}
    return state


def _from_state(state: Mapping) -> tuple[dict, dict[int, str], dict[int, str]]:
    details = {name: state.get(name) for name in DETAIL_FIELDS}
    if details["framework_example"] is not None:
        details["framework_example"] = EvidenceExample.objects.filter(pk=details["framework_example"]).first()
    for name in ("activity_date", "confirmed_on"):
        if details[name]:
            details[name] = datetime.date.fromisoformat(details[name])
    links = {"capability": {}, "impact": {}}
    for key, value in state.items():
        kind, _, pk = key.partition(":")
        if kind in links and pk:
            links[kind][int(pk)] = value
    return details, links["capability"], links["impact"]


def submitted_assessments_including(evidence: EvidenceItem):
    return [
        link.assessment
        for link in evidence.assessment_links.select_related("assessment")
        .exclude(assessment__status=AssessmentStatus.DRAFT)
        .order_by("assessment__period_end", "assessment__title")
    ]


@transaction.atomic
def delete_evidence(*, evidence: EvidenceItem) -> None:
    """Delete an item, its mapping and its files. Refused while it is part of
    an assessment that is no longer a draft: that assessment is a record."""
    # Lock the assessments that include it, so one cannot be submitted
    # between the check and the delete: submitting updates the assessment
    # row, so it waits for this transaction (and the check below sees a
    # submission that committed first).
    list(
        Assessment.objects.select_for_update(of=("self",))
        .filter(evidence_links__evidence=evidence)
        .values_list("pk", flat=True)
    )
    locked = submitted_assessments_including(evidence)
    if locked:
        raise EvidenceLocked(locked)
    names = list(evidence.attachments.values_list("file", flat=True))
    evidence.delete()
    _delete_files_after_commit(_unreferenced(names))


def _set_details(evidence: EvidenceItem, **details) -> None:
    details["title"] = (details["title"] or "").strip()
    details["description"] = (details["description"] or "").strip()
    details["impact"] = (details["impact"] or "").strip()
    details["link"] = (details["link"] or "").strip()
    details["beneficiaries"] = list(dict.fromkeys(details["beneficiaries"] or ()))
    if details["evidence_type"] != EvidenceType.FRAMEWORK_EXAMPLE:
        details["framework_example"] = None
    for name in DETAIL_FIELDS:
        setattr(evidence, name, details[name])


def _save_details(evidence: EvidenceItem) -> None:
    errors = {}
    if evidence.link and urlsplit(evidence.link).scheme.lower() not in ("http", "https"):
        errors["link"] = "Enter a web link starting with https:// or http://"
    if evidence.framework_example_id and not EvidenceExample.objects.filter(
        pk=evidence.framework_example_id, impact_statement__pillar__framework__is_current=True
    ).exists():
        errors["framework_example"] = "Choose the example of evidence from the framework"
    if set(evidence.beneficiaries) - set(Beneficiary.values):
        errors["beneficiaries"] = "Choose who benefited from the list"
    if errors:
        raise ValidationError(errors)
    # validate_constraints=False: the title is checked below, with the
    # message people see, and the database has the last word.
    evidence.full_clean(validate_constraints=False)
    if (
        EvidenceItem.objects.for_owner(evidence.owner)
        .exclude(pk=evidence.pk)
        .annotate(lower_title=Lower("title"))
        .filter(lower_title=evidence.title.lower())
        .exists()
    ):
        raise ValidationError({"title": title_taken_message(evidence.title)})
    evidence._history_user = evidence.owner
    try:
        with transaction.atomic():
            evidence.save()
    except IntegrityError:
        # Two saves with the same title at once: the constraint caught it.
        raise ValidationError({"title": title_taken_message(evidence.title)})


# Mapping ---------------------------------------------------------------------


def _clean_justifications(links: Mapping[int, str], noun: str) -> dict[int, str]:
    cleaned = {}
    for key, justification in links.items():
        justification = " ".join((justification or "").split())
        if len(justification) > JUSTIFICATION_MAX_LENGTH:
            raise ValidationError(f"What this shows must be {JUSTIFICATION_MAX_LENGTH} characters or fewer")
        try:
            cleaned[int(key)] = justification
        except (TypeError, ValueError):
            raise ValidationError(f"Choose {noun} from the framework")
    return cleaned


def _sync_links(evidence, manager, model, key: str, links: Mapping[int, str], user=None, **fields) -> None:
    """Make the item's links of one kind exactly ``links`` (target id →
    justification), changing only what differs, and recording each change in
    the audit history."""
    existing = {getattr(link, key): link for link in manager.all()}
    for link in manager.exclude(**{f"{key}__in": links}):
        link._history_user = user
        link.delete()
    changed = []
    for target_id, justification in links.items():
        link = existing.get(target_id)
        if link is not None and link.justification != justification:
            link.justification = justification
            changed.append(link)
    bulk_update_with_history(changed, model, ["justification"], default_user=user)
    bulk_create_with_history(
        [model(evidence=evidence, **{key: target_id}, justification=justification, **fields)
         for target_id, justification in links.items() if target_id not in existing],
        model, default_user=user,
    )


def edition_or_current(framework: Framework | None) -> Framework:
    """The edition a form works on: the one given, or the current one."""
    return framework or Framework.objects.current().get()


@transaction.atomic
def set_capability_links(*, evidence: EvidenceItem, links: Mapping[int, str], framework: Framework | None = None) -> None:
    """Map the item to exactly these capabilities (by id) of one edition,
    each with its optional one-line justification. Links to other editions'
    capabilities are left as they are: an item keeps all its links."""
    framework = edition_or_current(framework)
    links = _clean_justifications(links, "capabilities")
    others = evidence.capability_links.exclude(capability__framework=framework)
    if not links and not others.exists():
        raise ValidationError({"capabilities": "Choose at least one capability this evidence shows"})
    valid = set(Capability.objects.filter(framework=framework, pk__in=links).values_list("pk", flat=True))
    if set(links) - valid:
        raise ValidationError({"capabilities": "Choose capabilities from the framework"})
    _sync_links(
        evidence, evidence.capability_links.filter(capability__framework=framework), EvidenceCapabilityLink,
        "capability_id", links, evidence.owner, owner_id=evidence.owner_id,
    )


@transaction.atomic
def set_impact_links(*, evidence: EvidenceItem, links: Mapping[int, str], framework: Framework | None = None) -> None:
    """Map the item to exactly these impact statements (by id) of one
    edition; none is fine. Links to other editions' statements are kept."""
    framework = edition_or_current(framework)
    links = _clean_justifications(links, "impact statements")
    valid = set(
        ImpactStatement.objects.filter(pillar__framework=framework, pk__in=links).values_list("pk", flat=True)
    )
    if set(links) - valid:
        raise ValidationError({"impact_statements": "Choose impact statements from the framework"})
    _sync_links(
        evidence, evidence.impact_links.filter(impact_statement__pillar__framework=framework), EvidenceImpactLink,
        "impact_statement_id", links, evidence.owner,
    )


def _edition_link_keys(framework: Framework) -> set[str]:
    """The merge-state keys (see _state) of one edition's capabilities and
    impact statements."""
    return {f"capability:{pk}" for pk in Capability.objects.filter(framework=framework).values_list("pk", flat=True)} | {
        f"impact:{pk}" for pk in ImpactStatement.objects.filter(pillar__framework=framework).values_list("pk", flat=True)
    }


# Files -------------------------------------------------------------------------


@transaction.atomic
def attach_files(*, evidence: EvidenceItem, files: Iterable) -> list[EvidenceAttachment]:
    """Attach uploaded files to an item: each must pass files.check_upload,
    the item may have at most EVIDENCE_MAX_FILES, and no two of its files may
    share a name (ignoring case)."""
    return _add_attachments(evidence, files=list(files), pending=[])


@transaction.atomic
def claim_pending_uploads(*, evidence: EvidenceItem, pending: Iterable[PendingUpload]) -> list[EvidenceAttachment]:
    """Attach files kept from an earlier failed form. Only the evidence
    owner's own pending uploads can be claimed."""
    return _add_attachments(evidence, files=[], pending=list(pending))


@transaction.atomic
def remove_attachments(*, evidence: EvidenceItem, attachment_ids: Iterable) -> int:
    """Remove these files (ids of the item's own attachments; others are
    ignored) from the item, and from storage once this commits."""
    ids = list(attachment_ids)
    if not ids:
        return 0
    doomed = list(evidence.attachments.filter(pk__in=ids))
    names = [attachment.file.name for attachment in doomed]
    for attachment in doomed:  # one by one, so that each removal is on record
        attachment._history_user = evidence.owner
        attachment.delete()
    _delete_files_after_commit(_unreferenced(names))
    return len(names)


def _unreferenced(names: Iterable[str]) -> list[str]:
    """The stored files no attachment refers to any more: versions of an item
    share their files, and a file an earlier version has is never deleted."""
    names = list(names)
    kept = set(EvidenceAttachment.objects.filter(file__in=names).values_list("file", flat=True))
    return [name for name in names if name not in kept]


def portfolio_size(owner) -> int:
    """Bytes of the files in the owner's live portfolio (earlier versions
    share their files, so are not counted again)."""
    from django.db.models import Sum

    return EvidenceAttachment.objects.filter(
        evidence__owner=owner, evidence__is_current=True
    ).aggregate(total=Sum("size"))["total"] or 0


def _check_portfolio_size(owner, adding: int) -> None:
    limit = settings.PORTFOLIO_MAX_BYTES
    if adding and portfolio_size(owner) + adding > limit:
        raise ValidationError({"files": (
            f"Your portfolio can hold up to {file_checks.size_label(limit)} of files, and these would take it "
            f"over. Remove files you no longer need from other evidence, or add smaller ones"
        )})


def _add_attachments(evidence: EvidenceItem, *, files: list, pending: list[PendingUpload]) -> list[EvidenceAttachment]:
    if not files and not pending:
        return []
    if any(p.owner_id != evidence.owner_id for p in pending):
        raise ValidationError({"files": "Choose files from your own computer"})
    # Lock the item, so two saves at once cannot both pass the count.
    EvidenceItem.objects.select_for_update().filter(pk=evidence.pk).values_list("pk", flat=True).first()
    if pending:
        # Only rows still there, locked so a clear-out cannot remove them
        # (and their files) while they are being attached.
        live = {
            upload.pk: upload
            for upload in PendingUpload.objects.select_for_update().filter(
                pk__in=[p.pk for p in pending], owner=evidence.owner
            )
        }
        pending = [live[p.pk] for p in pending if p.pk in live]
    checked = []
    for uploaded in files:
        try:
            name, kind = file_checks.check_upload(uploaded)
        except ValidationError as error:
            raise ValidationError({"files": error.messages})
        checked.append((uploaded, name, kind))

    names = [name.lower() for name in evidence.attachments.values_list("original_name", flat=True)]
    total = len(names) + len(checked) + len(pending)
    if total > max_files():
        raise ValidationError({"files": f"Evidence can have up to {max_files()} files"})
    for name in [p.original_name for p in pending] + [name for _, name, _ in checked]:
        if name.lower() in names:
            raise ValidationError({"files": f"This evidence already has a file called ‘{name}’"})
        names.append(name.lower())
    _check_portfolio_size(evidence.owner, sum(u.size for u, _, _ in checked) + sum(p.size for p in pending))

    attachments = []
    saved = []
    try:
        for uploaded, name, kind in checked:
            attachment = EvidenceAttachment(
                evidence=evidence, original_name=name, content_type=kind.content_type, size=uploaded.size
            )
            uploaded.seek(0)
            attachment.file.save(name, uploaded, save=False)
            saved.append(attachment.file.name)
            attachments.append(attachment)
        for upload in pending:
            # The stored file moves over as it is: same random name, no copy.
            attachments.append(
                EvidenceAttachment(
                    evidence=evidence,
                    file=upload.file.name,
                    original_name=upload.original_name,
                    content_type=upload.content_type,
                    size=upload.size,
                )
            )
        bulk_create_with_history(attachments, EvidenceAttachment, default_user=evidence.owner)
        if pending:
            PendingUpload.objects.filter(pk__in=[p.pk for p in pending], owner=evidence.owner).delete()
    except BaseException:
        _delete_files_now(saved)
        raise
    return attachments


@transaction.atomic
def stash_pending_uploads(*, owner, files: Iterable) -> list[PendingUpload]:
    """Keep files that passed their checks on a form that failed for another
    reason, so the person need not choose them again. Clears out everyone's
    pending uploads older than a day first."""
    purge_stale_pending_uploads()
    stashed = []
    saved = []
    try:
        for uploaded in files:
            try:
                name, kind = file_checks.check_upload(uploaded)
            except ValidationError:
                continue
            upload = PendingUpload(owner=owner, original_name=name, content_type=kind.content_type, size=uploaded.size)
            uploaded.seek(0)
            upload.file.save(name, uploaded, save=False)
            saved.append(upload.file.name)
            stashed.append(upload)
        PendingUpload.objects.bulk_create(stashed)
    except BaseException:
        _delete_files_now(saved)
        raise
    _cap_pending_uploads(owner)
    return stashed


def _cap_pending_uploads(owner) -> None:
    """Keep at most PENDING_UPLOADS_MAX_FILES files and _BYTES bytes pending
    for one person, dropping the oldest first, so repeated failed forms
    cannot fill the disk."""
    newest_first = list(
        PendingUpload.objects.filter(owner=owner).order_by("-uploaded_at", "-pk").values_list("pk", "size")
    )
    kept_files = kept_bytes = 0
    doomed = []
    for pk, size in newest_first:
        if kept_files + 1 > settings.PENDING_UPLOADS_MAX_FILES or kept_bytes + size > settings.PENDING_UPLOADS_MAX_BYTES:
            doomed.append(pk)
        else:
            kept_files, kept_bytes = kept_files + 1, kept_bytes + size
    if doomed:
        _delete_pending(PendingUpload.objects.filter(pk__in=doomed))


def pending_uploads_of(owner, ids: Iterable) -> list[PendingUpload]:
    """The owner's pending uploads among these ids, in the order they were
    stashed. Ids that are not UUIDs, or not the owner's, are dropped."""
    valid = []
    for value in ids:
        try:
            valid.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    if not valid:
        return []
    return list(PendingUpload.objects.filter(owner=owner, pk__in=valid).order_by("uploaded_at", "original_name"))


@transaction.atomic
def discard_pending_uploads(*, owner, ids: Iterable) -> int:
    """Remove the owner's pending uploads with these ids (others ignored)."""
    return _delete_pending(PendingUpload.objects.filter(owner=owner, pk__in=[p.pk for p in pending_uploads_of(owner, ids)]))


@transaction.atomic
def purge_stale_pending_uploads(*, now: datetime.datetime | None = None) -> int:
    """Remove everyone's pending uploads older than PENDING_UPLOAD_LIFETIME."""
    cutoff = (now or timezone.now()) - PENDING_UPLOAD_LIFETIME
    return _delete_pending(PendingUpload.objects.filter(uploaded_at__lt=cutoff))


def _delete_pending(queryset) -> int:
    # Rows being attached right now are locked by that save: skip them
    # rather than delete a file that is about to belong to an item.
    rows = list(queryset.select_for_update(skip_locked=True).values_list("pk", "file"))
    if not rows:
        return 0
    PendingUpload.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
    _delete_files_after_commit([name for _, name in rows])
    return len(rows)


def _storage():
    return EvidenceAttachment._meta.get_field("file").storage


def _delete_files_now(names: Iterable[str]) -> None:
    storage = _storage()
    for name in names:
        if name:
            storage.delete(name)


def _delete_files_after_commit(names: Iterable[str]) -> None:
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: _delete_files_now(names))

