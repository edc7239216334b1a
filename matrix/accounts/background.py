"""Account work that must not show, in the answer or its timing, whether an IC number has an account.

Sign-up, "Forgot password" (link or code), a new activation link and the code of a stepped-up login answer at
once with the same page, status and queries for every IC number; the look-up and whatever follows (account rows,
codes, links, SMS and email) run in a Celery task published once the request's transaction commits (in-process
when tasks are eager, the embedded default). The per-address limits are the views', checked before any of this.

A task that cannot be published (broker down) runs in the request instead: a slower answer that once, but
nothing lost."""

import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from matrix.accounts import services
from matrix.accounts.errors import OtpLimited, SignupAlreadyDone
from matrix.accounts.models import OtpPurpose, User
from matrix.notifications.services import email_send

logger = logging.getLogger(__name__)

_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def after_commit(task, **kwargs) -> None:
    """Run `task(**kwargs)` after the commit, in the person's language."""
    kwargs["language"] = translation.get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(partial(_publish, task, kwargs))


def _publish(task, kwargs: dict) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        task.apply(kwargs=kwargs)
        return
    try:
        task.apply_async(kwargs=kwargs, retry=True, retry_policy=_PUBLISH_RETRY_POLICY)
    except Exception as exc:  # the broker's errors are many (kombu, redis, amqp, OSError)
        logger.warning("task %s not published (%s); run in the request", task.name, type(exc).__name__)
        task.apply(kwargs=kwargs)


def in_language(language: str):
    return translation.override(language or settings.LANGUAGE_CODE)


# --- sign-up ---------------------------------------------------------------------------------------------------------


def signup_request_process(*, id_type: str, id_number: str, full_name: str, email: str, mobile: str) -> None:
    """The work behind the sign-up form: start (or restart) the sign-up and send the code; for an IC number that
    already has an account, tell its owner by email instead. Refusals (limits, races) are logged, never shown."""
    try:
        services.account_signup_start(
            id_type=id_type, id_number=id_number, full_name=full_name, email=email, mobile=mobile
        )
    except SignupAlreadyDone as error:
        logger.info("sign-up for an IC number that has signed up (%s)", error.code)
        if error.code == "exists":
            _signup_existing_notice_send(id_number=id_number)
    except OtpLimited as error:
        logger.info("sign-up code not sent: %s", error.code)


@transaction.atomic
def _signup_existing_notice_send(*, id_number: str) -> None:
    user = User.objects.filter(id_number=id_number, activated_at__isnull=False).first()
    if user is None or not user.email:
        return
    email_send(
        to=user.email,
        subject=_("MATRIX PERKESO: someone tried to sign up with your IC number"),
        text=render_to_string("accounts/email/signup_existing.txt", {"user": user}),
        kind="accounts.signup_existing",
        # At most one an hour, however often the form is sent.
        event_key=f"accounts.signup_existing:{user.pk}:{timezone.now():%Y%m%d%H}",
        user=user,
    )


def signup_code_resend(*, id_number: str, mobile: str) -> None:
    """"Resend" on the sign-up code page: a new code for the sign-up in progress with this IC and mobile, if any."""
    user = User.objects.filter(
        id_number=id_number, mobile=mobile, is_active=False, activated_at__isnull=True
    ).first()
    if user is None:
        return
    try:
        services.otp_issue(user=user, purpose=OtpPurpose.SIGNUP, sent_to=user.mobile)
    except OtpLimited as error:
        logger.info("sign-up code not resent for account %s: %s", user.pk, error.code)
