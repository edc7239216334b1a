"""Back-office pages, one module per area. Each view is wrapped by permissions.staff_required(role), except the
sign-in pages in auth.py (marked `public = True` for the permission test)."""

from matrix.backoffice.views.attention import (  # noqa: F401
    attention_fail,
    attention_list,
    attention_refund_view,
    attention_requery,
    attention_settle,
)
from matrix.backoffice.views.audit import audit_export, audit_log  # noqa: F401
from matrix.backoffice.views.auth import signin, signin_enrol, signin_totp, signout  # noqa: F401
from matrix.backoffice.views.counter import counter_record, counter_search  # noqa: F401
from matrix.backoffice.views.home import home  # noqa: F401
from matrix.backoffice.views.people import person_detail, person_document, person_search  # noqa: F401
from matrix.backoffice.views.refunds import refund_approve_view, refund_list, refund_paid_view  # noqa: F401
from matrix.backoffice.views.review import review_detail, review_queue, review_reject, review_verify  # noqa: F401
from matrix.backoffice.views.staff import staff_deactivate, staff_list  # noqa: F401
