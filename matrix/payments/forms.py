"""The two forms of the person's FPX flow: PAY NOW (terms, payment method) and PAY WITH FPX (bank)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from matrix.payments.fpx.messages import BankOption

METHOD_B2C = "B2C"


class PayNowForm(forms.Form):
    acknowledge = forms.BooleanField(
        label=_("I acknowledge that I have read and agree to the above Terms and Conditions"),
        error_messages={"required": _("Tick the box to agree to the Terms and Conditions.")},
    )
    method = forms.ChoiceField(
        label=_("Payment method"),
        choices=[(METHOD_B2C, _("Internet Banking"))],
        initial=METHOD_B2C,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a payment method.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if self.is_bound and self.errors.get(name):
                field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"id_{name}-error"})


class BankSelect(forms.Select):
    """A <select> whose offline banks are shown, marked "(Offline)", and cannot be chosen."""

    def __init__(self, *args, offline: frozenset[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.offline = offline

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value in self.offline:
            option["attrs"]["disabled"] = True
        return option


class BankForm(forms.Form):
    bank = forms.ChoiceField(
        label=_("Select Bank"),
        error_messages={"required": _("Select a bank."), "invalid_choice": _("Select a bank that is online.")},
    )

    def __init__(self, *args, banks: list[BankOption], **kwargs):
        super().__init__(*args, **kwargs)
        offline = frozenset(bank.code for bank in banks if not bank.available)
        field = self.fields["bank"]
        field.choices = [("", _("Please Select"))] + [
            (bank.code, bank.name if bank.available else _("%(bank)s (Offline)") % {"bank": bank.name})
            for bank in banks
        ]
        field.widget = BankSelect(offline=offline, attrs={"class": "input"})
        field.widget.choices = field.choices
        self._available = {bank.code for bank in banks if bank.available}
        if self.is_bound and self.errors.get("bank"):
            field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": "id_bank-error"})

    def clean_bank(self):
        code = self.cleaned_data["bank"]
        if code not in self._available:
            raise forms.ValidationError(_("Select a bank that is online."))
        return code
