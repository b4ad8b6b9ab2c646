"""Driving the appraiser's review over HTTP as its pages do: a form per
pillar and one for the overall summary, each sent with the fingerprint of
what it showed."""

import html
import re

from django.urls import reverse

from portfolios.models import CapabilityRating


def shown_on(page: str) -> str:
    match = re.search(r'name="shown" value="([^"]*)"', page)
    assert match, "the page has no fingerprint"
    return html.unescape(match.group(1))


def pillar_url(assessment, slug: str) -> str:
    return reverse("portfolios:review_pillar", kwargs={"pk": assessment.pk, "pillar_slug": slug})


def summary_url(assessment) -> str:
    return reverse("portfolios:review_summary", kwargs={"pk": assessment.pk})


def pillars_of(assessment) -> dict[str, list[int]]:
    """Each pillar's slug with its capabilities' numbers, in order."""
    pillars: dict[str, list[int]] = {}
    for rating in (CapabilityRating.objects.filter(assessment=assessment)
                   .select_related("capability__pillar").order_by("capability__number")):
        pillars.setdefault(rating.capability.pillar.slug, []).append(rating.capability.number)
    return pillars


def pillar_post(numbers, shown, ratings=None, comments=None, go="next") -> dict:
    data = {"shown": shown, "go": go}
    for number in numbers:
        data[f"a{number}-rating"] = str((ratings or {}).get(number, ""))
        data[f"a{number}-comment"] = (comments or {}).get(number, "")
    return data


def save_review(client, assessment, *, ratings=None, comments=None, summary=None):
    """Rate and comment through every pillar's page, then write the summary
    (when given), as the appraiser would; each save must succeed."""
    for slug, numbers in pillars_of(assessment).items():
        url = pillar_url(assessment, slug)
        shown = shown_on(client.get(url).content.decode())
        response = client.post(url, pillar_post(numbers, shown, ratings, comments))
        assert response.status_code == 302, response.content.decode()[:2000]
    if summary is not None:
        url = summary_url(assessment)
        shown = shown_on(client.get(url).content.decode())
        assert client.post(url, {"shown": shown, "summary": summary, "go": "tasks"}).status_code == 302


def every_pillar_page(client, assessment) -> str:
    """The review's pages for every pillar, as one text: what the appraiser
    reads of the portfolio, wherever its evidence is mapped."""
    return "".join(client.get(pillar_url(assessment, slug)).content.decode() for slug in pillars_of(assessment))
