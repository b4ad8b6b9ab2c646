"""`manage.py load_crosswalk PATH`: a crosswalk file is checked whole against
the two editions before anything is written, names every problem with its
line and field, reloads without change, and cannot change once assessments
were carried across it."""

import textwrap

import pytest
from django.core.management import CommandError, call_command

from capability.crosswalk_file import read
from capability.framework_file import FrameworkFileError
from capability.models import Crosswalk, CrosswalkElementLink, CrosswalkLink
from tests.capability.test_framework_file import VALID

pytestmark = pytest.mark.django_db

# The older edition: VALID (capability 1, element 1.1). The newer: three
# capabilities, the first with elements 1.1 and 1.2.
NEWER = VALID.replace("slug: leadership-outline", "slug: leadership-outline-2").replace(
    "  impact_statements:",
    "    - number: '1.2'\n      text: Courage\n"
    "  - number: 2\n    statement: Leads with care\n"
    "  - number: 3\n    statement: Connects services\n"
    "  impact_statements:",
)
# A second older capability, so that many to one can be shown.
OLDER = VALID.replace(
    "  impact_statements:",
    "  - number: 2\n    statement: Evaluates information\n  impact_statements:",
)

CROSSWALK = textwrap.dedent("""\
    format: capability-crosswalk/1
    crosswalk:
      from: leadership-outline
      to: leadership-outline-2
      description: A test crosswalk
    capabilities:
    - from: [1]
      to: [1, 2]
    - from: [2]
      to: []
    elements:
    - from: '1.1'
      to: ['1.2']
    """)


@pytest.fixture
def editions(tmp_path):
    for name, text in (("older.yaml", OLDER), ("newer.yaml", NEWER)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        call_command("load_framework", str(path), verbosity=0)


def problems_of(text):
    with pytest.raises(FrameworkFileError) as caught:
        read(text)
    return [(p.line, p.field, p.message) for p in caught.value.problems]


def load(tmp_path, text):
    from io import StringIO

    path = tmp_path / "crosswalk.yaml"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("load_crosswalk", str(path), stdout=out)
    return out.getvalue()


def test_a_valid_crosswalk_loads_each_mapping_kind_and_reloads_without_change(editions, tmp_path):
    assert load(tmp_path, CROSSWALK).startswith("Loaded the crosswalk from Leadership outline (1) to ")
    crosswalk = Crosswalk.objects.get()
    assert sorted(
        (link.group, link.source.number, link.target.number if link.target else None)
        for link in CrosswalkLink.objects.filter(crosswalk=crosswalk)
    ) == [(1, 1, 1), (1, 1, 2), (2, 2, None)]
    assert [(e.source.number, e.target.number) for e in CrosswalkElementLink.objects.all()] == [("1.1", "1.2")]
    assert load(tmp_path, CROSSWALK).startswith("No change to the crosswalk")
    assert CrosswalkLink.objects.count() == 3


def test_many_to_one_is_read_as_such(editions):
    plan = read(CROSSWALK.replace("- from: [1]\n  to: [1, 2]\n- from: [2]\n  to: []\n",
                                  "- from: [1, 2]\n  to: [3]\n"))
    assert [(m.sources, m.targets, m.kind) for m in plan.mappings] == [((1, 2), (3,), "many to one")]


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        ("  from: leadership-outline\n", "  from: never-loaded\n", 3, "crosswalk.from",
         "no edition never-loaded has been loaded"),
        ("  to: leadership-outline-2\n", "  to: leadership-outline\n", 4, "crosswalk.to",
         "must be another edition than crosswalk.from"),
        ("- from: [2]\n  to: []\n", "", 6, "capabilities",
         "leadership-outline capability 2 is not mapped: map each one, or give it `to: []` for no equivalent"),
        ("  to: [1, 2]\n", "  to: [1, 7]\n", 8, "capabilities[1].to", "leadership-outline-2 has no capability 7"),
        ("- from: [2]\n", "- from: [2, 1]\n", 9, "capabilities[2].from", "capability 1 is already mapped on line 7"),
        ("- from: [1]\n", "- from: [9, 1]\n", 7, "capabilities[1].from", "leadership-outline has no capability 9"),
        ("- from: [1]\n", "- from: [1, 2]\n", 7, "capabilities[1]",
         "a mapping is one to one, one to many or many to one, so split it"),
        ("  to: [1, 2]\n", "  to: [1, 1]\n", 8, "capabilities[1].to", "names capability 1 twice"),
        ("  to: [1, 2]\n", "  to: one\n", 8, "capabilities[1].to", "must be a list of capability numbers"),
        ("- from: [1]\n", "- from: []\n", 7, "capabilities[1].from", "must name at least one capability"),
        ("  to: ['1.2']\n", "  to: ['4.1']\n", 13, "elements[1].to", "leadership-outline-2 has no element 4.1"),
        ("- from: '1.1'\n", "- from: '1.9'\n", 12, "elements[1].from", "leadership-outline has no element 1.9"),
        ("- from: '1.1'\n", "- from: 1.1\n", 12, "elements[1].from", "is not an element number"),
        ("format: capability-crosswalk/1\n", "format: capability-crosswalk/2\n", 1, "format",
         "must be capability-crosswalk/1"),
        ("  description: A test crosswalk\n", "  description: A test crosswalk\n  owner: me\n", 6,
         "crosswalk.owner", "is not a field here"),
    ],
)
def test_each_problem_names_its_line_field_and_what_is_wrong(editions, old, new, line, field, message):
    assert old in CROSSWALK
    problems = problems_of(CROSSWALK.replace(old, new, 1))
    matching = [p for p in problems if p[1] == field]
    assert matching, problems
    assert matching[0][0] == line
    assert message in matching[0][2]


def test_a_file_with_problems_writes_nothing(editions, tmp_path):
    with pytest.raises(CommandError, match="nothing was loaded"):
        load(tmp_path, CROSSWALK.replace("  to: [1, 2]\n", "  to: [1, 7]\n"))
    assert not Crosswalk.objects.exists()


def test_a_crosswalk_assessments_were_carried_across_cannot_change(editions, tmp_path):
    from portfolios.models import CarriedOver
    from tests.factories import AssessmentFactory

    load(tmp_path, CROSSWALK)
    crosswalk = Crosswalk.objects.get()
    link = CrosswalkLink.objects.filter(target__isnull=False).first()
    assessment = AssessmentFactory(framework=crosswalk.to_framework)
    CarriedOver.objects.create(assessment=assessment, crosswalk=crosswalk, source=link.source, target=link.target)

    with pytest.raises(CommandError, match="carried across the crosswalk .* so it cannot change"):
        load(tmp_path, CROSSWALK.replace("  to: [1, 2]\n", "  to: [1]\n"))
    assert CrosswalkLink.objects.count() == 3
    # The same file again is still fine.
    assert load(tmp_path, CROSSWALK).startswith("No change")
