"""The shared layout's static parts rendered once per process (issue 13): header, sidebars, footer and the session
timeout dialog are the same on every page but for the language, a few flags and two things of the request.

    {% load layout %}
    {% layoutcache "portal-header" user.is_authenticated %}{% include "includes/header.html" %}{% endlayoutcache %}

The first render of a fragment (per name, language, URL prefix and the values given after the name, which must
name everything else the fragment reads) is kept with placeholders for the request's own parts: the CSRF token of
its forms ({% csrf_token %}) and the page's own address (`layout_next`, the language switch's `next`). Every later
render is the kept text with this request's token and escaped address put in: the same HTML, without the ~15
{% url %}, ~40 {% translate %} and the includes of the layout. A context without a request or a CSRF token (an
error page rendered without the request) renders the fragment as plain template code.

LAYOUT_FRAGMENT_CACHE = False renders every fragment as plain template code (the test settings: tests that compare
the templates a page used see every include; tests of this module turn it on). Kept fragments are dropped when a
setting changes (tests); translations, URLs and static files' names only change
with a new process."""

import secrets
import threading

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

MAX_FRAGMENTS = 256
_PROCESS_MARK = secrets.token_hex(8)
TOKEN_PLACEHOLDER = f"matrixcsrf{_PROCESS_MARK}"  # letters and digits only: escaping leaves it as it is
PATH_PLACEHOLDER = f"matrixpath{_PROCESS_MARK}"

_lock = threading.Lock()
_fragments: dict[tuple, str] = {}


def layout_cache_clear(**kwargs) -> None:
    with _lock:
        _fragments.clear()


setting_changed.connect(layout_cache_clear, dispatch_uid="matrix.core.layout.settings")


class LayoutCacheNode(template.Node):
    def __init__(self, nodelist, name: str, vary):
        self.nodelist, self.name, self.vary = nodelist, name, vary

    def render(self, context):
        request = context.get("request")
        lazy_token = context.get("csrf_token")
        if not settings.LAYOUT_FRAGMENT_CACHE or lazy_token is None or not hasattr(request, "get_full_path"):
            return self.nodelist.render(context)
        key = (self.name, get_language(), get_script_prefix(), *(value.resolve(context) for value in self.vary))
        try:
            html = _fragments.get(key)
        except TypeError:  # a value that cannot be a key: no caching for it
            return self.nodelist.render(context)
        if html is None:
            with context.push(csrf_token=TOKEN_PLACEHOLDER, layout_next=PATH_PLACEHOLDER):
                html = str(self.nodelist.render(context))
            with _lock:
                if len(_fragments) >= MAX_FRAGMENTS:
                    _fragments.clear()
                _fragments[key] = html
        if TOKEN_PLACEHOLDER in html:  # the token (and so the CSRF cookie) only where the fragment has a form
            token = str(lazy_token)
            if token == "NOTPROVIDED" or not token.isalnum():
                return self.nodelist.render(context)
            html = html.replace(TOKEN_PLACEHOLDER, token)
        if PATH_PLACEHOLDER in html:
            html = html.replace(PATH_PLACEHOLDER, escape(request.get_full_path()))
        return mark_safe(html)  # noqa: S308 - rendered template output; the address put in is escaped, the token alphanumeric


@register.tag("layoutcache")
def do_layoutcache(parser, token):
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError("{% layoutcache \"name\" value ... %} needs a quoted name")
    nodelist = parser.parse(("endlayoutcache",))
    parser.delete_first_token()
    return LayoutCacheNode(nodelist, bits[1][1:-1], [parser.compile_filter(bit) for bit in bits[2:]])
