"""The comparison picture: for each capability, the self-rating, the
appraiser's rating and the 360° raters' mean and range, against the level
expected now, on the rating scale with its level names.

One kind of picture on every page and in the PDF, so a colour and a shape
always mean the same source (SOURCES). Shapes differ as well as colours,
for colour-blind readers and greyscale print, and each source has a lane of
its own in a capability's strip, so markers never hide each other.

Server-rendered SVG like core.charts; the text alternative is the table of
the same figures that every page showing the picture shows beside it
(templates/includes/comparison_table.html and the report's own).

Laid out for a phone first: labels sit above their strip rather than
beside it, so the scale has the whole width, and the picture is 420 units
wide so that at 375 px its text is still about 11 px.
"""

import html
import textwrap
from dataclasses import dataclass, field

from django.utils.safestring import mark_safe

WIDTH = 420
PLOT_LEFT, PLOT_RIGHT = 4, WIDTH - 4
LANE = 10
LABEL_LINE = 15
AXIS_HEIGHT = 40
LABEL_CHARS = 64
# The report's layout: labels in a column on the left.
WIDE_WIDTH = 720
WIDE_LABEL_WIDTH = 320
WIDE_LABEL_CHARS = 50


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    colour: str
    shape: str  # circle, diamond or square (with a range line)


SELF = Source("self", "Self-rating", "#005eb8", "circle")
APPRAISER = Source("appraiser", "Appraiser's rating", "#ffb81c", "diamond")
FEEDBACK = Source("feedback", "360° raters: mean and range", "#330072", "square")
SOURCES = (SELF, APPRAISER, FEEDBACK)
EXPECTED_COLOUR = "#212b32"


@dataclass
class FeedbackFigures:
    mean: float
    low: int
    high: int
    count: int


@dataclass
class ComparisonRow:
    number: int
    statement: str
    self_value: int | None = None
    appraiser_value: int | None = None
    feedback: FeedbackFigures | None = None
    expected: int | None = None  # the level expected now; None when not expected yet

    @property
    def label(self) -> str:
        return f"{self.number}. {self.statement}"

    @property
    def brief(self) -> str:
        """The label cut at a word to fit one line of the report's table."""
        return textwrap.shorten(self.label, 46, placeholder="…")


@dataclass(frozen=True)
class Cell:
    column: str
    text: str
    level: int  # the heat map's shade: 0 for no rating
    below: bool = False  # a rating below the level expected now


@dataclass
class ComparisonChart:
    title: str
    description: str
    levels: list[tuple[int, str]]  # (value, name), lowest first
    groups: list[tuple[str, list[ComparisonRow]]]
    sources: tuple[Source, ...]
    shows_expected: bool = True
    _left: float = field(default=PLOT_LEFT, repr=False)
    _right: float = field(default=PLOT_RIGHT, repr=False)
    _lane: float = field(default=LANE, repr=False)

    # Geometry ------------------------------------------------------------

    def x(self, value: float) -> float:
        """Level values sit at the middle of their band; a mean between two
        levels sits between their middles."""
        low, high = self.levels[0][0], self.levels[-1][0]
        band = (self._right - self._left) / len(self.levels)
        value = max(low, min(high, value))
        return round(self._left + band * (value - low) + band / 2, 1)

    def level_name(self, value: int | None) -> str:
        names = dict(self.levels)
        return f"{value} {names[value]}" if value in names else "Not rated"

    # The table: the picture's text equivalent, and a heat map --------------

    @property
    def columns(self) -> list[str]:
        return [source.label for source in self.sources] + (["Expected now"] if self.shows_expected else [])

    def table(self) -> list[tuple[str, list[tuple[ComparisonRow, list["Cell"]]]]]:
        """Each pillar's rows with one cell per column: its words and the
        level its colour stands for (0 for none)."""
        return [(label, [(row, self._cells(row)) for row in rows]) for label, rows in self.groups]

    def _cells(self, row: ComparisonRow) -> list["Cell"]:
        cells = []
        for source in self.sources:
            if source is FEEDBACK:
                figures = row.feedback
                cells.append(Cell(source.label, "No answers", 0) if figures is None else Cell(
                    source.label, f"{figures.mean} (from {figures.low} to {figures.high})", round(figures.mean)))
            else:
                value = row.self_value if source is SELF else row.appraiser_value
                cells.append(Cell(source.label, self.level_name(value), value or 0,
                                  below=value is not None and row.expected is not None and value < row.expected))
        if self.shows_expected:
            cells.append(Cell("Expected now", self.level_name(row.expected) if row.expected else "Not expected yet", 0))
        return cells

    # Drawing -------------------------------------------------------------

    def svg(self, chart_id: str, *, wide: bool = False) -> str:
        """The picture. ``wide`` (the A4 report): each label beside its strip,
        so sixteen capabilities fit one page; otherwise above it, so a phone
        gives the scale its whole width."""
        e = _escape
        width = WIDE_WIDTH if wide else WIDTH
        self._left, self._right = (WIDE_LABEL_WIDTH, width - 4) if wide else (PLOT_LEFT, PLOT_RIGHT)
        self._lane = 8 if wide else LANE
        body, y = [], AXIS_HEIGHT
        band = (self._right - self._left) / len(self.levels)
        strip = self._lane * len(self.sources) + 6
        for group_label, rows in self.groups:
            if group_label:
                y += 6
                body.append(f'<text x="0" y="{y + 11}" font-weight="bold" font-size="13">{e(group_label)}</text>')
                y += 18
            for row in rows:
                lines = textwrap.wrap(row.label, WIDE_LABEL_CHARS if wide else LABEL_CHARS, max_lines=2,
                                      placeholder="…") or [""]
                if wide:
                    for number, line in enumerate(lines):
                        body.append(f'<text x="0" y="{y + 12 + number * LABEL_LINE}">{e(line)}</text>')
                    body.append(self._strip(row, y, strip, band))
                    y += max(strip, LABEL_LINE * len(lines)) + 4
                    continue
                for line in lines:
                    y += LABEL_LINE
                    body.append(f'<text x="0" y="{y - 3}">{e(line)}</text>')
                y += 2
                body.append(self._strip(row, y, strip, band))
                y += strip + 8
        height = int(y + 4 + self._legend_height())
        head = (
            f'<svg class="app-comparison" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="100%" role="img" aria-labelledby="{e(chart_id)}-title {e(chart_id)}-desc" focusable="false">'
            f'<title id="{e(chart_id)}-title">{e(self.title)}</title>'
            f'<desc id="{e(chart_id)}-desc">{e(self.description)}</desc>'
            '<g font-family="Arial, Helvetica, sans-serif" font-size="12" fill="#212b32">'
        )
        return mark_safe(head + self._axis(band) + "".join(body) + self._legend(y + 4) + "</g></svg>")

    def _axis(self, band: float) -> str:
        parts = []
        for index, (value, name) in enumerate(self.levels):
            centre = round(self._left + band * index + band / 2, 1)
            words = textwrap.wrap(name, 13, max_lines=2, placeholder="…")
            parts.append(f'<text x="{centre}" y="12" text-anchor="middle" font-weight="bold">{value}</text>')
            for line_number, line in enumerate(words):
                parts.append(f'<text x="{centre}" y="{25 + line_number * 12}" text-anchor="middle" '
                             f'font-size="11">{_escape(line)}</text>')
        return "".join(parts)

    def _strip(self, row: ComparisonRow, top: float, height: float, band: float) -> str:
        parts = []
        # White, with a line between levels: it stands out from the grey of
        # the NHS page and of the PDF's panels alike.
        parts.append(f'<rect x="{self._left}" y="{top}" width="{round(self._right - self._left, 1)}" height="{height}" '
                     f'fill="#ffffff" stroke="#aeb7bd" stroke-width="1"/>')
        for index in range(1, len(self.levels)):
            x = round(self._left + band * index, 1)
            parts.append(f'<line x1="{x}" x2="{x}" y1="{top}" y2="{top + height}" stroke="#d8dde0" stroke-width="1"/>')
        if row.expected is not None:
            x = self.x(row.expected)
            parts.append(f'<line x1="{x}" x2="{x}" y1="{top - 1}" y2="{top + height + 1}" stroke="{EXPECTED_COLOUR}" '
                         f'stroke-width="2" stroke-dasharray="3 2"><title>{_escape(row.label)}, expected now: '
                         f'{_escape(self.level_name(row.expected))}</title></line>')
        for lane, source in enumerate(self.sources):
            centre = top + 3 + lane * self._lane + self._lane / 2
            parts.append(self._marker(row, source, centre))
        return "".join(parts)

    def _marker(self, row: ComparisonRow, source: Source, y: float) -> str:
        e = _escape
        if source is FEEDBACK:
            figures = row.feedback
            if figures is None:
                return f'<text x="{self._left + 4}" y="{y + 4}" font-size="10" font-style="italic" fill="#4c6272">' \
                       f'no 360° answers</text>'
            x, low, high = self.x(figures.mean), self.x(figures.low), self.x(figures.high)
            what = (f"{e(row.label)}, 360° raters: mean {figures.mean}, from {figures.low} to {figures.high}, "
                    f"{figures.count} answer{'s' if figures.count != 1 else ''}")
            return (f'<g><title>{what}</title><line x1="{low}" x2="{high}" y1="{y}" y2="{y}" stroke="{source.colour}" '
                    f'stroke-width="2"/><line x1="{low}" x2="{low}" y1="{y - 3}" y2="{y + 3}" stroke="{source.colour}" '
                    f'stroke-width="2"/><line x1="{high}" x2="{high}" y1="{y - 3}" y2="{y + 3}" '
                    f'stroke="{source.colour}" stroke-width="2"/><rect x="{x - 4}" y="{y - 4}" width="8" height="8" '
                    f'fill="{source.colour}"/></g>')
        value = row.self_value if source is SELF else row.appraiser_value
        if value is None:
            return f'<text x="{self._left + 4}" y="{y + 4}" font-size="10" font-style="italic" fill="#4c6272">' \
                   f'not rated</text>'
        x = self.x(value)
        title = f"<title>{e(row.label)}, {e(source.label.lower())}: {e(self.level_name(value))}</title>"
        return _shape(source, x, y, title)

    def _legend_height(self) -> int:
        return 16 * (len(self.sources) + (1 if self.shows_expected else 0)) + 4

    def _legend(self, top: float) -> str:
        parts, y = [], top + 8
        for source in self.sources:
            parts.append(_shape(source, 10, y, ""))
            if source is FEEDBACK:
                parts.append(f'<line x1="2" x2="18" y1="{y}" y2="{y}" stroke="{source.colour}" stroke-width="2"/>')
            parts.append(f'<text x="26" y="{y + 4}">{_escape(source.label)}</text>')
            y += 16
        if self.shows_expected:
            parts.append(f'<line x1="10" x2="10" y1="{y - 7}" y2="{y + 7}" stroke="{EXPECTED_COLOUR}" stroke-width="2" '
                         f'stroke-dasharray="3 2"/><text x="26" y="{y + 4}">Level expected now at this career stage'
                         f'</text>')
        return "".join(parts)


def _shape(source: Source, x: float, y: float, title: str) -> str:
    if source.shape == "circle":
        return f'<circle cx="{x}" cy="{y}" r="4.5" fill="{source.colour}">{title}</circle>'
    if source.shape == "diamond":
        # Warm yellow alone is too pale against the strip: the dark outline
        # gives the shape the contrast it needs.
        return (f'<path d="M{x} {y - 5.5}L{x + 5.5} {y}L{x} {y + 5.5}L{x - 5.5} {y}Z" fill="{source.colour}" '
                f'stroke="#212b32" stroke-width="1">{title}</path>')
    return f'<rect x="{x - 4}" y="{y - 4}" width="8" height="8" fill="{source.colour}">{title}</rect>'


def _escape(value) -> str:
    return html.escape(str(value))
