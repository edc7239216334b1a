"""The staff menu, one line per page: (URL name in the 'backoffice' namespace, label, role needed).
Add your page here; the menu shows it to the roles allowed to open it."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from matrix.backoffice.models import Role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    role: str = Role.OFFICER


NAV_ITEMS: list[NavItem] = [
    NavItem("home", _("Staff home")),
    NavItem("person_search", _("Search contributors")),
    NavItem("review_queue", _("Review queue")),
    NavItem("counter_search", _("Counter payments")),
    NavItem("attention_list", _("Payments that need a person"), Role.SUPERVISOR),
    NavItem("refund_list", _("Refunds"), Role.SUPERVISOR),
    NavItem("staff_list", _("Staff accounts"), Role.ADMINISTRATOR),
    NavItem("audit_log", _("Audit log"), Role.ADMINISTRATOR),
    NavItem("reconciliation_list", _("Reconciliation"), Role.SUPERVISOR),
    NavItem("reports", _("Reports"), Role.SUPERVISOR),
    NavItem("reference_home", _("Reference data"), Role.ADMINISTRATOR),
    NavItem("content_list", _("Content pages"), Role.ADMINISTRATOR),
]


def nav_items_for(member) -> list[NavItem]:
    if member is None:
        return []
    return [item for item in NAV_ITEMS if member.has_role(item.role)]
