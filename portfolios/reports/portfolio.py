"""The portfolio report of one assessment (being written).

Contract used by other modules:
    render_portfolio_html(assessment, *, pack: bool = False) -> str
    render_portfolio_pdf(assessment, *, pack: bool = False) -> bytes
"""


def render_portfolio_html(assessment, *, pack: bool = False) -> str:
    raise NotImplementedError


def render_portfolio_pdf(assessment, *, pack: bool = False) -> bytes:
    raise NotImplementedError
