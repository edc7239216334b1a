"""The simulated bank's sign-in: any username and password are accepted (nothing is checked or stored)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class BankLoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=60,
        widget=forms.TextInput(attrs={"class": "input", "autocomplete": "off"}),
        error_messages={"required": _("Enter your username.")},
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"class": "input", "autocomplete": "off"}),
        error_messages={"required": _("Enter your password.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if self.is_bound and name in self.errors:
                field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"id_{name}-error"})
