from django import forms
from django.utils.translation import gettext_lazy as _

from matrix.notifications.models import MessagePreference


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of messages"), choices=MessagePreference.Language.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose the language of your messages."),
                        "invalid_choice": _("Choose English or Bahasa Malaysia.")},
    )
    reminders_sms = forms.BooleanField(label=_("Send me renewal reminders by SMS"), required=False)
    reminders_email = forms.BooleanField(label=_("Send me renewal reminders by email"), required=False)
