"""An assessment's rating charts, drawn by core.charts (the same SVG on
its pages and in its PDF)."""

from core.charts import BarChart, bar_chart


def _average(values):
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 1) if values else None


def assessment_charts(matrix, scale_levels, *, with_appraiser: bool = False) -> dict[str, BarChart]:
    """The rating charts of an assessment: pillar averages and every
    capability, grouped by pillar; self-ratings, and the appraiser's beside
    them once they are shown."""
    max_value = max((level.value for level in scale_levels), default=4)
    series = ["Self-rating", "Appraiser rating"] if with_appraiser else ["Self-rating"]

    def values(rows):
        own = _average([row.level_value for row in rows])
        return [own, _average([row.appraiser_value for row in rows])] if with_appraiser else [own]

    def row_values(row):
        return [row.level_value, row.appraiser_value] if with_appraiser else [row.level_value]

    who = "self-ratings and the appraiser's ratings" if with_appraiser else "self-ratings"
    by_pillar = bar_chart(
        title="Average rating by pillar",
        description=f"Average of the rated capabilities in each pillar ({who}), on a scale of 1 to "
        f"{max_value}. Nothing rated means no bar.",
        series=series,
        groups=[("", [(p.pillar.name, values(p.rows)) for p in matrix])],
        max_value=max_value,
    )
    by_capability = bar_chart(
        title="Rating by capability",
        description=f"Rating of each capability ({who}), on a scale of 1 to {max_value}, grouped by pillar. "
        "Nothing rated means no bar.",
        series=series,
        groups=[
            (p.pillar.name, [(f"Capability {row.capability.number}", row_values(row)) for row in p.rows])
            for p in matrix
        ],
        max_value=max_value,
    )
    return {"by_pillar": by_pillar, "by_capability": by_capability}
