"""The review queue of new registrations: an Officer marks one Verified; a Supervisor rejects one with a reason
(services.review). Thin: parse, call the service, redirect back to the queue."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matrix.backoffice import selectors_casework as selectors
from matrix.backoffice.forms_casework import RejectForm, ReviewFilterForm
from matrix.backoffice.models import Role
from matrix.backoffice.permissions import staff_required
from matrix.backoffice.services.review import ReviewRefused, registration_reject, registration_verify


@staff_required(Role.OFFICER)
def review_queue(request: HttpRequest) -> HttpResponse:
    form = ReviewFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.review_queue(
        sector_id=getattr(filters.get("sector"), "pk", None), state_id=getattr(filters.get("state"), "pk", None),
        submitted_from=filters.get("submitted_from"), submitted_to=filters.get("submitted_to"),
    )
    return render(request, "backoffice/review/queue.html", {"form": form, "rows": rows})


def _detail(request: HttpRequest, pk: int, *, reject_form: RejectForm | None = None, status: int = 200):
    registration = selectors.review_registration(registration_id=pk)
    if registration is None:
        raise Http404
    return render(request, "backoffice/review/detail.html", {
        "registration": registration, "reject_form": reject_form or RejectForm(),
        "can_reject": request.staff.has_role(Role.SUPERVISOR),
    }, status=status)


@staff_required(Role.OFFICER)
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@staff_required(Role.OFFICER)
@require_POST
def review_verify(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        registration_verify(registration_id=pk, staff_user=request.user, request=request)
    except ReviewRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The registration is marked Verified."))
    return redirect("backoffice:review_queue")


@staff_required(Role.SUPERVISOR)
@require_POST
def review_reject(request: HttpRequest, pk: int) -> HttpResponse:
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _detail(request, pk, reject_form=form, status=400)
    try:
        registration_reject(registration_id=pk, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"],
                            staff_user=request.user, request=request)
    except ReviewRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The registration is rejected; the person has been told by SMS and email."))
    return redirect("backoffice:review_queue")
