"""The person's own pages in Management: message preferences and message history; and the short renewal link
of the reminder SMS."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from matrix.notifications.events import preference_get
from matrix.notifications.forms import PreferencesForm
from matrix.notifications.preferences import preference_update
from matrix.notifications.selectors import message_history_rows

HISTORY_LIMIT = 100


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    current = preference_get(user=request.user)
    initial = {"language": current.language, "reminders_sms": current.reminders_sms,
               "reminders_email": current.reminders_email}
    form = PreferencesForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        preference_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your message preferences have been saved."))
        return redirect("notifications_person:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@login_required
@require_GET
def history(request):
    rows = message_history_rows(user=request.user, limit=HISTORY_LIMIT)
    return render(request, "notifications/history.html", {"rows": rows, "limit": HISTORY_LIMIT})


@require_GET
def renew(request, registration_id: int):
    """The short link of a reminder SMS (it must fit 160 characters): the renewal of that sector, which checks the
    owner after login."""
    return redirect("contributions:renew_sector", registration_id=registration_id)
