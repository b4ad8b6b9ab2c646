"""The practitioner's self-assessment: start, rate by pillar, conflicts,
submit, gap view."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import CareerStage
from capability.models import Capability
from portfolios import services
from portfolios.models import Assessment, AssessmentEvidence, AssessmentStatus, CapabilityRating
from tests.factories import AssessmentFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db


def pillar_url(assessment, slug):
    return reverse("portfolios:assessment_pillar", kwargs={"pk": assessment.pk, "pillar_slug": slug})


def pillar_post(assessment, numbers, rating="3", reflection="I lead this.", **extra):
    data = {"version": str(assessment.version), "save_draft": ""}
    for number in numbers:
        data[f"c{number}-rating"] = rating
        data[f"c{number}-reflection"] = reflection
    data.update(extra)
    return data


def rate_everything(assessment, value=3):
    level = assessment.rating_scale.levels.get(value=value)
    assessment.ratings.update(level=level)


def test_starting_an_assessment_creates_an_unrated_rating_for_every_capability(practitioner_client, practitioner, framework):
    response = practitioner_client.post(
        reverse("portfolios:assessment_start"),
        {"title": "Annual review 2026", "period_start_0": "1", "period_start_1": "4", "period_start_2": "2026",
         "period_end_0": "31", "period_end_1": "3", "period_end_2": "2027"},
    )
    assessment = Assessment.objects.get(practitioner=practitioner)
    assert response.status_code == 302
    assert response["Location"] == pillar_url(assessment, "expert-practice")
    assert assessment.ratings.count() == 16
    assert not assessment.ratings.filter(level__isnull=False).exists()
    assert assessment.rating_scale.levels.count() == 4
    assert assessment.period_end == datetime.date(2027, 3, 31)


def test_start_form_errors_keep_what_was_typed(practitioner_client, framework):
    response = practitioner_client.post(
        reverse("portfolios:assessment_start"),
        {"title": "<b>Mine</b>", "period_start_0": "31", "period_start_1": "2", "period_start_2": "2026",
         "period_end_0": "1", "period_end_1": "1", "period_end_2": "2020"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Start of the period must be a real date" in html
    assert 'value="&lt;b&gt;Mine&lt;/b&gt;"' in html
    assert 'value="31"' in html and 'value="2020"' in html
    assert not Assessment.objects.exists()


def test_end_before_start_is_refused(practitioner_client, framework):
    response = practitioner_client.post(
        reverse("portfolios:assessment_start"),
        {"title": "Backwards", "period_start_0": "1", "period_start_1": "4", "period_start_2": "2026",
         "period_end_0": "1", "period_end_1": "4", "period_end_2": "2025"},
    )
    assert "The end of the period must be the same as or after the start" in response.content.decode()
    assert not Assessment.objects.exists()


def test_pillar_page_saves_ratings_reflections_and_priorities(practitioner_client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    data = pillar_post(assessment, [1, 2, 3], reflection="First paragraph.\n\nSecond paragraph.")
    data["c2-development_priority"] = "on"
    response = practitioner_client.post(pillar_url(assessment, "expert-practice"), data)
    assert response.status_code == 302
    ratings = {r.capability.number: r for r in assessment.ratings.select_related("capability", "level")}
    assert [ratings[n].level.value for n in (1, 2, 3)] == [3, 3, 3]
    assert ratings[1].reflection == "First paragraph.\n\nSecond paragraph."
    assert ratings[2].development_priority and not ratings[1].development_priority
    assert ratings[4].level is None
    assessment.refresh_from_db()
    assert assessment.version == 2


def test_save_and_continue_goes_to_the_next_pillar_then_the_summary(practitioner_client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    data = pillar_post(assessment, [1, 2, 3])
    del data["save_draft"]
    data["save_continue"] = ""
    response = practitioner_client.post(pillar_url(assessment, "expert-practice"), data)
    assert response["Location"] == pillar_url(assessment, "strategic-and-enabling-leadership")
    assessment.refresh_from_db()
    data = pillar_post(assessment, [14, 15, 16])
    del data["save_draft"]
    response = practitioner_client.post(pillar_url(assessment, "consultancy"), data)
    assert response["Location"] == reverse("portfolios:assessment_summary", kwargs={"pk": assessment.pk})


def test_pillar_page_shows_elements_collapsed_and_expected_now_for_the_career_stage(
    practitioner_client, practitioner, framework
):
    practitioner.career_stage = CareerStage.TRANSITION
    practitioner.save()
    assessment = AssessmentFactory(practitioner=practitioner)
    html = practitioner_client.get(pillar_url(assessment, "expert-practice")).content.decode()
    assert '<details class="nhsuk-details">' in html
    # 1.1 is expected at advanced level, 2.2 in years 1 to 3 of consultant practice
    element_1_1 = html.split(">1.1<")[1].split("</p>")[0]
    element_2_2 = html.split(">2.2<")[1].split("</p>")[0]
    assert "Expected now" in element_1_1
    assert "Future development" in element_2_2
    assert 'name="c1-rating"' in html and 'type="radio"' in html


def test_rating_outside_the_scale_is_refused_and_nothing_changes(practitioner_client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    response = practitioner_client.post(pillar_url(assessment, "expert-practice"), pillar_post(assessment, [1, 2, 3], rating="9"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a rating from the scale" in html
    assert 'href="#id_c1-rating_0"' in html
    assert "I lead this." in html  # what was typed is kept
    assert not assessment.ratings.filter(level__isnull=False).exists()


def test_html_in_a_reflection_is_shown_escaped(practitioner_client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    practitioner_client.post(
        pillar_url(assessment, "expert-practice"),
        pillar_post(assessment, [1, 2, 3], reflection="<script>alert(1)</script>"),
    )
    html = practitioner_client.get(pillar_url(assessment, "expert-practice")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_second_tab_saving_a_stale_page_is_told_of_the_conflict_and_overwrites_nothing(
    practitioner_client, practitioner, framework
):
    assessment = AssessmentFactory(practitioner=practitioner)
    stale = pillar_post(assessment, [1, 2, 3], rating="2", reflection="Written in tab two")
    first = practitioner_client.post(pillar_url(assessment, "expert-practice"), pillar_post(assessment, [1, 2, 3], rating="4"))
    assert first.status_code == 302
    response = practitioner_client.post(pillar_url(assessment, "expert-practice"), stale)
    html = response.content.decode()
    assert response.status_code == 409
    assert "changed in another tab or window" in html
    assert "Written in tab two" in html  # the second tab's work is still on the page
    assert set(assessment.ratings.filter(capability__number__in=[1, 2, 3]).values_list("level__value", flat=True)) == {4}
    # Saving again from the refreshed page is deliberate and succeeds.
    assessment.refresh_from_db()
    assert f'name="version" value="{assessment.version}"' in html
    again = practitioner_client.post(pillar_url(assessment, "expert-practice"), {**stale, "version": str(assessment.version)})
    assert again.status_code == 302


def test_evidence_is_included_per_capability_on_the_pillar_page(practitioner_client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    cap1 = Capability.objects.get(framework=framework, number=1)
    item = EvidenceFactory(owner=practitioner, capabilities=[cap1])
    html = practitioner_client.get(pillar_url(assessment, "expert-practice")).content.decode()
    assert item.title in html
    data = pillar_post(assessment, [1, 2, 3], **{"c1-evidence": [str(item.pk)]})
    practitioner_client.post(pillar_url(assessment, "expert-practice"), data)
    assert AssessmentEvidence.objects.filter(assessment=assessment, evidence=item).exists()
    assessment.refresh_from_db()
    practitioner_client.post(pillar_url(assessment, "expert-practice"), pillar_post(assessment, [1, 2, 3]))
    assert not AssessmentEvidence.objects.filter(assessment=assessment, evidence=item).exists()


def test_tampered_evidence_choice_from_another_portfolio_is_refused(practitioner_client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    cap1 = Capability.objects.get(framework=framework, number=1)
    EvidenceFactory(owner=practitioner, capabilities=[cap1])
    theirs = EvidenceFactory(owner=UserFactory(), capabilities=[cap1])
    data = pillar_post(assessment, [1, 2, 3], **{"c1-evidence": [str(theirs.pk)]})
    response = practitioner_client.post(pillar_url(assessment, "expert-practice"), data)
    assert "Choose evidence from your own portfolio" in response.content.decode()
    assert not AssessmentEvidence.objects.exists()


def test_tampered_capability_fields_of_another_pillar_are_ignored(practitioner_client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    data = pillar_post(assessment, [1, 2, 3], **{"c9-rating": "4"})
    practitioner_client.post(pillar_url(assessment, "expert-practice"), data)
    assert assessment.ratings.get(capability__number=9).level is None


def test_someone_elses_assessment_is_not_found(client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    client.force_login(UserFactory())
    for url in [
        reverse("portfolios:assessment_summary", kwargs={"pk": assessment.pk}),
        pillar_url(assessment, "expert-practice"),
        reverse("portfolios:assessment_gaps", kwargs={"pk": assessment.pk}),
    ]:
        assert client.get(url).status_code == 404, url
    response = client.post(pillar_url(assessment, "expert-practice"), pillar_post(assessment, [1, 2, 3]))
    assert response.status_code == 404
    assert client.post(reverse("portfolios:assessment_submit", kwargs={"pk": assessment.pk}),
                       {"version": "1"}).status_code == 404
    assert not assessment.ratings.filter(level__isnull=False).exists()


def test_submit_lists_every_unrated_capability_with_a_link(practitioner_client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    assessment.ratings.filter(capability__number__in=[1, 2, 3]).update(level=assessment.rating_scale.levels.get(value=2))
    response = practitioner_client.post(
        reverse("portfolios:assessment_submit", kwargs={"pk": assessment.pk}),
        {"version": str(assessment.version), "declaration": "on"},
    )
    html = response.content.decode()
    assert "<title>Error: " in html
    for number in range(4, 17):
        assert f"Rate capability {number}<" in html
    assert "Rate capability 1<" not in html
    assert f'{pillar_url(assessment, "consultancy")}#capability-16' in html
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


def test_submitting_starts_with_check_your_answers_and_needs_the_declaration(
        practitioner_client, practitioner, appraiser, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    summary = reverse("portfolios:assessment_summary", kwargs={"pk": assessment.pk})
    submit = reverse("portfolios:assessment_submit", kwargs={"pk": assessment.pk})
    # Nothing rated: the summary says what is missing and offers no submit.
    html = practitioner_client.get(summary).content.decode()
    assert "You have rated 0 of 16 capabilities" in html and f'href="{submit}"' not in html
    rate_everything(assessment)
    html = practitioner_client.get(summary).content.decode()
    assert f'href="{submit}"' in html

    html = practitioner_client.get(submit).content.decode()
    assert "Check your answers before submitting your assessment" in html
    assert html.count(">Change<span") == 16
    assert f'{pillar_url(assessment, "consultancy")}#capability-16' in html
    assert "3 Established" in html

    html = practitioner_client.post(submit, {"version": str(assessment.version)}).content.decode()
    assert "Confirm the declaration to submit your assessment" in html and "<title>Error: " in html
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT

    response = practitioner_client.post(submit, {"version": str(assessment.version), "declaration": "on"},
                                        follow=True)
    html = response.content.decode()
    assert '<h1 class="nhsuk-panel__title">Assessment submitted</h1>' in html
    assert f"{appraiser.full_name} will review your ratings" in html
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    # Submitted: the check page is no longer offered, and a second submit
    # (a double click, a second tab) changes nothing.
    response = practitioner_client.post(submit, {"version": str(assessment.version), "declaration": "on"})
    assert response.status_code == 302 and response["Location"] == summary
    assert assessment.transitions.count() == 1


def test_submitted_assessment_is_read_only(practitioner_client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    rate_everything(assessment)
    response = practitioner_client.post(
        reverse("portfolios:assessment_submit", kwargs={"pk": assessment.pk}),
        {"version": str(assessment.version), "declaration": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolios:assessment_submitted", kwargs={"pk": assessment.pk})
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED and assessment.submitted_at

    html = practitioner_client.get(pillar_url(assessment, "expert-practice")).content.decode()
    assert "Save and continue" not in html and "disabled" in html
    response = practitioner_client.post(pillar_url(assessment, "expert-practice"), pillar_post(assessment, [1, 2, 3], rating="1"))
    assert response.status_code == 302
    assert set(assessment.ratings.values_list("level__value", flat=True)) == {3}
    with pytest.raises(services.NotEditable):
        services.save_ratings(assessment=assessment, expected_version=assessment.version, ratings=[])


def test_copy_forward_brings_ratings_reflections_and_evidence(practitioner, framework):
    first = AssessmentFactory(practitioner=practitioner)
    rate_everything(first, value=2)
    first.ratings.filter(capability__number=5).update(reflection="Carried over", development_priority=True)
    item = EvidenceFactory(owner=practitioner)
    AssessmentEvidence.objects.create(assessment=first, evidence=item)
    second = services.start_assessment(
        practitioner=practitioner, title="Next year", period_start=datetime.date(2027, 4, 1),
        period_end=datetime.date(2028, 3, 31), copy_from=first,
    )
    rating = second.ratings.get(capability__number=5)
    assert rating.level.value == 2 and rating.reflection == "Carried over" and rating.development_priority
    assert list(second.evidence.all()) == [item]
    assert CapabilityRating.objects.filter(assessment=first).count() == 16  # the first is untouched


def test_summary_shows_progress_and_the_comparison_picture_with_level_names(practitioner_client, practitioner,
                                                                            framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    top = assessment.rating_scale.levels.get(value=4)
    assessment.ratings.filter(capability__number__in=[1, 2]).update(level=top)
    capability = Capability.objects.get(framework=framework, number=1)
    html = practitioner_client.get(reverse("portfolios:assessment_summary", kwargs={"pk": assessment.pk})).content.decode()
    assert "Rated 2 of 16 capabilities" in html
    # One picture for the whole assessment, named for screen readers.
    assert html.count('<svg class="app-comparison"') == 1
    assert 'role="img" aria-labelledby="chart-comparison-title chart-comparison-desc"' in html
    assert '<title id="chart-comparison-title">Ratings compared, by capability</title>' in html
    assert '<desc id="chart-comparison-desc">Each capability on the rating scale from 1 ' in html
    # Each marker says what it shows in the scale's words, not a bare number.
    assert f"<title>1. {capability.short_statement}, self-rating: 4 {top.label}</title>" in html
    assert html.count("not rated</text>") == 14


def test_gap_view_marks_no_evidence_and_below_expected(practitioner_client, practitioner, framework):
    practitioner.career_stage = CareerStage.YEARS_3_5
    practitioner.save()
    assessment = AssessmentFactory(practitioner=practitioner)
    rate_everything(assessment, value=3)
    assessment.ratings.filter(capability__number=2).update(level=assessment.rating_scale.levels.get(value=2))
    cap1, cap2 = Capability.objects.filter(framework=framework, number__in=[1, 2]).order_by("number")
    item = EvidenceFactory(owner=practitioner, capabilities=[cap1, cap2])
    AssessmentEvidence.objects.create(assessment=assessment, evidence=item)
    html = practitioner_client.get(reverse("portfolios:assessment_gaps", kwargs={"pk": assessment.pk})).content.decode()
    assert html.count("app-gap-table__row--gap") == 15  # 14 with no evidence, and capability 2 below expected
    # Capability 2 is below expected twice: in the picture's table and in the evidence matrix.
    assert html.count('app-heat__tag">Below expected') == 1
    assert html.count("Below expected") == 2
    assert html.count("No evidence") == 14
    assert "1 to 2 items of evidence for each capability and 4 to 6 for each pillar" in html


def test_dashboard_lists_assessments_with_status_and_progress(practitioner_client, practitioner, framework):
    draft = AssessmentFactory(practitioner=practitioner, title="Draft one")
    submitted = AssessmentFactory(practitioner=practitioner, title="Last year", status=AssessmentStatus.SUBMITTED)
    rate_everything(submitted)
    html = practitioner_client.get("/").content.decode()
    assert "Draft one" in html and "Last year" in html
    assert "0 of 16 rated" in html and "16 of 16 rated" in html
    assert ">Submitted<" in html and ">Draft<" in html
    assert str(draft.pk) in html


@pytest.mark.parametrize("evidence_count", [1, 50])
def test_pillar_page_query_count_is_fixed(practitioner_client, practitioner, framework, evidence_count,
                                          django_assert_num_queries):
    assessment = AssessmentFactory(practitioner=practitioner)
    caps = list(Capability.objects.filter(framework=framework, number__in=[4, 5, 6, 7]))
    for _ in range(evidence_count):
        AssessmentEvidence.objects.create(assessment=assessment, evidence=EvidenceFactory(owner=practitioner, capabilities=caps))
    # The first page a process serves reads the edition, its rating scale
    # and its structure, which it then keeps (capability/structure.py).
    with django_assert_num_queries(11):
        practitioner_client.get(pillar_url(assessment, "strategic-and-enabling-leadership"))
    # Session, user, the assessment with its edition, scale and practitioner
    # (one query, through the access rule), its ratings, evidence and what
    # is included.
    with django_assert_num_queries(6):
        practitioner_client.get(pillar_url(assessment, "strategic-and-enabling-leadership"))


@pytest.mark.parametrize("evidence_count", [1, 50])
def test_saving_a_pillar_runs_the_same_queries_however_much_evidence_it_includes(
    practitioner_client, practitioner, framework, evidence_count, django_assert_num_queries
):
    assessment = AssessmentFactory(practitioner=practitioner)
    capabilities = list(Capability.objects.filter(framework=framework, pillar__slug="expert-practice"))
    items = [EvidenceFactory(owner=practitioner, capabilities=capabilities) for _ in range(evidence_count)]
    data = {"version": str(assessment.version), "save_draft": ""}
    for capability in capabilities:
        data[f"c{capability.number}-rating"] = "3"
        data[f"c{capability.number}-reflection"] = "What I did and learnt."
        data[f"c{capability.number}-evidence"] = [str(item.pk) for item in items]
    # Session, user and one access check (the assessment with its edition,
    # scale and practitioner); the edition's structure (the first page of a
    # process); the ratings, evidence and inclusions shown; then the save
    # with its history rows (savepoints included), each in one statement
    # however many items.
    with django_assert_num_queries(23):
        response = practitioner_client.post(pillar_url(assessment, "expert-practice"), data)
    assert response.status_code == 302
    assert AssessmentEvidence.objects.filter(assessment=assessment).count() == evidence_count


@pytest.mark.parametrize("evidence_count", [1, 50])
def test_summary_and_gap_query_counts_are_fixed(practitioner_client, practitioner, framework, evidence_count,
                                                django_assert_num_queries):
    assessment = AssessmentFactory(practitioner=practitioner)
    caps = list(Capability.objects.filter(framework=framework, number__in=[1, 8, 16]))
    for _ in range(evidence_count):
        AssessmentEvidence.objects.create(assessment=assessment, evidence=EvidenceFactory(owner=practitioner, capabilities=caps))
    summary = reverse("portfolios:assessment_summary", kwargs={"pk": assessment.pk})
    gaps = reverse("portfolios:assessment_gaps", kwargs={"pk": assessment.pk})
    # The first page a process serves reads the edition's structure
    # (pillars, capabilities with their elements and bullets, rating levels,
    # transition points), which it then keeps (capability/structure.py).
    with django_assert_num_queries(14):
        practitioner_client.get(summary)
    # Session, user, the assessment, its ratings, evidence (items and their
    # links to capabilities), previous assessment, plan and 360° feedback
    # rounds. Not read for a practitioner's draft, which shows neither:
    # appraiser ratings, files, the last move (only a returned assessment
    # shows its comment).
    with django_assert_num_queries(9):
        practitioner_client.get(summary)
    # Session, user, the assessment, its ratings, evidence items and links.
    with django_assert_num_queries(6):
        practitioner_client.get(gaps)


@pytest.mark.parametrize("assessment_count", [1, 10])
def test_dashboard_query_count_is_fixed(practitioner_client, practitioner, framework, assessment_count,
                                        django_assert_num_queries):
    for _ in range(assessment_count):
        AssessmentFactory(practitioner=practitioner)
    # Session, user with the roles they hold, memberships, assessments with
    # their progress, the evidence count, and their appraisers.
    with django_assert_num_queries(6):
        page = practitioner_client.get("/")
    assert page.content.decode().count("rated</td>") == assessment_count


def test_a_framework_without_transition_points_assesses_the_same_way(practitioner_client, practitioner):
    from capability.models import RatingLevel, RatingScale
    from tests.factories import CapabilityFactory, ElementFactory, FrameworkFactory, PillarFactory

    practitioner.career_stage = CareerStage.YEARS_1_3
    practitioner.save()
    other = FrameworkFactory(is_current=True)
    scale = RatingScale.objects.create(framework=other, slug="three", name="Three levels", is_default=True)
    for value, label in [(1, "Emerging"), (2, "Capable"), (3, "Expert")]:
        RatingLevel.objects.create(scale=scale, value=value, label=label, descriptor=f"{label} descriptor")
    domain = PillarFactory(framework=other, slug="only-domain", order=1)
    capability = CapabilityFactory(pillar=domain, number=1)
    ElementFactory(capability=capability, number="1.1", order=1)
    assessment = AssessmentFactory(practitioner=practitioner, framework=other)
    assert assessment.ratings.count() == 1

    html = practitioner_client.get(pillar_url(assessment, "only-domain")).content.decode()
    assert "3 Expert" in html and "Expected now" not in html and "Future development" not in html
    response = practitioner_client.post(pillar_url(assessment, "only-domain"), pillar_post(assessment, [1], rating="3"))
    assert response.status_code == 302
    gaps = practitioner_client.get(reverse("portfolios:assessment_gaps", kwargs={"pk": assessment.pk}))
    assert gaps.status_code == 200 and "Below expected" not in gaps.content.decode()
