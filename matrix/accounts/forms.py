"""Accounts forms: labels use the seed's words. They clean and validate input; services do the writes."""

from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.contrib.auth import authenticate, password_validation
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from matrix.accounts.login_guard import login_password_check
from matrix.accounts.models import IdType, User
from matrix.accounts.phrases import secret_phrase_suggestion, secret_phrase_tidy
from matrix.accounts.validators import id_number_clean, id_number_compact, mobile_clean
from matrix.core.text import name_validate


class AccessibleCaptchaInput(CaptchaTextInput):
    """The CAPTCHA with a described image, the audio version when available, a "Get a new image" button that
    works without JavaScript, and a contact route for anyone who can use neither."""

    template_name = "accounts/widgets/captcha.html"


def _input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "input", **attrs})


def _password(autocomplete: str = "new-password") -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"class": "input", "autocomplete": autocomplete})


class AriaFormMixin:
    """Point each field at its hint and error texts (ids as in includes/field.html) and mark invalid fields with
    aria-invalid; done when a field is taken for rendering, once help texts and errors are known."""

    def __getitem__(self, name):
        bound = super().__getitem__(name)
        attrs = bound.field.widget.attrs
        described = []
        if bound.field.help_text:
            described.append(f"{bound.id_for_label}-hint")
        if self.is_bound and self._errors is not None and name in self._errors:
            attrs["aria-invalid"] = "true"
            described.append(f"{bound.id_for_label}-error")
        if described:
            attrs["aria-describedby"] = " ".join(described)
        return bound


def _secret_phrase_field() -> forms.CharField:
    return forms.CharField(
        label=_("Secret Phrase"),
        min_length=4,
        max_length=100,
        widget=_input(autocomplete="off"),
    )


class SecretPhraseHintMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["secret_phrase"].help_text = gettext(
            "A few words you will recognise, for example “%(example)s”. We show them when you log in, so you "
            "know the page is really MATRIX. Do not use your password."
        ) % {"example": secret_phrase_suggestion()}

    def clean_secret_phrase(self):
        return secret_phrase_tidy(self.cleaned_data["secret_phrase"])


class SignupForm(AriaFormMixin, forms.Form):
    id_type = forms.ChoiceField(
        label=_("Select ID Type"), choices=IdType.choices, widget=forms.Select(attrs={"class": "input"})
    )
    id_number = forms.CharField(
        label=_("IC Number (e.g. 790811087654)"), max_length=30, widget=_input(autocomplete="off")
    )
    full_name = forms.CharField(
        label=_("Full Name As In Identity Card Number"), max_length=150, widget=_input(autocomplete="name"),
        validators=[name_validate],
    )
    email = forms.EmailField(
        label=_("Email (e.g. ahmad@gmail.com)"), max_length=254,
        widget=forms.EmailInput(attrs={"class": "input", "autocomplete": "email"}),
    )
    mobile = forms.CharField(
        label=_("Mobile Number (e.g. 60108877665)"), max_length=20,
        widget=_input(autocomplete="tel", inputmode="tel"),
    )
    terms = forms.BooleanField(
        label=_("I have read and agree to the Terms and Conditions"),
        error_messages={"required": _("You must agree to the Terms and Conditions to sign up.")},
    )
    captcha = CaptchaField(
        label=_("Type the text"),
        widget=AccessibleCaptchaInput(attrs={"class": "input"}),
        error_messages={"invalid": _("The text you typed does not match the picture. Please try again.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        link = format_html('<a href="{}">{}</a>', reverse("pages:terms"), gettext("Terms and Conditions"))
        self.fields["terms"].label = mark_safe(  # noqa: S308 - our own catalogue text, escaped, plus format_html
            conditional_escape(gettext("I have read and agree to the %(terms)s")) % {"terms": link}
        )
        self.fields["captcha"].help_text = gettext(
            "Cannot read the picture? Use “Get a new image”, or call 1-300-22-8000 or email "
            "perkeso@perkeso.gov.my and we will help you sign up."
        )

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 3:
            raise forms.ValidationError(gettext("Enter your full name as in your identity card."))
        return name

    def clean_email(self):
        local, _at, domain = self.cleaned_data["email"].strip().rpartition("@")
        return f"{local}@{domain.lower()}"

    def clean_mobile(self):
        return mobile_clean(self.cleaned_data["mobile"])

    def clean(self):
        cleaned = super().clean()
        if "id_type" in cleaned and "id_number" in cleaned:
            try:
                cleaned["id_number"] = id_number_clean(id_type=cleaned["id_type"], value=cleaned["id_number"])
            except forms.ValidationError as error:
                self.add_error("id_number", error)
        return cleaned


class OtpForm(AriaFormMixin, forms.Form):
    code = forms.RegexField(
        label=_("OTP Number"),
        regex=r"^\s*\d{6}\s*$",
        max_length=10,
        help_text=_("The 6-digit code in the SMS we sent you."),
        error_messages={"invalid": _("Enter the 6 digits of the code."), "required": _("Enter the code.")},
        widget=_input(autocomplete="one-time-code", inputmode="numeric"),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip()


class PasswordPairMixin:
    """Two password fields, checked against the validators in settings (8 to 128 characters, not common)."""

    password_user: User | None = None

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", gettext("The two passwords do not match."))
        if first:
            try:
                password_validation.validate_password(first, user=self.password_user)
            except forms.ValidationError as error:
                self.add_error("password1", [_password_message(item) for item in error.error_list])
        return cleaned


def _password_message(error: forms.ValidationError) -> forms.ValidationError:
    """Our own wording where it is clearer (and its Malay right: Django's Malay catalogue calls a common
    password "too short")."""
    if error.code == "password_too_common":
        return forms.ValidationError(
            gettext("This password is too common. Please choose one that is harder to guess."), code=error.code
        )
    return error


class ActivationForm(SecretPhraseHintMixin, PasswordPairMixin, AriaFormMixin, forms.Form):
    secret_phrase = _secret_phrase_field()
    password1 = forms.CharField(label=pgettext_lazy("field label", "Password"), strip=False, widget=_password())
    password2 = forms.CharField(label=_("Password Confirm"), strip=False, widget=_password())

    def __init__(self, *args, user: User, **kwargs):
        self.password_user = user
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = gettext(
            "At least 8 characters; long passphrases are welcome (up to 128). Avoid common passwords."
        )

    def clean(self):
        cleaned = super().clean()
        phrase, password = cleaned.get("secret_phrase"), cleaned.get("password1")
        if phrase and password and phrase.strip().lower() == password.strip().lower():
            self.add_error("secret_phrase", gettext("Your secret phrase must not be your password."))
        return cleaned


class LoginIcForm(AriaFormMixin, forms.Form):
    id_number = forms.CharField(
        label=_("IC Number"), max_length=30, widget=_input(autocomplete="username"),
        error_messages={"required": _("Enter your IC number.")},
    )

    def clean_id_number(self):
        value = id_number_compact(self.cleaned_data["id_number"])
        if not value.isalnum() or len(value) > 20:
            raise forms.ValidationError(gettext("Enter your IC number with letters and digits only."))
        return value


class LoginPasswordForm(AriaFormMixin, forms.Form):
    password = forms.CharField(
        label=pgettext_lazy("field label", "Password"), strip=False, widget=_password("current-password"),
        error_messages={"required": _("Enter your password.")},
    )


class CurrentPasswordMixin:
    """Re-authentication: the account's current password must be given (`current_password`).

    It is checked through `authenticate`, so wrong tries count towards the same django-axes lockout on IC + IP
    (and the hourly budget of the IC) as the login's (otherwise a stolen session could guess the password here
    without limit, then change the email or mobile)."""

    def __init__(self, *args, user: User, request: HttpRequest, **kwargs):
        self.user = user
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_current_password(self):
        password = self.cleaned_data["current_password"]
        checked = authenticate(request=self.request, id_number=self.user.id_number, password=password)
        if checked is None and getattr(self.request, "login_step_up", False):
            # The IC's login budget is spent (someone elsewhere guessed): the signed-in owner must still be able
            # to change the password. The try has counted towards the lockout on IC + address all the same.
            checked = login_password_check(id_number=self.user.id_number, password=password)
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError(gettext("Your current password is not correct."))
        return password


def _current_password_field() -> forms.CharField:
    return forms.CharField(label=_("Current Password"), strip=False, widget=_password("current-password"))


class PasswordChangeForm(CurrentPasswordMixin, PasswordPairMixin, AriaFormMixin, forms.Form):
    current_password = _current_password_field()
    password1 = forms.CharField(label=_("New Password"), strip=False, widget=_password())
    password2 = forms.CharField(label=_("New Password Confirm"), strip=False, widget=_password())

    def __init__(self, *args, user: User, request: HttpRequest, **kwargs):
        self.password_user = user
        super().__init__(*args, user=user, request=request, **kwargs)


class SecretPhraseChangeForm(SecretPhraseHintMixin, CurrentPasswordMixin, AriaFormMixin, forms.Form):
    secret_phrase = _secret_phrase_field()
    current_password = _current_password_field()


class EmailChangeForm(CurrentPasswordMixin, AriaFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("New Email"), max_length=254, widget=forms.EmailInput(attrs={"class": "input", "autocomplete": "email"})
    )
    current_password = _current_password_field()

    def clean_email(self):
        local, _at, domain = self.cleaned_data["email"].strip().rpartition("@")
        email = f"{local}@{domain.lower()}"
        if email.lower() == (self.user.email or "").lower():
            raise forms.ValidationError(gettext("This is already your email address."))
        return email


class MobileChangeForm(CurrentPasswordMixin, AriaFormMixin, forms.Form):
    mobile = forms.CharField(
        label=_("New Mobile Number (e.g. 60108877665)"), max_length=20,
        widget=_input(autocomplete="tel", inputmode="tel"),
    )
    current_password = _current_password_field()

    def clean_mobile(self):
        mobile = mobile_clean(self.cleaned_data["mobile"])
        if mobile == self.user.mobile:
            raise forms.ValidationError(gettext("This is already your mobile number."))
        return mobile


class ResetChannel(models.TextChoices):
    EMAIL = "email", _("Send a link to my registered email")
    SMS = "sms", _("Send a code to my registered mobile")


class PasswordForgotForm(LoginIcForm):
    channel = forms.ChoiceField(
        label=_("How should we reach you?"), choices=ResetChannel.choices, initial=ResetChannel.EMAIL,
        required=False, widget=forms.RadioSelect,
    )

    def clean_channel(self):
        return self.cleaned_data.get("channel") or ResetChannel.EMAIL


class PasswordResetCodeForm(PasswordPairMixin, AriaFormMixin, forms.Form):
    """Forgot password by SMS: the code, then the new password twice. The password rules are checked against
    the IC number alone (not the account's other details), so that the answer is the same with or without an
    account for the IC."""

    code = forms.RegexField(
        label=_("Enter the code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=10,
        help_text=_("The 6-digit code in the SMS we sent you."),
        error_messages={"invalid": _("Enter the 6 digits of the code."), "required": _("Enter the code.")},
        widget=_input(autocomplete="one-time-code", inputmode="numeric"),
    )
    password1 = forms.CharField(label=_("New Password"), strip=False, widget=_password())
    password2 = forms.CharField(label=_("Password Confirm"), strip=False, widget=_password())

    def __init__(self, *args, id_number: str, **kwargs):
        self.password_user = User(id_number=id_number)
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = gettext(
            "At least 8 characters; long passphrases are welcome (up to 128). Avoid common passwords."
        )

    def clean_code(self):
        return self.cleaned_data["code"].strip()


class PasswordResetForm(PasswordPairMixin, AriaFormMixin, forms.Form):
    password1 = forms.CharField(label=_("New Password"), strip=False, widget=_password())
    password2 = forms.CharField(label=_("New Password Confirm"), strip=False, widget=_password())

    def __init__(self, *args, user: User, **kwargs):
        self.password_user = user
        super().__init__(*args, **kwargs)


class ActivationResendForm(LoginIcForm):
    pass
