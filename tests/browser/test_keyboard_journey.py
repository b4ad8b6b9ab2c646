"""A practitioner who uses only a keyboard completes one pillar of his
assessment: he tabs from his portfolio to the pillar page, chooses ratings
with the arrow keys, types his reflections and saves with Enter. Every
element he tabs to must show where the focus is. A reflection that is too
long is refused, and the error summary takes the focus so that he hears
about it first; he follows its link back to the box, shortens it and saves.
An appraiser, also by keyboard alone, rates a pillar of a review, goes to
its task list, checks the review and signs off with the declaration.

After signing in, nothing here clicks, checks or fills: every step is a key
press."""

import pytest

from accounts.models import Role
from portfolios.models import REFLECTION_MAX_LENGTH
from tests.browser.support import Journey, sign_in
from tests.factories import TEST_PASSWORD, AssessmentFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Capability number -> (rating, reflection) on the first pillar, Expert practice
ANSWERS = {
    1: (3, "I run the nurse-led clinic and teach the team how to assess complex wounds."),
    2: (2, "I have started a peer review of pressure ulcer care with two other wards."),
    3: (4, "I co-designed the discharge pathway with service users and their carers."),
}

# What the focused element looks like, and what it looks like once blurred,
# for the places a focus indicator can be drawn: the element itself and its
# ::before and ::after; for a radio or checkbox, whose input the design
# system hides, its label and the label's ::before and ::after; and the
# element's children (a summary's text, a button's inner text). The focus is
# visible when one of them, with the focus, has a visible outline (not
# transparent), a box shadow or the NHS yellow focus background, and looks
# different without the focus.
FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {visible: false, what: 'nothing focused'};
  const YELLOW = 'rgb(255, 235, 59)';
  const transparent = (colour) => colour === 'transparent' || /rgba\\(.*,\\s*0\\)$/.test(colour);
  const places = [[el, null], [el, '::before'], [el, '::after']];
  if ((el.type === 'radio' || el.type === 'checkbox') && el.labels) {
    for (const label of el.labels) places.push([label, null], [label, '::before'], [label, '::after']);
  }
  for (const child of el.children) places.push([child, null]);
  const look = () => places.map(([node, pseudo]) => {
    const s = getComputedStyle(node, pseudo);
    return {
      outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && !transparent(s.outlineColor),
      shadow: s.boxShadow !== 'none',
      yellow: s.backgroundColor === YELLOW,
      key: [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor, s.borderColor, s.borderWidth].join('|'),
    };
  });
  const focused = look();
  el.blur();
  const blurred = look();
  el.focus({preventScroll: true});
  const visible = focused.some((f, i) => (f.outline || f.shadow || f.yellow) && f.key !== blurred[i].key);
  const text = (el.getAttribute('aria-label') || el.innerText || el.value || '').replace(/\\s+/g, ' ').trim().slice(0, 60);
  return {
    visible,
    refocused: document.activeElement === el,
    what: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.name ? '[name=' + el.name + ']' : ''} "${text}"`,
  };
}"""

ACTIVE = """() => {
  const el = document.activeElement;
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '', type: el.type || '',
    value: el.value ?? '', checked: !!el.checked,
    text: (el.innerText || '').replace(/\\s+/g, ' ').trim(),
    inErrorSummary: !!el.closest('.nhsuk-error-summary'),
  };
}"""


class Keyboard:
    """Key presses that check, at every focus stop, that the focus shows."""

    def __init__(self, page):
        self.page = page
        self.stops: list[str] = []

    def active(self) -> dict:
        return self.page.evaluate(ACTIVE)

    def assert_focus_visible(self) -> None:
        style = self.page.evaluate(FOCUS_STYLE)
        assert style.get("refocused", False), f"focus could not be put back on {style['what']}"
        assert style["visible"], f"focus is not visible on {style['what']} ({self.page.url})"
        self.stops.append(style["what"])

    def press(self, key: str) -> dict:
        self.page.keyboard.press(key)
        self.assert_focus_visible()
        return self.active()

    def tab_until(self, wanted, limit: int = 150) -> dict:
        """Tab forward, checking every stop, until wanted(active) is true."""
        for _ in range(limit):
            active = self.press("Tab")
            if wanted(active):
                return active
        raise AssertionError(f"never reached the element wanted after {limit} tabs; last stops: {self.stops[-5:]}")

    def choose_radio(self, value: str) -> None:
        """With a radio of a group focused, move through the group with the
        down arrow (which wraps round) until the one wanted is chosen."""
        for _ in range(10):
            active = self.active()
            if active["value"] == value and active["checked"]:
                return
            self.press("ArrowDown")
        raise AssertionError(f"could not choose {value!r} with the arrow keys")


def is_link(text: str):
    return lambda active: active["tag"] == "a" and active["text"] == text


def is_button(text: str):
    return lambda active: active["tag"] == "button" and active["text"] == text


def test_a_keyboard_user_completes_a_pillar_page(live_server, browser, framework):
    # Given a practitioner with a new assessment
    practitioner = MembershipFactory(role=Role.PRACTITIONER, user__full_name="Samir Haddad").user
    assessment = AssessmentFactory(practitioner=practitioner, title="Self-assessment 2026 to 2027")
    pillar = assessment.framework.pillars.order_by("order").first()
    journey = Journey("keyboard")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    keys = Keyboard(page)

    # When he signs in and tabs from his portfolio to the assessment, and
    # from its summary to the first pillar
    sign_in(page, live_server, practitioner, TEST_PASSWORD)
    journey.check(page, "portfolio")
    keys.tab_until(is_link("Self-assessment 2026 to 2027"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/assessments/{assessment.pk}/")
    journey.check(page, "assessment summary")
    keys.tab_until(is_link(pillar.name))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/pillars/{pillar.slug}/")
    assert page.locator("h1").inner_text() == pillar.name
    journey.check(page, "pillar page")

    # And on the pillar page he chooses each rating with the arrow keys and
    # types a reflection, making capability 2 a development priority with
    # the space bar; his first reflection is one character too long
    for number, (rating, reflection) in ANSWERS.items():
        keys.tab_until(lambda active: active["name"] == f"c{number}-rating")
        keys.choose_radio(str(rating))
        keys.tab_until(lambda active: active["id"] == f"id_c{number}-reflection")
        if number == 1:
            page.keyboard.insert_text("A" * (REFLECTION_MAX_LENGTH + 1))
        else:
            page.keyboard.type(reflection)
        if number == 2:
            keys.tab_until(lambda active: active["name"] == "c2-development_priority")
            assert keys.press("Space")["checked"]
    journey.check(page, "pillar page completed")
    keys.tab_until(is_button("Save and continue"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Then the reflection is refused, and the error summary has the focus
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible()
    assert f"Reflection for capability 1 must be {REFLECTION_MAX_LENGTH:,} characters or fewer" in summary.inner_text()
    assert keys.active()["inErrorSummary"], f"focus is on {keys.active()} rather than the error summary"
    journey.check(page, "reflection too long")
    assert keys.active()["inErrorSummary"]
    # What he chose is still chosen
    for number, (rating, _reflection) in ANSWERS.items():
        assert page.locator(f"input[name=c{number}-rating][value='{rating}']").is_checked()

    # When he follows the error's link, the focus moves to the reflection
    error_link = keys.press("Tab")
    assert error_link["tag"] == "a" and error_link["inErrorSummary"]
    page.keyboard.press("Enter")
    assert keys.active()["id"] == "id_c1-reflection"
    keys.assert_focus_visible()

    # And he replaces it with a shorter one and saves the page as a draft
    page.keyboard.press("Control+A")
    page.keyboard.type(ANSWERS[1][1])
    keys.tab_until(is_button("Save as draft"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Then the pillar is saved, as he chose it
    assert f"{pillar.name} saved" in page.locator("main").inner_text()
    assert page.locator(".nhsuk-error-summary").count() == 0
    journey.check(page, "pillar saved")
    ratings = {
        r.capability.number: r
        for r in assessment.ratings.filter(capability__pillar=pillar).select_related("capability", "level")
    }
    assert {number: r.level.value for number, r in ratings.items()} == {n: a[0] for n, a in ANSWERS.items()}
    assert {number: r.reflection for number, r in ratings.items()} == {n: a[1] for n, a in ANSWERS.items()}
    assert {number for number, r in ratings.items() if r.development_priority} == {2}
    assert not assessment.ratings.exclude(capability__pillar=pillar).filter(level__isnull=False).exists()
    # Every stop he tabbed through showed where the focus was
    assert len(keys.stops) > 20
    context.close()


def test_a_keyboard_user_reviews_a_pillar_checks_the_review_and_signs_off(live_server, browser, framework):
    # Given an assessment in review, which its appraiser has rated except
    # for capability 1, with his overall summary written
    from portfolios.models import AppraiserRating, AssessmentStatus
    from tests.factories import AssignmentFactory

    membership = MembershipFactory(role=Role.PRACTITIONER, user__full_name="Priya Shah")
    appraiser = MembershipFactory(role=Role.APPRAISER, organisation=membership.organisation,
                                  user__full_name="Daniel Okafor").user
    AssignmentFactory(organisation=membership.organisation, practitioner=membership.user, appraiser=appraiser)
    assessment = AssessmentFactory(practitioner=membership.user, title="Self-assessment 2026 to 2027",
                                   status=AssessmentStatus.IN_REVIEW)
    assessment.__class__.objects.filter(pk=assessment.pk).update(appraiser_summary="A strong year.")
    level = assessment.rating_scale.levels.get(value=3)
    assessment.ratings.update(level=level)
    AppraiserRating.objects.bulk_create(
        AppraiserRating(assessment=assessment, capability_id=rating.capability_id, appraiser=appraiser, level=level)
        for rating in assessment.ratings.exclude(capability__number=1)
    )
    pillar = assessment.framework.pillars.order_by("order").first()
    journey = Journey("keyboard-review")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    keys = Keyboard(page)
    sign_in(page, live_server, appraiser, TEST_PASSWORD)
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/review/")

    # When he tabs from the task list to the first pillar, rates capability
    # 1 with the arrow keys, comments and saves with Enter
    keys.tab_until(is_link(pillar.name))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == pillar.name
    keys.tab_until(lambda active: active["name"] == "a1-rating")
    keys.choose_radio("4")
    keys.tab_until(lambda active: active["id"] == "id_a1-comment")
    page.keyboard.type("Leads the clinic's practice well beyond this level.")
    journey.check(page, "pillar rated by keyboard")
    keys.tab_until(is_button("Save and go to review tasks"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Then the task list says he saved it, and offers to check and sign off
    assert f"{pillar.name} saved" in page.locator(".nhsuk-notification-banner").inner_text()
    rating = AppraiserRating.objects.get(assessment=assessment, capability__number=1)
    assert (rating.level.value, rating.comment) == (4, "Leads the clinic's practice well beyond this level.")
    keys.tab_until(is_link("Check and sign off"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Check your review before signing off"

    # And he signs off from the check-your-answers page, declaration and all
    assert keys.tab_until(lambda active: active["name"] == "declaration")["type"] == "checkbox"
    assert keys.press("Space")["checked"]
    keys.tab_until(is_button("Sign off"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".nhsuk-panel h1").inner_text() == "Review signed off"
    journey.check(page, "signed off by keyboard")
    assert assessment.__class__.objects.get(pk=assessment.pk).status == AssessmentStatus.AWAITING_SIGN_OFF
    context.close()
