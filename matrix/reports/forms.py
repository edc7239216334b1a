from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from matrix.core.kltime import kl_now
from matrix.reports.reconciliation import MAX_FILE_BYTES


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SettlementUploadForm(forms.Form):
    settlement_date = forms.DateField(label=_("Settlement date"), widget=DateInput())
    settlement_file = forms.FileField(
        label=_("Settlement file (CSV)"),
        help_text=_("FPX's daily settlement file. Columns: fpx_txn_id, seller_order_no, seller_ex_order_no, amount, "
                    "txn_time, bank_code, status."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_settlement_date(self):
        day = self.cleaned_data["settlement_date"]
        if day > kl_now().date():
            raise forms.ValidationError(_("The settlement date cannot be in the future."))
        return day

    def clean_settlement_file(self):
        upload = self.cleaned_data["settlement_file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        today = kl_now().date()
        data["date_to"] = data.get("date_to") or today
        data["date_from"] = data.get("date_from") or data["date_to"] - timedelta(days=364)
        if data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date must be on or before the end date."))
        return data
