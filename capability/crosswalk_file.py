"""The crosswalk file: how an older edition's capabilities (and elements)
map onto a newer edition's, read and checked whole before anything is
written (format in fixtures/README.md, "The crosswalk file").

Read with the framework file's loader (the line of every value, no aliases,
no repeated keys), so each problem names its line, its field and what is
wrong, all at once. Checking needs the database: both editions must be
loaded, and every capability and element named must be theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

from .framework_file import ELEMENT_NUMBER, FrameworkFileError, Problem, _Checker, _load_yaml
from .models import CapabilityElement, Framework

FORMAT = "capability-crosswalk/1"


@dataclass(frozen=True)
class CapabilityMapping:
    line: int
    sources: tuple[int, ...]
    targets: tuple[int, ...]  # empty: no equivalent

    @property
    def kind(self) -> str:
        if not self.targets:
            return "no equivalent"
        if len(self.sources) > 1:
            return "many to one"
        return "one to many" if len(self.targets) > 1 else "one to one"


@dataclass(frozen=True)
class ElementMapping:
    line: int
    source: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class CrosswalkPlan:
    """A checked crosswalk: the two editions and what maps to what."""

    from_framework: Framework
    to_framework: Framework
    description: str
    mappings: tuple[CapabilityMapping, ...]
    element_mappings: tuple[ElementMapping, ...]


def _numbers(checker: _Checker, mapping, key: str, path: str, *, allow_empty: bool) -> tuple[int, ...]:
    full = f"{path}.{key}"
    if key not in mapping:
        return ()
    values = mapping[key]
    if not isinstance(values, list):
        checker.problem(mapping.key_lines[key], full, "must be a list of capability numbers, for example [1, 2]")
        return ()
    if not values and not allow_empty:
        checker.problem(mapping.key_lines[key], full, "must name at least one capability")
    numbers = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            checker.problem(mapping.key_lines[key], full, f"{value!r} is not a capability number")
        elif value in numbers:
            checker.problem(mapping.key_lines[key], full, f"names capability {value} twice")
        else:
            numbers.append(value)
    return tuple(numbers)


def _element_numbers(checker: _Checker, mapping, key: str, path: str) -> tuple[str, ...]:
    full = f"{path}.{key}"
    values = mapping.get(key)
    # An element is mapped from one number, onto a list of them.
    values = [values] if key == "from" and values is not None and not isinstance(values, (list, dict)) else values
    if not isinstance(values, list):
        checker.problem(mapping.key_lines.get(key, mapping.line), full,
                        "must be a list of element numbers in quotes, for example ['1.1']")
        return ()
    numbers = []
    for value in values:
        if not isinstance(value, str) or not ELEMENT_NUMBER.match(value):
            checker.problem(mapping.key_lines[key], full,
                            f"{value!r} is not an element number (numbers joined by dots, in quotes)")
        else:
            numbers.append(value)
    return tuple(numbers)


def _editions(checker: _Checker, head) -> tuple[Framework | None, Framework | None]:
    found = []
    for key in ("from", "to"):
        slug = checker.slug(head, key, "crosswalk")
        framework = Framework.objects.filter(slug=slug).first() if slug else None
        if slug and framework is None:
            checker.problem(head.key_lines[key], f"crosswalk.{key}",
                            f"no edition {slug} has been loaded (load its framework file first)")
        found.append(framework)
    if found[0] is not None and found[0] == found[1]:
        checker.problem(head.key_lines["to"], "crosswalk.to", "must be another edition than crosswalk.from")
        return found[0], None
    return found[0], found[1]


def _capability_mappings(checker: _Checker, top, older: Framework | None, newer: Framework | None):
    older_numbers = set(older.capabilities.values_list("number", flat=True)) if older else set()
    newer_numbers = set(newer.capabilities.values_list("number", flat=True)) if newer else set()
    mappings, seen = [], {}
    for line, path, item in checker.sequence(top, "capabilities", "", required=True):
        item = checker.mapping(item, line, path, {"from", "to"}, {"from", "to"})
        if item is None:
            continue
        sources = _numbers(checker, item, "from", path, allow_empty=False)
        targets = _numbers(checker, item, "to", path, allow_empty=True)
        if len(sources) > 1 and len(targets) > 1:
            checker.problem(item.line, path, "maps several capabilities to several: a mapping is one to one, "
                                             "one to many or many to one, so split it")
        for number in sources:
            if older and number not in older_numbers:
                checker.problem(item.key_lines["from"], f"{path}.from", f"{older.slug} has no capability {number}")
            elif number in seen:
                checker.problem(item.key_lines["from"], f"{path}.from",
                                f"capability {number} is already mapped on line {seen[number]}")
            else:
                seen[number] = item.key_lines["from"]
        for number in targets:
            if newer and number not in newer_numbers:
                checker.problem(item.key_lines["to"], f"{path}.to", f"{newer.slug} has no capability {number}")
        mappings.append(CapabilityMapping(item.line, sources, targets))
    missing = sorted(older_numbers - set(seen))
    if older and "capabilities" in top and missing:
        checker.problem(top.key_lines["capabilities"], "capabilities",
                        f"{older.slug} capabilit{'y' if len(missing) == 1 else 'ies'} "
                        f"{', '.join(map(str, missing))} {'is' if len(missing) == 1 else 'are'} not mapped: "
                        "map each one, or give it `to: []` for no equivalent")
    return tuple(mappings)


def _element_mappings(checker: _Checker, top, older: Framework | None, newer: Framework | None):
    def numbers_of(framework):
        if framework is None:
            return set()
        return set(CapabilityElement.objects.filter(capability__framework=framework).values_list("number", flat=True))

    older_numbers, newer_numbers = numbers_of(older), numbers_of(newer)
    mappings, seen = [], {}
    for line, path, item in checker.sequence(top, "elements", "", required=False):
        item = checker.mapping(item, line, path, {"from", "to"}, {"from", "to"})
        if item is None:
            continue
        sources = _element_numbers(checker, item, "from", path)
        targets = _element_numbers(checker, item, "to", path)
        if len(sources) != 1:
            if sources:
                checker.problem(item.key_lines["from"], f"{path}.from", "must name one element")
            continue
        source = sources[0]
        if older and source not in older_numbers:
            checker.problem(item.key_lines["from"], f"{path}.from", f"{older.slug} has no element {source}")
        elif source in seen:
            checker.problem(item.key_lines["from"], f"{path}.from",
                            f"element {source} is already mapped on line {seen[source]}")
        seen.setdefault(source, item.key_lines["from"])
        for number in targets:
            if newer and number not in newer_numbers:
                checker.problem(item.key_lines["to"], f"{path}.to", f"{newer.slug} has no element {number}")
        mappings.append(ElementMapping(item.line, source, targets))
    return tuple(mappings)


def read(text: str) -> CrosswalkPlan:
    """The checked crosswalk a file describes, or FrameworkFileError naming
    every problem (line, field, what is wrong). Writes nothing."""
    data = _load_yaml(text)
    checker = _Checker()
    top = checker.mapping(data, 1, "", {"format", "crosswalk", "capabilities", "elements"},
                          {"format", "crosswalk", "capabilities"})
    if top is None:
        raise FrameworkFileError(checker.problems)
    if "format" in top and top["format"] != FORMAT:
        checker.problem(top.key_lines["format"], "format", f"must be {FORMAT} (it is {top['format']!r})")
    head = checker.mapping(top["crosswalk"], top.key_lines["crosswalk"], "crosswalk",
                           {"from", "to", "description"}, {"from", "to"}) if "crosswalk" in top else None
    older, newer = _editions(checker, head) if head is not None else (None, None)
    description = checker.text(head, "description", "crosswalk", required=False) if head is not None else ""
    mappings = _capability_mappings(checker, top, older, newer)
    element_mappings = _element_mappings(checker, top, older, newer)
    if checker.problems or older is None or newer is None:
        raise FrameworkFileError(sorted(checker.problems, key=lambda p: p.line) or [
            Problem(1, "crosswalk", "is missing")])
    return CrosswalkPlan(older, newer, description, mappings, element_mappings)
