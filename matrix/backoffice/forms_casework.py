"""Forms of the casework pages (parse and validate only; the services decide)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from matrix.accounts.forms import AriaFormMixin
from matrix.backoffice.models_review import RejectReason
from matrix.payments.models import Payment, Refund
from matrix.reference.models import Branch, Sector, State


class ReviewFilterForm(forms.Form):
    sector = forms.ModelChoiceField(label=_("Sector"), queryset=Sector.objects.all(), required=False,
                                    widget=forms.Select(attrs={"class": "input"}))
    state = forms.ModelChoiceField(label=_("State"), queryset=State.objects.all(), required=False,
                                   widget=forms.Select(attrs={"class": "input"}))
    submitted_from = forms.DateField(label=_("Submitted from"), required=False,
                                     widget=forms.DateInput(attrs={"class": "input", "type": "date"}))
    submitted_to = forms.DateField(label=_("Submitted to"), required=False,
                                   widget=forms.DateInput(attrs={"class": "input", "type": "date"}))


class RejectForm(AriaFormMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "---------"), *RejectReason.choices],
                               widget=forms.Select(attrs={"class": "input"}),
                               error_messages={"required": _("Choose a reason.")})
    note = forms.CharField(label=_("Details for the person"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"class": "input", "rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("reason") == RejectReason.OTHER and not (data.get("note") or "").strip():
            self.add_error("note", _("Explain the reason."))
        return data


class SettlePaidForm(AriaFormMixin, forms.Form):
    fpx_txn_id = forms.RegexField(label=_("FPX Transaction ID"), regex=r"^\d{16}$",
                                  widget=forms.TextInput(attrs={"class": "input", "inputmode": "numeric"}),
                                  error_messages={"required": _("Enter the FPX Transaction ID."),
                                                  "invalid": _("The FPX Transaction ID has 16 digits.")})
    approved_at = forms.DateTimeField(label=_("Approval time"),
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
                                      widget=forms.DateTimeInput(attrs={"class": "input", "type": "datetime-local",
                                                                        "step": "1"}),
                                      error_messages={"required": _("Enter FPX's approval time.")})


class RefundFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *Refund.State.choices], required=False,
                              widget=forms.Select(attrs={"class": "input"}))


class RefundPaidForm(AriaFormMixin, forms.Form):
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=60,
                                     widget=forms.TextInput(attrs={"class": "input"}),
                                     error_messages={"required": _("Enter the bank reference.")})
    paid_on = forms.DateField(label=_("Date paid"), widget=forms.DateInput(attrs={"class": "input", "type": "date"}),
                              error_messages={"required": _("Enter the date paid.")})


class CounterSearchForm(forms.Form):
    q = forms.CharField(label=_("IC Number or Self-Employed Code"), max_length=20, required=False,
                        widget=forms.TextInput(attrs={"class": "input"}))


class CounterPaymentForm(AriaFormMixin, forms.Form):
    amount = forms.DecimalField(label=_("Amount received (RM)"), max_digits=9, decimal_places=2, min_value=0,
                                widget=forms.TextInput(attrs={"class": "input", "inputmode": "decimal"}),
                                error_messages={"required": _("Enter the amount received.")})
    counter_method = forms.ChoiceField(label=_("Method"), choices=Payment.CounterMethod.choices,
                                       widget=forms.RadioSelect, error_messages={"required": _("Choose a method.")})
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.filter(is_active=True),
                                    widget=forms.Select(attrs={"class": "input"}),
                                    error_messages={"required": _("Choose the branch.")})
    reference = forms.CharField(label=_("Reference"), max_length=60,
                                help_text=_("The slip, card approval or cheque number."),
                                widget=forms.TextInput(attrs={"class": "input"}),
                                error_messages={"required": _("Enter the reference.")})
