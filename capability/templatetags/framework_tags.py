from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.urls import reverse

register = template.Library()


@register.simple_tag
def framework_url(name: str, framework, **kwargs) -> str:
    """Reverse a framework page: the short URL for the current edition, the
    /editions/<slug>/ URL for any other."""
    if not framework.is_current:
        kwargs["framework_slug"] = framework.slug
    return reverse(name, kwargs=kwargs)


@register.simple_tag
def element_list(elements, show_expectation: bool = False) -> str:
    """The numbered elements of a capability, with their nested bullets and,
    with show_expectation, whether each is expected now or later. Python
    rather than a template: a pillar page lists some thirty elements and a
    hundred bullets, and as template loops they were a large part of it."""
    items = []
    for element in elements:
        tag = ""
        if show_expectation and getattr(element, "expected_now", False):
            tag = mark_safe(' <strong class="nhsuk-tag nhsuk-tag--blue">Expected now</strong>')
        elif show_expectation and getattr(element, "expected_later", False):
            tag = mark_safe(' <strong class="nhsuk-tag nhsuk-tag--grey">Future development</strong>')
        bullets = ""
        tree = element.bullet_tree()
        if tree:
            nodes = []
            for node in tree:
                children = ""
                if node["children"]:
                    children = format_html(
                        '<ul class="nhsuk-list nhsuk-list--bullet">{}</ul>',
                        format_html_join("", "<li>{}</li>", ((child.text,) for child in node["children"])),
                    )
                nodes.append(format_html("<li>{}{}</li>", node["bullet"].text, children))
            bullets = format_html('<ul class="nhsuk-list nhsuk-list--bullet">{}</ul>', mark_safe("".join(nodes)))
        items.append(format_html(
            '<li><p><span class="app-element-list__number">{}</span> {}{}</p>{}</li>',
            element.number, element.text, tag, bullets,
        ))
    return format_html('<ol class="nhsuk-list app-element-list">{}</ol>', mark_safe("\n".join(items)))
