"""The portfolio report a panel reads, page by page, as pdfplumber finds
the words WeasyPrint drew: no two words overprint each other, no page is
left nearly empty except where a chapter ends, a one-page summary, the
organisation on the cover, and a divider before each appended evidence
file."""

import itertools

import pdfplumber
import pytest

from portfolios.demo import minimal_pdf
from reports.portfolio import build_report
from tests.reports.test_reports_pdf import add_evidence, attach, signed_off_assessment

pytestmark = pytest.mark.django_db

def png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "#005eb8").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def pack(framework, practitioner, appraiser):
    assessment = signed_off_assessment(practitioner, appraiser, evidence=2)
    items = add_evidence(assessment, 10)
    attach(items[0], "audit-report.pdf", minimal_pdf("Audit report"), "application/pdf")
    attach(items[3], "ward-photo.png", png(), "image/png")
    return assessment, build_report(assessment, pack=True)


def pages(pdf_bytes):
    import io

    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        return [(page.height, page.extract_words(use_text_flow=True, extra_attrs=["size"])) for page in pdf.pages]


def text(words) -> str:
    return " ".join(word["text"] for word in words)


def report_pages(all_pages):
    """The report's own pages: those before the first divider."""
    for index, (_, words) in enumerate(all_pages):
        if text(words).startswith("Aisha") and "Evidence file 1 of" in text(words):
            return all_pages[:index]
    return [page for page in all_pages if "Report page" in text(page[1])]


def test_no_two_words_overprint_each_other_on_any_page(pack):
    _, report = pack
    for number, (_, words) in enumerate(pages(report.pdf), start=1):
        for a, b in itertools.combinations(words, 2):
            across = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            assert across <= 0.5 or down <= 0.5, f"page {number}: {a['text']!r} overprints {b['text']!r}"


def _starts_chapter(words) -> bool:
    # A chapter's heading (h2, 18pt) at the top of the body.
    return any(word["size"] >= 17 and word["top"] < 140 for word in words)


def test_no_page_is_nearly_empty_except_at_the_end_of_a_chapter(pack):
    _, report = pack
    own = report_pages(pages(report.pdf))
    assert len(own) > 10
    for index, (height, words) in enumerate(own[1:], start=1):
        body = [w for w in words if 60 < w["top"] < height - 60]
        filled = (max(w["bottom"] for w in body) - min(w["top"] for w in body)) / (height - 150) if body else 0
        if filled >= 0.2:
            continue
        last = index == len(own) - 1
        assert not _starts_chapter(words), f"page {index + 1} holds a whole chapter on a fifth of a page"
        assert last or _starts_chapter(own[index + 1][1]), f"page {index + 1} is {filled:.0%} full mid-chapter"


def test_the_summary_is_one_page_and_the_cover_names_the_organisation(pack):
    assessment, report = pack
    own = report_pages(pages(report.pdf))
    cover, summary, following = text(own[0][1]), text(own[1][1]), text(own[2][1])
    assert assessment.organisation.name in cover.split(" Practitioner ")[0]
    assert summary.split(" ")[0:1] and "Summary" in summary and "Gaps" in summary
    assert "360° feedback" in summary and "Previous development plan" in summary
    assert "Ratings compared" in following and "Summary" not in following.split("Ratings compared")[0]
    assert " None " not in " ".join(text(words) for _, words in own) + " "


def test_each_appended_file_follows_a_divider_with_its_evidence_number_and_title(pack):
    _, report = pack
    all_pages = pages(report.pdf)
    included = [f for f in report.pack_files if f.outcome == "included"]
    assert len(included) == 2
    dividers = [i for i, (_, words) in enumerate(all_pages) if "Evidence file" in text(words)
                and "Pages that follow" in text(words)]
    assert len(dividers) == 2
    for position, (index, pack_file) in enumerate(zip(dividers, included), start=1):
        words = text(all_pages[index][1])
        assert f"Evidence file {position} of 2" in words
        assert pack_file.reference in words and pack_file.evidence_title in words and pack_file.name in words
    # The file's own pages come straight after its divider.
    assert "Audit report" in text(all_pages[dividers[0] + 1][1])
