"""The page cache (portfolios/page_cache.py): a page seen again comes from the
cache, and anything that changes what it shows is seen at once, by the right
person only."""

import datetime
import re

import pytest
from django.utils.html import escape
from django.test import Client
from django.urls import reverse

from accounts import organisation_services
from accounts import services as account_services
from accounts.forms import ProfileForm
from accounts.models import CareerStage, Role
from capability.models import Capability
from portfolios import page_cache, review_services, services, workflow
from portfolios.evidence_services import create_evidence, delete_evidence
from portfolios.feedback import services as feedback_services
from portfolios.models import AssessmentStatus, PortfolioRevision
from tests.conftest import signed_in
from tests.factories import AssessmentFactory, EvidenceFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def summary_url(assessment):
    return reverse("portfolios:assessment_summary", kwargs={"pk": assessment.pk})


def pillar_url(assessment, slug="expert-practice"):
    return reverse("portfolios:assessment_pillar", kwargs={"pk": assessment.pk, "pillar_slug": slug})


def without_tokens(html: str) -> str:
    # Every response masks the CSRF secret afresh, in the header's sign-out form too.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def revision(user) -> int:
    return PortfolioRevision.objects.filter(practitioner=user).values_list("number", flat=True).first() or 0


def evidence_revision(user) -> int:
    found = PortfolioRevision.objects.filter(practitioner=user).values_list("evidence_number", flat=True).first()
    return found or 0


def overview_revision(user) -> int:
    found = PortfolioRevision.objects.filter(practitioner=user).values_list("overview_number", flat=True).first()
    return found or 0


def test_a_page_seen_again_comes_from_the_cache_with_three_queries(
    practitioner_client, practitioner, framework, django_assert_num_queries
):
    assessment = AssessmentFactory(practitioner=practitioner)
    first = practitioner_client.get(summary_url(assessment)).content.decode()
    # session, user, the assessment (with its practitioner's revision)
    with django_assert_num_queries(3):
        again = practitioner_client.get(summary_url(assessment)).content.decode()
    assert without_tokens(again) == without_tokens(first)
    assert "Rated 0 of 16 capabilities" in again


@pytest.mark.parametrize("name", ["assessment_gaps", "assessment_pillar", "review_page"])
def test_other_cached_pages_seen_again_need_only_the_access_checks(
    client, practitioner, appraiser, framework, name, django_assert_num_queries
):
    assessment = AssessmentFactory(practitioner=practitioner, status=AssessmentStatus.IN_REVIEW)
    if name == "review_page":
        signed_in(client, appraiser)
        # + not their own assessment, so the whole rule; + is this their appraisee
        url, queries = reverse("portfolios:review", kwargs={"pk": assessment.pk}), 5
    elif name == "assessment_pillar":
        signed_in(client, practitioner)
        # The pillars (for a 404 on a wrong one) come from the edition's
        # structure, which the process keeps (capability/structure.py).
        url, queries = pillar_url(assessment), 3
    else:
        signed_in(client, practitioner)
        url, queries = reverse("portfolios:assessment_gaps", kwargs={"pk": assessment.pk}), 3
    first = client.get(url)
    with django_assert_num_queries(queries):
        again = client.get(url)
    assert again.status_code == first.status_code == 200
    assert without_tokens(again.content.decode()) == without_tokens(first.content.decode())


def test_the_unfiltered_evidence_list_is_cached_and_a_filtered_one_is_not(
    practitioner_client, practitioner, framework, django_assert_num_queries
):
    EvidenceFactory(owner=practitioner, title="Clinic audit")
    practitioner_client.get(reverse("portfolios:evidence_list"))
    # session, user, is a practitioner, portfolio revision
    with django_assert_num_queries(4):
        html = practitioner_client.get(reverse("portfolios:evidence_list")).content.decode()
    assert "Clinic audit" in html and "<title>Your evidence" in html
    with django_assert_num_queries(6):
        practitioner_client.get(reverse("portfolios:evidence_list") + "?type=nonsense")
    with django_assert_num_queries(6):
        html = practitioner_client.get(reverse("portfolios:evidence_list") + "?type=nonsense").content.decode()
    assert "<title>Error: " in html


def test_saving_ratings_shows_at_once_on_pages_seen_before(practitioner_client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    for url in (summary_url(assessment), pillar_url(assessment),
                reverse("portfolios:assessment_gaps", kwargs={"pk": assessment.pk})):
        practitioner_client.get(url)

    response = practitioner_client.post(pillar_url(assessment), {
        "version": str(assessment.version), "save_draft": "",
        "c1-rating": "3", "c1-reflection": "Changed today.",
    })

    assert response.status_code == 302
    assert "Rated 1 of 16 capabilities" in practitioner_client.get(summary_url(assessment)).content.decode()
    assert "Changed today." in practitioner_client.get(pillar_url(assessment)).content.decode()


def test_the_summary_kept_across_a_reflection_save_has_the_version_to_submit_with(
    practitioner_client, practitioner, framework, django_assert_num_queries
):
    assessment = AssessmentFactory(practitioner=practitioner)
    before = practitioner_client.get(summary_url(assessment)).content.decode()
    assert f'name="version" value="{assessment.version}"' in before

    practitioner_client.post(pillar_url(assessment), {
        "version": str(assessment.version), "save_draft": "", "c1-reflection": "Only my words changed.",
    }, follow=True)
    assessment.refresh_from_db()

    # session, user, the assessment with its revisions: nothing built.
    with django_assert_num_queries(3):
        after = practitioner_client.get(summary_url(assessment)).content.decode()
    version = re.search(r'name="version" value="(\d+)"', after).group(1)
    assert version == str(assessment.version) != re.search(r'name="version" value="(\d+)"', before).group(1)
    assert without_tokens(after).replace(f'value="{version}"', "") == without_tokens(before).replace(
        f'value="{int(version) - 1}"', ""
    )

    _rate_all(assessment)
    response = practitioner_client.post(
        reverse("portfolios:assessment_submit", kwargs={"pk": assessment.pk}), {"version": version}
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED


def test_a_late_value_is_the_value_itself_outside_a_cached_page(rf):
    from django.template import engines

    template = engines["django"].from_string('{% load page_cache_tags %}<i>{% late "version" v %}</i>')
    assert template.render({"v": "<7>"}) == "<i>&lt;7&gt;</i>"


def page_entries() -> int:
    from django.core.cache import caches

    return sum(1 for key in caches[page_cache.CACHE_ALIAS]._cache if ":page:" in key)


def test_a_page_rebuilt_after_a_change_replaces_its_old_copy(practitioner_client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    practitioner_client.get(summary_url(assessment))
    kept = page_entries()
    assert kept >= 1

    for rating in ("1", "2", "3"):
        practitioner_client.post(pillar_url(assessment), {
            "version": str(assessment.version), "save_draft": "", "c1-rating": rating,
        }, follow=True)
        assessment.refresh_from_db()
        html = practitioner_client.get(summary_url(assessment)).content.decode()
        assert "Rated 1 of 16 capabilities" in html

    # Each save rebuilt the summary (and the pillar page the save returned
    # to) into their own slots: nothing left behind under old revisions.
    practitioner_client.get(pillar_url(assessment))
    assert page_entries() == kept + 1


def sections_drawn(response) -> int:
    return sum(1 for t in response.templates if t.name == "includes/capability_rating_section.html")


def test_a_save_draws_only_the_changed_capability_afresh_on_its_pillar_page(
    practitioner_client, practitioner, framework
):
    assessment = AssessmentFactory(practitioner=practitioner)
    capabilities = Capability.objects.filter(framework=framework, pillar__slug="expert-practice").count()
    first = practitioner_client.get(pillar_url(assessment))
    assert sections_drawn(first) == capabilities

    practitioner_client.post(pillar_url(assessment), {
        "version": str(assessment.version), "save_draft": "", "c2-rating": "2", "c2-reflection": "Only this one.",
    })
    again = practitioner_client.get(pillar_url(assessment))

    # The page is built afresh (the portfolio moved on), but of its
    # capabilities only the changed one is drawn again; the others come from
    # the cache under keys made of what they show.
    assert sections_drawn(again) == 1
    html = again.content.decode()
    assert "Only this one." in html
    assert html.count("checked") == first.content.decode().count("checked")  # one rating a capability
    assert 'id="id_c2-rating_1" name="c2-rating" type="radio" value="2" checked' in html.replace("\n", " ")


def test_a_change_to_what_a_capability_shows_draws_it_afresh(practitioner_client, practitioner, framework):
    """Each capability's form is cached under a key made of what it shows:
    its evidence's titles and the career stage's expectations among them."""
    from portfolios.evidence_services import update_evidence

    assessment = AssessmentFactory(practitioner=practitioner)
    capability_1 = Capability.objects.get(framework=framework, number=1)
    item = EvidenceFactory(owner=practitioner, title="Sepsis audit", capabilities=[capability_1])
    html = practitioner_client.get(pillar_url(assessment)).content.decode()
    assert "Sepsis audit" in html and "Expected now" not in html

    update_evidence(
        evidence=item, title="Sepsis audit, second cycle", evidence_type=item.evidence_type,
        activity_date=item.activity_date, description=item.description, capability_links={capability_1.pk: ""},
    )
    form = ProfileForm({
        "full_name": practitioner.full_name, "profession": practitioner.profession,
        "registration_body": practitioner.registration_body, "registration_number": practitioner.registration_number,
        "career_stage": CareerStage.YEARS_3_5,
    }, instance=practitioner)
    assert form.is_valid(), form.errors
    account_services.save_profile(form=form)

    html = practitioner_client.get(pillar_url(assessment)).content.decode()
    assert "Sepsis audit, second cycle" in html
    assert "Expected now" in html


def test_new_evidence_shows_at_once_in_the_evidence_list_seen_before(practitioner_client, practitioner, framework):
    practitioner_client.get(reverse("portfolios:evidence_list"))
    capability = Capability.objects.get(framework=framework, number=2)
    create_evidence(owner=practitioner, title="Service redesign", evidence_type="reflective_account",
                    activity_date=datetime.date(2026, 5, 1), description="What I did.",
                    capability_links={capability.pk: ""})
    assert "Service redesign" in practitioner_client.get(reverse("portfolios:evidence_list")).content.decode()


def test_saving_ratings_keeps_the_evidence_list_but_not_the_pages_that_show_ratings(
    practitioner_client, practitioner, framework, django_assert_num_queries
):
    assessment = AssessmentFactory(practitioner=practitioner)
    EvidenceFactory(owner=practitioner, title="Clinic audit")
    listed = practitioner_client.get(reverse("portfolios:evidence_list")).content.decode()
    practitioner_client.get(summary_url(assessment))

    response = practitioner_client.post(pillar_url(assessment), {
        "version": str(assessment.version), "save_draft": "", "c1-rating": "3", "c1-reflection": "Changed today.",
    }, follow=True)  # the page after the save shows its message
    assert response.redirect_chain and response.status_code == 200

    # The same four queries as any evidence list seen again: nothing built.
    with django_assert_num_queries(4):
        again = practitioner_client.get(reverse("portfolios:evidence_list")).content.decode()
    assert without_tokens(again) == without_tokens(listed)
    assert "Rated 1 of 16 capabilities" in practitioner_client.get(summary_url(assessment)).content.decode()


def test_editing_only_a_reflection_keeps_the_home_page_and_gap_view_but_a_rating_shows_at_once(
    practitioner_client, practitioner, framework, django_assert_num_queries
):
    assessment = AssessmentFactory(practitioner=practitioner)
    gaps_url = reverse("portfolios:assessment_gaps", kwargs={"pk": assessment.pk})
    home = practitioner_client.get("/").content.decode()
    gaps = practitioner_client.get(gaps_url).content.decode()

    def save(**fields):
        response = practitioner_client.post(pillar_url(assessment), {
            "version": str(assessment.version), "save_draft": "", **fields,
        }, follow=True)  # the page after the save shows its message
        assert response.redirect_chain and response.status_code == 200
        assessment.refresh_from_db()

    save(**{"c1-reflection": "Only my words changed."})
    assert "Only my words changed." in practitioner_client.get(pillar_url(assessment)).content.decode()
    # Both served as pages seen again: session, user, then the home page's
    # revision, or the gap view's assessment with its revision.
    with django_assert_num_queries(3):
        home_again = practitioner_client.get("/").content.decode()
    with django_assert_num_queries(3):
        gaps_again = practitioner_client.get(gaps_url).content.decode()
    assert without_tokens(home_again) == without_tokens(home)
    assert without_tokens(gaps_again) == without_tokens(gaps)
    assert "0 of 16 rated" in home_again

    save(**{"c1-rating": "3", "c1-reflection": "Only my words changed."})
    assert "1 of 16 rated" in practitioner_client.get("/").content.decode()
    assert without_tokens(practitioner_client.get(gaps_url).content.decode()) != without_tokens(gaps)


def test_another_browser_of_the_same_person_gets_forms_that_work_in_it(practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for browser in (first, second):
        browser.force_login(practitioner)
    first.get(pillar_url(assessment))

    html = second.get(pillar_url(assessment)).content.decode()
    form = html[html.index('<form method="post" novalidate>'):]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = second.post(pillar_url(assessment), {
        "csrfmiddlewaretoken": token, "version": str(assessment.version), "save_draft": "",
    })

    assert response.status_code == 302


def test_a_page_cached_for_the_practitioner_is_never_shown_to_their_appraiser(
    client, practitioner, appraiser, framework
):
    assessment = AssessmentFactory(practitioner=practitioner, status=AssessmentStatus.SUBMITTED)
    signed_in(client, practitioner)
    own = client.get(summary_url(assessment)).content.decode()
    signed_in(client, appraiser)
    theirs = client.get(summary_url(assessment)).content.decode()
    assert "Open the review" not in own
    assert "Open the review" in theirs


def test_the_key_changes_with_the_date_and_posts_have_none(rf, practitioner, monkeypatch):
    request = rf.get("/assessments/x/")
    request.user = practitioner
    today = page_cache.page_key(request, practitioner=practitioner, name="summary")
    assert today == page_cache.page_key(request, practitioner=practitioner, name="summary")
    monkeypatch.setattr(page_cache.timezone, "localdate", lambda: datetime.date(2031, 1, 1))
    assert page_cache.page_key(request, practitioner=practitioner, name="summary") != today
    post = rf.post("/assessments/x/")
    post.user = practitioner
    assert page_cache.page_key(post, practitioner=practitioner, name="summary") is None


def test_no_caching_when_switched_off(practitioner_client, practitioner, framework, settings,
                                      django_assert_num_queries):
    settings.PAGE_CACHE_SECONDS = 0
    assessment = AssessmentFactory(practitioner=practitioner)
    practitioner_client.get(summary_url(assessment))
    with django_assert_num_queries(10):  # the whole page again, with the edition's structure kept
        practitioner_client.get(summary_url(assessment))


# Every kind of change moves the portfolio on --------------------------------


def _rate_all(assessment):
    level = assessment.rating_scale.levels.get(value=3)
    assessment.ratings.update(level=level)


def change_ratings(ctx):
    services.save_ratings(assessment=ctx["assessment"], expected_version=ctx["assessment"].version, ratings=[])


def _save_first_rating(assessment, **changes):
    rating = assessment.ratings.select_related("level").order_by("capability__number").first()
    fields = {"capability_id": rating.capability_id, "level_id": rating.level_id, "reflection": rating.reflection,
              "development_priority": rating.development_priority, "evidence_ids": set(), **changes}
    services.save_ratings(assessment=assessment, expected_version=assessment.version,
                          ratings=[services.RatingInput(**fields)])


def change_a_reflection(ctx):
    _save_first_rating(ctx["assessment"], reflection="New words only.")


def change_a_rating_level(ctx):
    _save_first_rating(ctx["assessment"], level_id=ctx["assessment"].rating_scale.levels.get(value=2).pk)


def change_a_priority(ctx):
    _save_first_rating(ctx["assessment"], development_priority=True)


def submit(ctx):
    _rate_all(ctx["assessment"])
    services.submit_assessment(assessment=ctx["assessment"], expected_version=ctx["assessment"].version)


def start_review(ctx):
    ctx["assessment"].status = AssessmentStatus.SUBMITTED
    ctx["assessment"].save()
    workflow.apply(assessment=ctx["assessment"], name="start_review", actor_user=ctx["appraiser"],
                   actor=workflow.Actor.APPRAISER)


def save_review(ctx):
    ctx["assessment"].status = AssessmentStatus.IN_REVIEW
    ctx["assessment"].save()
    review_services.save_review(assessment=ctx["assessment"], appraiser=ctx["appraiser"], ratings=[],
                                summary="A new summary.")


def add_objective(ctx):
    ctx["assessment"].status = AssessmentStatus.IN_REVIEW
    ctx["assessment"].save()
    capability = ctx["assessment"].ratings.first().capability_id
    review_services.save_objective(
        assessment=ctx["assessment"], appraiser=ctx["appraiser"], objective=None, text="Lead a audit",
        actions="Plan it", support="Time", target_date=datetime.date(2027, 1, 1), capability_ids=[capability],
    )


def add_evidence(ctx):
    capability = ctx["assessment"].ratings.first().capability_id
    create_evidence(owner=ctx["practitioner"], title="Teaching", evidence_type="course",
                    activity_date=datetime.date(2026, 5, 1), description="Taught.", capability_links={capability: ""})


def remove_evidence(ctx):
    delete_evidence(evidence=EvidenceFactory(owner=ctx["practitioner"]))


def start_feedback_round(ctx):
    feedback_services.start_round(
        assessment=ctx["assessment"], capabilities=Capability.objects.filter(framework=ctx["framework"])[:2],
        opens_on=datetime.date.today(), closes_on=datetime.date.today() + datetime.timedelta(days=14),
    )


def change_career_stage(ctx):
    person = ctx["practitioner"]
    form = ProfileForm({"full_name": person.full_name, "profession": person.profession,
                        "career_stage": CareerStage.YEARS_1_3}, instance=person)
    assert form.is_valid(), form.errors
    account_services.save_profile(form=form)


def rename_their_appraiser(ctx):
    account_services.ensure_user(email=ctx["appraiser"].email, full_name="A New Name")


def assign_another_appraiser(ctx):
    other = MembershipFactory(organisation=ctx["organisation"], role=Role.APPRAISER).user
    account_services.assign_appraiser(organisation=ctx["organisation"], practitioner=ctx["practitioner"],
                                      appraiser=other)


def unassign_their_appraiser(ctx):
    organisation_services.unassign_appraiser(organisation=ctx["organisation"], practitioner=ctx["practitioner"],
                                             appraiser=ctx["appraiser"])


def change_an_appraisers_roles(ctx):
    organisation_services.set_member_roles(organisation=ctx["organisation"], member=ctx["appraiser"],
                                           roles=[Role.APPRAISER, Role.ORGANISATION_ADMIN], changed_by=ctx["admin"])


CHANGES = [change_ratings, change_a_reflection, change_a_rating_level, change_a_priority, submit, start_review, save_review, add_objective, add_evidence, remove_evidence,
           start_feedback_round, change_career_stage, rename_their_appraiser, assign_another_appraiser,
           unassign_their_appraiser, change_an_appraisers_roles]


# Nothing these change is on the evidence list (titles, types, dates, how many
# capabilities and files), so they leave its revision where it was.
NOT_ON_THE_EVIDENCE_LIST = {change_ratings, change_a_reflection, change_a_rating_level, change_a_priority, submit,
                            start_review, save_review, add_objective}
# Saves that change no rating, priority or choice of evidence: the home page
# and gap view show nothing else of them.
NOT_IN_THE_OVERVIEW = {change_ratings, change_a_reflection}


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
def test_every_kind_of_change_moves_the_portfolio_revision_on(
    change, organisation, practitioner, appraiser, org_admin, framework
):
    assessment = AssessmentFactory(practitioner=practitioner)
    before = revision(practitioner), evidence_revision(practitioner), overview_revision(practitioner)
    change({"assessment": assessment, "practitioner": practitioner, "appraiser": appraiser, "admin": org_admin,
            "organisation": organisation, "framework": framework})
    after = revision(practitioner), evidence_revision(practitioner), overview_revision(practitioner)
    assert after[0] > before[0]
    assert (after[1] > before[1]) is (change not in NOT_ON_THE_EVIDENCE_LIST)
    assert (after[2] > before[2]) is (change not in NOT_IN_THE_OVERVIEW)


def test_a_change_that_fails_leaves_the_revision_where_it_was(practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    before = revision(practitioner)
    with pytest.raises(services.StaleVersion):
        services.save_ratings(assessment=assessment, expected_version=assessment.version + 5, ratings=[])
    assert revision(practitioner) == before


def test_new_transition_points_show_at_once_though_the_process_keeps_the_editions_structure(
    practitioner_client, practitioner, framework, tmp_path, monkeypatch
):
    """load_framework may set transition points on an edition in use: the
    structure each process keeps (capability/structure.py) is keyed by the
    edition's structure_revision, which it moves on."""
    from django.core.management import call_command

    from capability.management.commands import load_framework

    practitioner.career_stage = CareerStage.TRANSITION
    practitioner.save()
    assessment = AssessmentFactory(practitioner=practitioner)

    def element_1_1(html):
        start = html.index('app-element-list__number">1.1<')
        return html[start:html.index("</p>", start)]

    assert "Expected now" in element_1_1(practitioner_client.get(pillar_url(assessment)).content.decode())

    points = load_framework.TRANSITION_POINTS_CSV.read_text().replace("1.1,advanced", "1.1,years_3_5")
    (tmp_path / "points.csv").write_text(points)
    monkeypatch.setattr(load_framework, "TRANSITION_POINTS_CSV", tmp_path / "points.csv")
    call_command("load_framework", verbosity=0)

    assert "Future development" in element_1_1(practitioner_client.get(pillar_url(assessment)).content.decode())


def test_the_dashboard_seen_before_shows_a_new_assessment_and_a_new_role_at_once(
    practitioner_client, practitioner, organisation, framework
):
    assert "You have not started an assessment yet." in practitioner_client.get("/").content.decode()

    services.start_assessment(
        practitioner=practitioner, title="Annual self-assessment 2026",
        period_start=datetime.date(2026, 4, 1), period_end=datetime.date(2027, 3, 31),
    )
    account_services.grant_role(user=practitioner, organisation=organisation, role=Role.APPRAISER)

    html = practitioner_client.get("/").content.decode()
    assert "Annual self-assessment 2026" in html
    assert "Practitioners you appraise" in html


def test_a_practitioners_own_assessment_comes_in_one_plain_statement_as_the_orm_gives_it(
    practitioner, appraiser, framework, django_assert_num_queries
):
    from portfolios.models import Assessment
    from portfolios.queries import assessments_for_pages, own_assessment_for_pages

    assessment = AssessmentFactory(practitioner=practitioner, title="My year")
    page_cache.portfolio_changed(practitioner.pk)
    page_cache.portfolio_changed(practitioner.pk)
    own_assessment_for_pages(practitioner, assessment.pk)  # the process keeps the edition and scale

    page_cache.portfolio_changed(practitioner.pk, evidence=False)
    page_cache.portfolio_changed(practitioner.pk, evidence=False, overview=False)
    stored = revision(practitioner), evidence_revision(practitioner), overview_revision(practitioner)
    with django_assert_num_queries(1):
        found = own_assessment_for_pages(practitioner, assessment.pk)
        assert tuple(
            page_cache.revision_of(found.practitioner, revision=name) for name in page_cache.REVISIONS
        ) == stored == (stored[0], stored[0] - 2, stored[0] - 1)
        assert found.framework.structure_revision == framework.structure_revision

    expected = assessments_for_pages(Assessment.objects.all()).get(pk=assessment.pk)
    assert [getattr(found, f.attname) for f in Assessment._meta.concrete_fields] == [
        getattr(expected, f.attname) for f in Assessment._meta.concrete_fields
    ]
    assert (found.framework, found.rating_scale, found.practitioner) == (
        expected.framework, expected.rating_scale, expected.practitioner
    )
    assert own_assessment_for_pages(appraiser, assessment.pk) is None


def test_a_practitioner_without_a_revision_yet_reads_revision_nought(practitioner, framework):
    from portfolios.queries import own_assessment_for_pages

    assessment = AssessmentFactory(practitioner=practitioner)
    PortfolioRevision.objects.filter(practitioner=practitioner).delete()
    found = own_assessment_for_pages(practitioner, assessment.pk)
    assert page_cache.revision_of(found.practitioner) == 0
    assert [page_cache.revision_of(found.practitioner, revision=name) for name in page_cache.REVISIONS] == [0, 0, 0]


def test_the_page_header_kept_by_the_process_follows_the_name_the_section_and_the_browser(practitioner, framework):
    client = Client(enforce_csrf_checks=True)
    client.force_login(practitioner)

    def header(path):
        html = client.get(path).content.decode()
        return html[html.index('<header class="nhsuk-header"'):html.index("</header>")]

    home = header("/")
    assert escape(practitioner.full_name) in home
    assert 'navigation-item--current">\n  <a class="nhsuk-header__navigation-link" href="/"' in home
    evidence = header(reverse("portfolios:evidence_list"))
    assert f'navigation-item--current">\n  <a class="nhsuk-header__navigation-link" href="{reverse("portfolios:evidence_list")}"' in evidence

    practitioner.full_name = "Pat Renamed"
    practitioner.save()
    assert "Pat Renamed" in header("/")

    # The sign-out form of a header drawn before still works in this browser.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', header("/")).group(1)
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # signed out: sent to sign in


def test_fragments_kept_by_content_outlive_the_pages_that_hold_them(practitioner_client, practitioner, framework,
                                                                    settings):
    """A fragment's key is made of what it shows, so it cannot go stale:
    it is kept for PAGE_FRAGMENT_SECONDS, not expired with the pages."""
    import time

    from django.core.cache import caches

    assessment = AssessmentFactory(practitioner=practitioner)
    response = practitioner_client.get(pillar_url(assessment))
    cache = caches["pages"]
    keys = [cache.make_key(f"fragment:{form.fragment_key}") for form in response.context["forms"]]
    left = [cache._expire_info[key] - time.time() for key in keys]  # LocMemCache's own record of expiry
    assert left and all(settings.PAGE_CACHE_SECONDS < seconds <= settings.PAGE_FRAGMENT_SECONDS for seconds in left)
