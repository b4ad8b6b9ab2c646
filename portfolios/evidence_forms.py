"""The evidence form: the item's details, its mapping to capabilities and
impact statements of the current framework, a confirmation, and its files.

The details, confirmation and files render through crispy (three helpers,
one per section of the page). The mapping is laid out by
templates/includes/evidence_mapping.html, grouped by pillar, with a
justification input under each checkbox: capability_groups() and
impact_groups() give it what it needs.
"""

from crispy_forms.layout import Layout
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.functional import cached_property

from capability import structure
from capability.models import Capability
from core.forms import NHSDateField, NHSFormHelper, NHSFormMixin
from impact.models import EvidenceExample, ImpactStatement
from portfolios import files as file_checks
from portfolios.evidence_services import title_taken_message
from portfolios.models import (
    EVIDENCE_TEXT_MAX_LENGTH,
    JUSTIFICATION_MAX_LENGTH,
    Beneficiary,
    EvidenceItem,
    EvidenceType,
)

LINK_MESSAGE = "Enter a web link starting with https:// or http://"
EXAMPLE_MESSAGE = "Choose the example of evidence from the framework"
CAPABILITY_REQUIRED_MESSAGE = "Choose at least one capability this evidence shows"

ABOUT_FIELDS = (
    "title",
    "evidence_type",
    "framework_example",
    "activity_date",
    "description",
    "impact",
    "beneficiaries",
    "link",
)
CONFIRMATION_FIELDS = ("confirmed_by_name", "confirmed_by_role", "confirmed_by_email", "confirmed_on")
CAPABILITY_PREFIX = "why_cap_"
IMPACT_PREFIX = "why_imp_"


def _date_messages(what: str) -> dict:
    return {
        "required": f"Enter the {what}",
        "invalid": f"The {what} must be a real date",
        "year_length": "Year must include 4 numbers",
        "missing": f"The {what} must include a %(parts)s",
    }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files from one input; cleans to a list (maybe empty).
    Each file's own checks are the form's job, as they depend on the files
    the evidence already has."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if data is forms.fields.FILE_INPUT_CONTRADICTION or data is False or data in (None, ""):
            uploads = []
        elif isinstance(data, (list, tuple)):
            uploads = [item for item in data if item]
        else:
            uploads = [data]
        if self.required and not uploads:
            raise ValidationError(self.error_messages["required"], code="required")
        return uploads


class WebLinkField(forms.URLField):
    """A web link: http or https only, so no javascript:, data: or file:
    link can ever be put on a page. A link typed without a scheme is taken
    as https."""

    default_validators = [URLValidator(schemes=["http", "https"])]


class EvidenceForm(NHSFormMixin, forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=150,
        help_text="A few words that will help you find it again",
        error_messages={
            "required": "Enter a title",
            "max_length": "Title must be 150 characters or fewer",
        },
    )
    evidence_type = forms.ChoiceField(
        label="What type of evidence is it?",
        choices=EvidenceType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the type of evidence", "invalid_choice": "Choose the type of evidence"},
    )
    framework_example = forms.TypedChoiceField(
        label="Which example of evidence from the framework is it?",
        help_text="Only if it is an example of evidence named in the framework",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": EXAMPLE_MESSAGE},
    )
    activity_date = NHSDateField(
        label="Date of the activity",
        help_text="For example, 15 3 2026. If it took place over a period, enter the date it ended.",
        error_messages=_date_messages("date of the activity"),
    )
    description = forms.CharField(
        label="What did you do?",
        help_text="Describe the activity and your part in it",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=EVIDENCE_TEXT_MAX_LENGTH,
        error_messages={
            "required": "Describe what you did",
            "max_length": f"What you did must be {EVIDENCE_TEXT_MAX_LENGTH:,} characters or fewer",
        },
    )
    impact = forms.CharField(
        label="What changed as a result (optional)",
        help_text="For example, for service users, staff or your organisation",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=EVIDENCE_TEXT_MAX_LENGTH,
        required=False,
        error_messages={
            "max_length": f"What changed must be {EVIDENCE_TEXT_MAX_LENGTH:,} characters or fewer",
        },
    )
    beneficiaries = forms.MultipleChoiceField(
        label="Who benefited? (optional)",
        help_text="Select all that apply",
        choices=Beneficiary.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Choose who benefited from the list"},
    )
    link = WebLinkField(
        label="Web link (optional)",
        help_text="For example, to a published report or presentation",
        max_length=500,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": LINK_MESSAGE, "max_length": "Web link must be 500 characters or fewer"},
    )
    capabilities = forms.MultipleChoiceField(
        label="Which capabilities does this evidence show?",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": CAPABILITY_REQUIRED_MESSAGE,
            "invalid_choice": "Choose capabilities from the framework",
        },
    )
    impact_statements = forms.MultipleChoiceField(
        label="Which impact statements does it show? (optional)",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Choose impact statements from the framework"},
    )
    confirmed_by_name = forms.CharField(
        label="Name of the person who confirmed it",
        max_length=150,
        required=False,
        error_messages={"max_length": "Name must be 150 characters or fewer"},
    )
    confirmed_by_role = forms.CharField(
        label="Their role",
        help_text="For example, Director of nursing",
        max_length=150,
        required=False,
        error_messages={"max_length": "Their role must be 150 characters or fewer"},
    )
    confirmed_by_email = forms.EmailField(
        label="Their email address",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"invalid": "Enter their email address in the correct format, like name@example.com"},
    )
    confirmed_on = NHSDateField(
        label="Date they confirmed it",
        help_text="For example, 20 4 2026",
        required=False,
        error_messages=_date_messages("date they confirmed it"),
    )
    remove_attachments = forms.MultipleChoiceField(
        label="Remove files",
        help_text="Select any files you want to remove",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Choose files this evidence has"},
    )
    files = MultipleFileField(label="Add files")

    def __init__(self, data=None, files=None, *, owner, framework, instance=None, pending=(), **kwargs):
        self.owner = owner
        self.framework = framework
        self.instance = instance
        self.pending = list(pending)
        self.attachments = list(instance.attachments.all()) if instance is not None else []
        self.accepted_files = []
        if instance is not None:
            kwargs.setdefault("initial", {})
            kwargs["initial"] = {**self.initial_from(instance), **kwargs["initial"]}
        super().__init__(data, files, **kwargs)

        self.capability_choices = list(
            Capability.objects.filter(framework=framework).select_related("pillar").order_by("pillar__order", "number")
        )
        self.statement_choices = list(
            ImpactStatement.objects.filter(pillar__framework=framework)
            .select_related("pillar")
            .order_by("pillar__order", "order")
        )
        examples = list(
            EvidenceExample.objects.filter(impact_statement__pillar__framework=framework)
            .select_related("impact_statement__pillar")
            .order_by("impact_statement__pillar__order", "impact_statement__order", "order")
        )
        self.examples = {example.pk: example for example in examples}

        grouped = {}
        for example in examples:
            grouped.setdefault(example.impact_statement.pillar.name, []).append((str(example.pk), example.text))
        self.fields["framework_example"].choices = [("", "Choose an example"), *grouped.items()]
        if not examples:
            # An edition without examples of evidence offers no such type,
            # unless the item already is one (kept, so nothing is lost).
            current_type = self.data.get("evidence_type") if self.is_bound else self.initial.get("evidence_type")
            if current_type != EvidenceType.FRAMEWORK_EXAMPLE:
                self.fields["evidence_type"].choices = [
                    choice for choice in self.fields["evidence_type"].choices if choice[0] != EvidenceType.FRAMEWORK_EXAMPLE
                ]

        self.fields["capabilities"].choices = [
            (str(c.pk), f"Capability {c.number}") for c in self.capability_choices
        ]
        # Links to other editions' capabilities are not shown here, and the
        # service keeps them; with any, none of this edition is needed.
        shown_ids = {c.pk for c in self.capability_choices}
        self.other_edition_links = [
            link for link in (instance.capability_links.all() if instance is not None else [])
            if link.capability_id not in shown_ids
        ]
        if self.other_edition_links:
            self.fields["capabilities"].required = False
            count = len(self.other_edition_links)
            self.fields["capabilities"].help_text = (
                f"This evidence is also linked to {count} {'capability' if count == 1 else 'capabilities'} "
                f"of another edition of a framework. Those links are kept whatever you choose here."
            )
        for capability in self.capability_choices:
            self.fields[f"{CAPABILITY_PREFIX}{capability.pk}"] = forms.CharField(
                label=f"What this shows for capability {capability.number}", required=False
            )
        self.fields["impact_statements"].choices = [(str(s.pk), s.text) for s in self.statement_choices]
        for statement in self.statement_choices:
            self.fields[f"{IMPACT_PREFIX}{statement.pk}"] = forms.CharField(
                label="What this shows for the impact statement", required=False
            )

        if self.attachments:
            self.fields["remove_attachments"].choices = [
                (str(a.pk), f"{a.original_name} ({filesizeformat(a.size)})") for a in self.attachments
            ]
        else:
            del self.fields["remove_attachments"]
        self.fields["files"].help_text = self.files_hint()

        # Fields in page order, so the error summary lists them in that order.
        order = [*ABOUT_FIELDS, "capabilities"]
        order += [f"{CAPABILITY_PREFIX}{c.pk}" for c in self.capability_choices]
        order += ["impact_statements"]
        order += [f"{IMPACT_PREFIX}{s.pk}" for s in self.statement_choices]
        order += [*CONFIRMATION_FIELDS, "remove_attachments", "files"]
        self.order_fields(order)

    # Initial values and help ------------------------------------------------

    @staticmethod
    def initial_from(instance: EvidenceItem) -> dict:
        initial = {
            "title": instance.title,
            "evidence_type": instance.evidence_type,
            "framework_example": str(instance.framework_example_id) if instance.framework_example_id else "",
            "activity_date": instance.activity_date,
            "description": instance.description,
            "impact": instance.impact,
            "beneficiaries": list(instance.beneficiaries),
            "link": instance.link,
            "confirmed_by_name": instance.confirmed_by_name,
            "confirmed_by_role": instance.confirmed_by_role,
            "confirmed_by_email": instance.confirmed_by_email,
            "confirmed_on": instance.confirmed_on,
            "capabilities": [str(link.capability_id) for link in instance.capability_links.all()],
            "impact_statements": [str(link.impact_statement_id) for link in instance.impact_links.all()],
        }
        for link in instance.capability_links.all():
            initial[f"{CAPABILITY_PREFIX}{link.capability_id}"] = link.justification
        for link in instance.impact_links.all():
            initial[f"{IMPACT_PREFIX}{link.impact_statement_id}"] = link.justification
        return initial

    def show_pending(self, pending) -> None:
        """After a failed save: the files now kept for the next try."""
        self.pending = list(pending)
        self.fields["files"].help_text = self.files_hint()
        self._bound_fields_cache.pop("files", None)

    @property
    def remaining_files(self) -> int:
        return max(0, settings.EVIDENCE_MAX_FILES - len(self.attachments) - len(self.pending))

    def files_hint(self) -> str:
        limits = (
            f"Each file must be smaller than {file_checks.size_label(file_checks.max_upload_size())} and be a "
            f"{file_checks.ACCEPTED_DESCRIPTION} file."
        )
        remaining = self.remaining_files
        if remaining == 0:
            return f"This evidence has {settings.EVIDENCE_MAX_FILES} files, the most it can have. Remove a file to add another."
        more = " more" if self.attachments or self.pending else ""
        return f"You can add up to {remaining}{more} file{'s' if remaining != 1 else ''}. {limits}"

    # Crispy helpers, one per section of the page ---------------------------

    def _helper(self, names) -> NHSFormHelper:
        helper = NHSFormHelper()
        helper.layout = Layout(*[name for name in names if name in self.fields])
        return helper

    @cached_property
    def about_helper(self) -> NHSFormHelper:
        return self._helper(ABOUT_FIELDS)

    @cached_property
    def confirmation_helper(self) -> NHSFormHelper:
        return self._helper(CONFIRMATION_FIELDS)

    @cached_property
    def files_helper(self) -> NHSFormHelper:
        return self._helper(("remove_attachments", "files"))

    # The mapping, for includes/evidence_mapping.html ------------------------

    def _groups(self, field_name: str, objects, prefix: str) -> list[dict]:
        options = {str(widget.data["value"]): widget for widget in self[field_name].subwidgets}
        groups = []
        for obj in objects:
            if not groups or groups[-1]["pillar"].pk != obj.pillar_id:
                groups.append({"pillar": obj.pillar, "items": []})
            groups[-1]["items"].append({"object": obj, "option": options[str(obj.pk)], "why": self[f"{prefix}{obj.pk}"]})
        return groups

    def capability_groups(self) -> list[dict]:
        return self._groups("capabilities", self.capability_choices, CAPABILITY_PREFIX)

    def impact_groups(self) -> list[dict]:
        return self._groups("impact_statements", self.statement_choices, IMPACT_PREFIX)

    # Cleaning ------------------------------------------------------------

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError("Enter a title", code="required")
        taken = (
            EvidenceItem.objects.for_owner(self.owner)
            .annotate(lower_title=Lower("title"))
            .filter(lower_title=title.lower())
        )
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(title_taken_message(title), code="unique")
        return title

    def clean_framework_example(self):
        value = self.cleaned_data.get("framework_example")
        if value is None:
            return None
        example = self.examples.get(value)
        if example is None:
            raise ValidationError(EXAMPLE_MESSAGE, code="invalid_choice")
        return example

    def clean_activity_date(self):
        value = self.cleaned_data["activity_date"]
        if value and value > timezone.localdate():
            raise ValidationError("The date of the activity must be today or in the past", code="future")
        return value

    def clean_confirmed_on(self):
        value = self.cleaned_data.get("confirmed_on")
        if value and value > timezone.localdate():
            raise ValidationError("The date they confirmed it must be today or in the past", code="future")
        return value

    def clean_files(self):
        removed = set(self.cleaned_data.get("remove_attachments") or [])
        taken = {a.original_name.lower(): a.original_name for a in self.attachments if str(a.pk) not in removed}
        pending = {p.original_name.lower() for p in self.pending}
        chosen = set()
        errors = []
        accepted = []
        for uploaded in self.cleaned_data.get("files") or []:
            try:
                name, _kind = file_checks.check_upload(uploaded)
            except ValidationError as error:
                errors.extend(error.messages)
                continue
            key = name.lower()
            if key in chosen:
                errors.append(f"You chose more than one file called ‘{name}’. Rename one of them, then choose it again")
            elif key in taken:
                errors.append(f"This evidence already has a file called ‘{taken[key]}’. Rename your file, or remove the one already added")
            elif key in pending:
                errors.append(f"You have already chosen a file called ‘{name}’")
            else:
                chosen.add(key)
                accepted.append(uploaded)
        self.accepted_files = accepted
        if errors:
            raise ValidationError(errors)
        return accepted

    def clean(self):
        cleaned = super().clean()

        if cleaned.get("evidence_type") == EvidenceType.FRAMEWORK_EXAMPLE and not cleaned.get("framework_example"):
            if "framework_example" not in self.errors:
                self.add_error("framework_example", EXAMPLE_MESSAGE)

        others_given = any(cleaned.get(name) for name in ("confirmed_by_role", "confirmed_by_email", "confirmed_on"))
        others_given = others_given or any(
            name in self.errors for name in ("confirmed_by_role", "confirmed_by_email", "confirmed_on")
        )
        if others_given and not cleaned.get("confirmed_by_name") and "confirmed_by_name" not in self.errors:
            self.add_error("confirmed_by_name", "Enter the name of the person who confirmed this evidence")

        self._clean_justifications(cleaned, "capabilities", self.capability_choices, CAPABILITY_PREFIX,
                                   lambda c: f"capability {c.number}")
        self._clean_justifications(cleaned, "impact_statements", self.statement_choices, IMPACT_PREFIX,
                                   lambda s: f"impact statement ‘{s.text[:60]}’")

        removed = set(cleaned.get("remove_attachments") or [])
        kept_names = {a.original_name.lower() for a in self.attachments if str(a.pk) not in removed}
        for upload in self.pending:
            if upload.original_name.lower() in kept_names and "files" not in self.errors:
                self.add_error(
                    "files",
                    f"This evidence already has a file called ‘{upload.original_name}’. "
                    "Untick it under files you have already chosen, or remove the one already added",
                )
        total = len(kept_names) + len(self.pending) + len(self.accepted_files)
        if total > settings.EVIDENCE_MAX_FILES:
            self.add_error(
                "files",
                f"Evidence can have up to {settings.EVIDENCE_MAX_FILES} files. "
                f"You have {total}: choose fewer, or remove some",
            )
        return cleaned

    def _clean_justifications(self, cleaned, field_name, objects, prefix, describe):
        ticked = set(cleaned.get(field_name) or [])
        for obj in objects:
            name = f"{prefix}{obj.pk}"
            value = " ".join((cleaned.get(name) or "").split())
            if str(obj.pk) not in ticked:
                cleaned[name] = ""
                continue
            cleaned[name] = value
            if len(value) > JUSTIFICATION_MAX_LENGTH:
                self.add_error(
                    name, f"What this shows for {describe(obj)} must be {JUSTIFICATION_MAX_LENGTH} characters or fewer"
                )

    # For the service -------------------------------------------------------

    def capability_links(self) -> dict[int, str]:
        return {
            int(pk): self.cleaned_data.get(f"{CAPABILITY_PREFIX}{pk}", "")
            for pk in self.cleaned_data.get("capabilities", [])
        }

    def impact_links(self) -> dict[int, str]:
        return {
            int(pk): self.cleaned_data.get(f"{IMPACT_PREFIX}{pk}", "")
            for pk in self.cleaned_data.get("impact_statements", [])
        }

    def evidence_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "evidence_type": data["evidence_type"],
            "framework_example": data.get("framework_example"),
            "activity_date": data["activity_date"],
            "description": data["description"],
            "impact": data.get("impact", ""),
            "beneficiaries": data.get("beneficiaries", []),
            "link": data.get("link", ""),
            "confirmed_by_name": data.get("confirmed_by_name", ""),
            "confirmed_by_role": data.get("confirmed_by_role", ""),
            "confirmed_by_email": data.get("confirmed_by_email", ""),
            "confirmed_on": data.get("confirmed_on"),
            "capability_links": self.capability_links(),
            "impact_links": self.impact_links(),
            "framework": self.framework,
        }

    def show_conflict(self, keys: list[str]) -> None:
        """Say which fields were also changed elsewhere (core.merge), on the
        fields themselves and at the top, keeping what was typed."""
        self.add_error(None, CONFLICT_MESSAGE)
        fields = dict.fromkeys(
            "capabilities" if key.startswith("capability:") else
            "impact_statements" if key.startswith("impact:") else key
            for key in keys
        )
        for name in fields:
            if name in self.fields:
                self.add_error(name, "This was also changed in another tab or window. Yours is shown.")

    def removed_attachment_ids(self) -> list[str]:
        return list(self.cleaned_data.get("remove_attachments") or [])


CONFLICT_MESSAGE = (
    "This evidence was changed in another tab or window after you opened this page, and some of the "
    "same parts were changed here, so nothing has been saved. Your changes are shown below. Save again "
    "to replace the other changes with yours, or go back to the evidence to see the saved version."
)


class EvidenceFilterForm(NHSFormMixin, forms.Form):
    """The filters on the evidence list. Invalid values are reported and
    that filter is left out; the others still apply."""

    q = forms.CharField(label="Search your evidence", required=False, max_length=200)
    framework = forms.ChoiceField(label="Framework", required=False)
    pillar = forms.ChoiceField(label="Pillar", required=False)
    capability = forms.TypedChoiceField(label="Capability", required=False, coerce=int, empty_value=None)
    type = forms.ChoiceField(label="Type", required=False, choices=[("", "Any type"), *EvidenceType.choices])
    date_from = NHSDateField(
        label="Activity from", required=False, help_text="For example, 1 4 2026",
        error_messages=_date_messages("date to show evidence from"),
    )
    date_to = NHSDateField(
        label="Activity to", required=False, help_text="For example, 31 3 2027",
        error_messages=_date_messages("date to show evidence to"),
    )

    def __init__(self, *args, editions, **kwargs):
        super().__init__(*args, **kwargs)
        # Pillars and capabilities are those of one edition: the one chosen,
        # else the practitioner's first. The framework filter is asked only
        # when there is more than one.
        by_slug = {edition.slug: edition for edition in editions}
        self.edition = by_slug.get(self.data.get("framework")) or next(iter(editions), None)
        if len(editions) > 1:
            self.fields["framework"].choices = [
                ("", "Any framework"),
                *((edition.slug, f"{edition.display_name} ({edition.version})") for edition in editions),
            ]
        else:
            del self.fields["framework"]
        pillars, capabilities = {}, []
        if self.edition is not None:
            for pillar in structure.pillars(self.edition):
                pillars[pillar.slug] = pillar
            capabilities = [
                capability
                for group in structure.capabilities_by_pillar(self.edition).values()
                for capability in group
            ]
            capabilities.sort(key=lambda c: c.number)
        self.pillars = pillars
        self.capabilities = {c.number: c for c in capabilities}
        self.fields["pillar"].choices = [("", "Any pillar"), *((slug, p.name) for slug, p in pillars.items())]
        self.fields["capability"].choices = [
            ("", "Any capability"),
            *((str(c.number), f"Capability {c.number}") for c in capabilities),
        ]
        for name in ("framework", "pillar", "capability", "type"):
            if name in self.fields:
                self.fields[name].error_messages["invalid_choice"] = f"Choose a {name} from the list"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The date to show evidence to must be the same as or after the date from")
        return cleaned


class ConfirmationRequestForm(NHSFormMixin, forms.Form):
    """Who to ask to confirm an evidence item."""

    submit_label = "Send the request"

    name = forms.CharField(label="Their full name", max_length=150,
                           error_messages={"required": "Enter the name of the person who can confirm this evidence"})
    role = forms.CharField(label="Their role", max_length=150, help_text="For example, ward manager or clinical lead",
                           error_messages={"required": "Enter their role, for example ward manager"})
    email = forms.EmailField(
        label="Their email address", max_length=254,
        help_text="Use their work email address. We will send them a link to see this evidence and reply.",
        error_messages={"required": "Enter their email address",
                        "invalid": "Enter an email address in the correct format, like name@example.nhs.uk"},
    )


class ConfirmerForm(NHSFormMixin, forms.Form):
    """The confirmer's answer, on the page their link opens."""

    submit_label = "Send your reply"

    decision = forms.ChoiceField(
        label="Can you confirm this evidence is a genuine account of what they did?",
        choices=[("confirm", "Yes, I can confirm it"), ("decline", "No, I cannot confirm it")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you can confirm this evidence"},
    )
    responder_role = forms.CharField(label="Your role", max_length=150,
                                     error_messages={"required": "Enter your role"})
    comment = forms.CharField(
        label="Comment", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional if you confirm it. If you cannot, say why.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "decline" and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", "Enter why you cannot confirm this evidence")
        return cleaned
