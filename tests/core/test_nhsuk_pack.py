"""The nhsuk crispy template pack, the NHS date field and the page furniture
(error summary, error pages) render the markup NHS.UK frontend 10 expects.

Forms are rendered through {% crispy %} or |crispy on their own, not inside a
page, so these tests need neither the database nor any URL but the ones
the templates under test use."""

import datetime

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test.html import parse_html

from core.forms import NHSDateField, NHSDateInput, NHSFormHelper, NHSFormMixin

PILLARS = [("clinical", "Expert clinical practice"), ("leadership", "Leadership")]
CAPABILITIES = [("1", "Capability 1"), ("2", "Capability 2"), ("3", "Capability 3")]


class EvidenceForm(NHSFormMixin, forms.Form):
    title = forms.CharField(
        label="Title",
        help_text="Use a few words that will help you find it again",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(label="Email address")
    summary = forms.CharField(label="Summary", max_length=500, widget=forms.Textarea)
    pillar = forms.ChoiceField(label="Which pillar is it for?", choices=PILLARS, widget=forms.RadioSelect)
    capabilities = forms.MultipleChoiceField(
        label="Which capabilities does it show?",
        help_text="Select all that apply",
        choices=CAPABILITIES,
        widget=forms.CheckboxSelectMultiple,
    )
    confirm = forms.BooleanField(label="This is my own work")
    file = forms.FileField(label="Upload a file")
    happened_on = NHSDateField(label="When did it happen?", help_text="For example, 15 3 2024")


INVALID_DATA = {
    "title": '<script>alert("x")</script>',
    "email": "not-an-email",
    "summary": "x" * 501,
    "happened_on_0": "31",
    "happened_on_1": "2",
    "happened_on_2": "2024",
}


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    # The manifest storage needs collectstatic to have run; these tests are
    # about markup, not hashed file names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def render_crispy(form):
    return Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))


def render_summary(form):
    return render_to_string("includes/error_summary.html", {"form": form})


def count_in_html(needle: str, haystack: str) -> int:
    """How many times an HTML fragment appears, ignoring attribute order and
    whitespace (as Django's assertInHTML does)."""
    return parse_html(haystack).count(parse_html(needle))


def assert_in_html(needle: str, haystack: str):
    assert count_in_html(needle, haystack) > 0, f"{needle}\n\nnot found in\n\n{haystack}"


@pytest.fixture
def invalid_form():
    form = EvidenceForm(data=INVALID_DATA)
    assert not form.is_valid()
    return form


@pytest.fixture
def invalid_html(invalid_form):
    return render_crispy(invalid_form)


# Text inputs


def test_text_input_with_hint_and_error_is_described_by_both(invalid_html):
    assert_in_html(
        '<input class="nhsuk-input nhsuk-input--error" id="id_title" name="title" type="text"'
        ' value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"'
        ' aria-describedby="id_title-hint id_title-error" autocomplete="off" maxlength="20">',
        invalid_html,
    )
    assert_in_html(
        '<div class="nhsuk-hint" id="id_title-hint">Use a few words that will help you find it again</div>',
        invalid_html,
    )
    assert_in_html('<label class="nhsuk-label" for="id_title">Title</label>', invalid_html)


def test_submitted_html_is_escaped_not_rendered(invalid_html):
    assert "<script>" not in invalid_html
    assert 'value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"' in invalid_html


def test_email_input_with_error_keeps_value_and_shows_error_message(invalid_html):
    assert (
        '<span class="nhsuk-error-message" id="id_email-error">\n'
        '  <span class="nhsuk-u-visually-hidden">Error: </span>Enter a valid email address.\n'
        "</span>"
    ) in invalid_html
    assert_in_html(
        '<input class="nhsuk-input nhsuk-input--error" id="id_email" name="email" type="email"'
        ' value="not-an-email" aria-describedby="id_email-error" maxlength="320">',
        invalid_html,
    )


def test_field_with_error_has_error_form_group(invalid_html):
    start = invalid_html.index('for="id_email"')
    group_start = invalid_html.rindex('<div class="nhsuk-form-group', 0, start)
    assert invalid_html.startswith('<div class="nhsuk-form-group nhsuk-form-group--error">', group_start)


def test_valid_field_has_no_error_markup():
    form = EvidenceForm(data={**INVALID_DATA, "email": "florence@example.nhs.uk"})
    form.is_valid()
    html = render_crispy(form)
    assert_in_html(
        '<input class="nhsuk-input" id="id_email" name="email" type="email"'
        ' value="florence@example.nhs.uk" maxlength="320">',
        html,
    )
    assert "id_email-error" not in html


def test_unbound_form_renders_without_errors_or_required_attributes():
    html = render_crispy(EvidenceForm())
    assert "nhsuk-form-group--error" not in html
    assert "nhsuk-error-message" not in html
    # Browser validation is off in NHS forms; the server says what is wrong.
    assert " required" not in html
    assert "aria-invalid" not in html


# Textarea and character count


def test_textarea_with_max_length_is_a_character_count(invalid_html):
    assert (
        '<div class="nhsuk-form-group nhsuk-form-group--error nhsuk-character-count"'
        ' data-module="nhsuk-character-count" data-maxlength="500">'
    ) in invalid_html
    assert_in_html(
        '<textarea class="nhsuk-textarea nhsuk-textarea--error nhsuk-js-character-count" id="id_summary"'
        ' name="summary" rows="10" aria-describedby="id_summary-info id_summary-error">' + "x" * 501 + "</textarea>",
        invalid_html,
    )
    assert_in_html(
        '<div class="nhsuk-hint nhsuk-character-count__message" id="id_summary-info">'
        "You can enter up to 500 characters</div>",
        invalid_html,
    )


def test_character_count_leaves_off_maxlength_so_long_answers_can_be_trimmed(invalid_html):
    textarea = invalid_html[invalid_html.index("<textarea") : invalid_html.index("</textarea>")]
    assert "maxlength" not in textarea


def test_textarea_without_max_length_is_a_plain_textarea():
    class NotesForm(forms.Form):
        notes = forms.CharField(label="Notes", widget=forms.Textarea(attrs={"rows": 5}))

    html = render_crispy(NotesForm())
    assert "nhsuk-character-count" not in html
    assert_in_html('<textarea class="nhsuk-textarea" id="id_notes" name="notes" rows="5"></textarea>', html)


# Radios, checkboxes and a single checkbox


def test_radio_field_with_error_links_summary_to_first_option(invalid_form, invalid_html):
    assert_in_html('<a href="#id_pillar_0">This field is required.</a>', render_summary(invalid_form))
    assert_in_html(
        '<input class="nhsuk-radios__input" id="id_pillar_0" name="pillar" type="radio" value="clinical">',
        invalid_html,
    )
    assert_in_html(
        '<label class="nhsuk-label nhsuk-radios__label" for="id_pillar_1">Leadership</label>', invalid_html
    )


def test_radio_field_is_a_fieldset_with_the_label_as_legend(invalid_html):
    assert '<fieldset class="nhsuk-fieldset" aria-describedby="id_pillar-error">' in invalid_html
    assert_in_html(
        '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">Which pillar is it for?</legend>',
        invalid_html,
    )
    assert '<div class="nhsuk-radios" data-module="nhsuk-radios">' in invalid_html


def test_checkbox_field_with_hint_and_error_describes_the_fieldset(invalid_form, invalid_html):
    assert (
        '<fieldset class="nhsuk-fieldset" aria-describedby="id_capabilities-hint id_capabilities-error">'
    ) in invalid_html
    assert_in_html(
        '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">Which capabilities does it show?</legend>',
        invalid_html,
    )
    assert_in_html('<div class="nhsuk-hint" id="id_capabilities-hint">Select all that apply</div>', invalid_html)
    assert '<div class="nhsuk-checkboxes" data-module="nhsuk-checkboxes">' in invalid_html
    assert_in_html('<a href="#id_capabilities_0">This field is required.</a>', render_summary(invalid_form))


def test_checked_choices_stay_checked_after_an_error():
    form = EvidenceForm(data={**INVALID_DATA, "pillar": "leadership", "capabilities": ["1", "3"]})
    assert not form.is_valid()
    html = render_crispy(form)
    assert_in_html(
        '<input class="nhsuk-radios__input" id="id_pillar_1" name="pillar" type="radio" value="leadership" checked>',
        html,
    )
    assert_in_html(
        '<input class="nhsuk-checkboxes__input" id="id_capabilities_0" name="capabilities" type="checkbox"'
        ' value="1" checked>',
        html,
    )
    assert_in_html(
        '<input class="nhsuk-checkboxes__input" id="id_capabilities_1" name="capabilities" type="checkbox" value="2">',
        html,
    )


def test_boolean_field_is_a_single_checkbox_linked_from_the_summary(invalid_form, invalid_html):
    assert_in_html(
        '<input class="nhsuk-checkboxes__input" id="id_confirm" name="confirm" type="checkbox" value="true"'
        ' aria-describedby="id_confirm-error">',
        invalid_html,
    )
    assert_in_html(
        '<label class="nhsuk-label nhsuk-checkboxes__label" for="id_confirm">This is my own work</label>',
        invalid_html,
    )
    assert_in_html('<a href="#id_confirm">This field is required.</a>', render_summary(invalid_form))


def test_ticked_boolean_field_stays_ticked():
    form = EvidenceForm(data={**INVALID_DATA, "confirm": "on"})
    form.is_valid()
    assert_in_html(
        '<input class="nhsuk-checkboxes__input" id="id_confirm" name="confirm" type="checkbox" value="true" checked>',
        render_crispy(form),
    )


# File upload


def test_file_field_is_the_nhs_file_upload(invalid_html):
    assert (
        '<div class="nhsuk-form-group nhsuk-form-group--error nhsuk-file-upload" data-module="nhsuk-file-upload">'
    ) in invalid_html
    assert_in_html(
        '<input class="nhsuk-file-upload__input" id="id_file" name="file" type="file" aria-describedby="id_file-error">',
        invalid_html,
    )


def test_file_field_that_allows_several_files_keeps_multiple():
    class SeveralFiles(forms.ClearableFileInput):
        allow_multiple_selected = True

    class UploadForm(forms.Form):
        files = forms.FileField(label="Upload files", widget=SeveralFiles(attrs={"multiple": True}))

    html = render_crispy(UploadForm())
    assert_in_html('<input class="nhsuk-file-upload__input" id="id_files" name="files" type="file" multiple>', html)
    assert 'data-i18n.choose-files-button="Choose files"' in html


def test_form_with_a_file_field_posts_as_multipart():
    class UploadForm(forms.Form):
        file = forms.FileField(label="Upload a file")

    form = UploadForm(files={"file": SimpleUploadedFile("a.pdf", b"%PDF")})
    form.helper = FormHelper()
    html = render_crispy(form)
    assert 'enctype="multipart/form-data"' in html
    assert "novalidate" in html


# Date input


def test_date_field_keeps_invalid_parts_and_links_summary_to_day(invalid_form, invalid_html):
    assert invalid_form.errors["happened_on"] == ["Date must be a real date"]
    assert_in_html('<a href="#id_happened_on_0">Date must be a real date</a>', render_summary(invalid_form))
    for index, value, width in [(0, "31", 2), (1, "2", 2), (2, "2024", 4)]:
        assert_in_html(
            f'<input class="nhsuk-input nhsuk-input--error nhsuk-input--width-{width} nhsuk-date-input__input"'
            f' id="id_happened_on_{index}" name="happened_on_{index}" type="text" value="{value}" inputmode="numeric">',
            invalid_html,
        )


def test_date_field_is_a_group_fieldset_with_legend_hint_and_labelled_parts(invalid_html):
    assert (
        '<fieldset class="nhsuk-fieldset" role="group" aria-describedby="id_happened_on-hint id_happened_on-error">'
    ) in invalid_html
    assert_in_html(
        '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">When did it happen?</legend>', invalid_html
    )
    assert '<div class="nhsuk-date-input" id="id_happened_on">' in invalid_html
    for index, label in enumerate(["Day", "Month", "Year"]):
        assert_in_html(
            f'<label class="nhsuk-label nhsuk-date-input__label" for="id_happened_on_{index}">{label}</label>',
            invalid_html,
        )


def test_date_field_shows_an_initial_date_in_its_parts():
    form = EvidenceForm(initial={"happened_on": datetime.date(2024, 3, 5)})
    html = render_crispy(form)
    assert_in_html(
        '<input class="nhsuk-input nhsuk-input--width-4 nhsuk-date-input__input" id="id_happened_on_2"'
        ' name="happened_on_2" type="text" value="2024" inputmode="numeric">',
        html,
    )
    assert 'value="5"' in html and 'value="3"' in html


def test_date_widget_joins_real_dates_and_keeps_anything_else_as_typed():
    widget = NHSDateInput()
    assert widget.value_from_datadict({"d_0": "5", "d_1": "3", "d_2": "2024"}, {}, "d") == "2024-03-05"
    assert widget.value_from_datadict({"d_0": "31", "d_1": "2", "d_2": "2024"}, {}, "d") == ["31", "2", "2024"]
    assert widget.value_from_datadict({"d_0": " ", "d_1": "", "d_2": ""}, {}, "d") is None
    assert widget.decompress(datetime.date(2024, 3, 5)) == ["5", "3", "2024"]
    assert widget.decompress(None) == [None, None, None]


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (["", "", ""], "Enter the date"),
        (["5", "", "2024"], "Date must include a month"),
        (["", "", "2024"], "Date must include a day and month"),
        (["5", "3", "24"], "Year must include 4 numbers"),
        (["5", "March", "2024"], "Date must be a real date"),
        (["29", "2", "2023"], "Date must be a real date"),
        # Parts too long for a C integer once raised OverflowError: HTTP 500.
        (["9" * 40, "3", "2024"], "Date must be a real date"),
        (["5", "9" * 40, "2024"], "Date must be a real date"),
        (["5", "3", "9" * 40], "Year must include 4 numbers"),
        (["5", "3", "0999"], "Year must be between 1900 and 2100"),
        (["5", "3", "9999"], "Year must be between 1900 and 2100"),
    ],
)
def test_date_field_explains_what_is_wrong_with_the_date(parts, message):
    class DateForm(forms.Form):
        when = NHSDateField(label="When")

    form = DateForm(data={"when_0": parts[0], "when_1": parts[1], "when_2": parts[2]})
    assert form.errors["when"] == [message]


def test_date_field_cleans_to_a_date():
    class DateForm(forms.Form):
        when = NHSDateField(label="When")

    form = DateForm(data={"when_0": "29", "when_1": "2", "when_2": "2024"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["when"] == datetime.date(2024, 2, 29)


# Error summary


def test_error_summary_has_the_design_system_markup(invalid_form):
    html = render_summary(invalid_form)
    assert '<div class="nhsuk-error-summary" data-module="nhsuk-error-summary">' in html
    assert '<div role="alert">' in html
    assert_in_html('<h2 class="nhsuk-error-summary__heading">There is a problem</h2>', html)
    assert '<ul class="nhsuk-list nhsuk-error-summary__list">' in html


def test_error_summary_links_text_inputs_to_their_ids(invalid_form):
    html = render_summary(invalid_form)
    assert_in_html('<a href="#id_email">Enter a valid email address.</a>', html)
    assert_in_html('<a href="#id_file">This field is required.</a>', html)


def test_error_summary_lists_errors_in_field_order(invalid_form):
    html = render_summary(invalid_form)
    links = ["#id_title", "#id_email", "#id_summary", "#id_pillar_0", "#id_capabilities_0", "#id_confirm",
             "#id_file", "#id_happened_on_0"]
    positions = [html.index(f'href="{link}"') for link in links]
    assert positions == sorted(positions)


def test_error_summary_shows_non_field_errors_without_a_link():
    class DatesForm(forms.Form):
        start = NHSDateField(label="Start date")
        end = NHSDateField(label="End date")

        def clean(self):
            cleaned = super().clean()
            if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
                raise ValidationError("End date must be the same as or after the start date")
            return cleaned

    form = DatesForm(data={"start_0": "2", "start_1": "1", "start_2": "2024", "end_0": "1", "end_1": "1", "end_2": "2024"})
    assert not form.is_valid()
    assert_in_html("<li>End date must be the same as or after the start date</li>", render_summary(form))


def test_error_summary_is_not_shown_when_there_are_no_errors():
    assert render_summary(EvidenceForm()).strip() == ""


def test_form_output_does_not_repeat_the_error_summary(invalid_html):
    assert "nhsuk-error-summary" not in invalid_html


# Helper, buttons and the |crispy filter


def test_nhs_helper_leaves_the_form_tag_and_csrf_token_to_the_page(invalid_html):
    assert "<form" not in invalid_html
    assert "csrfmiddlewaretoken" not in invalid_html


def test_submit_renders_as_nhs_button():
    class SaveForm(NHSFormMixin, forms.Form):
        submit_label = "Save and continue"
        name = forms.CharField(label="Name")

    html = render_crispy(SaveForm())
    assert '<button class="nhsuk-button" data-module="nhsuk-button" type="submit" name="submit">' in html
    assert "Save and continue" in html
    assert "btn" not in html


def test_submit_can_be_the_secondary_button():
    class DraftForm(forms.Form):
        name = forms.CharField(label="Name")

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.helper = NHSFormHelper()
            self.helper.add_input(Submit("save", "Save"))
            self.helper.add_input(Submit("draft", "Save as draft", css_class="nhsuk-button--secondary"))

    html = render_crispy(DraftForm())
    assert '<div class="nhsuk-button-group">' in html
    assert (
        '<button class="nhsuk-button nhsuk-button--secondary" data-module="nhsuk-button" type="submit" name="draft">'
    ) in html


def test_crispy_filter_renders_a_plain_form_through_the_pack():
    class PlainForm(forms.Form):
        email = forms.EmailField(label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    html = Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(Context({"form": PlainForm()}))
    assert_in_html(
        '<input class="nhsuk-input" id="id_email" name="email" type="email" autocomplete="email" maxlength="320">',
        html,
    )


def test_select_renders_nhs_select_with_the_chosen_option():
    class OrgForm(forms.Form):
        organisation = forms.ChoiceField(label="Organisation", choices=[("", "Select an organisation"), ("a", "A")])

    form = OrgForm(data={"organisation": "a"})
    html = render_crispy(form)
    assert '<select class="nhsuk-select" id="id_organisation" name="organisation">' in html
    assert '<option value="a" selected>A</option>' in html


# Error pages


def test_500_page_renders_with_only_the_service_name():
    html = render_to_string("errors/500.html", {"service_name": "Consultant capability portfolio"})
    assert "<title>Sorry, there is a problem with the service – Consultant capability portfolio – NHS</title>" in html
    assert_in_html("<h1>Sorry, there is a problem with the service</h1>", html)
    assert_in_html("<p>Try again later.</p>", html)
    assert 'href="/static/nhsuk/app.css"' in html
    assert 'class="nhsuk-header"' in html
    assert "Sign out" not in html
    assert "<script>" not in html and " style=" not in html


def test_a_selects_empty_choice_reads_as_words_not_dashes(practitioner_client):
    from django.urls import reverse

    page = practitioner_client.get(reverse("profile")).content.decode()
    assert "---------" not in page
    assert '<option value="">Select an option</option>' in page or '<option value="" selected>Select an option</option>' in page
