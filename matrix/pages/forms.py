"""Forms of the public pages: the benefits calculator (GET, works without JavaScript) and the coverage check."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from matrix.accounts.forms import AriaFormMixin
from matrix.accounts.validators import id_number_compact
from matrix.reference.models import Sector

COMPARE_ALL = "all"
ID_NUMBER_MAX = 20


class BenefitsForm(AriaFormMixin, forms.Form):
    """Choose one plan, or compare all of them. `plan_numbers`: the plans in force today."""

    plan = forms.ChoiceField(label=_("Plan"), widget=forms.RadioSelect,
                             error_messages={"invalid_choice": _("Choose one of the plans, or compare all plans."),
                                             "required": _("Choose one of the plans, or compare all plans.")})

    def __init__(self, *args, plan_numbers: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(COMPARE_ALL, _("Compare all plans"))]
        choices += [(str(number), gettext("Plan %(number)s") % {"number": number}) for number in plan_numbers]
        self.fields["plan"].choices = choices

    def chosen(self) -> int | None:
        """The plan number chosen, or None to compare all plans (also when the choice was not valid)."""
        if not self.is_bound or not self.is_valid() or self.cleaned_data["plan"] == COMPARE_ALL:
            return None
        return int(self.cleaned_data["plan"])


class SectorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Sector) -> str:
        return obj.name


class CoverageCheckForm(AriaFormMixin, forms.Form):
    id_number = forms.CharField(
        label=_("IC Number"), max_length=30, help_text=_("For example 790811087654 or 790811-08-7654."),
        widget=forms.TextInput(attrs={"class": "input", "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter the IC number to check."),
                        "max_length": _("Enter the IC number with letters and digits only, up to 20 characters.")},
    )
    sector = SectorChoiceField(
        label=_("Sector"), queryset=Sector.objects.none(), empty_label=_("Select sector"),
        widget=forms.Select(attrs={"class": "input"}),
        error_messages={"required": _("Select the sector to check."),
                        "invalid_choice": _("Select the sector to check.")},
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector"].queryset = (Sector.objects.active().filter(effective_from__lte=today)
                                          .order_by("sort_order", "name_en"))

    def clean_id_number(self) -> str:
        value = id_number_compact(self.cleaned_data["id_number"])
        if not value.isalnum() or not value.isascii() or len(value) > ID_NUMBER_MAX:
            raise forms.ValidationError(
                gettext("Enter the IC number with letters and digits only, up to 20 characters."))
        if value.isdigit() and len(value) != 12:
            raise forms.ValidationError(gettext("An IC number has 12 digits, for example 790811087654."))
        return value
