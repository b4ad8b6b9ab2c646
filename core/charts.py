"""Shared parts of the server-rendered SVG charts (the same markup in pages
and in PDFs, no JavaScript): core.stacked_charts lays out the organisation's
charts with these, core.comparison draws the comparison picture, and
core/templatetags/charts.py writes the SVG."""

from dataclasses import dataclass


@dataclass
class ChartGroup:
    label: str
    y: float


@dataclass
class Tick:
    x: float
    label: str
