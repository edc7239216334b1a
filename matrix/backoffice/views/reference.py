"""Reference data (Administrators): sectors and their classes, plan rates, banks, branches. Thin: a ModelForm
parses, matrix.reports.refdata saves with an audit row (before/after)."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matrix.backoffice.models import Role
from matrix.backoffice.permissions import staff_required
from matrix.reference.models import Bank, Branch, Plan, Sector, SectorClass
from matrix.reports.forms import DateInput
from matrix.reports.refdata import plan_rate_schedule, reference_save


class SectorForm(forms.ModelForm):
    class Meta:
        model = Sector
        fields = ["name_en", "name_ms", "effective_from", "required_document", "is_active"]
        labels = {"name_en": gettext_lazy("Name (English)"), "name_ms": gettext_lazy("Name (Malay)"),
                  "effective_from": gettext_lazy("Open from"), "required_document": gettext_lazy("Document needed"),
                  "is_active": gettext_lazy("Active")}
        widgets = {"effective_from": DateInput()}


class SectorClassForm(forms.ModelForm):
    class Meta:
        model = SectorClass
        fields = ["name_en", "name_ms", "is_active"]
        labels = {"name_en": gettext_lazy("Name (English)"), "name_ms": gettext_lazy("Name (Malay)"),
                  "is_active": gettext_lazy("Active")}


_DATED_LABELS = {"name": gettext_lazy("Name"), "name_ms": gettext_lazy("Name (Malay)"),
                 "effective_from": gettext_lazy("In force from"), "effective_to": gettext_lazy("In force until"),
                 "is_active": gettext_lazy("Active")}
_DATED_WIDGETS = {"effective_from": DateInput(), "effective_to": DateInput()}


class BankForm(forms.ModelForm):
    class Meta:
        model = Bank
        fields = ["name", "name_ms", "effective_from", "effective_to", "is_active"]
        labels = _DATED_LABELS
        widgets = _DATED_WIDGETS


class BankNewForm(forms.ModelForm):
    class Meta:
        model = Bank
        fields = ["code", "name", "name_ms", "effective_from", "effective_to", "is_active"]
        labels = {**_DATED_LABELS, "code": gettext_lazy("FPX bank code")}
        widgets = _DATED_WIDGETS


class BranchForm(forms.ModelForm):
    class Meta:
        model = Branch
        fields = ["name", "name_ms", "state", "effective_from", "effective_to", "is_active"]
        labels = {**_DATED_LABELS, "state": gettext_lazy("State")}
        widgets = _DATED_WIDGETS


class PlanRateForm(forms.Form):
    number = forms.TypedChoiceField(label=gettext_lazy("Plan"), coerce=int, choices=())
    monthly_contribution = forms.DecimalField(label=gettext_lazy("Monthly contribution (RM)"), max_digits=9,
                                              decimal_places=2, min_value=Decimal("0.01"))
    insured_monthly_earnings = forms.DecimalField(label=gettext_lazy("Insured monthly earnings (RM)"),
                                                  max_digits=9, decimal_places=2, min_value=Decimal("1"))
    effective_from = forms.DateField(label=gettext_lazy("In force from"), widget=DateInput(),
                                     help_text=gettext_lazy("A future date. The rate in force then ends the day "
                                                            "before; past contributions keep their rate."))

    def __init__(self, *args, numbers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].choices = [(n, _("Plan %(number)s") % {"number": n}) for n in numbers]


def _plan_numbers():
    return sorted(set(Plan.objects.values_list("number", flat=True)))


@staff_required(Role.ADMINISTRATOR)
def reference_home(request: HttpRequest) -> HttpResponse:
    sectors = Sector.objects.prefetch_related(Prefetch("classes", SectorClass.objects.order_by("name_en")))
    return render(request, "backoffice/reference/home.html", {
        "sectors": sectors, "plans": Plan.objects.all(), "banks": Bank.objects.all(),
        "branches": Branch.objects.select_related("state"), "plan_form": PlanRateForm(numbers=_plan_numbers())})


@staff_required(Role.ADMINISTRATOR)
def plan_rate_new(request: HttpRequest) -> HttpResponse:
    form = PlanRateForm(request.POST or None, numbers=_plan_numbers())
    if request.method == "POST" and form.is_valid():
        try:
            plan_rate_schedule(request=request, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error("effective_from", exc)
        else:
            messages.success(request, _("The new rate was saved."))
            return redirect("backoffice:reference_home")
    return render(request, "backoffice/reference/plan_rate.html", {"form": form},
                  status=400 if form.errors else 200)


def _edit(request: HttpRequest, *, form_class, instance, title: str, extra_save: dict | None = None):
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        target = form.instance if instance.pk is None else type(instance).objects.get(pk=instance.pk)
        try:
            reference_save(request=request, actor=request.user, instance=target,
                           values={**(extra_save or {}), **form.cleaned_data})
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("backoffice:reference_home")
    return render(request, "backoffice/reference/edit.html", {"form": form, "title": title},
                  status=400 if form.errors else 200)


@staff_required(Role.ADMINISTRATOR)
def sector_edit(request: HttpRequest, pk: int) -> HttpResponse:
    sector = get_object_or_404(Sector, pk=pk)
    return _edit(request, form_class=SectorForm, instance=sector, title=sector.name_en)


@staff_required(Role.ADMINISTRATOR)
def sector_class_new(request: HttpRequest, pk: int) -> HttpResponse:
    sector = get_object_or_404(Sector, pk=pk)
    return _edit(request, form_class=SectorClassForm, instance=SectorClass(sector=sector),
                 title=_("New class of %(sector)s") % {"sector": sector.name_en}, extra_save={"sector": sector})


@staff_required(Role.ADMINISTRATOR)
def sector_class_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(SectorClass.objects.select_related("sector"), pk=pk)
    return _edit(request, form_class=SectorClassForm, instance=item, title=f"{item.sector.name_en} · {item.name_en}")


@staff_required(Role.ADMINISTRATOR)
def bank_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bank = get_object_or_404(Bank, pk=pk)
    return _edit(request, form_class=BankForm, instance=bank, title=f"{bank.code} {bank.name}")


@staff_required(Role.ADMINISTRATOR)
def bank_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, form_class=BankNewForm, instance=Bank(), title=_("New bank"))


@staff_required(Role.ADMINISTRATOR)
def branch_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, form_class=BranchForm, instance=Branch(), title=_("New branch"))


@staff_required(Role.ADMINISTRATOR)
def branch_edit(request: HttpRequest, pk: int) -> HttpResponse:
    branch = get_object_or_404(Branch, pk=pk)
    return _edit(request, form_class=BranchForm, instance=branch, title=branch.name)
