"""Checks on uploaded evidence files.

The type of a file is decided by its content (magic bytes and, for office
formats, the parts inside the zip), never by its name or by what the browser
says. The name a person gave a file is kept for display only, and only if it
is a plain file name.
"""

import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("PDF", "application/pdf", (".pdf",))
PNG = FileKind("PNG image", "image/png", (".png",))
JPEG = FileKind("JPEG image", "image/jpeg", (".jpg", ".jpeg"))
DOCX = FileKind("Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
XLSX = FileKind("Excel spreadsheet", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
PPTX = FileKind(
    "PowerPoint presentation", "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)
)
ODT = FileKind("OpenDocument text", "application/vnd.oasis.opendocument.text", (".odt",))
ODS = FileKind("OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", (".ods",))
TXT = FileKind("text file", "text/plain", (".txt",))
CSV = FileKind("CSV file", "text/csv", (".csv",))

ACCEPTED_KINDS = (PDF, DOCX, XLSX, PPTX, ODT, ODS, PNG, JPEG, TXT, CSV)
ACCEPTED_EXTENSIONS = tuple(ext for kind in ACCEPTED_KINDS for ext in kind.extensions)
ACCEPTED_DESCRIPTION = "PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG, text or CSV"

# Characters that can disguise a name (text direction overrides, invisible
# marks) are refused rather than silently removed, so what the person sees is
# what they chose.
_DISGUISING = {"\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
               "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff"}
_MARKUP_STARTS = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body", b"<iframe")


def max_upload_size() -> int:
    return settings.EVIDENCE_MAX_FILE_SIZE


def size_label(size: int) -> str:
    """A size as people read it: "20MB" for a whole number of megabytes,
    otherwise Django's filesizeformat ("1.5 KB")."""
    megabyte = 1024 * 1024
    if size >= megabyte and size % megabyte == 0:
        return f"{size // megabyte}MB"
    return filesizeformat(size)


def clean_file_name(name: str) -> str:
    """Return the display name, or raise ValidationError if the name is not a
    plain file name."""
    if name is None or not name.strip():
        raise ValidationError("The selected file has no name")
    if "/" in name or "\\" in name:
        raise ValidationError(f"The file name “{_printable(name)}” must not contain / or \\")
    if any(ch in _DISGUISING for ch in name):
        raise ValidationError("The file name contains hidden characters that change how it reads. Rename the file and choose it again")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise ValidationError("The file name contains control characters. Rename the file and choose it again")
    name = unicodedata.normalize("NFC", name.strip())
    if name in {".", ".."} or not PurePath(name).stem.strip(". "):
        raise ValidationError("The selected file has no name")
    if len(name) > 150:
        raise ValidationError("The file name must be 150 characters or fewer")
    return name


def _printable(name: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in name)[:80]


def sniff(head: bytes, fileobj) -> FileKind | None:
    """The kind of file this content is, or None if it is none we accept."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(fileobj)
    return _sniff_text(head)


def _sniff_zip(fileobj) -> FileKind | None:
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                return {ODT.content_type: ODT, ODS.content_type: ODS}.get(mimetype)
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return DOCX
                if any(n.startswith("xl/") for n in names):
                    return XLSX
                if any(n.startswith("ppt/") for n in names):
                    return PPTX
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None
    return None


def _sniff_text(head: bytes) -> FileKind | None:
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The head may end part-way through a multi-byte character.
        if error.start < len(head) - 4:
            return None
        text = head[: error.start].decode("utf-8")
    if text.lstrip("\ufeff \t\r\n").lower().encode().startswith(_MARKUP_STARTS):
        return None
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n\f" for ch in text):
        return None
    return TXT


def check_upload(uploaded) -> tuple[str, FileKind]:
    """Validate one uploaded file; return its display name and kind."""
    name = clean_file_name(uploaded.name)
    if uploaded.size == 0:
        raise ValidationError(f"The selected file “{name}” is empty")
    if uploaded.size > max_upload_size():
        raise ValidationError(f"The selected file “{name}” must be smaller than {size_label(max_upload_size())}")
    uploaded.seek(0)
    head = uploaded.read(8192)
    kind = sniff(head, uploaded)
    uploaded.seek(0)
    extension = PurePath(name).suffix.lower()
    if kind is TXT and extension == ".csv":
        kind = CSV
    if kind is None or extension not in kind.extensions:
        raise ValidationError(f"The selected file “{name}” must be a {ACCEPTED_DESCRIPTION} file")
    return name, kind


def describe_content_type(content_type: str) -> str:
    """The plain name of a stored file's type, such as "Word document"."""
    for kind in ACCEPTED_KINDS:
        if kind.content_type == content_type:
            return kind.label[:1].upper() + kind.label[1:]
    return "File"


def download_response(attachment):
    """An evidence file as a download that a browser never runs: for the
    signed-in download and the confirmer's link alike."""
    try:
        handle = attachment.file.storage.open(attachment.file.name, "rb")
    except (FileNotFoundError, ValueError):
        raise Http404("No such file") from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Should a browser render it anyway, it runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
