"""The only way WeasyPrint may load anything while it renders a report.

It serves the project's own static files (``/static/...`` or a path relative
to the static root, found through the staticfiles finders or in STATIC_ROOT)
and ``data:`` URIs, and refuses everything else: http, https, ftp, file and
any other scheme, absolute paths outside ``/static/``, and any path that
climbs out of a static folder. A refusal is an exception, which WeasyPrint
catches: it logs a warning and leaves the resource out, so the report still
renders.

Nothing a person typed can reach this fetcher in the first place (their text
is escaped by the templates, and their web links are printed as text), so the
fetcher is the second wall, not the first.
"""

import base64
import gc
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes

from django.conf import settings
from django.contrib.staticfiles import finders

# Reports are rendered with this base URL. Its scheme is not one that
# urllib joins relative references against, so a relative reference such as
# "css/report.css" or "/static/css/report.css" reaches the fetcher as it was
# written, and is resolved here, against the static files only.
BASE_URL = "report-static:/"

# What a report may load from the static files: stylesheets, fonts, images.
ALLOWED_SUFFIXES = {
    ".css": "text/css",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
# Large enough for an evidence image (itself at most EVIDENCE_MAX_FILE_SIZE).
MAX_DATA_URI_LENGTH = 40 * 1024 * 1024

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


class FetchRefused(ValueError):
    """A resource the report may not load. WeasyPrint catches it, logs it and
    leaves the resource out."""


@dataclass(frozen=True)
class Resource:
    url: str
    body: bytes
    content_type: str


def load(url: str) -> Resource:
    """The resource at ``url`` if a report may load it; FetchRefused if not."""
    if not isinstance(url, str) or not url:
        raise FetchRefused("Empty URL")
    match = _SCHEME.match(url)
    if match:
        scheme = match.group(1).lower()
        if scheme == "data":
            return _data_uri(url)
        if url.startswith(BASE_URL):
            # Only if a future WeasyPrint joins against the base after all.
            return _static_file(url[len(BASE_URL):])
        raise FetchRefused(f"Reports may not load {scheme}: URLs")
    return _static_file(url)


def _data_uri(url: str) -> Resource:
    if len(url) > MAX_DATA_URI_LENGTH:
        raise FetchRefused("data: URI too large")
    header, comma, payload = url[len("data:"):].partition(",")
    if not comma:
        raise FetchRefused("Malformed data: URI")
    parts = [part.strip() for part in header.split(";")]
    is_base64 = parts[-1].lower() == "base64"
    if is_base64:
        parts = parts[:-1]
    content_type = (parts[0] or "text/plain").lower()
    try:
        body = base64.b64decode(payload, validate=False) if is_base64 else unquote_to_bytes(payload)
    except ValueError as error:
        raise FetchRefused("Malformed data: URI") from error
    return Resource(url="data:", body=body, content_type=content_type)


def _static_file(reference: str) -> Resource:
    path = reference.split("#", 1)[0].split("?", 1)[0]
    path = unquote(path)
    if "\\" in path or "\x00" in path:
        raise FetchRefused("Not a static file path")
    static_url = settings.STATIC_URL or "/static/"
    if not static_url.startswith("/"):
        static_url = "/" + static_url
    if path.startswith(static_url):
        path = path[len(static_url):]
    elif path.startswith("/"):
        raise FetchRefused("Reports may load only files under the static URL")
    segments = path.split("/")
    if any(segment in ("..", ".") for segment in segments) or not path or path.endswith("/"):
        raise FetchRefused("Not a static file path")
    suffix = Path(path).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise FetchRefused("Reports may load only stylesheets, fonts and images")
    found = _find(path)
    if found is None:
        raise FetchRefused(f"No static file {path}")
    return Resource(url=static_url + path, body=found.read_bytes(), content_type=ALLOWED_SUFFIXES[suffix])


def _find(path: str) -> Path | None:
    """The file, if it is inside one of the static folders (after resolving
    any symbolic link)."""
    candidates = []
    found = finders.find(path)
    if found:
        candidates.append(Path(found))
    if settings.STATIC_ROOT:
        candidates.append(Path(settings.STATIC_ROOT) / path)
    roots = _static_roots()
    for candidate in candidates:
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            continue
        if resolved.is_file() and any(resolved.is_relative_to(root) for root in roots):
            return resolved
    return None


@lru_cache(maxsize=1)
def _static_roots_cached(key) -> tuple[Path, ...]:
    roots = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location).resolve())
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return tuple(roots)


def _static_roots() -> tuple[Path, ...]:
    # Keyed on the settings that decide the roots, so tests that change them
    # are not served stale roots.
    key = (str(settings.STATIC_ROOT), repr(settings.STATICFILES_DIRS), tuple(settings.INSTALLED_APPS))
    return _static_roots_cached(key)


_fetcher_class = None


def report_url_fetcher():
    """A WeasyPrint URL fetcher that loads only what ``load`` allows. Imports
    WeasyPrint, so it is built on first use."""
    global _fetcher_class
    if _fetcher_class is None:
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        class StaticOnlyFetcher(URLFetcher):
            def __init__(self):
                # Nothing is fetched over a network; no redirects to follow.
                super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

            def fetch(self, url, headers=None):
                resource = load(url)
                return URLFetcherResponse(resource.url, resource.body, {"Content-Type": resource.content_type})

            def open(self, url, data=None, timeout=None):
                # urllib's opener is never used: every route goes through fetch.
                return self.fetch(getattr(url, "full_url", url))

        _fetcher_class = StaticOnlyFetcher
    return _fetcher_class()


PDF_VARIANT = "pdf/ua-1"


@contextmanager
def _cyclic_gc_paused():
    """WeasyPrint makes millions of short-lived objects; with the cyclic
    collector running, its full passes took about a fifth of the time of a
    200-item report (bench/report_bench.py). Reference counting still frees
    most objects at once; the cycles left (about 45 MB for that report) are
    collected as soon as the collector is back on. gc is process-wide: only
    the render that turned it off turns it back on, so a render running
    beside it in another thread never leaves it off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def html_to_pdf(html: str, *, tagged: bool = True, stylesheet: str | None = None, **options) -> bytes:
    """WeasyPrint on report HTML, loading only what the report fetcher allows.
    Tagged (PDF/UA-1) unless told otherwise, so screen readers follow
    headings and tables; `stylesheet`: CSS text added to the page's own."""
    progress = logging.getLogger("weasyprint.progress")
    if progress.level == logging.NOTSET:
        # A line per page at INFO is noise in a web server's log; settings
        # that name this logger keep their own level.
        progress.setLevel(logging.WARNING)
    from weasyprint import CSS, HTML

    fetcher = report_url_fetcher()
    if tagged:
        options["pdf_variant"] = PDF_VARIANT
    if stylesheet is not None:
        options["stylesheets"] = [CSS(string=stylesheet, url_fetcher=fetcher)]
    with _cyclic_gc_paused():
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
        return document.write_pdf(**options)
