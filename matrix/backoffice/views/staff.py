"""Staff accounts (Administrators): list, create with a role, deactivate."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from matrix.backoffice import forms, selectors, services
from matrix.backoffice.models import Role, StaffMember
from matrix.backoffice.permissions import staff_required


@staff_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def staff_list(request: HttpRequest) -> HttpResponse:
    form = forms.StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.staff_create(
                username=form.cleaned_data["username"], full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"], role=form.cleaned_data["role"],
                password=form.cleaned_data["password"], created_by=request.user, request=request,
            )
        except services.StaffError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            messages.success(request, _("Staff account %(username)s created.") % {"username": member.username})
            return redirect("backoffice:staff_list")
    return render(request, "backoffice/staff_list.html", {"form": form, "members": selectors.staff_list()})


@staff_required(Role.ADMINISTRATOR)
@require_POST
def staff_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(StaffMember, pk=pk)
    try:
        services.staff_deactivate(member=member, by=request.user, request=request)
    except services.StaffError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Staff account %(username)s deactivated.") % {"username": member.username})
    return redirect("backoffice:staff_list")
