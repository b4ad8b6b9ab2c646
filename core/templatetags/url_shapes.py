"""{% url %} through core.url_shapes.reverse: the same addresses, without
resolving the URL pattern again for every link on a page.

Loaded as a builtin after Django's own (config/settings.py TEMPLATES), so
it replaces the built-in {% url %} in every template, with the same syntax
and behaviour: the arguments, "as var", NoReverseMatch when not "as",
autoescaping and the current application's namespace."""

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape

from core import url_shapes

register = template.Library()


class ShapedURLNode(defaulttags.URLNode):
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = url_shapes.reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    return ShapedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
