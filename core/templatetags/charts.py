"""{% stacked_chart chart "id" %} and {% comparison_chart chart "id" %}: the SVG
of a chart laid out by core.stacked_charts or core.comparison, the same markup on
pages and in PDFs. Written in Python rather than as template loops: a
chart is hundreds of coordinates, each a lookup through the template
engine, and the two charts were a third of the time of an assessment's
summary. Numbers are coordinates, so they are written plainly, never
localised. Text alternative: the title and description, and the table of
the same numbers that every page showing a chart also shows."""

import html
import unicodedata

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

OPEN = (
    '<svg class="app-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
    'role="img" aria-labelledby="{id}-title {id}-desc" focusable="false">\n'
    '  <title id="{id}-title">{title}</title>\n'
    '  <desc id="{id}-desc">{description}</desc>\n'
    '  <g font-family="Arial, Helvetica, sans-serif" font-size="13" fill="#212b32">\n'
)
CLOSE = "  </g>\n</svg>"


# Text is escaped here, once per label, with the standard library's escape
# (what Django's escape does, without its lazy-string and safe-string
# wrappers around every call: format_html for each of a chart's hundreds of
# parts was most of the chart's time). Text already marked safe is kept.
def _e(value) -> str:
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _truncated(text: str, length: int) -> str:
    """Django's Truncator(text).chars(length): at most length characters,
    combining marks not counted, the last one an ellipsis when cut."""
    text = unicodedata.normalize("NFC", str(text))
    if len(text) <= length:
        return text
    counted, end = 0, None
    for index, char in enumerate(text):
        if unicodedata.combining(char):
            continue
        counted += 1
        if end is None and counted > length - 1:
            end = index
        if counted > length:
            return text[:end or 0] + "…"
    return text


def _open(chart, chart_id: str) -> str:
    return OPEN.format(width=chart.width, height=chart.height, id=_e(chart_id),
                       title=_e(chart.title), description=_e(chart.description))


def _ticks_and_groups(chart) -> str:
    top, bottom, label_y = chart.plot_top, chart.plot_bottom, int(chart.plot_top) - 8
    ticks = "".join(
        f'    <line x1="{t.x}" x2="{t.x}" y1="{top}" y2="{bottom}" stroke="#d8dde0" stroke-width="1"/>\n'
        f'    <text x="{t.x}" y="{label_y}" text-anchor="middle">{_e(t.label)}</text>\n'
        for t in chart.ticks
    )
    groups = "".join(
        f'    <text x="0" y="{g.y}" font-weight="bold">{_e(_truncated(g.label, 80))}</text>\n' for g in chart.groups
    )
    return ticks + groups


def _legend(items) -> str:
    """items: (label, colour, x, y, text_x, text_y) for each series."""
    return "".join(
        f'    <rect x="{x}" y="{y}" width="12" height="12" fill="{_e(colour)}"/>\n'
        f'    <text x="{text_x}" y="{text_y}">{_e(label)}</text>\n'
        for label, colour, x, y, text_x, text_y in items
    )


@register.simple_tag
def stacked_chart(chart, chart_id: str) -> str:
    parts = [_open(chart, chart_id), _ticks_and_groups(chart)]
    label_x = int(chart.plot_left) - 8
    empty_x = int(chart.plot_left) + 4
    for row in chart.rows:
        text_y = row.text_y
        label = _e(row.label)
        parts.append(f'    <text x="{label_x}" y="{text_y}" text-anchor="end">{_e(_truncated(row.label, 44))}</text>\n')
        for segment in row.segments:
            parts.append(
                f'    <rect x="{segment.x}" y="{segment.y}" width="{segment.width}" height="{segment.height}" '
                f'fill="{_e(segment.colour)}" stroke="#ffffff" stroke-width="1">'
                f'<title>{label}, {_e(segment.level)}: {_e(segment.count)}</title></rect>\n'
            )
            if segment.show_text:
                parts.append(f'    <text x="{segment.text_x}" y="{text_y}" text-anchor="middle" '
                             f'fill="{_e(segment.text_colour)}">{_e(segment.count)}</text>\n')
        if row.total:
            parts.append(f'    <text x="{row.total_x}" y="{text_y}" font-weight="bold">{_e(row.total)}</text>\n')
        else:
            parts.append(f'    <text x="{empty_x}" y="{text_y}" fill="#4c6272" font-style="italic">no agreed ratings</text>\n')
    parts.append(_legend((i.label, i.colour, i.x, i.y, i.text_x, i.text_y) for i in chart.legend))
    parts.append(CLOSE)
    return mark_safe("".join(parts))


@register.simple_tag
def comparison_chart(chart, chart_id: str, wide: bool = False) -> str:
    """{% comparison_chart chart "id" %}: core.comparison's picture
    ({% comparison_chart chart "id" wide=True %} in the A4 report)."""
    return chart.svg(chart_id, wide=wide)
