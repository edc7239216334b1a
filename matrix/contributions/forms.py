"""Forms of the renewal pages. The rules are checked again by `services.contribution_renew`."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from matrix.contributions.selectors import RenewalFacts
from matrix.registrations.forms import (
    INPUT,
    PLEASE_SELECT,
    AmountDueMixin,
    DescribedFormMixin,
    months_field,
    plan_field,
)


class RenewChooseForm(DescribedFormMixin, forms.Form):
    """Pick the registered sector to renew."""

    registration = forms.ChoiceField(label=_("Sector"), widget=forms.Select(INPUT),
                                     error_messages={"required": _("Select the sector to renew.")})

    def __init__(self, *args, choices: list[RenewalFacts], **kwargs):
        super().__init__(*args, **kwargs)
        self.facts = {str(facts.registration.pk): facts for facts in choices if facts.first_paid}
        field = self.fields["registration"]
        field.choices = [("", PLEASE_SELECT)] + [
            (key, facts.registration.sector.name) for key, facts in self.facts.items()
        ]
        field.error_messages["invalid_choice"] = _("Select the sector to renew.")

    def clean_registration(self):
        facts = self.facts.get(self.cleaned_data["registration"])
        if facts is None:
            raise ValidationError(_("Select the sector to renew."))
        return facts.registration


class RenewForm(AmountDueMixin, DescribedFormMixin, forms.Form):
    """Contribution plan and months for one sector's renewal."""

    plan = plan_field(queryset=None)
    months = months_field()

    def __init__(self, *args, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
