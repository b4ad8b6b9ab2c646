"""The evidence portfolio: list, add, view, change and delete evidence, its
mapping to the framework, and who may do what. Files are in
test_evidence_files.py."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from capability.models import Capability, Framework
from impact.models import EvidenceExample, ImpactStatement
from portfolios import evidence_services
from portfolios.models import (
    AssessmentEvidence,
    AssessmentStatus,
    EvidenceCapabilityLink,
    EvidenceImpactLink,
    EvidenceItem,
)
from tests.factories import AssessmentFactory, CapabilityFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db


# Shared with test_evidence_files.py ----------------------------------------

CONSULTANT_FRAMEWORK = "consultant-level-practice"


@pytest.fixture(scope="module")
def loaded_framework(django_db_setup, django_db_blocker):
    """The framework, loaded once for the module rather than for every test
    (loading takes most of a second), and removed again afterwards so other
    modules start from the empty database they expect."""
    with django_db_blocker.unblock():
        call_command("load_framework", verbosity=0)
    yield
    with django_db_blocker.unblock():
        Framework.objects.filter(slug=CONSULTANT_FRAMEWORK).delete()


@pytest.fixture
def framework(loaded_framework, db):
    """Overrides tests/conftest.py's fixture of the same name, which loads the
    framework inside every test."""
    return Framework.objects.get(slug=CONSULTANT_FRAMEWORK)



def capabilities(*numbers):
    found = {c.number: c for c in Capability.objects.filter(framework__is_current=True, number__in=numbers)}
    return [found[n] for n in numbers]


def evidence_post(caps=None, justifications=None, **overrides):
    """A valid add/change form post, mapped to capability 1 unless told."""
    caps = caps if caps is not None else capabilities(1)
    data = {
        "title": "Led the sepsis audit",
        "evidence_type": "audit_data",
        "activity_date_0": "12",
        "activity_date_1": "3",
        "activity_date_2": "2026",
        "description": "I led a trust-wide audit of sepsis screening.",
        "impact": "",
        "link": "",
        "capabilities": [str(c.pk) for c in caps],
    }
    for capability, text in (justifications or {}).items():
        data[f"why_cap_{capability.pk}"] = text
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def settle_session(client):
    """One request first, so the session's activity stamp (written at most
    once a minute) is not counted among a page's queries."""
    client.get(LIST_URL)


def detail_url(item):
    return reverse("portfolios:evidence_detail", kwargs={"pk": item.pk})


def edit_url(item):
    return reverse("portfolios:evidence_edit", kwargs={"pk": item.pk})


def delete_url(item):
    return reverse("portfolios:evidence_delete", kwargs={"pk": item.pk})


LIST_URL = reverse("portfolios:evidence_list")
CREATE_URL = reverse("portfolios:evidence_create")


# Adding ------------------------------------------------------------------------


def test_adding_evidence_with_a_link_mapped_to_three_capabilities_with_justifications(
    practitioner_client, practitioner, framework
):
    caps = capabilities(1, 5, 14)
    statement = ImpactStatement.objects.filter(pillar__framework=framework).first()
    data = evidence_post(
        caps,
        justifications={caps[0]: "  Shows I lead   audit  ", caps[1]: "Trained the ward teams", caps[2]: ""},
        link="https://www.example.org/sepsis-report",
        impact="Screening rose from 60% to 92%.",
        beneficiaries=["service_users", "staff"],
        impact_statements=[str(statement.pk)],
        **{f"why_imp_{statement.pk}": "Measured improvement"},
    )
    response = practitioner_client.post(CREATE_URL, data)

    item = EvidenceItem.objects.get(owner=practitioner)
    assert response.status_code == 302
    assert response["Location"] == detail_url(item)
    assert item.title == "Led the sepsis audit"
    assert item.activity_date == datetime.date(2026, 3, 12)
    assert item.link == "https://www.example.org/sepsis-report"
    assert item.beneficiaries == ["service_users", "staff"]
    links = {link.capability.number: link.justification for link in item.capability_links.select_related("capability")}
    assert links == {1: "Shows I lead audit", 5: "Trained the ward teams", 14: ""}
    # Each link carries the item's owner, which the organisation's ratings
    # CSV counts evidence by.
    assert set(item.capability_links.values_list("owner_id", flat=True)) == {practitioner.pk}
    assert list(item.impact_links.values_list("impact_statement_id", "justification")) == [
        (statement.pk, "Measured improvement")
    ]
    follow = practitioner_client.get(response["Location"])
    assert "Evidence added" in follow.content.decode()


def test_new_evidence_appears_in_the_owners_draft_assessments_only(practitioner_client, practitioner, framework):
    draft = AssessmentFactory(practitioner=practitioner)
    submitted = AssessmentFactory(practitioner=practitioner, status=AssessmentStatus.SUBMITTED)
    someone_elses = AssessmentFactory(practitioner=UserFactory())

    practitioner_client.post(CREATE_URL, evidence_post())

    item = EvidenceItem.objects.get(owner=practitioner)
    included = set(AssessmentEvidence.objects.filter(evidence=item).values_list("assessment_id", flat=True))
    assert included == {draft.pk}
    assert submitted.pk not in included and someone_elses.pk not in included


def test_add_page_pre_ticks_the_capability_in_the_query_string(practitioner_client, framework):
    capability = capabilities(7)[0]
    html = practitioner_client.get(CREATE_URL + "?capability=7").content.decode()
    assert f'value="{capability.pk}" checked' in html
    assert html.count(" checked") == 1
    assert "<h1>Add evidence</h1>" in html


def test_add_page_groups_capabilities_and_impact_statements_by_pillar(practitioner_client, framework):
    html = practitioner_client.get(CREATE_URL).content.decode()
    assert html.count('name="capabilities"') == 16
    assert html.count('name="impact_statements"') == ImpactStatement.objects.count()
    assert html.count('class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Expert practice</legend>') == 2
    assert 'enctype="multipart/form-data"' in html
    assert '<input class="nhsuk-file-upload__input" id="id_files" name="files" type="file" multiple' in html
    assert "Each file must be smaller than 20MB" in html
    assert "<optgroup label=" in html
    assert " style=" not in html and "<script>" not in html


# Validation --------------------------------------------------------------------


@pytest.mark.parametrize("link", ["javascript:alert(1)", "ftp://x", "JavaScript:alert(document.cookie)", "data:text/html,hi"])
def test_only_http_and_https_links_are_accepted(practitioner_client, framework, link):
    response = practitioner_client.post(CREATE_URL, evidence_post(link=link))
    assert response.status_code == 200
    # once in the error summary, once by the field
    assert response.content.decode().count("Enter a web link starting with https:// or http://") == 2
    assert not EvidenceItem.objects.exists()


def test_a_link_without_a_scheme_is_taken_as_https(practitioner_client, practitioner, framework):
    practitioner_client.post(CREATE_URL, evidence_post(link="www.example.org/report"))
    assert EvidenceItem.objects.get(owner=practitioner).link == "https://www.example.org/report"


def test_evidence_needs_at_least_one_capability(practitioner_client, framework):
    response = practitioner_client.post(CREATE_URL, evidence_post(caps=[]))
    html = response.content.decode()
    assert "Choose at least one capability this evidence shows" in html
    assert 'href="#id_capabilities_0"' in html
    assert 'id="id_capabilities_0"' in html
    assert not EvidenceItem.objects.exists()


def test_framework_example_type_needs_the_example_chosen(practitioner_client, practitioner, framework):
    response = practitioner_client.post(CREATE_URL, evidence_post(evidence_type="framework_example"))
    assert "Choose the example of evidence from the framework" in response.content.decode()
    assert not EvidenceItem.objects.exists()

    example = EvidenceExample.objects.filter(impact_statement__pillar__framework=framework).first()
    response = practitioner_client.post(
        CREATE_URL, evidence_post(evidence_type="framework_example", framework_example=str(example.pk))
    )
    assert response.status_code == 302
    assert EvidenceItem.objects.get(owner=practitioner).framework_example == example


def test_framework_example_is_dropped_when_the_type_is_another(practitioner_client, practitioner, framework):
    example = EvidenceExample.objects.first()
    practitioner_client.post(CREATE_URL, evidence_post(evidence_type="feedback", framework_example=str(example.pk)))
    assert EvidenceItem.objects.get(owner=practitioner).framework_example is None


def test_a_capability_of_another_framework_is_refused(practitioner_client, framework):
    stranger = CapabilityFactory()  # in a framework of its own, not the current one
    response = practitioner_client.post(CREATE_URL, evidence_post(caps=[capabilities(1)[0], stranger]))
    assert "Choose capabilities from the framework" in response.content.decode()
    assert not EvidenceItem.objects.exists()
    assert not EvidenceCapabilityLink.objects.exists()


def test_the_service_also_refuses_a_capability_of_another_framework(practitioner, framework):
    item = EvidenceFactory(owner=practitioner)
    stranger = CapabilityFactory()
    with pytest.raises(ValidationError):
        evidence_services.set_capability_links(evidence=item, links={stranger.pk: ""})
    assert list(item.capability_links.values_list("capability__number", flat=True)) == [1]


def test_titles_are_unique_per_owner_ignoring_case(practitioner_client, practitioner, framework):
    EvidenceFactory(owner=practitioner, title="Sepsis audit")
    EvidenceFactory(owner=UserFactory(), title="Another person's audit")
    response = practitioner_client.post(CREATE_URL, evidence_post(title="  SEPSIS audit "))
    assert "You already have evidence called ‘SEPSIS audit’" in response.content.decode()
    response = practitioner_client.post(CREATE_URL, evidence_post(title="another PERSON's audit"))
    assert response.status_code == 302


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("title", "   ", "Enter a title"),
        ("description", " \n\t ", "Describe what you did"),
        ("evidence_type", "", "Choose the type of evidence"),
        ("activity_date_2", "", "The date of the activity must include a year"),
        ("title", "x" * 151, "Title must be 150 characters or fewer"),
        ("description", "x" * 5001, "What you did must be 5,000 characters or fewer"),
        ("impact", "x" * 5001, "What changed must be 5,000 characters or fewer"),
        ("beneficiaries", "everyone", "Choose who benefited from the list"),
    ],
)
def test_required_and_too_long_answers_are_refused_with_their_own_message(
    practitioner_client, framework, field, value, message
):
    response = practitioner_client.post(CREATE_URL, evidence_post(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EvidenceItem.objects.exists()


def test_future_dates_are_refused(practitioner_client, framework):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    parts = {"_0": str(tomorrow.day), "_1": str(tomorrow.month), "_2": str(tomorrow.year)}
    data = evidence_post(
        **{f"activity_date{k}": v for k, v in parts.items()},
        confirmed_by_name="Dr A Person",
        **{f"confirmed_on{k}": v for k, v in parts.items()},
    )
    html = practitioner_client.post(CREATE_URL, data).content.decode()
    assert "The date of the activity must be today or in the past" in html
    assert "The date they confirmed it must be today or in the past" in html
    assert not EvidenceItem.objects.exists()


def test_confirmation_details_need_the_name_of_who_confirmed(practitioner_client, practitioner, framework):
    response = practitioner_client.post(
        CREATE_URL, evidence_post(confirmed_by_role="Chief nurse", confirmed_by_email="chief@trust.example")
    )
    assert "Enter the name of the person who confirmed this evidence" in response.content.decode()
    assert not EvidenceItem.objects.exists()

    response = practitioner_client.post(
        CREATE_URL,
        evidence_post(
            confirmed_by_name="Sam Jones", confirmed_by_role="Chief nurse", confirmed_by_email="chief@trust.example",
            confirmed_on_0="1", confirmed_on_1="4", confirmed_on_2="2026",
        ),
    )
    item = EvidenceItem.objects.get(owner=practitioner)
    assert (item.confirmed_by_name, item.confirmed_on) == ("Sam Jones", datetime.date(2026, 4, 1))


def test_a_justification_longer_than_one_line_of_200_characters_is_refused(practitioner_client, framework):
    cap = capabilities(3)[0]
    response = practitioner_client.post(CREATE_URL, evidence_post([cap], justifications={cap: "x" * 201}))
    html = response.content.decode()
    assert "What this shows for capability 3 must be 200 characters or fewer" in html
    assert f'href="#id_why_cap_{cap.pk}"' in html
    assert not EvidenceItem.objects.exists()


def test_a_justification_for_an_unticked_capability_is_ignored(practitioner_client, practitioner, framework):
    one, two = capabilities(1, 2)
    practitioner_client.post(CREATE_URL, evidence_post([one], justifications={two: "x" * 300}))
    item = EvidenceItem.objects.get(owner=practitioner)
    assert list(item.capability_links.values_list("capability_id", flat=True)) == [one.pk]


def test_a_failed_save_keeps_everything_typed(practitioner_client, framework):
    caps = capabilities(2, 9)
    data = evidence_post(
        caps,
        justifications={caps[0]: "Ran the clinic"},
        title="Clinic redesign",
        description="First paragraph.\n\nSecond paragraph.",
        impact="Shorter waits",
        beneficiaries=["organisation"],
        link="ftp://nope",
        confirmed_by_name="Sam Jones",
        confirmed_by_role="Matron",
    )
    html = practitioner_client.post(CREATE_URL, data).content.decode()
    assert 'value="Clinic redesign"' in html
    assert "First paragraph.\n\nSecond paragraph.</textarea>" in html
    assert "Shorter waits</textarea>" in html
    assert 'value="organisation" checked' in html
    assert 'value="ftp://nope"' in html
    assert 'value="Sam Jones"' in html and 'value="Matron"' in html
    assert 'value="12"' in html and 'value="2026"' in html
    assert f'value="{caps[0].pk}" checked' in html and f'value="{caps[1].pk}" checked' in html
    assert 'value="Ran the clinic"' in html
    assert "<title>Error: Add evidence" in html
    assert not EvidenceItem.objects.exists()


# Viewing -------------------------------------------------------------------------


def test_detail_shows_the_whole_item(practitioner_client, practitioner, framework):
    item = EvidenceFactory(
        owner=practitioner,
        title="Sepsis audit",
        activity_date=datetime.date(2026, 11, 22),
        impact="Fewer missed cases",
        beneficiaries=["staff", "system"],
        link="https://www.example.org/a",
        confirmed_by_name="Sam Jones",
        confirmed_by_role="Matron",
        confirmed_by_email="sam@trust.example",
        confirmed_on=datetime.date(2026, 11, 23) - datetime.timedelta(days=2),
        capabilities=[],
    )
    cap = capabilities(4)[0]
    EvidenceCapabilityLink.objects.create(evidence=item, owner=item.owner, capability=cap, justification="Led the audit")
    statement = ImpactStatement.objects.first()
    EvidenceImpactLink.objects.create(evidence=item, impact_statement=statement, justification="Sustained change")
    assessment = AssessmentFactory(practitioner=practitioner)
    AssessmentEvidence.objects.create(assessment=assessment, evidence=item)

    html = practitioner_client.get(detail_url(item)).content.decode()
    assert "<h1>Sepsis audit</h1>" in html
    assert "22 November 2026" in html and "on 21 November 2026" in html
    assert "Fewer missed cases" in html
    assert "Staff, The wider system" in html
    assert 'href="https://www.example.org/a"' in html
    assert "Sam Jones, Matron" in html and "sam@trust.example" in html
    assert "Capability 4" in html and cap.statement in html and "Led the audit" in html
    assert statement.text in html and "Sustained change" in html
    assert assessment.title in html
    assert "Delete evidence" in html and edit_url(item) in html


def test_html_in_title_and_description_is_shown_escaped(practitioner_client, practitioner, framework):
    practitioner_client.post(
        CREATE_URL,
        evidence_post(title="<script>alert('t')</script>", description='<img src=x onerror="alert(1)">'),
    )
    item = EvidenceItem.objects.get(owner=practitioner)
    for url in (detail_url(item), LIST_URL):
        html = practitioner_client.get(url).content.decode()
        assert "<script>alert(" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in practitioner_client.get(detail_url(item)).content.decode()


def test_owner_sees_only_their_own_evidence_in_the_list(practitioner_client, practitioner, framework):
    EvidenceFactory(owner=practitioner, title="Mine", capabilities=capabilities(1, 2))
    EvidenceFactory(owner=UserFactory(), title="Somebody else's")
    html = practitioner_client.get(LIST_URL).content.decode()
    assert "Mine" in html and "Somebody else" not in html
    assert "1 item of evidence" in html
    row = html.split(">Mine</a>")[1].split("</tr>")[0]
    assert "Capabilities </span>2" in row and "Files </span>0" in row


def test_list_filters_by_pillar_capability_type_and_dates(practitioner_client, practitioner, framework):
    early = EvidenceFactory(owner=practitioner, title="Early clinic", activity_date=datetime.date(2025, 6, 1),
                            capabilities=capabilities(1))
    audit = EvidenceFactory(owner=practitioner, title="Audit of falls", evidence_type="audit_data",
                            activity_date=datetime.date(2026, 2, 1), capabilities=capabilities(6, 7))
    research = EvidenceFactory(owner=practitioner, title="Research paper", evidence_type="publication",
                               activity_date=datetime.date(2026, 9, 1), capabilities=capabilities(12))

    def titles(query):
        html = practitioner_client.get(LIST_URL + query).content.decode()
        return {item.title for item in (early, audit, research) if f">{item.title}</a>" in html}

    pillar_of_12 = capabilities(12)[0].pillar.slug
    assert titles("") == {"Early clinic", "Audit of falls", "Research paper"}
    assert titles(f"?pillar={pillar_of_12}") == {"Research paper"}
    assert titles("?capability=7") == {"Audit of falls"}
    assert titles("?type=publication") == {"Research paper"}
    assert titles("?date_from_0=1&date_from_1=1&date_from_2=2026") == {"Audit of falls", "Research paper"}
    assert titles("?date_to_0=1&date_to_1=3&date_to_2=2026") == {"Early clinic", "Audit of falls"}
    assert titles("?capability=99") == {"Early clinic", "Audit of falls", "Research paper"}  # reported, not applied


def test_list_search_looks_in_title_description_and_impact(practitioner_client, practitioner, framework):
    EvidenceFactory(owner=practitioner, title="Sepsis audit", description="Ward 3")
    EvidenceFactory(owner=practitioner, title="Teaching", description="Taught SEPSIS screening")
    EvidenceFactory(owner=practitioner, title="Clinic", description="New clinic", impact="Sepsis deaths fell")
    EvidenceFactory(owner=practitioner, title="Unrelated", description="Nothing here")
    html = practitioner_client.get(LIST_URL + "?q=sepsis").content.decode()
    assert "3 items of evidence" in html
    assert "Unrelated" not in html
    html = practitioner_client.get(LIST_URL + "?q=sepsis+ward").content.decode()
    assert "1 item of evidence" in html and "Sepsis audit" in html


def test_list_is_paginated_25_to_a_page_keeping_the_filters(practitioner_client, practitioner, framework):
    for n in range(27):
        EvidenceFactory(owner=practitioner, title=f"Audit {n:02d}", evidence_type="audit_data")
    EvidenceFactory(owner=practitioner, title="Not an audit", evidence_type="feedback")
    first = practitioner_client.get(LIST_URL + "?type=audit_data").content.decode()
    assert first.count('<tr class="nhsuk-table__row">') == 1 + 25
    assert "27 items of evidence, showing 1 to 25" in first
    assert 'href="?type=audit_data&amp;page=2"' in first
    assert 'class="nhsuk-pagination nhsuk-pagination--numbered"' in first
    second = practitioner_client.get(LIST_URL + "?type=audit_data&page=2").content.decode()
    assert second.count('<tr class="nhsuk-table__row">') == 1 + 2
    assert "Not an audit" not in second


def test_list_runs_the_same_number_of_queries_for_1_or_50_items(
    practitioner_client, practitioner, framework, django_assert_num_queries
):
    EvidenceFactory(owner=practitioner, capabilities=capabilities(1, 2, 3))
    settle_session(practitioner_client)
    # session, user, the practitioner check, the filter choices (the
    # practitioner's editions: their assessments', their organisations'
    # choices, and the current edition as their organisation chose none),
    # count, page, who confirmed the items on it
    with django_assert_num_queries(9):
        practitioner_client.get(LIST_URL + "?q=evidence&pillar=expert-practice")
    for _ in range(49):
        EvidenceFactory(owner=practitioner, capabilities=capabilities(1, 2, 3))
    settle_session(practitioner_client)
    with django_assert_num_queries(9):
        practitioner_client.get(LIST_URL + "?q=evidence&pillar=expert-practice")


def test_detail_runs_the_same_number_of_queries_for_1_or_16_capabilities(
    practitioner_client, practitioner, framework, django_assert_num_queries
):
    one = EvidenceFactory(owner=practitioner, capabilities=capabilities(1))
    every = EvidenceFactory(owner=practitioner, capabilities=list(Capability.objects.filter(framework=framework)))
    settle_session(practitioner_client)
    # session, user, item, capability links, impact links, files, assessments,
    # confirmations
    with django_assert_num_queries(8):
        practitioner_client.get(detail_url(one))
    with django_assert_num_queries(8):
        html = practitioner_client.get(detail_url(every)).content.decode()
    assert "Capability 16" in html


# Changing --------------------------------------------------------------------


def test_owner_can_change_evidence_and_its_mapping(practitioner_client, practitioner, framework):
    one, two, three = capabilities(1, 2, 3)
    item = EvidenceFactory(owner=practitioner, title="Old title", capabilities=[])
    EvidenceCapabilityLink.objects.create(evidence=item, owner=item.owner, capability=one, justification="Old reason")
    EvidenceCapabilityLink.objects.create(evidence=item, owner=item.owner, capability=two, justification="Keep")

    html = practitioner_client.get(edit_url(item)).content.decode()
    assert 'value="Old title"' in html and 'value="Old reason"' in html
    assert "<h1>Change evidence</h1>" in html

    response = practitioner_client.post(
        edit_url(item),
        evidence_post([one, three], justifications={one: "New reason", three: "Added"}, title="New title"),
    )
    assert response.status_code == 302 and response["Location"] == detail_url(item)
    item.refresh_from_db()
    assert item.title == "New title"
    assert dict(item.capability_links.values_list("capability_id", "justification")) == {
        one.pk: "New reason", three.pk: "Added"
    }


def test_changing_keeps_the_title_of_the_item_itself(practitioner_client, practitioner, framework):
    item = EvidenceFactory(owner=practitioner, title="Sepsis audit")
    response = practitioner_client.post(edit_url(item), evidence_post(title="SEPSIS AUDIT"))
    assert response.status_code == 302


# Deleting ------------------------------------------------------------------------


def test_owner_can_delete_evidence_after_confirming(practitioner_client, practitioner, framework):
    item = EvidenceFactory(owner=practitioner, title="Old audit")
    draft = AssessmentFactory(practitioner=practitioner)
    AssessmentEvidence.objects.create(assessment=draft, evidence=item)

    html = practitioner_client.get(delete_url(item)).content.decode()
    assert "Are you sure you want to delete ‘Old audit’?" in html
    assert 'class="nhsuk-button nhsuk-button--warning"' in html
    assert EvidenceItem.objects.filter(pk=item.pk).exists()

    response = practitioner_client.post(delete_url(item))
    assert response.status_code == 302 and response["Location"] == LIST_URL
    assert not EvidenceItem.objects.filter(pk=item.pk).exists()
    assert not AssessmentEvidence.objects.filter(assessment=draft).exists()


def test_evidence_in_a_submitted_assessment_cannot_be_deleted(practitioner_client, practitioner, framework):
    item = EvidenceFactory(owner=practitioner)
    submitted = AssessmentFactory(practitioner=practitioner, status=AssessmentStatus.SUBMITTED)
    AssessmentEvidence.objects.create(assessment=submitted, evidence=item)

    html = practitioner_client.get(delete_url(item)).content.decode()
    assert "You cannot delete this evidence" in html and submitted.title in html
    assert "nhsuk-button--warning" not in html
    assert "Delete evidence</a>" not in practitioner_client.get(detail_url(item)).content.decode()

    response = practitioner_client.post(delete_url(item))
    assert response.status_code == 409
    assert "You cannot delete this evidence" in response.content.decode()
    assert EvidenceItem.objects.filter(pk=item.pk).exists()

    with pytest.raises(evidence_services.EvidenceLocked) as refused:
        evidence_services.delete_evidence(evidence=item)
    assert submitted.title in refused.value.messages[0]


# Who may do what ---------------------------------------------------------------


@pytest.mark.parametrize("url_for", [detail_url, edit_url, delete_url])
def test_another_user_gets_404_on_every_page_of_someone_elses_evidence(client, other_user, practitioner, framework, url_for):
    item = EvidenceFactory(owner=practitioner)
    client.force_login(other_user)
    assert client.get(url_for(item)).status_code == 404


def test_another_users_posts_get_404_and_change_nothing(client, other_user, practitioner, framework):
    item = EvidenceFactory(owner=practitioner, title="Mine")
    client.force_login(other_user)
    assert client.post(edit_url(item), evidence_post(title="Hijacked")).status_code == 404
    assert client.post(delete_url(item)).status_code == 404
    item.refresh_from_db()
    assert item.title == "Mine"
    assert EvidenceItem.objects.filter(pk=item.pk).exists()


def test_another_users_list_does_not_show_my_evidence(client, organisation, practitioner, framework):
    from accounts.models import Role
    from tests.factories import MembershipFactory

    other_user = MembershipFactory(organisation=organisation, role=Role.PRACTITIONER).user
    EvidenceFactory(owner=practitioner, title="Private reflection")
    client.force_login(other_user)
    html = client.get(LIST_URL).content.decode()
    assert "Private reflection" not in html
    assert "You have not added any evidence yet." in html


def test_invalid_filters_are_reported_and_left_out(practitioner_client, practitioner, framework):
    EvidenceFactory(owner=practitioner, title="Still listed")
    html = practitioner_client.get(LIST_URL + "?capability=99&date_from_0=40&date_from_1=1&date_from_2=2026").content.decode()
    assert "There is a problem" in html and "<title>Error: Your evidence" in html
    assert "Choose a capability from the list" in html
    assert "The date to show evidence from must be a real date" in html
    assert "Still listed" in html


def test_every_evidence_page_has_one_h1_a_title_a_back_link_and_no_inline_script_or_style(
    practitioner_client, practitioner, framework
):
    item = EvidenceFactory(owner=practitioner)
    for url in [LIST_URL, CREATE_URL, detail_url(item), edit_url(item), delete_url(item)]:
        html = practitioner_client.get(url).content.decode()
        assert html.count("<h1") == 1, url
        assert 'class="nhsuk-back-link"' in html, url
        assert "<title> – " not in html, url
        assert "<script>" not in html and " style=" not in html, url


def test_unknown_evidence_is_404(practitioner_client, framework):
    assert practitioner_client.get("/evidence/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_your_evidence_lists_only_your_own_even_for_an_appraiser(client, framework, practitioner, appraiser):
    from tests.conftest import signed_in

    from accounts.models import Role
    from tests.factories import MembershipFactory

    MembershipFactory(user=appraiser, organisation=practitioner.memberships.first().organisation,
                      role=Role.PRACTITIONER)
    theirs = EvidenceFactory(owner=practitioner, title="Practitioner's audit")
    mine = EvidenceFactory(owner=appraiser, title="Appraiser's own paper")
    signed_in(client, appraiser)
    html = client.get("/evidence/").content.decode()
    assert "Appraiser&#x27;s own paper" in html and "Practitioner&#x27;s audit" not in html
    # ...but the appraiser can open the practitioner's item from their assessment.
    assert client.get(f"/evidence/{theirs.pk}/").status_code == 200
    assert client.get(f"/evidence/{theirs.pk}/edit/").status_code == 403


def test_people_without_the_practitioner_role_keep_no_portfolio(client, org_admin, framework):
    from tests.conftest import signed_in

    signed_in(client, org_admin)
    assert client.get(LIST_URL).status_code == 403
    assert client.get(CREATE_URL).status_code == 403
    assert client.get("/assessments/new/").status_code == 403


def test_changes_to_what_evidence_is_mapped_to_are_recorded(practitioner_client, practitioner, framework):
    from portfolios.models import EvidenceCapabilityLink

    practitioner_client.post(CREATE_URL, evidence_post(caps=capabilities(1, 2), title="Mapped twice"))
    item = EvidenceItem.objects.get(owner=practitioner, title="Mapped twice")
    second = capabilities(2)
    practitioner_client.post(edit_url(item), evidence_post(caps=second, title="Mapped twice",
                                                           justifications={second[0]: "Led the peer review"}))
    history = EvidenceCapabilityLink.history.filter(evidence_id=item.pk).order_by("history_date", "history_id")
    kinds = [(record.capability.number, record.history_type, record.justification) for record in history]
    assert (1, "+", "") in kinds and (2, "+", "") in kinds
    assert (1, "-", "") in kinds
    assert (2, "~", "Led the peer review") in kinds
    assert {record.history_user for record in history} == {practitioner}


def test_new_evidence_goes_into_draft_assessments_with_an_audit_record(practitioner, framework):
    draft = AssessmentFactory(practitioner=practitioner)
    capability = Capability.objects.get(framework=framework, number=3)

    evidence = evidence_services.create_evidence(
        owner=practitioner, title="Ward round teaching", evidence_type="course",
        activity_date=datetime.date(2026, 6, 1), description="Taught the team.", capability_links={capability.pk: ""},
    )

    link = AssessmentEvidence.objects.get(assessment=draft, evidence=evidence)
    record = link.history.get()
    assert record.history_type == "+"
    assert record.history_user == practitioner
