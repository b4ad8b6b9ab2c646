"""An assessment's comparison picture (core.comparison): the same SVG on its
pages and in its PDF."""


def comparison(matrix, scale_levels, *, with_appraiser: bool, feedback=None, title: str | None = None):
    """The comparison picture of an assessment (core.comparison): every
    capability by pillar, with the self-rating, the appraiser's rating when
    it is shown, the 360° raters' figures when ``feedback`` (capability number
    to core.comparison.FeedbackFigures) is given, and the level expected now.
    Also the rows of its table, the picture's text equivalent."""
    from core.comparison import APPRAISER, FEEDBACK, SELF, ComparisonChart, ComparisonRow

    sources = (SELF,) + ((APPRAISER,) if with_appraiser else ()) + ((FEEDBACK,) if feedback is not None else ())
    groups = [
        (group.pillar.name, [
            ComparisonRow(
                number=row.capability.number, statement=row.capability.short_statement,
                self_value=row.level_value, appraiser_value=row.appraiser_value if with_appraiser else None,
                feedback=(feedback or {}).get(row.capability.number),
                expected=row.expected_level if row.expected_now else None,
            )
            for row in group.rows
        ])
        for group in matrix
    ]
    shows_expected = any(row.expected is not None for _, rows in groups for row in rows)
    who = ", ".join(source.label.lower() for source in sources)
    levels = [(level.value, level.label) for level in scale_levels]
    return ComparisonChart(
        title=title or "Ratings compared, by capability",
        description=(
            f"Each capability on the rating scale from {levels[0][0]} {levels[0][1]} to {levels[-1][0]} "
            f"{levels[-1][1]}: {who}"
            + (", and the level expected now at this career stage" if shows_expected else "")
            + ". The same figures are in the table that follows."
        ),
        levels=levels, groups=groups, sources=sources, shows_expected=shows_expected,
    )
