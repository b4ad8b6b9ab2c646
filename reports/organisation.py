"""The organisation report: an A4 PDF for an organisation's admins with the
status of every practitioner's latest assessment, completion statistics and
the organisation's capability profile (agreed ratings by pillar and by
capability, drawn with the dashboard's own SVG chart and given again as
tables).

It reads through the dashboard's query builders
(organisations.selectors), so it shows exactly what the dashboard shows
for the same filters, in a fixed number of queries. WeasyPrint renders it
through the restricted URL fetcher of core.pdf, so it
loads nothing from anywhere; its stylesheet is given here rather than
inline in the template.
"""

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from capability.selectors import editions_for
from core.pdf import html_to_pdf
from organisations.selectors import (
    CLOSED_STATUSES,
    STATUS_TAGS,
    capability_profile,
    practitioner_row,
    profile_charts,
)

# A4, the service's typeface stack, NHS colours. Kept here, not in a <style>
# element, so the template holds no inline style.
STYLESHEET = """
@page {
  size: A4;
  margin: 18mm 15mm 20mm;
  @bottom-left { content: string(report-title); font-size: 8pt; color: #4c6272; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #4c6272; }
}
html { font-family: Arial, Helvetica, sans-serif; font-size: 10pt; line-height: 1.4; color: #212b32; }
h1 { font-size: 20pt; margin: 0 0 4mm; string-set: report-title content(); }
h2 { font-size: 14pt; margin: 8mm 0 3mm; break-after: avoid; }
h3 { font-size: 11pt; margin: 5mm 0 2mm; break-after: avoid; }
p { margin: 0 0 3mm; }
.caption { color: #4c6272; font-size: 11pt; margin-bottom: 1mm; }
.meta { color: #4c6272; }
table { width: 100%; border-collapse: collapse; margin: 0 0 5mm; }
caption { text-align: left; font-weight: bold; margin-bottom: 2mm; }
th, td { text-align: left; vertical-align: top; padding: 1.5mm 2mm; border-bottom: 1px solid #d8dde0; }
thead th { border-bottom: 2px solid #212b32; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
.numeric { text-align: right; }
.nowrap { white-space: nowrap; }
.small { font-size: 8.5pt; color: #4c6272; }
.statistics { display: flex; flex-wrap: wrap; margin: 0 0 4mm; padding: 0; list-style: none; }
.statistics li {
  width: 30%; margin: 0 3% 3mm 0; padding: 2mm 3mm; border-left: 4px solid #005eb8; background: #f0f4f5;
}
.statistics strong { display: block; font-size: 16pt; }
.tag { font-weight: bold; }
.overdue { color: #d5281b; font-weight: bold; }
.chart { break-inside: avoid; margin: 0 0 4mm; }
.chart svg { width: 100%; height: auto; }
.section-break { break-before: page; }
"""


def _filter_summary(form) -> list[str]:
    """The dashboard filters that were applied, as "Label: value" lines."""
    if form is None or not form.is_bound or not hasattr(form, "cleaned_data"):
        return []
    lines = []
    for name, bound in form.fields.items():
        value = form.cleaned_data.get(name)
        if not value:
            continue
        if value is True:
            lines.append(bound.label)
        else:
            labels = dict(getattr(bound, "choices", []))
            lines.append(f"{bound.label}: {labels.get(value, value)}")
    return lines


def organisation_report_context(organisation, practitioners: QuerySet, *, form=None) -> dict:
    """Everything the report shows, for these practitioners (a queryset from
    organisations.selectors.practitioner_queryset, filtered or not)."""
    today = timezone.localdate()
    rows = [practitioner_row(user, today) for user in practitioners]
    profile_framework = next(iter(editions_for(organisation)), None)
    levels, pillars = capability_profile(practitioners, profile_framework)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status_label] = counts.get(row.status_label, 0) + 1
    total = len(rows)
    started = [row for row in rows if row.user.latest_status is not None]
    signed_off = sum(1 for row in rows if row.user.latest_status in CLOSED_STATUSES)
    rated = sum(row.user.rated_count for row in started)
    to_rate = sum(row.user.capability_count for row in started)
    filters = _filter_summary(form)
    return {
        "organisation": organisation,
        "profile_framework": profile_framework,
        "generated_at": timezone.now(),
        "today": today,
        "rows": rows,
        "filters": filters,
        "total": total,
        "status_counts": [
            (label, counts[label])
            for label in dict.fromkeys(label for label, _ in STATUS_TAGS.values())
            if label in counts
        ],
        "started_count": len(started),
        "signed_off_count": signed_off,
        "signed_off_percent": round(100 * signed_off / total) if total else 0,
        "overdue_count": sum(1 for row in rows if row.overdue),
        "profiled_count": sum(1 for row in rows if row.user.agreed_count),
        "rated_percent": round(100 * rated / to_rate) if to_rate else 0,
        "levels": levels,
        "pillars": pillars,
        "charts": profile_charts(levels, pillars) if pillars else None,
    }


def render_organisation_html(organisation, practitioners: QuerySet, *, form=None) -> str:
    return render_to_string(
        "reports/organisation.html", organisation_report_context(organisation, practitioners, form=form)
    )


def render_organisation_pdf(organisation, practitioners: QuerySet, *, form=None) -> bytes:
    return html_to_pdf(render_organisation_html(organisation, practitioners, form=form), stylesheet=STYLESHEET)


def organisation_report_filename(organisation, extension: str, kind: str = "organisation-report") -> str:
    """xn1-organisation-report-2026-11-22.pdf: ASCII only, safe in a header."""
    from django.utils.text import slugify

    code = slugify(organisation.ods_code) or "organisation"
    return f"{code}-{kind}-{timezone.localdate().isoformat()}.{extension}"
