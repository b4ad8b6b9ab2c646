"""Evidence portfolio pages for the practitioner: list, add, view, change,
delete, and file download.

Every page looks the evidence up through portfolios.access (strangers get
404) with the one queryset builder below, so each page runs the same fixed
number of queries whatever the size of the portfolio.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from capability.models import Framework
from core import merge
from portfolios import access, evidence_services, files
from portfolios.evidence_forms import EvidenceFilterForm, EvidenceForm
from portfolios.models import (
    EvidenceConfirmation,
    AssessmentEvidence,
    EvidenceAttachment,
    EvidenceCapabilityLink,
    EvidenceImpactLink,
    EvidenceItem,
)
from portfolios.queries import (
    attach_confirmation_notes,
    confirmation_notes_from,
    editions_of,
    evidence_url_makers,
)
from portfolios.evidence_versions import latest_version

PAGE_SIZE = 25


def _count_of(model) -> Coalesce:
    rows = (
        model.objects.filter(evidence=OuterRef("pk"))
        .order_by()
        .values("evidence")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def evidence_queryset(user, *, detail: bool = False, own: bool = False) -> QuerySet[EvidenceItem]:
    """The user's visible evidence (only their own with `own`), as every
    evidence page needs it: with the type's framework example, counts of
    capabilities and files (as subqueries, so filters on the mapping cannot
    skew them), and, for pages about one item, its mapping, files and
    assessments prefetched."""
    queryset = (
        (access.own_evidence(user) if own else access.visible_evidence(user))
        .select_related("framework_example")
        .annotate(capability_count=_count_of(EvidenceCapabilityLink), attachment_count=_count_of(EvidenceAttachment))
    )
    if detail:
        queryset = queryset.prefetch_related(
            Prefetch(
                "capability_links",
                queryset=EvidenceCapabilityLink.objects.select_related("capability__pillar").order_by(
                    "capability__pillar__order", "capability__number"
                ),
            ),
            Prefetch(
                "impact_links",
                queryset=EvidenceImpactLink.objects.select_related("impact_statement__pillar").order_by(
                    "impact_statement__pillar__order", "impact_statement__order"
                ),
            ),
            Prefetch("attachments", queryset=EvidenceAttachment.objects.order_by("uploaded_at", "original_name")),
            Prefetch(
                "assessment_links",
                queryset=AssessmentEvidence.objects.select_related("assessment").order_by(
                    "-assessment__period_end", "assessment__title"
                ),
            ),
        )
    return queryset


def _editions(request) -> tuple[Framework, list[Framework]]:
    """The edition the evidence form works on, and the practitioner's others:
    the one asked for (?framework= on the page, a hidden field when saved),
    else their first (portfolios.queries.editions_of). 404 for an edition
    that is not theirs."""
    editions = editions_of(request.user)
    slug = request.POST.get("framework") or request.GET.get("framework")
    chosen = next((e for e in editions if e.slug == slug), None) if slug else next(iter(editions), None)
    if chosen is None:
        raise Http404("No such framework for your evidence")
    return chosen, [e for e in editions if e.pk != chosen.pk]


# List -------------------------------------------------------------------------


def _filtered(queryset: QuerySet[EvidenceItem], form: EvidenceFilterForm) -> QuerySet[EvidenceItem]:
    data = form.cleaned_data
    for word in (data.get("q") or "").split():
        queryset = queryset.filter(
            Q(title__icontains=word) | Q(description__icontains=word) | Q(impact__icontains=word)
        )
    if data.get("framework"):
        queryset = queryset.filter(
            Exists(EvidenceCapabilityLink.objects.filter(evidence=OuterRef("pk"), capability__framework=form.edition))
        )
    if data.get("pillar"):
        queryset = queryset.filter(
            Exists(
                EvidenceCapabilityLink.objects.filter(
                    evidence=OuterRef("pk"), capability__pillar=form.pillars[data["pillar"]]
                )
            )
        )
    if data.get("capability"):
        queryset = queryset.filter(
            Exists(
                EvidenceCapabilityLink.objects.filter(
                    evidence=OuterRef("pk"), capability=form.capabilities[data["capability"]]
                )
            )
        )
    if data.get("type"):
        queryset = queryset.filter(evidence_type=data["type"])
    if data.get("date_from"):
        queryset = queryset.filter(activity_date__gte=data["date_from"])
    if data.get("date_to"):
        queryset = queryset.filter(activity_date__lte=data["date_to"])
    return queryset


@require_safe
def evidence_list(request):
    access.require_practitioner(request.user)
    return render(request, "portfolios/evidence_list.html", _evidence_list_context(request))


def _evidence_list_context(request) -> dict:
    editions = editions_of(request.user)
    filter_data = request.GET if any(key != "page" for key in request.GET) else None
    form = EvidenceFilterForm(filter_data, editions=editions)
    form.helper.legend_size = "s"
    # "Your evidence" is your own portfolio, even for an appraiser or admin
    # who may open other people's items from their assessments.
    queryset = evidence_queryset(request.user, own=True).order_by("-activity_date", "title", "pk")
    filtered = False
    if form.is_bound:
        form.is_valid()  # invalid filters are reported and left out
        queryset = _filtered(queryset, form)
        filtered = any(form.cleaned_data.get(name) for name in form.fields)
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    items = list(page.object_list)
    attach_confirmation_notes(items)
    detail_url, _ = evidence_url_makers()
    for item in items:
        item.detail_url = detail_url(item.pk)
    return {
        "form": form,
        "page": page,
        "items": items,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
        "ellipsis": paginator.ELLIPSIS,
        "filtered": filtered,
    }


# One item ---------------------------------------------------------------------


@require_safe
def evidence_detail(request, pk):
    evidence = access.get_evidence(request.user, pk, evidence_queryset(request.user, detail=True))
    assessments = [link.assessment for link in evidence.assessment_links.all()]
    newer = None
    if not evidence.is_current:
        # Shown to whoever may see this version, the newer only if they may too.
        newer = EvidenceItem.objects.filter(previous_version=evidence).only("pk").first()
    attachments = list(evidence.attachments.all())
    for attachment in attachments:
        attachment.kind_label = files.describe_content_type(attachment.content_type)
    return render(
        request,
        "portfolios/evidence_detail.html",
        {
            "evidence": evidence,
            "capability_links": evidence.capability_links.all(),
            "impact_links": evidence.impact_links.all(),
            "attachments": attachments,
            "assessments": assessments,
            "can_delete": evidence.is_current and all(a.is_editable for a in assessments),
            "newer": newer,
            **_confirmations(request, evidence),
        },
    )


def _confirmations(request, evidence) -> dict:
    """Who confirmed the item (this version or one it changed from); for its
    owner, every request and its state too. One query either way."""
    if evidence.owner_id != request.user.pk:
        attach_confirmation_notes([evidence])
        return {"confirmation_notes": evidence.confirmation_notes}
    requests = list(EvidenceConfirmation.objects.filter(Q(evidence=evidence) | Q(current_evidence=evidence)))
    return {"confirmation_notes": confirmation_notes_from(evidence, requests), "confirmation_requests": requests,
            "is_owner": True}


def _add_service_errors(form: EvidenceForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else NON_FIELD_ERRORS, errors)
    else:
        form.add_error(NON_FIELD_ERRORS, error)


def _posted_pending(request):
    """The pending uploads this page offered (hidden "pending" inputs) that
    are still ticked ("keep_pending"). Ids that are not the user's own are
    dropped; offered files that were unticked are removed."""
    offered = evidence_services.pending_uploads_of(request.user, request.POST.getlist("pending"))
    ticked = set(request.POST.getlist("keep_pending"))
    kept = [upload for upload in offered if str(upload.pk) in ticked]
    unticked = [upload.pk for upload in offered if str(upload.pk) not in ticked]
    if unticked:
        evidence_services.discard_pending_uploads(owner=request.user, ids=unticked)
    return kept


def _form_page(request, evidence: EvidenceItem | None):
    framework, other_editions = _editions(request)
    title = evidence.title if evidence is not None else ""
    # The fingerprint of what the page first showed travels with every
    # re-display, so a later save still merges against it (core.merge).
    shown = request.POST.get("shown") or (
        merge.fingerprint(evidence_services.evidence_state(evidence)) if evidence is not None else ""
    )
    status = 200
    if request.method == "POST":
        pending = _posted_pending(request)
        form = EvidenceForm(
            request.POST, request.FILES, owner=request.user, framework=framework, instance=evidence, pending=pending
        )
        if form.is_valid():
            try:
                if evidence is None:
                    saved = evidence_services.create_evidence(
                        owner=request.user, **form.evidence_fields(), files=form.accepted_files, pending=pending
                    )
                else:
                    saved = evidence_services.update_evidence(
                        evidence=evidence,
                        **form.evidence_fields(),
                        files=form.accepted_files,
                        pending=pending,
                        remove_attachment_ids=form.removed_attachment_ids(),
                        shown=merge.parse_fingerprint(shown),
                    )
            except merge.EditConflict as conflict:
                form.show_conflict(conflict.fields)
                shown, status = merge.fingerprint(conflict.current), 409
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, "Evidence added" if evidence is None else (
                    "Evidence saved as a new version. Assessments you have submitted keep the version "
                    "they were submitted with." if saved.pk != evidence.pk else "Evidence saved"))
                return redirect("portfolios:evidence_detail", pk=saved.pk)
        # Nothing typed is lost: files that passed their checks are kept
        # and offered again, ticked, alongside the ones kept before.
        # Never more kept than one item can take, however many were chosen.
        room = max(0, settings.EVIDENCE_MAX_FILES - len(pending))
        stashed = evidence_services.stash_pending_uploads(owner=request.user, files=form.accepted_files[:room])
        pending = evidence_services.pending_uploads_of(request.user, [p.pk for p in pending + stashed])
        form.show_pending(pending)
    else:
        pending = []
        form = EvidenceForm(owner=request.user, framework=framework, instance=evidence)
        number = request.GET.get("capability", "")
        if evidence is None and number.isdigit():
            chosen = [str(c.pk) for c in form.capability_choices if c.number == int(number)]
            if chosen:
                form.initial["capabilities"] = chosen
    return render(
        request,
        "portfolios/evidence_form.html",
        {"form": form, "evidence": evidence, "evidence_title": title, "pending": pending, "shown": shown,
         "framework": framework, "other_editions": other_editions},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def evidence_create(request):
    access.require_practitioner(request.user)
    return _form_page(request, None)


@require_http_methods(["GET", "POST"])
def evidence_edit(request, pk):
    evidence = access.get_evidence_to_change(request.user, pk, evidence_queryset(request.user, detail=True))
    if not evidence.is_current and request.method == "GET":
        # An earlier version is an assessment's record: change the latest.
        return redirect("portfolios:evidence_edit", pk=latest_or_404(evidence).pk)
    return _form_page(request, evidence)


def latest_or_404(evidence):
    try:
        return latest_version(evidence)
    except ValidationError:
        raise Http404("This evidence has been deleted from the portfolio")


@require_http_methods(["GET", "POST"])
def evidence_delete(request, pk):
    evidence = access.get_evidence_to_change(request.user, pk, evidence_queryset(request.user, detail=True))
    locked = [link.assessment for link in evidence.assessment_links.all() if not link.assessment.is_editable]
    status = 200
    if request.method == "POST":
        title = evidence.title
        try:
            evidence_services.delete_evidence(evidence=evidence)
        except evidence_services.EvidenceLocked as error:
            locked = error.assessments
            status = 409
        else:
            messages.success(request, f"‘{title}’ deleted")
            return redirect("portfolios:evidence_list")
    return render(
        request,
        "portfolios/evidence_confirm_delete.html",
        {"evidence": evidence, "locked": locked, "attachments": evidence.attachments.all()},
        status=status,
    )


@require_safe
def attachment_download(request, pk, file_pk):
    return files.download_response(access.get_attachment(request.user, pk, file_pk))
