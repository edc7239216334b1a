"""The body of a signed-in person's page, kept rendered per person (issue 13).

The key is the content itself: the person's id, the language, a digest of the body's templates, and a digest
of every value the body is rendered from (its whole context, turned to text in the active language). A change of
any row, status, label or template is a new key, so a kept body can never be stale; a body is rendered without
the request (no context processors, no CSRF token), so it can hold nothing but that context; and the person's id
in the key keeps one person's body from ever being served to another. When the cache is down the body is
rendered as usual."""

import dataclasses
import hashlib
import importlib
import inspect
import json
import logging
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from uuid import UUID

from django.core.cache import cache
from django.db.models import Model
from django.template.loader import get_template, render_to_string
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

BODY_SECONDS = 600
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


def _templates_digest(templates: tuple[str, ...]) -> str:
    digest = _TEMPLATE_DIGESTS.get(templates)
    if digest is None:
        code = [_source(name) for name in FILTER_MODULES]
        sources = "\0".join([*(get_template(name).template.source for name in templates), *code])
        digest = _TEMPLATE_DIGESTS[templates] = hashlib.sha256(sources.encode()).hexdigest()[:16]
    return digest


def body_key(*, user_id: int, templates: tuple[str, ...], context: dict) -> str:
    data = json.dumps(_plain(context), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(data.encode()).hexdigest()
    return f"page-body:{user_id}:{get_language() or ''}:{_templates_digest(templates)}:{digest}"


def body_render(*, user, template: str, includes: tuple[str, ...] = (), context: dict) -> str:
    """`template` rendered with `context` (and no request), from the cache when the same person's same content
    was rendered before. `includes`: the templates it includes, part of the key."""
    try:
        key = body_key(user_id=user.pk, templates=(template, *includes), context=context)
    except TypeError:  # a value the key cannot hold: the page is shown all the same, never kept
        logger.exception("Page body %s not kept", template)
        return mark_safe(render_to_string(template, context))  # noqa: S308
    try:
        html = cache.get(key)
    except Exception as exc:  # noqa: BLE001 - the shared cache (Redis) is down: render it
        logger.warning("Page body cache unavailable: %s", exc)
        html = None
    if html is None:
        html = render_to_string(template, context)
        try:
            cache.set(key, html, BODY_SECONDS)
        except Exception as exc:  # noqa: BLE001
            logger.warning("Page body cache unavailable: %s", exc)
    return mark_safe(html)  # noqa: S308 - rendered by the template engine from escaped values
