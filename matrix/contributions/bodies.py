"""A signed-in person's pages, kept rendered whole per person (issue 13).

A page is kept under a key of everything it shows: the person's id, the language, a digest of its templates, the
filters and the compiled translations, and its content, either as the database answered it (rows_key: the raw
rows and what the moment makes of them, such as a status that time changes) or turned to text (body_key: every
value a body is rendered from, for pages whose content is built from models). A change of any row, status, label,
template or translation is a new key, so a kept page can never be stale, and the person's id keeps one person's
page from ever being served to another.

page_render keeps the whole page, layout and all, rendered with the request: its key adds everything of the
request the layout reads (the path, the Outbox link); the CSRF token is kept as a placeholder that each answer
fills with a token of this visitor's own secret. A page's own content is its body, rendered without the request
(body_rendered), so that it can hold nothing but its context. A request with flash messages waiting is rendered
as usual (the messages are the request's own, and showing them uses them up); when the cache is down every page
is rendered as usual."""

import dataclasses
import functools
import hashlib
import importlib
import inspect
import json
import logging
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models import Model
from django.http import HttpResponse
from django.template.loader import get_template, render_to_string
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from matrix.core.localonly import request_is_local_or_staff
from matrix.core.pagecache import csrf_token_new

logger = logging.getLogger(__name__)

PAGE_SECONDS = 600
_TEMPLATE_DIGESTS: dict[tuple[str, ...], str] = {}


def _plain(value, seen: frozenset = frozenset()):
    """`value` as JSON-able text and containers, strings in the active language (no object addresses)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, Decimal | datetime | date | float | UUID):
        return f"{type(value).__name__}:{value}"
    if isinstance(value, dict):
        return {str(key): _plain(item, seen) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, seen) for item in value]
    if dataclasses.is_dataclass(value):
        return {field.name: _plain(getattr(value, field.name), seen) for field in dataclasses.fields(value)}
    if isinstance(value, SimpleNamespace):
        return _plain(vars(value), seen)
    if isinstance(value, Model):
        return _model(value, seen)
    raise TypeError(f"cannot key a page body on {type(value).__name__}")


def _model(instance: Model, seen: frozenset) -> dict:
    """A model instance by everything a template can read from it without a query: each of its columns and each
    related object loaded with it (select_related), so anything derived from them (a display name, a property) is
    covered. An instance with a column left unread (defer, only) is refused: reading it would be a query whose
    answer the key does not hold. An instance met again below itself (a one-to-one's back reference) is named,
    its columns being in the key already."""
    if id(instance) in seen:
        return {"again": instance._meta.label, "pk": _plain(instance.pk)}
    seen = seen | {id(instance)}
    fields = {}
    for field in instance._meta.concrete_fields:
        if field.attname not in instance.__dict__:
            raise TypeError(f"cannot key a page body on {instance._meta.label} with {field.attname} unread")
        fields[field.attname] = _plain(instance.__dict__[field.attname], seen)
    related = {name: _plain(other, seen) for name, other in sorted(instance._state.fields_cache.items())}
    return {"model": instance._meta.label, "fields": fields, "related": related}


# The code that turns a body's values into text at render time (the filters its templates use): a deploy that
# changes it is a new key too.
FILTER_MODULES = ("matrix.core.templatetags.core_tags", "matrix.core.money", "matrix.core.kltime")


def _source(module: str) -> str:
    try:
        return inspect.getsource(importlib.import_module(module))
    except (OSError, TypeError):  # no source shipped: the bytecode stands for it
        return importlib.import_module(module).__loader__.get_code(module).co_code.hex()


@functools.cache
def _translations() -> list[str]:
    """The compiled translations' digest: a deploy that changes a translation (and nothing else) is a new key."""
    parts = []
    for folder in [*settings.LOCALE_PATHS, *(Path(app.path) / "locale" for app in apps.get_app_configs())]:
        for mo in sorted(Path(folder).glob("*/LC_MESSAGES/*.mo")):
            parts.append(hashlib.sha256(mo.read_bytes()).hexdigest())
    return parts


def _templates_digest(templates: tuple[str, ...]) -> str:
    digest = _TEMPLATE_DIGESTS.get(templates)
    if digest is None:
        code = [_source(name) for name in FILTER_MODULES] + _translations()
        sources = "\0".join([*(get_template(name).template.source for name in templates), *code])
        digest = _TEMPLATE_DIGESTS[templates] = hashlib.sha256(sources.encode()).hexdigest()[:16]
    return digest


def body_key(*, user_id: int, templates: tuple[str, ...], context: dict) -> str:
    data = json.dumps(_plain(context), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(data.encode()).hexdigest()
    return f"page-body:{user_id}:{get_language() or ''}:{_templates_digest(templates)}:{digest}"


_RAW_TYPES = frozenset({type(None), bool, int, float, str, Decimal, datetime, date, UUID})


def _raw_checked(value) -> None:
    """Refuse anything but what a database cursor answers (and lists, tuples and a JSON column's dicts of it):
    their repr is their value, so two different contents never make one key."""
    if type(value) in _RAW_TYPES:
        return
    if type(value) is dict:  # a JSON column
        for name, item in value.items():
            if type(name) is not str:
                raise TypeError("cannot key a page on a dict with other keys than text")
            _raw_checked(item)
        return
    if type(value) not in (list, tuple):
        raise TypeError(f"cannot key a page on {type(value).__name__}")
    for item in value:
        if type(item) not in _RAW_TYPES:
            _raw_checked(item)


def rows_key(*, user_id: int, templates: tuple[str, ...], parts: tuple) -> str | None:
    """A page's key made of raw database rows and other plain values (`parts`), without turning each to text
    first as body_key does: the repr of what the cursor answered is hashed as it is. Everything the page shows
    must follow from `parts`, the language and the templates (e.g. a status that time changes is in `parts`).
    None (the page is not kept) when `parts` hold anything else."""
    try:
        _raw_checked(parts)
    except TypeError:
        logger.exception("Page not kept")
        return None
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"page-rows:{user_id}:{get_language() or ''}:{_templates_digest(templates)}:{digest}"


def body_rendered(template: str, context: dict) -> str:
    """A page's body: `template` rendered with `context` and no request (no context processors, no CSRF token),
    so that it holds nothing but that context."""
    return mark_safe(render_to_string(template, context))  # noqa: S308 - the template engine's output


# The CSRF token's place in a kept page: letters only, so escaping leaves it as it is and no token can contain it
# by chance (tokens are 64 letters and digits, with digits at random places).
TOKEN_PLACEHOLDER = "matrixkeptpagecsrftokenplaceholder"
LAYOUT_TEMPLATES = ("base.html", "layouts/portal.html", "includes/header.html", "includes/sidebar.html",
                    "includes/footer.html", "includes/messages.html", "includes/session_timeout.html",
                    "includes/language_switch.html")


def _messages_waiting(request) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0  # len() reads them without using them up


def page_render(request, *, template: str, key: str | None, context: Callable[[], dict],
                includes: tuple[str, ...] = (), still: Callable[[], bool] | None = None) -> HttpResponse:
    """`template` (a whole page, layout and all) for this request, from the cache when the same person's same
    content (`key`: a body_key, or another key made of everything the page shows) was rendered before. `context`
    makes the page's context, called only when it is rendered; `includes`: the page's own included templates.
    Without a key (its content could not be keyed) the page is rendered and not kept. `still`: when `context`
    reads the content again (not from what the key was made of), whether it is still what the key says: a page
    rendered from a newer content is not kept under the older key."""
    if key is None or _messages_waiting(request):
        return HttpResponse(render_to_string(template, context(), request=request))
    outbox_link = settings.OUTBOX_ENABLED and request_is_local_or_staff(request)  # as the footer decides it
    page_key = (f"page:{key}:{_templates_digest((template, *includes, *LAYOUT_TEMPLATES))}:{int(outbox_link)}:"
                f"{hashlib.sha256(request.get_full_path().encode()).hexdigest()[:24]}")
    try:
        html = cache.get(page_key)
    except Exception as exc:  # noqa: BLE001 - the shared cache (Redis) is down: render it
        logger.warning("Page cache unavailable: %s", exc)
        return HttpResponse(render_to_string(template, context(), request=request))
    if html is None:
        html = render_to_string(template, {**context(), "csrf_token": TOKEN_PLACEHOLDER}, request=request)
        if still is None or still():
            try:
                cache.set(page_key, html, PAGE_SECONDS)
            except Exception as exc:  # noqa: BLE001
                logger.warning("Page cache unavailable: %s", exc)
    return HttpResponse(html.replace(TOKEN_PLACEHOLDER, csrf_token_new(request)))


def page_with_body(request, *, template: str, body_template: str, includes: tuple[str, ...] = (), context: dict,
                   page_context: dict | None = None, page_includes: tuple[str, ...] = ()) -> HttpResponse:
    """A page whose content is one body: the whole page kept under the key of the body's content (body_key)."""
    try:
        key = body_key(user_id=request.user.pk, templates=(body_template, *includes), context=context)
    except TypeError:  # a value the key cannot hold: shown all the same, never kept
        logger.exception("Page %s not kept", template)
        key = None
    return page_render(request, template=template, key=key, includes=page_includes, context=lambda: {
        **(page_context or {}), "body": body_rendered(body_template, context),
    })
