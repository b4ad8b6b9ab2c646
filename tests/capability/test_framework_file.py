"""Reading and checking a framework file: every problem is named with its
line, field and what is wrong, all at once, and nothing is written."""

import textwrap

import pytest

from capability.framework_file import FrameworkFileError, Problem, parse

VALID = """\
format: capability-framework/1
framework:
  slug: leadership-outline
  name: Leadership outline
  version: '1'
  publisher: Example publisher
  year: 2024
rating_scales:
- slug: three-level
  name: Three levels
  default: true
  levels:
  - value: 1
    label: Starting
    descriptor: New to this
  - value: 2
    label: Growing
    descriptor: Some experience
pillars:
- slug: leading
  name: Leading
  purpose: Lead people well.
  capabilities:
  - number: 1
    statement: Inspires a shared purpose
    elements:
    - number: '1.1'
      text: Values
      transition_point: advanced
      bullets:
      - Acts on values
      - text: Even when it is hard
        level: 1
  impact_statements:
  - text: People follow.
    examples:
    - A team survey
"""


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(FrameworkFileError) as caught:
        parse(text)
    return caught.value.problems


def replace(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)


def test_a_valid_file_gives_the_edition_in_file_order():
    edition = parse(VALID)
    assert edition.slug == "leadership-outline"
    assert edition.year == 2024
    assert [level.label for level in edition.rating_scales[0].levels] == ["Starting", "Growing"]
    (pillar,) = edition.pillars
    element = pillar.capabilities[0].elements[0]
    assert (element.number, element.transition_point) == ("1.1", "advanced")
    assert [(b.text, b.level) for b in element.bullets] == [("Acts on values", 0), ("Even when it is hard", 1)]
    assert pillar.impact_statements[0].examples == ("A team survey",)


@pytest.mark.parametrize("old, new, line, field, message", [
    ("format: capability-framework/1", "format: capability-framework/9", 1, "format",
     "must be capability-framework/1 (it is 'capability-framework/9')"),
    ("  slug: leadership-outline", "  slug: Leadership Outline", 3, "framework.slug",
     "must be lower-case letters, digits and single hyphens"),
    ("  name: Leadership outline\n", "", 3, "framework.name", "is missing"),
    ("  version: '1'", "  version: 1", 5, "framework.version", "must be text (put it in quotes"),
    ("  year: 2024", "  year: 20245", 7, "framework.year", "must be from 1900 to 2200 (it is 20245)"),
    ("  year: 2024", "  year: next", 7, "framework.year", "must be a whole number"),
    ("  publisher: Example publisher", "  publisher: Example publisher\n  colour: blue", 7, "framework.colour",
     "is not a field here"),
    ("  default: true", "  default: yes please", 11, "rating_scales[1].default", "must be true or false"),
    ("  default: true", "  default: false", 8, "rating_scales", "exactly one scale must have default: true"),
    ("  - value: 2", "  - value: 1", 16, "rating_scales[1].levels[2].value", "the value 1 is already used on line 13"),
    ("    label: Growing", "    label: ''", 17, "rating_scales[1].levels[2].label", "must not be empty"),
    ("    descriptor: New to this", "    descriptor: " + "x" * 256, 15, "rating_scales[1].levels[1].descriptor",
     "must be at most 255 characters (it has 256)"),
    ("  levels:\n  - value: 1\n    label: Starting\n    descriptor: New to this\n"
     "  - value: 2\n    label: Growing\n    descriptor: Some experience\n", "  levels: []\n", 12,
     "rating_scales[1].levels", "must have at least one item"),
    ("  purpose: Lead people well.\n", "", 20, "pillars[1].purpose", "is missing"),
    ("  - number: 1\n", "  - number: one\n", 24, "pillars[1].capabilities[1].number", "must be a whole number"),
    ("    - number: '1.1'", "    - number: 1.1", 27, "pillars[1].capabilities[1].elements[1].number",
     "must be text"),
    ("    - number: '1.1'", "    - number: 'one'", 27, "pillars[1].capabilities[1].elements[1].number",
     "must be numbers joined by dots"),
    ("      transition_point: advanced", "      transition_point: someday", 29,
     "pillars[1].capabilities[1].elements[1].transition_point", "must be one of: advanced, transition"),
    ("      - Acts on values\n", "", 32, "pillars[1].capabilities[1].elements[1].bullets[1].level",
     "the first bullet of an element cannot be indented"),
    ("        level: 1", "        level: 7", 33, "pillars[1].capabilities[1].elements[1].bullets[2].level",
     "must be from 0 to 3 (it is 7)"),
    ("    - A team survey", "    - ''", 37, "pillars[1].impact_statements[1].examples[1]", "must be text and not empty"),
    ("    examples:\n    - A team survey\n", "    examples: A team survey\n", 36,
     "pillars[1].impact_statements[1].examples", "must be a list"),
])
def test_each_problem_names_its_line_field_and_what_is_wrong(old, new, line, field, message):
    problems = problems_of(replace(old, new))
    matching = [p for p in problems if p.field == field]
    assert matching, problems
    assert matching[0].line == line
    assert message in matching[0].message
    assert str(matching[0]).startswith(f"line {line}, {field}: ")


def test_every_problem_in_a_file_is_reported_at_once_in_line_order():
    text = replace("  year: 2024", "  year: soon").replace("  - number: 1\n", "  - number: 0\n")
    problems = problems_of(text)
    assert [(p.line, p.field) for p in problems] == [
        (7, "framework.year"), (24, "pillars[1].capabilities[1].number"),
    ]


def test_a_repeated_key_is_refused_not_silently_overwritten():
    problems = problems_of(replace("  year: 2024", "  year: 2024\n  year: 2025"))
    assert (8, "framework.year", "is given more than once") in [(p.line, p.field, p.message) for p in problems]


def test_capability_numbers_are_unique_across_pillars():
    second = textwrap.dedent("""\
    - slug: second
      name: Second
      purpose: Another.
      capabilities:
      - number: 1
        statement: Again one
    """)
    problems = problems_of(VALID + second)
    assert [(p.field, p.message) for p in problems] == [
        ("pillars[2].capabilities[1].number", "capability number 1 is already used on line 24"),
    ]


def test_text_that_is_not_yaml_is_one_problem_with_its_line():
    problems = problems_of("format: capability-framework/1\nframework: [unclosed\n")
    assert len(problems) == 1
    assert problems[0].field == "(file)"
    assert problems[0].message.startswith("not valid YAML")


def test_a_file_that_is_not_a_mapping_is_refused():
    assert [str(p) for p in problems_of("- just\n- a list\n")] == [
        "line 1, (file): must be a mapping of fields (name: value)"]


def test_yaml_tags_that_would_build_objects_are_refused():
    problems = problems_of("!!python/object/apply:os.system ['true']\n")
    assert problems[0].message.startswith("not valid YAML")


def test_aliases_are_refused_so_a_small_file_cannot_expand_into_billions_of_values():
    bomb = "a: &a ['x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x']\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9))
    problems = problems_of(bomb)
    assert [(p.line, p.message) for p in problems] == [
        (2, "uses an alias (*name): write the value out in full instead")]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    from capability.framework_file import MAX_FILE_CHARACTERS

    problems = problems_of("# " + "x" * MAX_FILE_CHARACTERS)
    assert problems[0].message == "is too big: a framework file is at most 2 million characters"


# Guidance: what an edition expects, shown only where it says it ------------

GUIDANCE = """\
guidance:
  expected_level: 2
  evidence_per_capability:
    low: 1
    high: 2
  evidence_per_pillar:
    low: 3
    high: 5
  source: the example route
"""


def with_guidance(text: str) -> str:
    return VALID.replace("pillars:\n", text + "pillars:\n", 1)


def test_guidance_is_read_when_given_and_absent_when_not():
    edition = parse(with_guidance(GUIDANCE))
    assert edition.guidance.expected_level == 2
    assert edition.guidance.evidence_per_capability == (1, 2)
    assert edition.guidance.evidence_per_pillar == (3, 5)
    assert edition.guidance.source == "the example route"

    bare = parse(VALID).guidance
    assert (bare.expected_level, bare.evidence_per_capability, bare.evidence_per_pillar, bare.source) == (
        None, None, None, "")


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        ("  expected_level: 2\n", "  expected_level: 3\n", 20, "guidance.expected_level",
         "must be a level value of the default scale three-level (1, 2)"),
        ("  expected_level: 2\n", "  expected_level: two\n", 20, "guidance.expected_level", "must be a whole number"),
        ("    high: 2\n", "    high: 0\n", 23, "guidance.evidence_per_capability.high", "must be at least low (1)"),
        ("    high: 5\n", "", 25, "guidance.evidence_per_pillar.high", "is missing"),
        ("  source: the example route\n", "", 20, "guidance.source", "say who suggests the numbers"),
        ("  source: the example route\n", "  source: x\n  advice: more\n", 28, "guidance.advice",
         "is not a field here"),
        ("  evidence_per_pillar:\n    low: 3\n    high: 5\n", "  evidence_per_pillar: [3, 5]\n", 24,
         "guidance.evidence_per_pillar", "must be a mapping of fields"),
    ],
)
def test_each_guidance_problem_names_its_line_field_and_what_is_wrong(old, new, line, field, message):
    text = with_guidance(GUIDANCE.replace(old, new, 1))
    problems = problems_of(text)
    matching = [p for p in problems if p.field == field]
    assert matching, problems
    assert matching[0].line == line
    assert message in matching[0].message


def test_guidance_that_is_not_a_mapping_is_refused():
    problems = problems_of(with_guidance("guidance: lots\n"))
    assert [(p.line, p.field) for p in problems] == [(19, "guidance")]
    assert "must be a mapping of fields" in problems[0].message
