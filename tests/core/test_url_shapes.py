import re
import uuid

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, get_resolver, reverse, set_script_prefix

from core import url_shapes

VALUES = {"uuid": uuid.UUID("3f2b8c1e-5d4a-4e6f-9a7b-0c1d2e3f4a5b"), "int": 42, "slug": "strategic-leadership",
          "str": "abc_1", "path": "a-b"}


def named_routes():
    """Every named path() route of the site, with a value for each of its
    arguments, found by walking the URL resolver."""
    routes = []

    def walk(resolver, prefix, namespace):
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern, route, ns)
            elif pattern.name and "(?P" not in route and "^" not in route:
                routes.append((namespace + pattern.name, {
                    name: VALUES[converter or "str"]
                    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", route)
                }))

    walk(get_resolver(), "", "")
    return routes


def test_every_named_route_reverses_as_django_does():
    routes = named_routes()
    assert len(routes) > 50
    for name, kwargs in routes:
        assert url_shapes.reverse(name, kwargs=kwargs) == reverse(name, kwargs=kwargs), name
        # Twice: the second answer comes from the kept shape.
        assert url_shapes.reverse(name, kwargs=kwargs) == reverse(name, kwargs=kwargs), name


def test_a_kept_shape_takes_each_links_own_values():
    first, second = uuid.uuid4(), uuid.uuid4()
    a = url_shapes.reverse("portfolios:assessment_pillar", kwargs={"pk": first, "pillar_slug": "expert-practice"})
    b = url_shapes.reverse("portfolios:assessment_pillar", kwargs={"pk": second, "pillar_slug": "research"})
    assert a == f"/assessments/{first}/pillars/expert-practice/"
    assert b == f"/assessments/{second}/pillars/research/"


@pytest.mark.parametrize("value", ["two words", "café", "a/b", "", "-1"])
def test_values_that_quoting_or_the_converter_would_change_go_to_django(value):
    kwargs = {"pk": uuid.uuid4(), "pillar_slug": value}
    try:
        expected = reverse("portfolios:assessment_pillar", kwargs=kwargs)
    except NoReverseMatch:
        with pytest.raises(NoReverseMatch):
            url_shapes.reverse("portfolios:assessment_pillar", kwargs=kwargs)
    else:
        assert url_shapes.reverse("portfolios:assessment_pillar", kwargs=kwargs) == expected


def test_a_value_the_converter_refuses_is_refused():
    # A whole number where a UUID belongs: no shape, and reverse() refuses it.
    with pytest.raises(NoReverseMatch):
        url_shapes.reverse("portfolios:assessment_summary", kwargs={"pk": 7})
    with pytest.raises(NoReverseMatch):
        url_shapes.reverse("no-such-view")


def test_the_script_prefix_is_part_of_the_shape():
    pk = uuid.uuid4()
    try:
        set_script_prefix("/cpd/")
        assert url_shapes.reverse("portfolios:assessment_summary", kwargs={"pk": pk}) == f"/cpd/assessments/{pk}/"
    finally:
        set_script_prefix("/")
    assert url_shapes.reverse("portfolios:assessment_summary", kwargs={"pk": pk}) == f"/assessments/{pk}/"


def test_the_url_tag_in_templates_is_the_shaped_one_with_the_same_behaviour():
    pk = uuid.uuid4()
    template = Template(
        "{% url 'portfolios:assessment_summary' pk=pk %}|{% url 'no-such-view' as missing %}[{{ missing }}]"
        "|{% url 'portfolios:assessment_summary' pk=pk as here %}{{ here }}"
    )
    assert template.nodelist[0].__class__.__name__ == "ShapedURLNode"
    assert template.render(Context({"pk": pk})) == f"/assessments/{pk}/|[]|/assessments/{pk}/"
    with pytest.raises(NoReverseMatch):
        Template("{% url 'no-such-view' %}").render(Context({}))
