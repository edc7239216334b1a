"""Celery tasks of the accounts: the work that runs after the answer (matrix/accounts/background.py). Thin."""

from celery import shared_task

from matrix.accounts import background, login_guard, services


@shared_task(name="matrix.accounts.tasks.signup_request", ignore_result=True)
def signup_request(*, id_type: str, id_number: str, full_name: str, email: str, mobile: str, language: str) -> None:
    with background.in_language(language):
        background.signup_request_process(
            id_type=id_type, id_number=id_number, full_name=full_name, email=email, mobile=mobile
        )


@shared_task(name="matrix.accounts.tasks.signup_code_resend", ignore_result=True)
def signup_code_resend(*, id_number: str, mobile: str, language: str) -> None:
    with background.in_language(language):
        background.signup_code_resend(id_number=id_number, mobile=mobile)


@shared_task(name="matrix.accounts.tasks.password_reset_link_request", ignore_result=True)
def password_reset_link_request(*, id_number: str, language: str) -> None:
    with background.in_language(language):
        services.password_reset_start(id_number=id_number)


@shared_task(name="matrix.accounts.tasks.password_reset_code_request", ignore_result=True)
def password_reset_code_request(*, id_number: str, language: str) -> None:
    with background.in_language(language):
        services.password_reset_code_send(id_number=id_number)


@shared_task(name="matrix.accounts.tasks.activation_link_request", ignore_result=True)
def activation_link_request(*, id_number: str, language: str) -> None:
    with background.in_language(language):
        services.activation_link_resend(id_number=id_number)


@shared_task(name="matrix.accounts.tasks.login_code_send", ignore_result=True)
def login_code_send(*, user_id: int | None, language: str) -> None:
    with background.in_language(language):
        login_guard.login_code_send(user_id=user_id)


@shared_task(name="matrix.accounts.tasks.login_step_up_notify", ignore_result=True)
def login_step_up_notify(*, id_number: str, language: str) -> None:
    with background.in_language(language):
        login_guard.login_step_up_notify(id_number=id_number)
