"""Back-office forms (parse and validate only)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from matrix.accounts.forms import AriaFormMixin
from matrix.backoffice.models import Role


def _input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "input", **attrs})


class SigninForm(AriaFormMixin, forms.Form):
    username = forms.CharField(
        label=_("Username"), max_length=50, widget=_input(autocomplete="username"),
        error_messages={"required": _("Enter your username.")},
    )
    password = forms.CharField(
        label=pgettext_lazy("field label", "Password"), strip=False,
        widget=forms.PasswordInput(attrs={"class": "input", "autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )


class TotpForm(AriaFormMixin, forms.Form):
    token = forms.CharField(
        label=_("Authentication code"), max_length=10,
        help_text=_("The 6-digit code shown by your authenticator app."),
        widget=_input(autocomplete="one-time-code", inputmode="numeric"),
        error_messages={"required": _("Enter the 6-digit code.")},
    )


class StaffCreateForm(AriaFormMixin, forms.Form):
    username = forms.CharField(label=_("Username"), max_length=50, widget=_input(autocomplete="off"))
    full_name = forms.CharField(label=_("Full Name"), max_length=150, widget=_input())
    email = forms.EmailField(label=_("Email"), required=False, widget=forms.EmailInput(attrs={"class": "input"}))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, widget=forms.Select(attrs={"class": "input"}))
    password = forms.CharField(
        label=pgettext_lazy("field label", "Password"), strip=False,
        widget=forms.PasswordInput(attrs={"class": "input", "autocomplete": "new-password"}),
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("IC number, Self-Employed Code, name, mobile, email or receipt number"), max_length=150,
        required=False, widget=forms.SearchInput(attrs={"class": "input"}),
    )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Staff username"), max_length=50, required=False, widget=_input())
    action = forms.CharField(label=_("Action"), max_length=64, required=False, widget=_input())
    target_type = forms.CharField(label=_("Record type"), max_length=64, required=False, widget=_input())
    target_id = forms.CharField(label=_("Record id"), max_length=64, required=False, widget=_input())
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"class": "input", "type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"class": "input", "type": "date"}))
