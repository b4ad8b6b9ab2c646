"""The framework file: one YAML file holds one edition of a framework, and
this module reads and checks it before anything is written.

The format is documented in fixtures/README.md ("The framework file"). It is
read with PyYAML's safe loader, keeping the line of every value, so each
problem names the line, the field and what is wrong, and every problem in a
file is reported at once rather than the first alone.

Reading and checking only: writing an edition into the database is
impact.framework_loader's (the impact framework lives in the app above this
one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from .models import TransitionPoint

FORMAT = "capability-framework/1"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ELEMENT_NUMBER = re.compile(r"^\d+(?:\.\d+)*$")
MAX_BULLET_LEVEL = 3
# The consultant framework is about 40,000 characters.
MAX_FILE_CHARACTERS = 2_000_000


# -- What a checked file gives ----------------------------------------------

@dataclass(frozen=True)
class Level:
    value: int
    label: str
    descriptor: str


@dataclass(frozen=True)
class Scale:
    slug: str
    name: str
    is_default: bool
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class Bullet:
    text: str
    level: int


@dataclass(frozen=True)
class Element:
    number: str
    text: str
    transition_point: str
    bullets: tuple[Bullet, ...]


@dataclass(frozen=True)
class CapabilitySpec:
    number: int
    statement: str
    plain_english: str
    elements: tuple[Element, ...]


@dataclass(frozen=True)
class ImpactStatementSpec:
    text: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class PillarSpec:
    slug: str
    name: str
    heading: str
    summary: str
    is_foundation: bool
    purpose: str
    goes_beyond: str
    note: str
    impact_purpose: str
    capabilities: tuple[CapabilitySpec, ...]
    impact_statements: tuple[ImpactStatementSpec, ...]


@dataclass(frozen=True)
class Guidance:
    """What an edition says about expectations, shown only where it says it:
    the level below which a capability expected now is a gap, and suggested
    numbers of evidence items (who suggests them, as pages name it)."""

    expected_level: int | None = None
    evidence_per_capability: tuple[int, int] | None = None
    evidence_per_pillar: tuple[int, int] | None = None
    source: str = ""


@dataclass(frozen=True)
class Edition:
    slug: str
    name: str
    short_name: str
    version: str
    publisher: str
    year: int
    description: str
    rating_scales: tuple[Scale, ...]
    pillars: tuple[PillarSpec, ...]
    guidance: Guidance = Guidance()


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


class FrameworkFileError(Exception):
    """The file could not be read, or broke the format: every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# -- Reading YAML with the line of every value --------------------------------

class _Mapping(dict):
    line: int
    key_lines: dict


class _Sequence(list):
    line: int
    item_lines: list


class _AliasRefused(Exception):
    def __init__(self, line: int):
        self.line = line


class _LineLoader(yaml.SafeLoader):
    """The safe loader, keeping where each mapping, list and value starts,
    and refusing aliases: a framework file never needs them, and a few
    nested ones expand into billions of values to check."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise _AliasRefused(self.peek_event().start_mark.line + 1)
        return super().compose_node(parent, index)

    def construct_yaml_map(self, node):
        data = _Mapping()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str) or key in data:
                # A repeated or non-text key is a mistake, never a choice.
                data.setdefault("__bad_keys__", []).append((key, key_node.start_mark.line + 1))
                continue
            data[key] = self.construct_object(value_node, deep=True)
            data.key_lines[key] = key_node.start_mark.line + 1

    def construct_yaml_seq(self, node):
        data = _Sequence()
        data.line = node.start_mark.line + 1
        data.item_lines = [child.start_mark.line + 1 for child in node.value]
        yield data
        data.extend(self.construct_object(child, deep=True) for child in node.value)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_yaml_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_yaml_seq)


def _load_yaml(text: str):
    if len(text) > MAX_FILE_CHARACTERS:
        raise FrameworkFileError([Problem(1, "(file)", f"is too big: a framework file is at most "
                                                       f"{MAX_FILE_CHARACTERS // 1_000_000} million characters")])
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a subclass of SafeLoader)
    except _AliasRefused as refused:
        raise FrameworkFileError([Problem(refused.line, "(file)", "uses an alias (*name): write the value out "
                                                                  "in full instead")]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise FrameworkFileError([Problem(line, "(file)", f"not valid YAML: {error.problem or error}")]) from None
    except yaml.YAMLError as error:
        raise FrameworkFileError([Problem(1, "(file)", f"not valid YAML: {error}")]) from None


# -- Checking ----------------------------------------------------------------

@dataclass
class _Checker:
    problems: list[Problem] = field(default_factory=list)

    def problem(self, line: int, path: str, message: str) -> None:
        self.problems.append(Problem(line, path, message))

    def mapping(self, value, line: int, path: str, allowed: set[str], required: set[str]) -> _Mapping | None:
        if not isinstance(value, _Mapping):
            self.problem(line, path or "(file)", "must be a mapping of fields (name: value)")
            return None
        for key, key_line in value.pop("__bad_keys__", []):
            self.problem(key_line, f"{path}.{key}" if path else str(key), "is given more than once")
        for key in value:
            if key not in allowed:
                self.problem(value.key_lines[key], f"{path}.{key}" if path else key,
                             f"is not a field here (expected one of: {', '.join(sorted(allowed))})")
        for key in sorted(required - set(value)):
            self.problem(value.line, f"{path}.{key}" if path else key, "is missing")
        return value

    def sequence(self, mapping: _Mapping, key: str, path: str, *, required: bool) -> list[tuple[int, str, object]]:
        """The items of a list field, each with its line and path."""
        full = f"{path}.{key}" if path else key
        if key not in mapping:
            return []
        value = mapping[key]
        if not isinstance(value, _Sequence):
            self.problem(mapping.key_lines[key], full, "must be a list")
            return []
        if required and not value:
            self.problem(mapping.key_lines[key], full, "must have at least one item")
        return [(value.item_lines[i], f"{full}[{i + 1}]", item) for i, item in enumerate(value)]

    def text(self, mapping: _Mapping, key: str, path: str, *, max_length: int | None = None,
             required: bool = True) -> str:
        full = f"{path}.{key}" if path else key
        if key not in mapping:
            return ""
        value, line = mapping[key], mapping.key_lines[key]
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            self.problem(line, full, "must be text (put it in quotes if it looks like a number or a date)")
            return ""
        value = value.strip()
        if required and not value:
            self.problem(line, full, "must not be empty")
        if max_length and len(value) > max_length:
            self.problem(line, full, f"must be at most {max_length} characters (it has {len(value)})")
        return value

    def whole_number(self, mapping: _Mapping, key: str, path: str, *, low: int, high: int) -> int:
        full = f"{path}.{key}" if path else key
        if key not in mapping:
            return 0
        value, line = mapping[key], mapping.key_lines[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(line, full, "must be a whole number")
            return 0
        if not low <= value <= high:
            self.problem(line, full, f"must be from {low} to {high} (it is {value})")
        return value

    def flag(self, mapping: _Mapping, key: str, path: str) -> bool:
        if key not in mapping:
            return False
        value = mapping[key]
        if not isinstance(value, bool):
            self.problem(mapping.key_lines[key], f"{path}.{key}", "must be true or false")
            return False
        return value

    def slug(self, mapping: _Mapping, key: str, path: str, max_length: int = 80) -> str:
        value = self.text(mapping, key, path, max_length=max_length)
        if value and not SLUG.match(value):
            self.problem(mapping.key_lines[key], f"{path}.{key}" if path else key,
                         "must be lower-case letters, digits and single hyphens, for example expert-practice")
        return value


def _unique(checker: _Checker, seen: dict, value, line: int, path: str, what: str) -> None:
    if value in ("", 0):
        return
    if value in seen:
        checker.problem(line, path, f"{what} {value} is already used on line {seen[value]}")
    else:
        seen[value] = line


def _scales(checker: _Checker, top: _Mapping) -> tuple[Scale, ...]:
    scales, slugs = [], {}
    for line, path, item in checker.sequence(top, "rating_scales", "", required=True):
        item = checker.mapping(item, line, path, {"slug", "name", "default", "levels"}, {"slug", "name", "levels"})
        if item is None:
            continue
        slug = checker.slug(item, "slug", path)
        _unique(checker, slugs, slug, item.key_lines.get("slug", line), f"{path}.slug", "the slug")
        levels, values = [], {}
        for level_line, level_path, level in checker.sequence(item, "levels", path, required=True):
            level = checker.mapping(level, level_line, level_path, {"value", "label", "descriptor"},
                                    {"value", "label", "descriptor"})
            if level is None:
                continue
            value = checker.whole_number(level, "value", level_path, low=1, high=20)
            _unique(checker, values, value, level.key_lines.get("value", level_line), f"{level_path}.value", "the value")
            levels.append(Level(value, checker.text(level, "label", level_path, max_length=80),
                                checker.text(level, "descriptor", level_path, max_length=255)))
        scales.append(Scale(slug, checker.text(item, "name", path, max_length=200),
                            checker.flag(item, "default", path), tuple(levels)))
    if scales and sum(scale.is_default for scale in scales) != 1:
        checker.problem(top.key_lines["rating_scales"], "rating_scales",
                        "exactly one scale must have default: true")
    return tuple(scales)


def _elements(checker: _Checker, item: _Mapping, path: str) -> tuple[Element, ...]:
    elements, numbers = [], {}
    for line, element_path, element in checker.sequence(item, "elements", path, required=False):
        element = checker.mapping(element, line, element_path, {"number", "text", "transition_point", "bullets"},
                                  {"number", "text"})
        if element is None:
            continue
        number = checker.text(element, "number", element_path, max_length=10)
        if number and not ELEMENT_NUMBER.match(number):
            checker.problem(element.key_lines["number"], f"{element_path}.number",
                            "must be numbers joined by dots, in quotes, for example \"2.1\"")
        _unique(checker, numbers, number, element.key_lines.get("number", line), f"{element_path}.number",
                "the element number")
        point = checker.text(element, "transition_point", element_path, required=False)
        if point and point not in TransitionPoint.values:
            checker.problem(element.key_lines["transition_point"], f"{element_path}.transition_point",
                            f"must be one of: {', '.join(TransitionPoint.values)}")
        bullets = []
        for bullet_line, bullet_path, bullet in checker.sequence(element, "bullets", element_path, required=False):
            if isinstance(bullet, str):
                if not bullet.strip():
                    checker.problem(bullet_line, bullet_path, "must not be empty")
                bullets.append(Bullet(bullet.strip(), 0))
                continue
            bullet = checker.mapping(bullet, bullet_line, bullet_path, {"text", "level"}, {"text"})
            if bullet is None:
                continue
            level = checker.whole_number(bullet, "level", bullet_path, low=0, high=MAX_BULLET_LEVEL)
            if level and not bullets:
                checker.problem(bullet.key_lines["level"], f"{bullet_path}.level",
                                "the first bullet of an element cannot be indented")
            bullets.append(Bullet(checker.text(bullet, "text", bullet_path), level))
        elements.append(Element(number, checker.text(element, "text", element_path), point, tuple(bullets)))
    return tuple(elements)


def _impact(checker: _Checker, item: _Mapping, path: str) -> tuple[ImpactStatementSpec, ...]:
    statements = []
    for line, statement_path, statement in checker.sequence(item, "impact_statements", path, required=False):
        statement = checker.mapping(statement, line, statement_path, {"text", "examples"}, {"text"})
        if statement is None:
            continue
        examples = []
        for example_line, example_path, example in checker.sequence(statement, "examples", statement_path,
                                                                     required=False):
            if not isinstance(example, str) or not example.strip():
                checker.problem(example_line, example_path, "must be text and not empty")
                continue
            examples.append(example.strip())
        statements.append(ImpactStatementSpec(checker.text(statement, "text", statement_path), tuple(examples)))
    return tuple(statements)


PILLAR_FIELDS = {"slug", "name", "heading", "summary", "foundation", "purpose", "goes_beyond", "note",
                 "impact_purpose", "capabilities", "impact_statements"}


def _pillars(checker: _Checker, top: _Mapping) -> tuple[PillarSpec, ...]:
    pillars, slugs, numbers = [], {}, {}
    for line, path, item in checker.sequence(top, "pillars", "", required=True):
        item = checker.mapping(item, line, path, PILLAR_FIELDS, {"slug", "name", "purpose"})
        if item is None:
            continue
        slug = checker.slug(item, "slug", path)
        _unique(checker, slugs, slug, item.key_lines.get("slug", line), f"{path}.slug", "the slug")
        capabilities = []
        for capability_line, capability_path, capability in checker.sequence(item, "capabilities", path,
                                                                             required=False):
            capability = checker.mapping(capability, capability_line, capability_path,
                                         {"number", "statement", "plain_english", "elements"},
                                         {"number", "statement"})
            if capability is None:
                continue
            number = checker.whole_number(capability, "number", capability_path, low=1, high=999)
            _unique(checker, numbers, number, capability.key_lines.get("number", capability_line),
                    f"{capability_path}.number", "capability number")
            capabilities.append(CapabilitySpec(
                number,
                checker.text(capability, "statement", capability_path),
                checker.text(capability, "plain_english", capability_path, required=False),
                _elements(checker, capability, capability_path),
            ))
        pillars.append(PillarSpec(
            slug=slug,
            name=checker.text(item, "name", path, max_length=200),
            heading=checker.text(item, "heading", path, max_length=255, required=False),
            summary=checker.text(item, "summary", path, max_length=255, required=False),
            is_foundation=checker.flag(item, "foundation", path),
            purpose=checker.text(item, "purpose", path),
            goes_beyond=checker.text(item, "goes_beyond", path, required=False),
            note=checker.text(item, "note", path, required=False),
            impact_purpose=checker.text(item, "impact_purpose", path, required=False),
            capabilities=tuple(capabilities),
            impact_statements=_impact(checker, item, path),
        ))
    if pillars and not any(p.capabilities for p in pillars):
        checker.problem(top.key_lines["pillars"], "pillars", "at least one pillar must have capabilities")
    return tuple(pillars)


FRAMEWORK_FIELDS = {"slug", "name", "short_name", "version", "publisher", "year", "description"}
GUIDANCE_FIELDS = {"expected_level", "evidence_per_capability", "evidence_per_pillar", "source"}


def _range(checker: _Checker, guidance: _Mapping, key: str) -> tuple[int, int] | None:
    if key not in guidance:
        return None
    path = f"guidance.{key}"
    item = checker.mapping(guidance[key], guidance.key_lines[key], path, {"low", "high"}, {"low", "high"})
    if item is None or not {"low", "high"} <= set(item):
        return None
    low = checker.whole_number(item, "low", path, low=0, high=999)
    high = checker.whole_number(item, "high", path, low=0, high=999)
    if high < low:
        checker.problem(item.key_lines["high"], f"{path}.high", f"must be at least low ({low})")
    return (low, high)


def _guidance(checker: _Checker, top: _Mapping, scales: tuple[Scale, ...]) -> Guidance:
    if "guidance" not in top:
        return Guidance()
    guidance = checker.mapping(top["guidance"], top.key_lines["guidance"], "guidance", GUIDANCE_FIELDS, set())
    if guidance is None:
        return Guidance()
    expected = None
    if "expected_level" in guidance:
        expected = checker.whole_number(guidance, "expected_level", "guidance", low=1, high=20)
        default = next((scale for scale in scales if scale.is_default), None)
        if expected and default is not None and expected not in {level.value for level in default.levels}:
            checker.problem(guidance.key_lines["expected_level"], "guidance.expected_level",
                            f"must be a level value of the default scale {default.slug} "
                            f"({', '.join(str(level.value) for level in default.levels)})")
    per_capability = _range(checker, guidance, "evidence_per_capability")
    per_pillar = _range(checker, guidance, "evidence_per_pillar")
    source = checker.text(guidance, "source", "guidance", max_length=120, required=False)
    if (per_capability or per_pillar) and not source:
        checker.problem(guidance.line, "guidance.source",
                        "is missing: say who suggests the numbers of evidence items, as pages will name it")
    return Guidance(expected or None, per_capability, per_pillar, source)


def parse(text: str) -> Edition:
    """The edition a framework file describes, or FrameworkFileError naming
    every problem (line, field, what is wrong). Writes nothing."""
    data = _load_yaml(text)
    checker = _Checker()
    top = checker.mapping(data, 1, "", {"format", "framework", "rating_scales", "pillars", "guidance"},
                          {"format", "framework", "rating_scales", "pillars"})
    if top is None:
        raise FrameworkFileError(checker.problems)
    if "format" in top and top["format"] != FORMAT:
        checker.problem(top.key_lines["format"], "format", f"must be {FORMAT} (it is {top['format']!r})")
    framework = checker.mapping(top.get("framework"), top.key_lines.get("framework", 1), "framework",
                                FRAMEWORK_FIELDS, FRAMEWORK_FIELDS - {"short_name", "description"}) \
        if "framework" in top else None
    scales = _scales(checker, top)
    pillars = _pillars(checker, top)
    guidance = _guidance(checker, top, scales)
    if framework is None:
        raise FrameworkFileError(checker.problems)
    edition = Edition(
        slug=checker.slug(framework, "slug", "framework"),
        name=checker.text(framework, "name", "framework", max_length=255),
        short_name=checker.text(framework, "short_name", "framework", max_length=120, required=False),
        version=checker.text(framework, "version", "framework", max_length=40),
        publisher=checker.text(framework, "publisher", "framework", max_length=255),
        year=checker.whole_number(framework, "year", "framework", low=1900, high=2200),
        description=checker.text(framework, "description", "framework", required=False),
        rating_scales=scales,
        pillars=pillars,
        guidance=guidance,
    )
    if checker.problems:
        raise FrameworkFileError(sorted(checker.problems, key=lambda p: p.line))
    return edition


def read_checked(path, check):
    """For the load commands: the file at ``path`` read and passed to
    ``check`` (parse, or crosswalk_file.read), or a CommandError naming
    every problem; nothing is written either way."""
    from django.core.management import CommandError

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"Cannot read {path}: {error}") from None
    try:
        return check(text)
    except FrameworkFileError as error:
        problems = "\n".join(f"  {path.name}, {problem}" for problem in error.problems)
        raise CommandError(
            f"{path.name} has {len(error.problems)} problem{'s' if len(error.problems) != 1 else ''}; "
            f"nothing was loaded:\n{problems}"
        ) from None
