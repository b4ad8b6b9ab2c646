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

Memory stays bounded by the largest single file, not the pack: each checked
file is written to a working folder on disk, and the pack is put together by
pikepdf (qpdf), which copies the pages' streams from those files as it
writes the result to disk instead of holding them (docs/adr/0009).
"""

import base64
import ctypes
import ctypes.util
import gc
import io
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
    path: Path | None = None  # the pages to append, already checked, in the working folder
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


def release_memory() -> None:
    """Give back what the last step left: pypdf's readers and writers are
    cycles the collector frees late, and glibc keeps freed heap unless asked
    to return it. Without this a pack's worker grew by each file's size."""
    gc.collect()
    libc = ctypes.util.find_library("c")
    if libc:
        try:
            ctypes.CDLL(libc).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc: nothing to trim
            pass


def file_count(indexed_evidence) -> int:
    """How many files prepare() will look at: the progress of a pack."""
    return sum(len(entry.item.attachments.all()) for entry in indexed_evidence)


def prepare(
    indexed_evidence, *, practitioner_name: str, folder: Path, on_progress: Callable[[int], None] | None = None
) -> list[PackFile]:
    """Read and check every attachment of the indexed evidence, in evidence
    order and then in the order the files were added, writing the pages of
    each one to ``folder``. ``on_progress`` is called with the number of
    files looked at so far."""
    files = []
    for entry in indexed_evidence:
        for attachment in entry.item.attachments.all():
            pack_file = PackFile(
                reference=entry.reference, evidence_title=entry.item.title, name=attachment.original_name,
                size=attachment.size, content_type=attachment.content_type, attachment_id=attachment.pk,
            )
            _prepare_one(pack_file, attachment, practitioner_name, Path(folder) / f"file-{len(files) + 1}.pdf")
            files.append(pack_file)
            release_memory()
            if on_progress is not None:
                on_progress(len(files))
    return files


def _prepare_one(pack_file: PackFile, attachment, practitioner_name: str, path: Path) -> None:
    if attachment.content_type != PDF_TYPE and attachment.content_type not in IMAGE_TYPES:
        pack_file.outcome = NOT_INCLUDED
        pack_file.reason = "only PDF, PNG and JPEG files are added to the pack"
        return
    try:
        handle = default_storage.open(attachment.file.name, "rb")
    except (OSError, ValueError):
        logger.warning("Evidence file %s is missing from storage", attachment.pk)
        _fail(pack_file, "the file is missing from storage")
        return
    with handle:
        if attachment.content_type == PDF_TYPE:
            _prepare_pdf(pack_file, handle, path)
        else:
            _prepare_image(pack_file, handle.read(), practitioner_name, path)


def _fail(pack_file: PackFile, reason: str) -> None:
    pack_file.outcome = FAILED
    pack_file.reason = reason
    if pack_file.path is not None:
        pack_file.path.unlink(missing_ok=True)
    pack_file.path = None
    pack_file.page_count = 0


def _prepare_pdf(pack_file: PackFile, handle, path: Path) -> None:
    """Copy the PDF's pages into a new document: if pypdf can read, copy and
    write every page, the pages can be appended to the pack. pypdf reads the
    stored file as it needs it (``handle`` is an open file)."""
    from pypdf import PdfReader, PdfWriter

    try:
        reader = PdfReader(handle)
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
        pack_file.path = path
        with open(path, "wb") as out:
            writer.write(out)
    except Exception as error:  # pypdf raises many kinds of error on broken files
        logger.warning("Evidence file %s could not be read as a PDF: %s", pack_file.attachment_id, error)
        _fail(pack_file, "the file could not be read as a PDF")
        return
    pack_file.outcome = INCLUDED
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


def _prepare_image(pack_file: PackFile, data: bytes, practitioner_name: str, path: Path) -> None:
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
    path.write_bytes(pdf)
    pack_file.outcome = INCLUDED
    pack_file.path = path
    pack_file.page_count = 1


# Files are appended this many bytes at a time: pikepdf copies another
# document's pages into memory at once, while the pack's own pages are read
# from disk as it is written, so the pack is saved and reopened between
# batches. Peak memory is about twice a batch, whatever the pack's size.
ASSEMBLY_BATCH_BYTES = 24 * 1024 * 1024


def _batches(files: list[PackFile]) -> list[list[PackFile]]:
    batches, batch, size = [], [], 0
    for pack_file in files:
        file_size = pack_file.path.stat().st_size
        if batch and size + file_size > ASSEMBLY_BATCH_BYTES:
            batches.append(batch)
            batch, size = [], 0
        batch.append(pack_file)
        size += file_size
    return [*batches, batch] if batch else batches


def write_dividers(files: list[PackFile], *, practitioner_name: str, folder: Path) -> Path | None:
    """One PDF with a divider page for each included file, in order: its
    evidence number and title, so a panel knows whose pages follow. One
    WeasyPrint run for them all, not one per file."""
    from core.pdf import html_to_pdf

    included = [pack_file for pack_file in files if pack_file.outcome == INCLUDED]
    if not included:
        return None
    html = render_to_string("reports/pack_dividers.html", {"files": included, "practitioner_name": practitioner_name})
    path = Path(folder) / "dividers.pdf"
    path.write_bytes(html_to_pdf(html, tagged=False))
    return path


def assemble(report: Path, files: list[PackFile], destination: Path, dividers: Path | None = None) -> None:
    """Write to ``destination`` the report (a PDF file) with the included
    files appended, each after its divider page (``dividers``, from
    write_dividers) and with a bookmark under "Evidence files". The pack is
    never whole in memory (ASSEMBLY_BATCH_BYTES)."""
    import pikepdf

    included = [pack_file for pack_file in files if pack_file.outcome == INCLUDED]
    if not included:
        shutil.copyfile(report, destination)
        return
    # Streams are written as they are: not decoded, not compressed again.
    keep_streams = {"compress_streams": False, "stream_decode_level": pikepdf.StreamDecodeLevel.none}
    batches = _batches(included)
    current, starts = Path(report), []
    for number, batch in enumerate(batches, start=1):
        last = number == len(batches)
        target = Path(destination) if last else Path(report).with_name(f"pack-part-{number}.pdf")
        with pikepdf.open(current) as pack:
            sources = [pikepdf.open(pack_file.path) for pack_file in batch]
            divider_pages = pikepdf.open(dividers) if dividers else None
            try:
                for pack_file, source in zip(batch, sources):
                    starts.append((pack_file, len(pack.pages)))
                    if divider_pages is not None:
                        pack.pages.append(divider_pages.pages[len(starts) - 1])
                    pack.pages.extend(source.pages)
                if last:
                    with pack.open_outline() as outline:
                        parent = pikepdf.OutlineItem("Evidence files", starts[0][1])
                        parent.children.extend(
                            pikepdf.OutlineItem(pack_file.bookmark, start) for pack_file, start in starts
                        )
                        outline.root.append(parent)
                pack.save(target, **keep_streams)
            finally:
                for source in sources:
                    source.close()
                if divider_pages is not None:
                    divider_pages.close()
        if current != Path(report):
            current.unlink(missing_ok=True)
        current = target
        release_memory()
