"""Evidence files: what is accepted and refused, how files are stored and
sent, files kept across a failed save, and clean-up of stored files."""

import datetime
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portfolios import evidence_services, files
from portfolios.evidence_forms import EvidenceForm
from portfolios.models import EvidenceAttachment, EvidenceItem, PendingUpload
from tests.factories import EvidenceFactory, UserFactory
from tests.portfolios.test_evidence import (  # noqa: F401 (fixtures: framework, loaded_framework)
    CREATE_URL,
    capabilities,
    detail_url,
    edit_url,
    evidence_post,
    framework,
    loaded_framework,
    settle_session,
)

pytestmark = pytest.mark.django_db


# Real, small files -----------------------------------------------------------


def pdf_bytes(text="Evidence") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        + f"% {text}\n".encode()
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def png_bytes() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def office_bytes(part_folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        main = "document.xml" if part_folder == "word" else "workbook.xml"
        archive.writestr(f"{part_folder}/{main}", '<?xml version="1.0"?><root/>')
    return buffer.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf(name="report.pdf", text="Evidence"):
    return upload(name, pdf_bytes(text), "application/pdf")


def raw_named(name, content):
    """An upload whose name skips the sanitising Django's own multipart
    parser does, as if it came through some other route."""
    uploaded = SimpleUploadedFile("placeholder", content)
    uploaded._name = name
    return uploaded


def post_files(client, url, uploads, **overrides):
    return client.post(url, {**evidence_post(**overrides), "files": uploads})


def stored_path(name) -> Path:
    return Path(default_storage.path(name))


# Accepted ------------------------------------------------------------------------


def test_evidence_with_a_pdf_png_and_word_document_and_a_link_to_three_capabilities(
    practitioner_client, practitioner, framework, private_storage
):
    caps = capabilities(2, 8, 15)
    docx = office_bytes("word")
    data = {
        **evidence_post(
            caps,
            justifications={caps[0]: "Audit design", caps[1]: "Taught the method", caps[2]: "Advised the board"},
            link="https://www.example.org/report",
        ),
        "files": [pdf("Audit report.pdf"), upload("Chart.png", png_bytes(), "image/png"), upload("Notes.docx", docx)],
    }
    response = practitioner_client.post(CREATE_URL, data)

    assert response.status_code == 302
    item = EvidenceItem.objects.get(owner=practitioner)
    attachments = {a.original_name: a for a in item.attachments.all()}
    assert set(attachments) == {"Audit report.pdf", "Chart.png", "Notes.docx"}
    assert attachments["Chart.png"].content_type == "image/png"
    assert attachments["Notes.docx"].content_type == files.DOCX.content_type
    assert attachments["Notes.docx"].size == len(docx)
    assert stored_path(attachments["Notes.docx"].file.name).read_bytes() == docx
    assert item.capability_links.count() == 3 and item.link == "https://www.example.org/report"

    html = practitioner_client.get(detail_url(item)).content.decode()
    for attachment in attachments.values():
        url = reverse("portfolios:attachment_download", kwargs={"pk": item.pk, "file_pk": attachment.pk})
        assert f'href="{url}"' in html
    assert "Word document" in html and "PNG image" in html


def test_a_spreadsheet_is_accepted(practitioner_client, practitioner, framework):
    response = post_files(practitioner_client, CREATE_URL, [upload("Data.xlsx", office_bytes("xl"))])
    assert response.status_code == 302
    assert EvidenceAttachment.objects.get().content_type == files.XLSX.content_type


def test_stored_file_name_is_random_and_private(practitioner_client, practitioner, framework, private_storage):
    post_files(practitioner_client, CREATE_URL, [pdf("My secret appraisal.pdf")])
    attachment = EvidenceAttachment.objects.get()
    assert re.fullmatch(r"evidence/[0-9a-f]{32}\.pdf", attachment.file.name)
    assert "secret" not in attachment.file.name
    path = stored_path(attachment.file.name).resolve()
    assert path.is_relative_to(private_storage.resolve())
    assert not path.is_relative_to(Path(django_settings.STATIC_ROOT).resolve())
    # Nothing serves the store: its would-be URL is not a page.
    assert practitioner_client.get("/" + attachment.file.name).status_code == 404


def test_the_configured_private_store_is_outside_everything_served():
    private = Path(django_settings.PRIVATE_STORAGE_ROOT).resolve()
    for served in [django_settings.STATIC_ROOT, *django_settings.STATICFILES_DIRS]:
        served = Path(served).resolve()
        assert not private.is_relative_to(served) and not served.is_relative_to(private)
    assert django_settings.STORAGES["default"]["OPTIONS"]["base_url"] is None


# Download ------------------------------------------------------------------------


def test_download_sends_the_exact_bytes_as_an_attachment_with_the_original_name(
    practitioner_client, practitioner, framework
):
    content = pdf_bytes("download me")
    post_files(practitioner_client, CREATE_URL, [upload("Sepsis audit (final).pdf", content)])
    attachment = EvidenceAttachment.objects.get()
    url = reverse("portfolios:attachment_download", kwargs={"pk": attachment.evidence_id, "file_pk": attachment.pk})

    response = practitioner_client.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"] == 'attachment; filename="Sepsis audit (final).pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_download_of_a_non_ascii_name_is_encoded(practitioner_client, practitioner, framework):
    post_files(practitioner_client, CREATE_URL, [upload("Résumé – audit.pdf", pdf_bytes())])
    attachment = EvidenceAttachment.objects.get()
    url = reverse("portfolios:attachment_download", kwargs={"pk": attachment.evidence_id, "file_pk": attachment.pk})
    response = practitioner_client.get(url)
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''R%C3%A9sum%C3%A9")
    response.close()


def test_another_user_gets_404_for_a_download_and_for_the_file_under_their_own_evidence(
    client, practitioner, other_user, framework
):
    item = EvidenceFactory(owner=practitioner)
    attachment = evidence_services.attach_files(evidence=item, files=[pdf()])[0]
    theirs = EvidenceFactory(owner=other_user)
    client.force_login(other_user)
    for evidence_pk in (item.pk, theirs.pk):
        url = reverse("portfolios:attachment_download", kwargs={"pk": evidence_pk, "file_pk": attachment.pk})
        assert client.get(url).status_code == 404


# Refused --------------------------------------------------------------------------


def assert_refused(response, message):
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html, message
    assert 'href="#id_files"' in html
    assert not EvidenceItem.objects.exists()
    assert not EvidenceAttachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(practitioner_client, framework, settings):
    settings.EVIDENCE_MAX_FILE_SIZE = 100
    response = post_files(practitioner_client, CREATE_URL, [upload("big.pdf", pdf_bytes() + b"x" * 100)])
    assert_refused(response, "The selected file “big.pdf” must be smaller than 100")


@pytest.mark.parametrize(
    "name, content",
    [
        ("page.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("picture.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"),
        ("notes.txt", b"<html><body onload=alert(1)>hello</body></html>"),
        ("chart.png", pdf_bytes()),  # a real PDF, but named as something else
        ("archive.docx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused(practitioner_client, framework, name, content):
    response = post_files(practitioner_client, CREATE_URL, [upload(name, content)])
    assert_refused(response, f"The selected file “{name}” must be a PDF, Word")


def test_an_empty_file_is_refused(practitioner_client, framework):
    response = post_files(practitioner_client, CREATE_URL, [upload("empty.pdf", b"")])
    assert_refused(response, "The selected file “empty.pdf” is empty")


@pytest.mark.parametrize(
    "name, message",
    [
        ("../../etc/passwd.pdf", "must not contain / or \\"),
        ("..\\..\\windows\\report.pdf", "must not contain / or \\"),
        ("report\x07.pdf", "contains control characters"),
        ("invoice\u202efdp.exe", "contains hidden characters"),
    ],
)
def test_a_file_name_with_path_parts_or_hidden_characters_is_refused_by_the_form(practitioner, framework, name, message):
    data = evidence_post()
    form = EvidenceForm(
        data,
        {"files": [raw_named(name, pdf_bytes())]},
        owner=practitioner,
        framework=framework,
    )
    assert not form.is_valid()
    assert any(message in error for error in form.errors["files"])
    assert form.accepted_files == []


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\report.pdf", "report\x07.pdf", "re\u202eport.pdf"])
def test_a_file_name_with_path_parts_or_hidden_characters_never_reaches_storage_as_given(
    practitioner_client, practitioner, framework, private_storage, name
):
    # Django's multipart parser already strips path parts and unprintable
    # characters; whatever name is left is only ever displayed.
    post_files(practitioner_client, CREATE_URL, [upload(name, pdf_bytes())])
    for attachment in EvidenceAttachment.objects.all():
        assert not set(attachment.original_name) & {"/", "\\", "\x07", "\u202e"}
        assert re.fullmatch(r"evidence/[0-9a-f]{32}\.pdf", attachment.file.name)
    stored = [p for p in private_storage.rglob("*") if p.is_file()]
    assert all(p.resolve().is_relative_to(private_storage.resolve()) for p in stored)


def test_each_bad_file_gets_its_own_message_and_good_ones_are_kept(practitioner_client, framework):
    response = post_files(
        practitioner_client, CREATE_URL,
        [upload("fake.pdf", b"<html></html>"), pdf("good.pdf"), upload("empty.png", b"")],
    )
    html = response.content.decode()
    assert "The selected file “fake.pdf” must be a PDF" in html
    assert "The selected file “empty.png” is empty" in html
    assert html.count('<a href="#id_files">') == 2
    assert "Files you have already chosen" in html and "good.pdf" in html


def test_two_files_with_the_same_name_in_one_upload_are_refused(practitioner_client, framework):
    response = post_files(practitioner_client, CREATE_URL, [pdf("Report.pdf"), pdf("REPORT.pdf", text="other")])
    assert_refused(response, "You chose more than one file called ‘REPORT.pdf’")


def test_a_file_with_the_name_of_one_already_added_is_refused(practitioner_client, practitioner, framework):
    item = EvidenceFactory(owner=practitioner)
    evidence_services.attach_files(evidence=item, files=[pdf("Report.pdf")])
    response = post_files(practitioner_client, edit_url(item), [pdf("report.PDF")], title=item.title)
    assert "This evidence already has a file called ‘Report.pdf’" in response.content.decode()
    assert item.attachments.count() == 1
    with pytest.raises(ValidationError):
        evidence_services.attach_files(evidence=item, files=[pdf("REPORT.pdf")])


def test_a_file_can_replace_one_of_the_same_name_removed_in_the_same_save(practitioner_client, practitioner, framework):
    item = EvidenceFactory(owner=practitioner)
    old = evidence_services.attach_files(evidence=item, files=[pdf("Report.pdf", text="old")])[0]
    response = post_files(
        practitioner_client, edit_url(item), [pdf("Report.pdf", text="new")],
        title=item.title, remove_attachments=[str(old.pk)],
    )
    assert response.status_code == 302
    new = item.attachments.get()
    assert new.pk != old.pk and b"new" in stored_path(new.file.name).read_bytes()


def test_more_than_five_files_are_refused(practitioner_client, framework):
    six = [pdf(f"file {n}.pdf") for n in range(6)]
    response = post_files(practitioner_client, CREATE_URL, six)
    assert_refused(response, "Evidence can have up to 5 files. You have 6")


def test_existing_files_count_towards_the_five(practitioner_client, practitioner, framework):
    item = EvidenceFactory(owner=practitioner)
    evidence_services.attach_files(evidence=item, files=[pdf(f"old {n}.pdf") for n in range(4)])
    html = practitioner_client.get(edit_url(item)).content.decode()
    assert "You can add up to 1 more file." in html
    response = post_files(practitioner_client, edit_url(item), [pdf("new 1.pdf"), pdf("new 2.pdf")], title=item.title)
    assert "Evidence can have up to 5 files. You have 6" in response.content.decode()
    assert item.attachments.count() == 4
    with pytest.raises(ValidationError):
        evidence_services.attach_files(evidence=item, files=[pdf("new 1.pdf"), pdf("new 2.pdf")])


# Nothing typed lost: files kept across a failed save ---------------------------------


def test_a_failed_save_keeps_the_chosen_files_and_a_later_save_attaches_them(
    practitioner_client, practitioner, framework, private_storage
):
    content = pdf_bytes("kept")
    response = post_files(
        practitioner_client, CREATE_URL, [upload("Kept.pdf", content), upload("bad.pdf", b"<html>")],
        title="Kept files", description="",
    )
    html = response.content.decode()
    assert "Describe what you did" in html and "“bad.pdf”" in html
    pending = PendingUpload.objects.get(owner=practitioner)
    assert pending.original_name == "Kept.pdf"
    assert "Files you have already chosen" in html
    assert f'<input type="hidden" name="pending" value="{pending.pk}">' in html
    assert f'name="keep_pending" type="checkbox" value="{pending.pk}" checked' in html
    assert 'value="Kept files"' in html

    response = practitioner_client.post(
        CREATE_URL, {**evidence_post(title="Kept files"), "pending": [str(pending.pk)], "keep_pending": [str(pending.pk)]}
    )

    assert response.status_code == 302
    attachment = EvidenceItem.objects.get(owner=practitioner).attachments.get()
    assert attachment.original_name == "Kept.pdf"
    assert attachment.file.name == pending.file.name  # moved over, not copied
    assert stored_path(attachment.file.name).read_bytes() == content
    assert not PendingUpload.objects.exists()


def test_kept_files_stay_kept_through_a_second_failed_save(practitioner_client, practitioner, framework):
    post_files(practitioner_client, CREATE_URL, [pdf("First.pdf")], description="")
    first = PendingUpload.objects.get()
    response = practitioner_client.post(
        CREATE_URL,
        {**evidence_post(description=""), "pending": [str(first.pk)], "keep_pending": [str(first.pk)],
         "files": [pdf("Second.pdf")]},
    )
    html = response.content.decode()
    assert "First.pdf" in html and "Second.pdf" in html
    assert PendingUpload.objects.count() == 2
    assert "You can add up to 3 more files." in html, re.search(r'id="id_files-hint">\s*(.*?)\s*<', html).group(1)


def test_unticking_a_kept_file_discards_it(practitioner_client, practitioner, framework, django_capture_on_commit_callbacks):
    post_files(practitioner_client, CREATE_URL, [pdf("Unwanted.pdf")], description="")
    pending = PendingUpload.objects.get()
    path = stored_path(pending.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        response = practitioner_client.post(CREATE_URL, {**evidence_post(), "pending": [str(pending.pk)]})
    assert response.status_code == 302
    assert not EvidenceAttachment.objects.exists()
    assert not PendingUpload.objects.exists()
    assert not path.exists()


def test_another_users_pending_upload_is_never_attached(practitioner_client, practitioner, framework):
    stranger = UserFactory()
    theirs = evidence_services.stash_pending_uploads(owner=stranger, files=[pdf("Their secret.pdf")])[0]
    response = practitioner_client.post(
        CREATE_URL, {**evidence_post(), "pending": [str(theirs.pk)], "keep_pending": [str(theirs.pk)]}
    )
    assert response.status_code == 302
    item = EvidenceItem.objects.get(owner=practitioner)
    assert not item.attachments.exists()
    assert PendingUpload.objects.get().owner == stranger  # untouched
    with pytest.raises(ValidationError):
        evidence_services.claim_pending_uploads(evidence=item, pending=[theirs])


def test_another_users_pending_upload_is_not_shown_on_a_failed_save(practitioner_client, practitioner, framework):
    theirs = evidence_services.stash_pending_uploads(owner=UserFactory(), files=[pdf("Their secret.pdf")])[0]
    response = practitioner_client.post(
        CREATE_URL,
        {**evidence_post(description=""), "pending": [str(theirs.pk), "not-a-uuid"], "keep_pending": [str(theirs.pk)]},
    )
    assert "Their secret.pdf" not in response.content.decode()


def test_pending_uploads_older_than_a_day_are_removed_when_new_ones_are_kept(
    practitioner_client, practitioner, framework, django_capture_on_commit_callbacks
):
    old = evidence_services.stash_pending_uploads(owner=UserFactory(), files=[pdf("Old.pdf")])[0]
    recent = evidence_services.stash_pending_uploads(owner=practitioner, files=[pdf("Recent.pdf")])[0]
    PendingUpload.objects.filter(pk=old.pk).update(uploaded_at=timezone.now() - datetime.timedelta(hours=25))
    old_path = stored_path(old.file.name)
    assert old_path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        post_files(practitioner_client, CREATE_URL, [pdf("New.pdf")], description="")

    assert set(PendingUpload.objects.values_list("original_name", flat=True)) == {"Recent.pdf", "New.pdf"}
    assert not old_path.exists()
    assert stored_path(recent.file.name).exists()


def test_pending_uploads_are_capped_per_person_oldest_dropped_first(
    practitioner, settings, django_capture_on_commit_callbacks
):
    settings.PENDING_UPLOADS_MAX_FILES = 4
    settings.PENDING_UPLOADS_MAX_BYTES = 10_000_000
    stranger = evidence_services.stash_pending_uploads(owner=UserFactory(), files=[pdf("Theirs.pdf")])[0]
    with django_capture_on_commit_callbacks(execute=True):
        first = evidence_services.stash_pending_uploads(owner=practitioner, files=[pdf(f"A{i}.pdf") for i in range(3)])
        for upload in first:
            PendingUpload.objects.filter(pk=upload.pk).update(uploaded_at=timezone.now() - datetime.timedelta(hours=1))
        evidence_services.stash_pending_uploads(owner=practitioner, files=[pdf(f"B{i}.pdf") for i in range(3)])
    kept = set(PendingUpload.objects.filter(owner=practitioner).values_list("original_name", flat=True))
    assert len(kept) == 4 and {"B0.pdf", "B1.pdf", "B2.pdf"} <= kept
    assert not any(stored_path(upload.file.name).exists() for upload in first
                   if upload.original_name not in kept)
    assert PendingUpload.objects.filter(pk=stranger.pk).exists()

    settings.PENDING_UPLOADS_MAX_BYTES = len(pdf_bytes()) * 2
    with django_capture_on_commit_callbacks(execute=True):
        evidence_services.stash_pending_uploads(owner=practitioner, files=[pdf("C.pdf")])
    assert PendingUpload.objects.filter(owner=practitioner).count() == 2


# Removing files ------------------------------------------------------------------


def test_removing_a_file_on_change_deletes_it_from_storage(
    practitioner_client, practitioner, framework, django_capture_on_commit_callbacks
):
    item = EvidenceFactory(owner=practitioner)
    keep, drop = evidence_services.attach_files(evidence=item, files=[pdf("Keep.pdf"), pdf("Drop.pdf")])
    html = practitioner_client.get(edit_url(item)).content.decode()
    assert "Remove files" in html and "Drop.pdf" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = practitioner_client.post(
            edit_url(item), {**evidence_post(title=item.title), "remove_attachments": [str(drop.pk)]}
        )
    assert response.status_code == 302
    assert list(item.attachments.values_list("original_name", flat=True)) == ["Keep.pdf"]
    assert not stored_path(drop.file.name).exists() and stored_path(keep.file.name).exists()


def test_deleting_evidence_deletes_its_files_after_commit(
    practitioner_client, practitioner, framework, django_capture_on_commit_callbacks
):
    item = EvidenceFactory(owner=practitioner)
    attachments = evidence_services.attach_files(evidence=item, files=[pdf("One.pdf"), pdf("Two.pdf")])
    paths = [stored_path(a.file.name) for a in attachments]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        practitioner_client.post(reverse("portfolios:evidence_delete", kwargs={"pk": item.pk}))
    assert all(p.exists() for p in paths)  # not until the delete commits
    for callback in callbacks:
        callback()
    assert not any(p.exists() for p in paths)
    assert not EvidenceAttachment.objects.exists()


def test_another_user_cannot_remove_files_by_posting(client, practitioner, other_user, framework):
    item = EvidenceFactory(owner=practitioner)
    attachment = evidence_services.attach_files(evidence=item, files=[pdf()])[0]
    client.force_login(other_user)
    response = client.post(edit_url(item), {**evidence_post(), "remove_attachments": [str(attachment.pk)]})
    assert response.status_code == 404
    assert item.attachments.count() == 1


# Query counts -------------------------------------------------------------------


def test_detail_runs_the_same_number_of_queries_for_1_or_5_files(
    practitioner_client, practitioner, framework, django_assert_num_queries
):
    one = EvidenceFactory(owner=practitioner)
    evidence_services.attach_files(evidence=one, files=[pdf()])
    five = EvidenceFactory(owner=practitioner)
    evidence_services.attach_files(evidence=five, files=[pdf(f"{n}.pdf") for n in range(5)])
    settle_session(practitioner_client)
    # As the detail page's own count (test_evidence.py), confirmations included.
    with django_assert_num_queries(8):
        practitioner_client.get(detail_url(one))
    with django_assert_num_queries(8):
        html = practitioner_client.get(detail_url(five)).content.decode()
    assert html.count("/files/") == 5


def test_a_portfolio_has_a_total_size_cap_across_its_items(practitioner, framework, settings):
    from django.core.exceptions import ValidationError

    settings.PORTFOLIO_MAX_BYTES = len(pdf_bytes()) * 3
    first, second = EvidenceFactory(owner=practitioner), EvidenceFactory(owner=practitioner)
    evidence_services.attach_files(evidence=first, files=[pdf("One.pdf"), pdf("Two.pdf")])
    evidence_services.attach_files(evidence=second, files=[pdf("Three.pdf")])
    with pytest.raises(ValidationError) as refused:
        evidence_services.attach_files(evidence=second, files=[pdf("Four.pdf")])
    assert "Your portfolio can hold up to" in str(refused.value)
    assert second.attachments.count() == 1
    # Another person's files do not count against this portfolio.
    evidence_services.attach_files(evidence=EvidenceFactory(owner=UserFactory()), files=[pdf("Theirs.pdf")])
