"""Server-rendered SVG bar charts: the same markup in pages and in PDFs, no
JavaScript. This module does the geometry; core/templatetags/charts.py ({% bar_chart %})
draws it."""

from dataclasses import dataclass, field

ROW_HEIGHT = 22
BAR_HEIGHT = 14
LABEL_WIDTH = 330
PLOT_WIDTH = 400
GROUP_GAP = 26
TOP = 34
# Design-system colours that stay distinct for colour-blind readers and in
# greyscale print: NHS blue and NHS warm yellow.
SERIES_COLOURS = ("#005eb8", "#ffb81c")


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    value: float | None
    series: str


@dataclass
class ChartRow:
    label: str
    y: float
    bars: list[Bar]
    text_y: float


@dataclass
class ChartGroup:
    label: str
    y: float


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class BarChart:
    title: str
    description: str
    width: int
    height: int
    plot_left: int
    plot_width: int
    plot_top: int
    plot_bottom: float
    rows: list[ChartRow] = field(default_factory=list)
    groups: list[ChartGroup] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    legend: list[tuple[str, str, float]] = field(default_factory=list)


def bar_chart(
    *,
    title: str,
    description: str,
    series: list[str],
    groups: list[tuple[str, list[tuple[str, list[float | None]]]]],
    max_value: int,
    tick_labels: dict[int, str] | None = None,
) -> BarChart:
    """Lay out grouped rows of bars. ``groups`` is a list of (group label,
    rows) where each row is (label, one value per series); None is drawn as
    no bar."""
    chart = BarChart(
        title=title, description=description, width=LABEL_WIDTH + PLOT_WIDTH + 40, height=0,
        plot_left=LABEL_WIDTH, plot_width=PLOT_WIDTH, plot_top=TOP, plot_bottom=0,
    )
    bar_height = BAR_HEIGHT / max(len(series), 1)
    y = TOP
    for group_label, rows in groups:
        if group_label:
            chart.groups.append(ChartGroup(label=group_label, y=y + 12))
            y += GROUP_GAP - 6
        for label, values in rows:
            bars = []
            for index, value in enumerate(values):
                width = 0 if value is None else PLOT_WIDTH * max(0.0, min(value, max_value)) / max_value
                bars.append(Bar(
                    x=LABEL_WIDTH, y=y + 4 + index * bar_height, width=round(width, 1), height=round(bar_height, 1),
                    colour=SERIES_COLOURS[index % len(SERIES_COLOURS)], value=value, series=series[index],
                ))
            chart.rows.append(ChartRow(label=label, y=y, bars=bars, text_y=y + 4 + BAR_HEIGHT - 3))
            y += ROW_HEIGHT
        y += 6
    chart.plot_bottom = y
    chart.height = int(y + 24)
    labels = tick_labels or {}
    chart.ticks = [
        Tick(x=round(LABEL_WIDTH + PLOT_WIDTH * value / max_value, 1), label=labels.get(value, str(value)))
        for value in range(0, max_value + 1)
    ]
    if len(series) > 1:
        chart.legend = [
            (label, SERIES_COLOURS[index % len(SERIES_COLOURS)], LABEL_WIDTH + index * 150)
            for index, label in enumerate(series)
        ]
    return chart
