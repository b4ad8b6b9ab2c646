"""The portfolio pack: the report followed by the evidence files themselves.

PDF attachments are appended page for page, images (PNG and JPEG) each get a
page of their own, rendered by WeasyPrint from a small HTML page that carries
the image as a data: URI (so the URL fetcher never sees a storage path), and
every other kind of file is listed in the report as not included. PDFs are
sanitised on the way in (sanitise_pdf): a pack goes to a panel, and nothing
in it may run, open another file or reach the internet. A file that
cannot be read (a corrupt or password-protected PDF, a broken image, a file
missing from storage) is listed as "could not be included" and never stops
the pack.

Every file is read and checked before the report is rendered, so the report
can say what happened to each one.
"""

import base64
import io
import logging
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.template.loader import render_to_string

from portfolios.files import describe_content_type, size_label

logger = logging.getLogger(__name__)

INCLUDED, NOT_INCLUDED, FAILED = "included", "not_included", "failed"
PDF_TYPE = "application/pdf"
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG"}


@dataclass
class PackFile:
    reference: str  # the evidence item's number in the report, such as "E3"
    evidence_title: str
    name: str
    size: int
    content_type: str
    attachment_id: object = None  # for logs, which never carry names people chose
    outcome: str = NOT_INCLUDED
    reason: str = ""
    pdf: bytes | None = None  # the pages to append, already checked
    page_count: int = 0

    @property
    def size_label(self) -> str:
        return size_label(self.size)

    @property
    def kind_label(self) -> str:
        return describe_content_type(self.content_type)

    @property
    def bookmark(self) -> str:
        return f"{self.reference}: {self.name}"


def prepare(indexed_evidence, *, practitioner_name: str) -> list[PackFile]:
    """Read and check every attachment of the indexed evidence, in evidence
    order and then in the order the files were added."""
    files = []
    for entry in indexed_evidence:
        for attachment in entry.item.attachments.all():
            pack_file = PackFile(
                reference=entry.reference, evidence_title=entry.item.title, name=attachment.original_name,
                size=attachment.size, content_type=attachment.content_type, attachment_id=attachment.pk,
            )
            _prepare_one(pack_file, attachment, practitioner_name)
            files.append(pack_file)
    return files


def _prepare_one(pack_file: PackFile, attachment, practitioner_name: str) -> None:
    if attachment.content_type != PDF_TYPE and attachment.content_type not in IMAGE_TYPES:
        pack_file.outcome = NOT_INCLUDED
        pack_file.reason = "only PDF, PNG and JPEG files are added to the pack"
        return
    try:
        with default_storage.open(attachment.file.name, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        logger.warning("Evidence file %s is missing from storage", attachment.pk)
        _fail(pack_file, "the file is missing from storage")
        return
    if attachment.content_type == PDF_TYPE:
        _prepare_pdf(pack_file, data)
    else:
        _prepare_image(pack_file, data, practitioner_name)


def _fail(pack_file: PackFile, reason: str) -> None:
    pack_file.outcome = FAILED
    pack_file.reason = reason
    pack_file.pdf = None
    pack_file.page_count = 0


def _prepare_pdf(pack_file: PackFile, data: bytes) -> None:
    """Copy the PDF's pages into a new document: if pypdf can read, copy and
    write every page, the pages can be appended to the pack."""
    from pypdf import PdfReader, PdfWriter

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")
            except Exception:
                unlocked = 0
            if not unlocked:
                _fail(pack_file, "the PDF is password protected")
                return
        writer = PdfWriter()
        # Structure tree entries of the source would point into the pack's own
        # tree; its outline is replaced by the pack's bookmark for the file.
        writer.append(reader, import_outline=False, excluded_fields=["/StructParents"])
        if not len(writer.pages):
            _fail(pack_file, "the PDF has no pages")
            return
        sanitise_pdf(writer)
        out = io.BytesIO()
        writer.write(out)
    except Exception as error:  # pypdf raises many kinds of error on broken files
        logger.warning("Evidence file %s could not be read as a PDF: %s", pack_file.attachment_id, error)
        _fail(pack_file, "the file could not be read as a PDF")
        return
    pack_file.outcome = INCLUDED
    pack_file.pdf = out.getvalue()
    pack_file.page_count = len(writer.pages)


# Catalogue entries that run or open something: document JavaScript and
# embedded files (in /Names), the action run on opening, document-level
# triggers, forms (with their scripts and XFA) and a base for web links.
ACTIVE_CATALOGUE_KEYS = ("/OpenAction", "/AA", "/Names", "/AcroForm", "/URI", "/JavaScript", "/Collection")
# Annotations that exist to do something: links (web, launch, other files),
# attached files, and media players.
ACTIVE_ANNOTATIONS = ("/Link", "/FileAttachment", "/Screen", "/Movie", "/Sound", "/RichMedia", "/3D")


def sanitise_pdf(writer) -> None:
    """Remove every active part of a PDF being copied into a pack: no
    JavaScript, /Launch, /URI, /SubmitForm or other action, no embedded
    file, no form or XFA, no opening action. What a reader sees of the pages
    stays; other annotations (highlights, notes) stay without their actions."""
    from pypdf.generic import NameObject

    root = writer.root_object
    for key in ACTIVE_CATALOGUE_KEYS:
        root.pop(NameObject(key), None)
    writer.remove_annotations(subtypes=ACTIVE_ANNOTATIONS)
    for page in writer.pages:
        page.pop(NameObject("/AA"), None)
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            for key in ("/A", "/AA"):
                annotation.pop(NameObject(key), None)


def _prepare_image(pack_file: PackFile, data: bytes, practitioner_name: str) -> None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            image.verify()
        if image_format != IMAGE_TYPES[pack_file.content_type]:
            raise ValueError(f"{image_format} stored as {pack_file.content_type}")
    except Exception as error:  # Pillow raises many kinds of error on broken files
        logger.warning("Evidence file %s could not be read as an image: %s", pack_file.attachment_id, error)
        _fail(pack_file, "the file could not be read as an image")
        return
    from core.pdf import html_to_pdf

    data_uri = f"data:{pack_file.content_type};base64,{base64.b64encode(data).decode('ascii')}"
    html = render_to_string(
        "reports/pack_image.html",
        {"file": pack_file, "data_uri": data_uri, "practitioner_name": practitioner_name},
    )
    try:
        # Photographs are embedded at no more than 200 dots per inch: sharp
        # on paper, and a pack of phone photos stays a sensible size.
        pdf = html_to_pdf(html, tagged=False, dpi=200)
    except Exception as error:
        logger.warning("Evidence file %s could not be drawn: %s", pack_file.attachment_id, error)
        _fail(pack_file, "the image could not be drawn")
        return
    pack_file.outcome = INCLUDED
    pack_file.pdf = pdf
    pack_file.page_count = 1


def assemble(report_pdf: bytes, files: list[PackFile]) -> bytes:
    """The report with the included files appended, each with a bookmark
    under "Evidence files"."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(report_pdf)))
    starts = []
    for pack_file in files:
        if pack_file.outcome != INCLUDED:
            continue
        starts.append((pack_file, len(writer.pages)))
        writer.append(PdfReader(io.BytesIO(pack_file.pdf)), import_outline=False,
                      excluded_fields=["/StructParents"])
    if starts:
        parent = writer.add_outline_item(title="Evidence files", page_number=starts[0][1])
        for pack_file, start in starts:
            writer.add_outline_item(title=pack_file.bookmark, page_number=start, parent=parent)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
