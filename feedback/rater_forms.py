"""The rater's form: a rating for each capability of the round, comments,
and (for a line manager) consent to be named.

The fields are made from the round, in the order the page shows them, so the
error summary lists errors in page order. Saving for later accepts a form
with questions left unanswered; submitting needs an answer (a level or "not
able to comment") for every capability. Too-long comments are an error
either way, so nothing longer than the limit is ever stored.
"""

from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.utils.functional import cached_property

from core.forms import NHSFormHelper
from feedback.models import COMMENT_MAX_LENGTH, CommentKind, CommentScope, RaterGroup
from feedback.services import RaterAnswers

NOT_ABLE = "na"
NOT_ABLE_LABEL = "Not able to comment"

COMMENT_LABELS = {CommentKind.STRENGTHS: "Strengths", CommentKind.DEVELOP: "What could be developed"}
COMMENT_HINTS = {
    CommentKind.STRENGTHS: "Optional. What do they do well? Examples help.",
    CommentKind.DEVELOP: "Optional. What could they do more of, or differently?",
}


def rating_field_name(capability) -> str:
    return f"capability_{capability.number}"


def comment_field_name(pillar, kind: str) -> str:
    return f"{kind}_{pillar.pk}" if pillar is not None else kind


@dataclass
class RatingOption:
    id: str
    value: str
    label: str
    hint: str
    checked: bool


@dataclass
class Question:
    capability: object
    field: forms.BoundField
    options: list = field(default_factory=list)

    @property
    def first_id(self) -> str:
        return self.options[0].id if self.options else self.field.auto_id


@dataclass
class PillarSection:
    pillar: object
    questions: list
    comment_fields: list


class RaterForm(forms.Form):
    """``capabilities``: the round's capabilities with their pillars, in
    page order. ``levels``: the rating levels of the round's scale.
    ``require_all``: True when submitting, False when saving for later."""

    def __init__(self, *args, feedback_round, group, capabilities, levels, require_all=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.feedback_round = feedback_round
        self.group = group
        self.capabilities = list(capabilities)
        self.levels = list(levels)
        self.require_all = require_all
        self.per_pillar = feedback_round.comment_scope == CommentScope.PILLAR

        choices = [(str(level.pk), f"{level.value} {level.label}") for level in self.levels]
        choices.append((NOT_ABLE, NOT_ABLE_LABEL))
        pillars = []
        for capability in self.capabilities:
            if not pillars or pillars[-1].pk != capability.pillar_id:
                pillars.append(capability.pillar)
        self.pillars = pillars

        for pillar in pillars:
            for capability in self.capabilities:
                if capability.pillar_id != pillar.pk:
                    continue
                self.fields[rating_field_name(capability)] = forms.ChoiceField(
                    label=f"Capability {capability.number}",
                    choices=choices,
                    required=False,
                    widget=forms.RadioSelect,
                    error_messages={
                        "invalid_choice": f"Select a rating for capability {capability.number} from the list"
                    },
                )
            if self.per_pillar:
                for kind in CommentKind.values:
                    self.fields[comment_field_name(pillar, kind)] = self._comment_field(
                        f"{COMMENT_LABELS[kind]} in {pillar.name}", kind
                    )
        if not self.per_pillar:
            for kind in CommentKind.values:
                self.fields[comment_field_name(None, kind)] = self._comment_field(COMMENT_LABELS[kind], kind)
        if group == RaterGroup.LINE_MANAGER:
            self.fields["named"] = forms.BooleanField(
                label="You can show my name with my answers",
                required=False,
                help_text=(
                    "If you leave this unticked, line managers' answers are only shown as part of a group of at "
                    f"least {settings.FEEDBACK_MIN_GROUP_SIZE} responses, so that no one can tell which are yours."
                ),
            )

    @staticmethod
    def _comment_field(label: str, kind: str) -> forms.CharField:
        return forms.CharField(
            label=label,
            help_text=COMMENT_HINTS[kind],
            required=False,
            max_length=COMMENT_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 5}),
            error_messages={"max_length": f"{label} must be {COMMENT_MAX_LENGTH:,} characters or fewer"},
        )

    @cached_property
    def helper(self):
        helper = NHSFormHelper(self)
        helper.label_class = "nhsuk-label--s"
        return helper

    # Filling in from saved answers -----------------------------------------

    @classmethod
    def initial_from(cls, answers: RaterAnswers | None, capabilities) -> dict:
        if answers is None:
            return {}
        initial = {}
        for capability in capabilities:
            value = answers.ratings.get(capability.pk)
            if value is not None:
                initial[rating_field_name(capability)] = str(value)
        pillars = {capability.pillar_id: capability.pillar for capability in capabilities}
        for (pillar_id, kind), text in answers.comments.items():
            pillar = pillars.get(pillar_id) if pillar_id is not None else None
            if pillar_id is not None and pillar is None:
                continue
            initial[comment_field_name(pillar, kind)] = text
        initial["named"] = answers.named
        return initial

    # Validation --------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        if self.require_all:
            for capability in self.capabilities:
                name = rating_field_name(capability)
                if name not in self.errors and not cleaned.get(name):
                    self.add_error(
                        name,
                        f"Select a rating for capability {capability.number}, or select '{NOT_ABLE_LABEL}'",
                    )
        return cleaned

    def answers(self) -> RaterAnswers:
        """What was entered, for the services. Call after is_valid()."""
        ratings = {}
        for capability in self.capabilities:
            value = self.cleaned_data.get(rating_field_name(capability))
            if value:
                ratings[capability.pk] = NOT_ABLE if value == NOT_ABLE else int(value)
        comments = {}
        for pillar in self.pillars if self.per_pillar else [None]:
            for kind in CommentKind.values:
                text = self.cleaned_data.get(comment_field_name(pillar, kind))
                if text:
                    comments[(pillar.pk if pillar is not None else None, kind)] = text
        return RaterAnswers(ratings=ratings, comments=comments, named=bool(self.cleaned_data.get("named")))

    # For the template ----------------------------------------------------

    def _question(self, capability) -> Question:
        bound = self[rating_field_name(capability)]
        current = bound.value()
        current = "" if current is None else str(current)
        hints = {str(level.pk): level.descriptor for level in self.levels}
        options = [
            RatingOption(
                id=subwidget.data["attrs"]["id"],
                value=str(subwidget.data["value"]),
                label=subwidget.data["label"],
                hint=hints.get(str(subwidget.data["value"]), ""),
                checked=str(subwidget.data["value"]) == current,
            )
            for subwidget in bound.subwidgets
        ]
        return Question(capability=capability, field=bound, options=options)

    def sections(self) -> list[PillarSection]:
        sections = []
        for pillar in self.pillars:
            questions = [self._question(c) for c in self.capabilities if c.pillar_id == pillar.pk]
            comments = (
                [self[comment_field_name(pillar, kind)] for kind in CommentKind.values] if self.per_pillar else []
            )
            sections.append(PillarSection(pillar=pillar, questions=questions, comment_fields=comments))
        return sections

    def overall_comment_fields(self) -> list:
        if self.per_pillar:
            return []
        return [self[comment_field_name(None, kind)] for kind in CommentKind.values]
