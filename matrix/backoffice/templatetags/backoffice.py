"""Template helpers for the back office: `{% if request.staff|has_role:"SUPERVISOR" %}`, `{% staff_nav %}`."""

from django import template

from matrix.backoffice.nav import nav_items_for

register = template.Library()


@register.filter
def has_role(member, role: str) -> bool:
    return bool(member) and member.has_role(role)


@register.simple_tag
def staff_nav_items(member):
    return nav_items_for(member)
