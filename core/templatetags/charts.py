"""{% bar_chart chart "id" %} and {% stacked_chart chart "id" %}: the SVG of a
chart laid out by core.charts or core.stacked_charts, the same markup on
pages and in PDFs. Written in Python rather than as template loops: a
chart is hundreds of coordinates, each a lookup through the template
engine, and the two charts were a third of the time of an assessment's
summary. Numbers are coordinates, so they are written plainly, never
localised. Text alternative: the title and description, and the table of
the same numbers that every page showing a chart also shows."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

register = template.Library()

OPEN = (
    '<svg class="app-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
    'role="img" aria-labelledby="{id}-title {id}-desc" focusable="false">\n'
    '  <title id="{id}-title">{title}</title>\n'
    '  <desc id="{id}-desc">{description}</desc>\n'
    '  <g font-family="Arial, Helvetica, sans-serif" font-size="13" fill="#212b32">\n'
)
CLOSE = "  </g>\n</svg>"


def _number(value) -> str:
    return str(value)


def _open(chart, chart_id: str) -> str:
    return format_html(OPEN, width=_number(chart.width), height=_number(chart.height), id=chart_id,
                       title=chart.title, description=chart.description)


def _ticks_and_groups(chart) -> str:
    ticks = format_html_join("", (
        '    <line x1="{0}" x2="{0}" y1="{1}" y2="{2}" stroke="#d8dde0" stroke-width="1"/>\n'
        '    <text x="{0}" y="{3}" text-anchor="middle">{4}</text>\n'
    ), ((_number(t.x), _number(chart.plot_top), _number(chart.plot_bottom), int(chart.plot_top) - 8, t.label)
        for t in chart.ticks))
    groups = format_html_join("", '    <text x="0" y="{}" font-weight="bold">{}</text>\n', (
        (_number(g.y), Truncator(g.label).chars(80)) for g in chart.groups
    ))
    return ticks + groups


@register.simple_tag
def bar_chart(chart, chart_id: str) -> str:
    parts = [_open(chart, chart_id), _ticks_and_groups(chart)]
    label_x = int(chart.plot_left) - 8
    for row in chart.rows:
        parts.append(format_html('    <text x="{}" y="{}" text-anchor="end">{}</text>\n',
                                 label_x, _number(row.text_y), Truncator(row.label).chars(52)))
        for bar in row.bars:
            if bar.value is not None:
                parts.append(format_html(
                    '    <rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}, {}: {}</title></rect>\n',
                    _number(bar.x), _number(bar.y), _number(bar.width), _number(bar.height), bar.colour,
                    row.label, bar.series, _number(bar.value),
                ))
            else:
                parts.append(format_html(
                    '    <text x="{}" y="{}" fill="#4c6272" font-style="italic">not rated</text>\n',
                    int(chart.plot_left) + 4, _number(row.text_y),
                ))
    legend_y = int(chart.plot_bottom)
    parts.append(format_html_join("", (
        '    <rect x="{0}" y="{1}" width="12" height="12" fill="{2}"/>\n'
        '    <text x="{3}" y="{4}">{5}</text>\n'
    ), ((_number(x), legend_y + 4, colour, int(x) + 18, legend_y + 14, label) for label, colour, x in chart.legend)))
    parts.append(CLOSE)
    return mark_safe("".join(parts))


@register.simple_tag
def stacked_chart(chart, chart_id: str) -> str:
    parts = [_open(chart, chart_id), _ticks_and_groups(chart)]
    label_x = int(chart.plot_left) - 8
    for row in chart.rows:
        text_y = _number(row.text_y)
        parts.append(format_html('    <text x="{}" y="{}" text-anchor="end">{}</text>\n',
                                 label_x, text_y, Truncator(row.label).chars(44)))
        for segment in row.segments:
            parts.append(format_html(
                '    <rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#ffffff" stroke-width="1">'
                '<title>{}, {}: {}</title></rect>\n',
                _number(segment.x), _number(segment.y), _number(segment.width), _number(segment.height),
                segment.colour, row.label, segment.level, segment.count,
            ))
            if segment.show_text:
                parts.append(format_html('    <text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>\n',
                                         _number(segment.text_x), text_y, segment.text_colour, segment.count))
        if row.total:
            parts.append(format_html('    <text x="{}" y="{}" font-weight="bold">{}</text>\n',
                                     _number(row.total_x), text_y, row.total))
        else:
            parts.append(format_html(
                '    <text x="{}" y="{}" fill="#4c6272" font-style="italic">no agreed ratings</text>\n',
                int(chart.plot_left) + 4, text_y,
            ))
    parts.append(format_html_join("", (
        '    <rect x="{}" y="{}" width="12" height="12" fill="{}"/>\n'
        '    <text x="{}" y="{}">{}</text>\n'
    ), ((_number(i.x), _number(i.y), i.colour, _number(i.text_x), _number(i.text_y), i.label) for i in chart.legend)))
    parts.append(CLOSE)
    return mark_safe("".join(parts))
