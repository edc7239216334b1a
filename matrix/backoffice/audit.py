"""The audit trail: one call, `audit_record`, for every staff action and every refusal.

Rows are append-only in the database (UPDATE and DELETE refused by triggers, migration 0002), so an audit row is
written inside the action's transaction: the action and its audit row commit together or not at all."""

from django.db import models

from matrix.backoffice.models import AuditEvent
from matrix.core.client_ip import client_ip


def _actor_label(actor) -> str:
    if actor is None:
        return ""
    # RelatedObjectDoesNotExist is an AttributeError: getattr's default covers a user without a staff row.
    member = getattr(actor, "staff_member", None)
    if member is not None:
        return member.username
    return str(getattr(actor, "id_number", "") or actor.pk)


def _target(target) -> tuple[str, str]:
    """A model instance → ("app_label.model", pk); "type:id" → ("type", "id"); "type" → ("type", "")."""
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk)
    kind, _sep, ident = str(target).partition(":")
    return kind[:64], ident[:64]


def audit_record(*, request=None, actor=None, action: str, target=None, details: dict | None = None) -> AuditEvent:
    """Write one audit row. `actor` defaults to the request's signed-in user (none for anonymous)."""
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        if request.user.is_authenticated:
            actor = request.user
    target_type, target_id = _target(target)
    ip = client_ip(request) if request is not None else ""
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=_actor_label(actor)[:160],
        action=action[:64],
        target_type=target_type,
        target_id=target_id,
        ip_address=ip or None,
        path=(request.path[:300] if request is not None else ""),
        details=details or {},
    )
