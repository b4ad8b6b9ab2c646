"""reverse() worked out once per URL pattern, not once per link.

A page links to the same few URL patterns many times (every pillar, every
member, every round), and django.urls.reverse() walks the URL resolver's
possibilities and checks a regular expression for each link: several
per cent of a page's CPU. The answer depends only on the URLconf, which
does not change while a process runs, and on the values put into it.

So for each view name and each set of argument kinds (a UUID, a
non-negative whole number, a slug) the pattern is reversed once, with
stand-in values, and later links put their own values where the stand-ins
are. Only the shape of a URL is kept, never a page or any part of one.

It gives exactly what reverse() gives, or it does not answer and
reverse() is called:
- the pattern must be a path() route whose converters accept what is put
  in (a UUID into <uuid:>, <str:>, <slug:> or <path:>; a whole number into
  <int:>, <str:>, <slug:> or <path:>; a slug into <slug:>, <str:> or
  <path:>);
- values are only put in when quoting would not change them (UUIDs, digits,
  letters, "-" and "_");
- positional arguments, anything else and any pattern that is not a
  path() route go to reverse(), as do view names that do not reverse.
"""

from __future__ import annotations

import re
import uuid
from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, resolve
from django.urls import reverse as django_reverse

_SLUG = re.compile(r"[-A-Za-z0-9_]+\Z")
_ACCEPTS = {
    "uuid": {"uuid", "str", "slug", "path"},
    "int": {"int", "str", "slug", "path"},
    "slug": {"slug", "str", "path"},
}


def _kind(value) -> str | None:
    if isinstance(value, uuid.UUID):
        return "uuid"
    if type(value) is int and value >= 0:
        return "int"
    if type(value) is str and _SLUG.match(value):
        return "slug"
    return None


def _stand_in(kind: str, position: int):
    # Values no real link uses, each told apart from the others.
    if kind == "uuid":
        return uuid.UUID(f"0ddba11c-0000-4000-8000-{position:012d}")
    if kind == "int":
        return 97_531_000_000_000 + position
    return f"zq{position}standinzq"


@lru_cache(maxsize=2048)
def _shape(urlconf: str, prefix: str, viewname: str, current_app: str | None,
           kinds: tuple[tuple[str, str], ...]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The reversed URL cut at each argument, with the argument names in
    order, or None where only reverse() can answer."""
    stand_ins = {name: _stand_in(kind, position) for position, (name, kind) in enumerate(kinds)}
    try:
        url = django_reverse(viewname, urlconf=urlconf, kwargs=stand_ins, current_app=current_app)
    except NoReverseMatch:
        return None
    if kinds:
        try:
            match = resolve("/" + url[len(prefix):], urlconf=urlconf)
        except Exception:
            return None
        route = match.route or ""
        if "(?P" in route or "^" in route:
            return None
        for name, kind in kinds:
            converter = re.search(rf"<(?:(\w+):)?{re.escape(name)}>", route)
            if not converter or (converter.group(1) or "str") not in _ACCEPTS[kind]:
                return None
    # Cut the URL at each stand-in, in the order they appear.
    found = sorted((url.find(str(value)), name) for name, value in stand_ins.items())
    if any(at < 0 or url.count(str(stand_ins[name])) != 1 for at, name in found):
        return None
    parts, names, start = [], [], 0
    for at, name in found:
        parts.append(url[start:at])
        names.append(name)
        start = at + len(str(stand_ins[name]))
    parts.append(url[start:])
    return tuple(parts), tuple(names)


def reverse(viewname: str, *, args=None, kwargs=None, current_app: str | None = None) -> str:
    """django.urls.reverse(viewname, args=args, kwargs=kwargs,
    current_app=current_app), with the pattern's shape kept per process."""
    kwargs = kwargs or {}
    if args or not isinstance(viewname, str):
        return django_reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
    kinds = []
    for name, value in kwargs.items():
        kind = _kind(value)
        if kind is None:
            return django_reverse(viewname, kwargs=kwargs, current_app=current_app)
        kinds.append((name, kind))
    shape = _shape(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), viewname,
                   current_app, tuple(sorted(kinds)))
    if shape is None:
        return django_reverse(viewname, kwargs=kwargs, current_app=current_app)
    parts, names = shape
    if not names:
        return parts[0]
    pieces = [parts[0]]
    for name, part in zip(names, parts[1:]):
        pieces.append(str(kwargs[name]))
        pieces.append(part)
    return "".join(pieces)
