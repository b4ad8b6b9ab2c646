"""What every browser journey does on every page it visits: check it with
axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) and a few rules of our own,
and save a screenshot for reviewers under tests/artifacts/ (git-ignored)."""

import re
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE_SOURCE = (ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# Rules switched off, each with the reason. Keep this empty unless a rule
# cannot apply to this service.
AXE_EXCEPTIONS: dict[str, str] = {}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TOKEN_PATH = re.compile(r"/feedback/respond/[^/]+/")
# The journeys that run at both sizes: a desktop and a small phone.
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 375, "height": 812},
}

_DUPLICATE_LINKS = """() => {
  const seen = {};
  const clashes = [];
  for (const link of document.querySelectorAll('a[href]')) {
    const text = (link.getAttribute('aria-label') || link.innerText || '').replace(/\\s+/g, ' ').trim().toLowerCase();
    if (!text) continue;
    const href = new URL(link.getAttribute('href'), document.baseURI);
    href.hash = href.hash === '#' ? '' : href.hash;
    const target = href.href;
    if (seen[text] && seen[text] !== target) clashes.push([text, seen[text], target]);
    seen[text] = seen[text] || target;
  }
  return clashes;
}"""

_ERROR_SUMMARY_LINKS = """() => {
  const summary = document.querySelector('.nhsuk-error-summary');
  if (!summary) return null;
  return Array.from(summary.querySelectorAll('a[href^="#"]')).map(a => {
    const id = decodeURIComponent(a.getAttribute('href').slice(1));
    return [a.innerText.trim(), id, !!document.getElementById(id)];
  });
}"""


class Journey:
    """Records the pages one test visits; ``check`` each page after every
    step that shows a new page or a new state of one."""

    def __init__(self, name: str):
        self.name = name
        self.step = 0
        self.titles: dict[str, str] = {}
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()

    def check(self, page, label: str) -> None:
        self.step += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        page.screenshot(path=str(self.folder / f"{self.step:02d}-{slug}.png"), full_page=True)
        where = f"{self.name} step {self.step} ({label}) at {TOKEN_PATH.sub('/feedback/respond/<token>/', urlparse(page.url).path)}"

        page.evaluate(AXE_SOURCE)  # evaluated over the DevTools protocol: the page's CSP does not apply
        result = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            WCAG_TAGS,
        )
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:5]}"
            for v in result["violations"] if v["id"] not in AXE_EXCEPTIONS
        ]
        assert violations == [], f"{where}: accessibility violations:\n" + "\n".join(violations)

        assert page.locator("h1").count() == 1, f"{where}: expected exactly one h1"

        title = page.title()
        assert title, f"{where}: the page has no title"
        path = UUID.sub("<id>", TOKEN_PATH.sub("/feedback/respond/<token>/", urlparse(page.url).path))
        known = self.titles.setdefault(title, path)
        assert known == path, f"{where}: title {title!r} also used by {known}"

        # Nothing makes the reader scroll sideways, on a phone least of all:
        # wide tables and pictures must fit or wrap.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{where}: the page is {overflow} px wider than the window"

        clashes = page.evaluate(_DUPLICATE_LINKS)
        assert clashes == [], f"{where}: the same link text goes to different places: {clashes}"

        links = page.evaluate(_ERROR_SUMMARY_LINKS)
        if links is not None:
            assert links, f"{where}: the error summary links to no field"
            broken = [(text, target) for text, target, exists in links if not exists]
            assert broken == [], f"{where}: error summary links to missing fields: {broken}"
            assert title.startswith("Error: "), f"{where}: a page with errors must say so in its title"


def sign_in(page, live_server, user, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
