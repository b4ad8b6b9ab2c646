"""`manage.py load_framework PATH`: a framework file is checked whole before
anything is written, loads beside other editions, reloads without change, and
cannot change an edition in use."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from capability.models import Capability, CapabilityElement, ElementBullet, Framework
from impact.framework_loader import dump
from impact.models import EvidenceExample
from tests.capability.test_framework_file import VALID
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db

CONSULTANT_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "consultant-level-practice.yaml"


def write(tmp_path, text, name="outline.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(path, **options) -> str:
    from io import StringIO

    out = StringIO()
    call_command("load_framework", str(path), stdout=out, **options)
    return out.getvalue()


def test_the_consultant_file_is_exactly_what_is_loaded(framework):
    """Writing the loaded edition back out gives the file, field for field:
    nothing in the file is dropped and nothing else is stored."""
    text = CONSULTANT_FILE.read_text(encoding="utf-8")
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    assert dump(framework) == body


def test_a_second_framework_loads_beside_the_first_and_is_not_made_current(framework, tmp_path):
    assert load(write(tmp_path, VALID)) == "Loaded Leadership outline (1).\n"
    outline = Framework.objects.get(slug="leadership-outline")
    assert not outline.is_current
    assert Framework.objects.current().get() == framework
    assert list(outline.capabilities.values_list("number", "statement")) == [(1, "Inspires a shared purpose")]
    element = CapabilityElement.objects.get(capability__framework=outline)
    assert list(element.bullets.values_list("order", "level", "text")) == [
        (1, 0, "Acts on values"), (2, 1, "Even when it is hard")]
    assert list(EvidenceExample.objects.filter(impact_statement__pillar__framework=outline)
                .values_list("text", flat=True)) == ["A team survey"]


def test_loading_the_same_file_twice_changes_nothing(tmp_path):
    path = write(tmp_path, VALID)
    load(path)
    outline = Framework.objects.get(slug="leadership-outline")
    rows = {model: sorted(model.objects.values_list("pk", flat=True))
            for model in (Capability, CapabilityElement, ElementBullet, EvidenceExample)}
    assert load(path) == "No change to Leadership outline (1).\n"
    assert Framework.objects.get(pk=outline.pk).structure_revision == outline.structure_revision
    assert {model: sorted(model.objects.values_list("pk", flat=True)) for model in rows} == rows


def test_a_file_with_problems_names_each_and_writes_nothing(framework, tmp_path):
    broken = VALID.replace("  year: 2024", "  year: soon").replace("      transition_point: advanced",
                                                                   "      transition_point: someday")
    before = Framework.objects.count()
    with pytest.raises(CommandError) as caught:
        load(write(tmp_path, broken))
    message = str(caught.value)
    assert message.startswith("outline.yaml has 2 problems; nothing was loaded:")
    assert "outline.yaml, line 7, framework.year: must be a whole number" in message
    assert "outline.yaml, line 29, pillars[1].capabilities[1].elements[1].transition_point: must be one of" in message
    assert Framework.objects.count() == before


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*nowhere.yaml"):
        load(tmp_path / "nowhere.yaml")


def test_check_only_reads_the_file(tmp_path):
    assert load(write(tmp_path, VALID), check=True) == (
        "outline.yaml is a valid framework file for Leadership outline (1).\n")
    assert not Framework.objects.filter(slug="leadership-outline").exists()


def test_an_edition_in_use_refuses_a_changed_file_and_keeps_what_it_had(framework, tmp_path):
    AssessmentFactory(framework=framework)
    text = CONSULTANT_FILE.read_text(encoding="utf-8")
    statement = Capability.objects.get(framework=framework, number=1).statement
    changed = text.replace(f"statement: {statement[:40]}", "statement: Rewritten after use", 1)
    assert changed != text
    with pytest.raises(CommandError, match="used by assessments, so its content cannot change"):
        load(write(tmp_path, changed))
    assert Capability.objects.get(framework=framework, number=1).statement == statement


def test_an_edition_in_use_may_take_new_transition_points(framework, tmp_path):
    AssessmentFactory(framework=framework)
    text = CONSULTANT_FILE.read_text(encoding="utf-8")
    changed = text.replace("transition_point: advanced", "transition_point: transition", 1)
    revision = framework.structure_revision
    assert load(write(tmp_path, changed)).startswith("Updated ")
    framework.refresh_from_db()
    assert framework.structure_revision == revision + 1
    assert CapabilityElement.objects.get(capability__framework=framework, number="1.1").transition_point == "transition"


def test_an_edition_not_in_use_follows_its_file_when_elements_move_and_bullets_go(tmp_path):
    two_elements = VALID.replace("  impact_statements:", "    - number: '1.2'\n      text: Courage\n  impact_statements:")
    load(write(tmp_path, two_elements))
    swapped = VALID.replace(
        "    - number: '1.1'\n      text: Values\n      transition_point: advanced\n      bullets:\n"
        "      - Acts on values\n      - text: Even when it is hard\n        level: 1\n",
        "    - number: '1.2'\n      text: Courage\n    - number: '1.1'\n      text: Values\n",
    )
    assert load(write(tmp_path, swapped)).startswith("Updated ")
    capability = Capability.objects.get(framework__slug="leadership-outline")
    assert list(capability.elements.order_by("order").values_list("number", "text")) == [
        ("1.2", "Courage"), ("1.1", "Values")]
    assert not ElementBullet.objects.filter(element__capability=capability).exists()


def test_the_leadership_model_outline_loads_with_its_nine_dimensions(framework):
    path = CONSULTANT_FILE.parent / "healthcare-leadership-model-outline.yaml"
    assert load(path) == "Loaded Healthcare Leadership Model (outline) (outline-1).\n"
    outline = Framework.objects.get(slug="healthcare-leadership-model-outline")
    assert list(outline.capabilities.order_by("number").values_list("statement", flat=True)) == [
        "Inspiring shared purpose", "Leading with care", "Evaluating information", "Connecting our service",
        "Sharing the vision", "Engaging the team", "Holding to account", "Developing capability",
        "Influencing for results",
    ]
    assert all(outline.capabilities.values_list("plain_english", flat=True))
    assert not EvidenceExample.objects.filter(impact_statement__pillar__framework=outline).exists()
    assert Framework.objects.current().get() == framework


def test_the_consultant_file_gives_its_edition_the_national_guidance(framework):
    assert framework.expected_level == 3
    assert framework.guide_per_capability == (1, 2)
    assert framework.guide_per_pillar == (4, 6)
    assert framework.evidence_guide_source == "the national route"


def test_an_edition_in_use_refuses_changed_guidance(framework, tmp_path):
    AssessmentFactory(framework=framework)
    text = CONSULTANT_FILE.read_text(encoding="utf-8")
    changed = text.replace("  expected_level: 3\n", "  expected_level: 2\n", 1)
    assert changed != text
    with pytest.raises(CommandError, match="used by assessments, so its content cannot change"):
        load(write(tmp_path, changed))
    framework.refresh_from_db()
    assert framework.expected_level == 3


def test_an_edition_without_guidance_has_none(outline):
    assert (outline.expected_level, outline.guide_per_capability, outline.guide_per_pillar) == (None, None, None)
    assert "guidance" not in dump(outline)
