"""The organisation's capability profile as server-rendered SVG: one stacked
bar per pillar or capability, a segment per rating level, each as long as the
number of agreed ratings at that level. This module does the geometry;
core/templatetags/charts.py ({% stacked_chart %}) draws it. Every page that shows a
chart also shows a table of the same numbers."""

import math
from dataclasses import dataclass, field

from core.charts import ChartGroup, Tick

ROW_HEIGHT = 24
BAR_HEIGHT = 16
LABEL_WIDTH = 300
PLOT_WIDTH = 400
RIGHT_MARGIN = 50
GROUP_GAP = 26
TOP = 34
LEGEND_ROW_HEIGHT = 20
# NHS colours from low to high, distinct from their neighbours in colour and
# in greyscale, each with a text colour that meets contrast on it.
LEVEL_COLOURS = (
    ("#ffb81c", "#212b32"),  # warm yellow
    ("#41b6e6", "#212b32"),  # light blue
    ("#005eb8", "#ffffff"),  # NHS blue
    ("#003087", "#ffffff"),  # dark blue
    ("#330072", "#ffffff"),  # purple
    ("#768692", "#ffffff"),  # mid grey
)
# A count is written inside its segment only when it fits.
MIN_WIDTH_FOR_TEXT = 18


@dataclass
class Segment:
    x: float
    y: float
    width: float
    height: float
    colour: str
    text_colour: str
    count: int
    level: str
    text_x: float
    show_text: bool


@dataclass
class StackedRow:
    label: str
    y: float
    text_y: float
    segments: list[Segment]
    total: int
    total_x: float


@dataclass
class LegendItem:
    label: str
    colour: str
    x: float
    y: float

    @property
    def text_x(self) -> float:
        return self.x + 18

    @property
    def text_y(self) -> float:
        return self.y + 10


@dataclass
class StackedChart:
    title: str
    description: str
    width: int
    height: int
    plot_left: int
    plot_width: int
    plot_top: int
    plot_bottom: float
    rows: list[StackedRow] = field(default_factory=list)
    groups: list[ChartGroup] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    legend: list[LegendItem] = field(default_factory=list)


def nice_step(largest: int, most_ticks: int = 5) -> int:
    """A tick step of 1, 2 or 5 times a power of 10 giving at most
    ``most_ticks`` intervals up to ``largest``."""
    if largest <= most_ticks:
        return 1
    raw = largest / most_ticks
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if multiple * power >= raw:
            return multiple * power
    return 10 * power  # pragma: no cover


def stacked_bar_chart(
    *,
    title: str,
    description: str,
    levels: list[str],
    groups: list[tuple[str, list[tuple[str, list[int]]]]],
) -> StackedChart:
    """Lay out grouped rows of stacked bars. ``levels`` are the segment
    labels, lowest first; ``groups`` is a list of (group label, rows), each
    row being (label, one count per level)."""
    width = LABEL_WIDTH + PLOT_WIDTH + RIGHT_MARGIN
    chart = StackedChart(
        title=title, description=description, width=width, height=0,
        plot_left=LABEL_WIDTH, plot_width=PLOT_WIDTH, plot_top=TOP, plot_bottom=0,
    )
    largest = max((sum(counts) for _, rows in groups for _, counts in rows), default=0)
    step = nice_step(max(largest, 1))
    max_value = max(step, math.ceil(largest / step) * step)
    scale = PLOT_WIDTH / max_value

    y = TOP
    for group_label, rows in groups:
        if group_label:
            chart.groups.append(ChartGroup(label=group_label, y=y + 12))
            y += GROUP_GAP - 6
        for label, counts in rows:
            x = float(LABEL_WIDTH)
            segments = []
            for index, count in enumerate(counts):
                if not count:
                    continue
                colour, text_colour = LEVEL_COLOURS[index % len(LEVEL_COLOURS)]
                segment_width = count * scale
                segments.append(Segment(
                    x=round(x, 1), y=y + (ROW_HEIGHT - BAR_HEIGHT) / 2, width=round(segment_width, 1),
                    height=BAR_HEIGHT, colour=colour, text_colour=text_colour, count=count, level=levels[index],
                    text_x=round(x + segment_width / 2, 1), show_text=segment_width >= MIN_WIDTH_FOR_TEXT,
                ))
                x += segment_width
            chart.rows.append(StackedRow(
                label=label, y=y, text_y=y + ROW_HEIGHT / 2 + 4, segments=segments, total=sum(counts),
                total_x=round(x + 6, 1),
            ))
            y += ROW_HEIGHT
        y += 6
    chart.plot_bottom = y
    chart.ticks = [
        Tick(x=round(LABEL_WIDTH + value * scale, 1), label=str(value)) for value in range(0, max_value + 1, step)
    ]

    legend_x, legend_y = 0.0, y + 12
    for index, label in enumerate(levels):
        item_width = 18 + 7 * len(label) + 24
        if legend_x and legend_x + item_width > width:
            legend_x, legend_y = 0.0, legend_y + LEGEND_ROW_HEIGHT
        chart.legend.append(LegendItem(
            label=label, colour=LEVEL_COLOURS[index % len(LEVEL_COLOURS)][0], x=legend_x, y=legend_y,
        ))
        legend_x += item_width
    chart.height = int(legend_y + LEGEND_ROW_HEIGHT + 4)
    return chart
