"""Every page each demo person can reach from their home page, read for
what a person should never see: a bare "None", a raw date (2027-09-30) or
Django's empty choice ("---------"). The pages are found by following the
links, as a person would, so new pages are covered without listing them."""

import json
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Not pages: files, downloads and the way out.
SKIP = re.compile(r"^/(static|admin|logout)/|\.(pdf|csv|zip)$|/files/|/download/|/export")
PER_SHAPE = 2  # pages per URL shape (the same page for another object)
FORBIDDEN = [
    # "None" as all of a piece of text: a value Python left empty ("None
    # chosen" and "None included" are words, and are fine).
    (re.compile(r"(?:^|\|)\s*None\s*(?:\||$)"), "a bare None"),
    (re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b"), "a raw date"),
    (re.compile(r"-{5,}"), "an empty choice shown as dashes"),
]


class _Page(HTMLParser):
    """The text a person sees (not the attributes), plus the page's links."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith("/"):
                self.links.append(urldefrag(href)[0])
        if tag == "option":
            # An option's words are shown to the person choosing.
            self.text.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def crawl(client: Client, limit: int = 160):
    """Yield (path, visible text) of each HTML page reached from "/"."""
    queue, seen, shapes = deque(["/"]), {"/"}, {}
    while queue and len(seen) <= limit:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode())
        # Text nodes kept apart by "|", so that a whole node can be matched.
        yield path, "|".join(page.text)
        for link in page.links:
            target = urlsplit(link).path
            shape = UUID.sub("<id>", target)
            if target in seen or SKIP.search(target) or shapes.get(shape, 0) >= PER_SHAPE:
                continue
            seen.add(target)
            shapes[shape] = shapes.get(shape, 0) + 1
            queue.append(target)


def test_no_page_of_any_demo_role_shows_none_raw_dates_or_dashes(framework, private_storage, capsys):
    call_command("seed_demo", "--json")
    accounts = json.loads(capsys.readouterr().out)
    emails = {role: next(a["email"] for a in accounts if role in a["roles"])
              for role in ("practitioner", "appraiser", "organisation_admin")}
    # A practitioner with an assessment waiting on them, too.
    emails["returned practitioner"] = next(
        a["email"] for a in accounts if "practitioner" in a["roles"]
        and User.objects.get(email=a["email"]).assessments.filter(status="returned").exists())
    problems, visited = [], {}
    for role, email in emails.items():
        client = Client()
        client.force_login(User.objects.get(email=email))
        pages = list(crawl(client))
        visited[role] = len(pages)
        for path, text in pages:
            for pattern, what in FORBIDDEN:
                for match in pattern.finditer(text):
                    around = re.sub(r"\s+", " ", text[max(0, match.start() - 80):match.end() + 80])
                    problems.append(f"{role} {path}: {what}: …{around}…")
    assert all(count >= 10 for count in visited.values()), visited
    assert problems == [], "\n".join(problems)
