"""The password check of every login (pages, API, staff sign-in, current-password checks): Django's ModelBackend
inside the hourly budget per IC number of matrix/accounts/login_guard.py.

django-axes (listed first) has already refused a locked (IC number, address) pair. Here a try first takes a row
of the IC number's budget; when the budget is spent the check is refused without looking at the password
(PermissionDenied: no later backend answers either) and `request.login_step_up` is set, so that the login page
can ask for a code instead. A wrong password is refused the same way (ModelBackend stays listed after this one
only for sessions that were logged in with it by name, and must not check the password a second time)."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from matrix.accounts import background, login_guard, tasks
from matrix.accounts.models import User
from matrix.accounts.selectors import user_by_pk
from matrix.core.client_ip import client_ip


class LoginBudgetBackend(ModelBackend):
    def get_user(self, user_id):
        """The signed-in user of every request: ModelBackend's answer (an active user, or None) from one written
        statement instead of a queryset compiled each time (issue 13). The session's hash is still checked by
        django.contrib.auth.get_user against the password read here."""
        user = user_by_pk(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        if ":" in username:
            # Staff accounts (`staff:<username>`; no IC has a colon) sign in with a second factor (TOTP), which
            # already bounds what a guessed password gives; a budget here would let a stranger keep staff out of
            # the back office for an hour. django-axes still locks username + address.
            user = super().authenticate(request, username=username, password=password, **kwargs)
            if user is None:
                raise PermissionDenied
            return user
        attempt = login_guard.login_attempt_reserve(
            id_number=username, ip_address=client_ip(request) if request is not None else ""
        )
        if attempt is None:
            if request is not None:
                request.login_step_up = True
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            login_guard.login_attempt_give_back(attempt=attempt)
            return user
        if login_guard.login_attempt_failed(attempt=attempt):
            background.after_commit(tasks.login_step_up_notify, id_number=username)
        raise PermissionDenied  # a wrong password: ModelBackend, listed next, would only check it again
