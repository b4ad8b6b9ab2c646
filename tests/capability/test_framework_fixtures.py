"""The consultant-level framework fixtures: complete, exact, and idempotent.

Extraction faults in the seed text that the fixtures correct (also listed in
fixtures/README.md): the second element numbered 11.2 is 11.3; capability 3's
elements, printed as 1 to 5, are 3.1 to 3.5; "personcentred" is
"person-centred"; "though consultancy" is "through consultancy"; "heath and
social care" is "health and social care"; "learning-and help" is
"learning – and help"; the stray "·" and "o" bullet glyphs are dropped.
"""

import pytest
from django.core.management import call_command

from capability.models import Capability, CapabilityElement, ElementBullet, Framework, Pillar
from impact.models import EvidenceExample, ImpactStatement

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Framework, Pillar, Capability, CapabilityElement, ElementBullet, ImpactStatement, EvidenceExample)
    }


def test_framework_has_five_pillars_with_consultancy_as_the_foundation(framework):
    pillars = list(framework.pillars.order_by("order"))
    assert [p.name for p in pillars] == [
        "Expert practice",
        "Strategic and enabling leadership",
        "Learning, developing and improving across the system",
        "Research and innovation",
        "Consultancy",
    ]
    assert [p.is_foundation for p in pillars] == [False, False, False, False, True]
    assert all(p.purpose and p.goes_beyond for p in pillars)


def test_sixteen_capabilities_numbered_in_order_across_the_pillars(framework):
    by_pillar = {
        p.slug: list(p.capabilities.order_by("number").values_list("number", flat=True))
        for p in framework.pillars.all()
    }
    assert by_pillar == {
        "expert-practice": [1, 2, 3],
        "strategic-and-enabling-leadership": [4, 5, 6, 7],
        "learning-developing-and-improving": [8, 9, 10],
        "research-and-innovation": [11, 12, 13],
        "consultancy": [14, 15, 16],
    }


def test_every_element_from_the_transition_points_list_is_present(framework):
    """The published transition-point list names every numbered element; the
    fixtures must hold exactly those."""
    from pathlib import Path

    csv_path = Path(__file__).resolve().parent / "consultant_transition_points.csv"
    expected = [line.split(",")[0] for line in csv_path.read_text().splitlines()[1:] if line.strip()]
    numbers = list(
        CapabilityElement.objects.filter(capability__framework=framework)
        .order_by("capability__number", "order")
        .values_list("number", flat=True)
    )
    assert numbers == expected
    assert len(numbers) == 44


def test_each_pillar_has_four_impact_statements_each_with_examples(framework):
    for pillar in framework.pillars.all():
        statements = list(pillar.impact_statements.order_by("order"))
        assert len(statements) == 4, pillar.name
        for statement in statements:
            assert statement.examples.exists(), statement.text
    assert EvidenceExample.objects.filter(impact_statement__pillar__framework=framework).count() == 43


@pytest.mark.parametrize(
    "number, statement",
    [
        (1, "Based on the following model of expert professional practice from care and service to systems level"),
        (8, "Stay effective through reflection and learning – and help others to do the same"),
        (13, "Lead research and academic programmes towards increasing knowledge and understanding for guiding "
             "person-centred, safe and effective care"),
        (15, "Developing and using expertise through consultancy approaches at every level of the system"),
        (16, "Lead consultancy practice and its ongoing development in others"),
    ],
)
def test_capability_statements_are_word_for_word(framework, number, statement):
    assert Capability.objects.get(framework=framework, number=number).statement == statement


def test_element_texts_are_word_for_word_with_seed_faults_corrected(framework):
    def element(number):
        return CapabilityElement.objects.get(capability__framework=framework, number=number)

    assert element("2.3").text == (
        "Lead how risk is managed in unpredictable and complex situations, and where a precedent has not been set."
    )
    assert element("3.4").text == "Involve local people, carers and service users in developing, evaluating and improving services."
    assert element("11.2").text.startswith("Contribute to national and international guideline development groups")
    assert element("11.3").text.startswith("Contribute to knowledge through comprehensive research, innovation and inquiry")
    assert "across health and social care and evaluating the impact of change" in element("15.2").text
    assert element("16.2").text == (
        "Lead on sharing and using expertise across the system and direction and guidance for achieving "
        "excellence in practice in ways that help others improve their own decision-making and problem-solving."
    )


def test_nested_bullets_of_element_1_1_sit_under_shared_decision_making(framework):
    element = CapabilityElement.objects.get(capability__framework=framework, number="1.1")
    tree = element.bullet_tree()
    assert [node["bullet"].text[:30] for node in tree] == [
        "High-quality, values-based pro",
        "A positive approach to working",
        "Sharing decision-making with s",
    ]
    assert [child.text for child in tree[2]["children"]] == [
        "people can represent themselves and carers and communities can take action together;",
        "valid and reliable tools for providing care and services can be selected; and",
        "the effectiveness of physical, psychological and social interventions and services (including drug, "
        "non-drug and surgical) and the transition through each stage of care and services can be assessed.",
    ]


def test_no_extraction_artefacts_remain_in_any_text(framework):
    texts = [
        *Capability.objects.values_list("statement", flat=True),
        *CapabilityElement.objects.values_list("text", flat=True),
        *ElementBullet.objects.values_list("text", flat=True),
        *ImpactStatement.objects.values_list("text", flat=True),
        *EvidenceExample.objects.values_list("text", flat=True),
        *Pillar.objects.values_list("purpose", flat=True),
    ]
    for text in texts:
        assert "personcentred" not in text
        assert " though " not in text
        assert " heath " not in text
        assert not text.startswith(("·", "o ", "- ")), text
        assert text == text.strip()


def test_pillar_texts_are_word_for_word(framework):
    leadership = framework.pillars.get(slug="strategic-and-enabling-leadership")
    assert leadership.purpose == (
        "Provide values-based leadership across the care pathway, services and systems in complex and changing situations."
    )
    assert leadership.goes_beyond.startswith("This goes beyond clinical and service leadership")
    consultancy = framework.pillars.get(slug="consultancy")
    assert consultancy.heading == "Consultancy approaches for putting in place and sustaining expertise across the system"
    expert = framework.pillars.get(slug="expert-practice")
    assert expert.note.startswith("('Values-based' practice with service users")


def test_evidence_examples_sit_under_the_statement_of_their_column(framework):
    def examples(pillar_slug, order):
        return list(
            EvidenceExample.objects.filter(
                impact_statement__pillar__framework=framework,
                impact_statement__pillar__slug=pillar_slug,
                impact_statement__order=order,
            ).values_list("text", flat=True)
        )

    assert examples("expert-practice", 2) == [
        "New ways of working that are incorporated across the system",
        "Improved pathway outcomes and reduced duplication of roles, functions and activities",
        "Cost savings",
    ]
    assert "360-degree feedback" in examples("strategic-and-enabling-leadership", 1)
    assert examples("research-and-innovation", 4) == [
        "Growing capacity and capability in research across the system (including supervision)"
    ]
    leadership_statements = list(
        ImpactStatement.objects.filter(pillar__slug="strategic-and-enabling-leadership").values_list("text", flat=True)
    )
    assert leadership_statements[1] == (
        "Seen as a key influential leader in helping to develop a specialist area of practice or service."
    )


def test_loading_the_framework_twice_changes_nothing(framework):
    before = counts()
    first_pks = list(Capability.objects.order_by("number").values_list("pk", flat=True))
    call_command("load_framework", verbosity=0)
    assert counts() == before
    assert list(Capability.objects.order_by("number").values_list("pk", flat=True)) == first_pks


def test_only_one_framework_can_be_current(framework):
    from django.db import IntegrityError, transaction

    from tests.factories import FrameworkFactory

    with pytest.raises(IntegrityError), transaction.atomic():
        FrameworkFactory(is_current=True)


def test_an_edition_in_use_cannot_be_changed_by_reloading(framework, monkeypatch):
    from django.core.management import CommandError

    from tests.factories import AssessmentFactory

    AssessmentFactory()
    call_command("load_framework", verbosity=0)  # unchanged content reloads fine

    original = Capability.objects.get(framework=framework, number=1).statement
    Capability.objects.filter(framework=framework, number=1).update(statement="Edited after use")
    # The fixture now differs from the stored edition: reloading would change it.
    with pytest.raises(CommandError, match="used by assessments"):
        call_command("load_framework", verbosity=0)
    assert Capability.objects.get(framework=framework, number=1).statement == "Edited after use"
    assert original != "Edited after use"


def test_transition_points_are_loaded_for_every_element(framework):
    points = dict(CapabilityElement.objects.filter(capability__framework=framework).values_list("number", "transition_point"))
    assert points["1.1"] == "advanced"
    assert points["6.3"] == "years_3_5"
    assert points["11.3"] == "years_3_5"
    assert all(points.values())
    # Every point exactly as the published transition-point list gives it.
    from pathlib import Path

    published = [line.split(",") for line in
                 (Path(__file__).resolve().parent / "consultant_transition_points.csv").read_text().splitlines()[1:]
                 if line.strip()]
    assert points == {number: point.strip() for number, point in published}


def test_repo_copy_of_transition_points_matches_the_shared_data():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    shared = root.parent / "shared" / "data" / "transition_points.csv"
    if not shared.exists():
        pytest.skip("the shared data folder is not beside this checkout")
    assert (root / "tests" / "capability" / "consultant_transition_points.csv").read_text() == shared.read_text()
