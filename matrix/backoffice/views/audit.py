"""The audit log (Administrators): browse with filters, export as CSV. Exporting is itself audited."""

import json

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from matrix.backoffice import selectors
from matrix.backoffice.audit import audit_record
from matrix.backoffice.forms import AuditFilterForm
from matrix.backoffice.models import Role
from matrix.backoffice.permissions import staff_required
from matrix.core.csvsafe import SafeWriter
from matrix.core.kltime import kl


def _filtered(request: HttpRequest):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, filters, selectors.audit_events(**{k: v for k, v in filters.items() if v})


@staff_required(Role.ADMINISTRATOR)
def audit_log(request: HttpRequest) -> HttpResponse:
    form, filters, events = _filtered(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "backoffice/audit_log.html", {"form": form, "page": page, "query": query.urlencode()})


class _Echo:
    def write(self, value):
        return value


@staff_required(Role.ADMINISTRATOR)
def audit_export(request: HttpRequest) -> HttpResponse:
    _form, filters, events = _filtered(request)
    audit_record(request=request, action="audit.export", details={k: str(v) for k, v in filters.items() if v})
    writer = SafeWriter(_Echo())
    header = ["time", "actor", "action", "target_type", "target_id", "ip_address", "path", "details"]

    def rows():
        yield writer.writerow(header)
        for event in events.iterator(chunk_size=1000):
            yield writer.writerow([
                kl(event.created_at).isoformat(), event.actor_label, event.action, event.target_type,
                event.target_id, event.ip_address or "", event.path, json.dumps(event.details, ensure_ascii=False),
            ])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response
