"""{% cached_part "name" %}...{% endcached_part %}: a part of a page that
portfolios/page_cache.render_page found in the cache (page_parts), or else
the block rendered and stored under the page's key (page_key). The view
looks the parts up first, so that on a hit it skips the queries they need.

{% content_cached key %}...{% endcontent_cached %}: a fragment cached under
a key made of what it shows (page_cache.content_key), or rendered as it is
when the key is empty (a form with errors) or the cache is off.

{% late "name" value %}: a value filled in each time the page is sent, not
kept with the cached part (render_page(late=...)): a form's version number,
which moves with changes the rest of the page does not show. Rendered
outside render_page, it is the value itself."""

from django import template
from django.conf import settings
from django.core.cache import caches
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from portfolios import page_cache

register = template.Library()


class CachedPartNode(template.Node):
    def __init__(self, nodelist, part):
        self.nodelist, self.part = nodelist, part

    def render(self, context):
        found = context.get("page_parts")
        if found is not None and self.part in found:
            html = found[self.part]
        else:
            html = self.nodelist.render(context)
            page_cache.store(context.get("page_key"), self.part, html)
        for name, value in (context.get("late_values") or {}).items():
            html = html.replace(late_marker(name), str(conditional_escape(value)))
        return mark_safe(html)


def late_marker(name: str) -> str:
    # A comment: escaped text on the page can never contain "<!--".
    return f"<!--late:{name}-->"


@register.simple_tag(takes_context=True)
def late(context, name, value):
    if name in (context.get("late_values") or {}):
        return mark_safe(late_marker(name))
    return value


@register.tag
def cached_part(parser, token):
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError("cached_part takes the part's name, in quotes")
    nodelist = parser.parse(("endcached_part",))
    parser.delete_first_token()
    return CachedPartNode(nodelist, bits[1][1:-1])


class ContentCachedNode(template.Node):
    def __init__(self, nodelist, key):
        self.nodelist, self.key = nodelist, key

    def render(self, context):
        key = self.key.resolve(context)
        if not key or settings.PAGE_CACHE_SECONDS <= 0:
            return self.nodelist.render(context)
        cache = caches[page_cache.CACHE_ALIAS]
        html = cache.get(f"fragment:{key}")
        if html is None:
            html = self.nodelist.render(context)
            cache.set(f"fragment:{key}", html, settings.PAGE_FRAGMENT_SECONDS)
        return mark_safe(html)


@register.tag
def content_cached(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("content_cached takes the fragment's key")
    nodelist = parser.parse(("endcontent_cached",))
    parser.delete_first_token()
    return ContentCachedNode(nodelist, parser.compile_filter(bits[1]))
