import os

import pytest
from django.test import Client
from django.urls import reverse

from matrix.notifications.models import OutboxMessage
from matrix.notifications.services import email_send, sms_send
from matrix.reference.models import Bank, Branch, Plan, Sector, State
from tests.conftest import second_factor_verified
from tests.core.production_env import manage, production_env, python


@pytest.mark.django_db
def test_home_page_answers_in_english_and_malay(client: Client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'lang="en"' in response.content
    response = client.post(reverse("set_language"), {"language": "ms", "next": "/"}, follow=True)
    assert b'lang="ms"' in response.content
    assert b"Skim Keselamatan Sosial Pekerjaan Sendiri" in response.content


@pytest.mark.django_db
def test_healthz_answers_liveness_and_readyz_checks_the_database(client: Client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert client.get("/readyz").json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_reference_data_is_loaded_by_migrations():
    assert Sector.objects.count() == 20
    assert set(Sector.objects.values_list("name_en", flat=True)) >= {"ACCOMMODATION", "SUPPORT SERVICES"}
    assert Sector.objects.get(name_en="HAWKER").name_ms == "Penjaja"
    assert all(sector.classes.exists() for sector in Sector.objects.all())
    plans = {p.number: (p.insured_monthly_earnings, p.monthly_contribution, p.annual_contribution)
             for p in Plan.objects.all()}
    assert str(plans[2][2]) == "232.80" and str(plans[1][2]) == "157.20"
    assert str(plans[3][2]) == "442.80" and str(plans[4][2]) == "592.80"
    assert State.objects.count() == 16
    assert all(state.branches.exists() and state.cities.exists() for state in State.objects.all())
    assert Branch.objects.filter(name="Pejabat PERKESO Kuala Lumpur").exists()
    assert Bank.objects.get(code="ABB0233").name == "Affin Bank"


@pytest.mark.django_db(transaction=True)
def test_outbox_lists_sms_and_email_newest_first(client: Client):
    sms_send(to="60108877665", text="Your MATRIX code is 123456")
    email_send(to="ahmad@example.com", subject="Hello", text="Body of the email")
    assert OutboxMessage.objects.count() == 2
    response = client.get("/dev/outbox/")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("Body of the email") < body.index("Your MATRIX code is 123456")


@pytest.mark.django_db
def test_messages_are_not_sent_when_the_transaction_rolls_back():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        sms_send(to="60108877665", text="never sent")
        raise RuntimeError
    assert not OutboxMessage.objects.exists()


def test_production_settings_pass_check_deploy(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = manage("check", "--deploy", **production_env(tmp_path, SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_captcha_test_mode_is_refused_when_debug_is_off(tmp_path):
    result = manage("check", "--deploy", **production_env(tmp_path, CAPTCHA_TEST_MODE="1"))
    assert result.returncode != 0
    assert "CAPTCHA_TEST_MODE" in result.stderr


def test_outbox_is_not_served_in_production(tmp_path):
    code = ("from django.test import Client; "
            "print(Client(HTTP_HOST='matrix.example.gov.my').get('/dev/outbox/', secure=True).status_code)")
    result = python(code, **production_env(tmp_path))
    assert result.stdout.strip().splitlines()[-1] == "404", result.stderr


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_redis(client: Client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")


@pytest.mark.django_db
def test_readyz_checks_the_machines_redis(client: Client, settings):
    settings.REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11")
    response = client.get("/readyz")
    assert response.json()["checks"]["redis"] == "ok"


@pytest.mark.django_db
def test_staff_can_edit_reference_data_in_the_admin(client: Client):
    from matrix.accounts.models import User

    admin_user = User.objects.create_superuser("800101145555", "a-strong-admin-password")
    client.force_login(admin_user)
    assert client.get(reverse("admin:reference_sector_changelist")).status_code == 302  # no second factor yet
    second_factor_verified(client, admin_user)
    sector = Sector.objects.get(code="hawker")
    assert client.get(reverse("admin:reference_sector_changelist")).status_code == 200
    assert client.get(reverse("admin:reference_sector_change", args=[sector.pk])).status_code == 200
    assert client.get(reverse("admin:reference_plan_changelist")).status_code == 200


@pytest.mark.django_db
def test_plans_in_force_follow_their_effective_dates():
    from datetime import date
    from decimal import Decimal

    plan = Plan.objects.get(number=1)
    plan.effective_to = date(2030, 12, 31)
    plan.save(update_fields=["effective_to"])
    Plan.objects.create(number=1, insured_monthly_earnings=Decimal("1200"), monthly_contribution=Decimal("15.00"),
                        effective_from=date(2031, 1, 1))
    assert Plan.objects.in_force(date(2030, 6, 1)).get(number=1).monthly_contribution == Decimal("13.10")
    assert Plan.objects.in_force(date(2031, 6, 1)).get(number=1).monthly_contribution == Decimal("15.00")


@pytest.mark.django_db
def test_the_database_refuses_a_non_positive_rate():
    from datetime import date
    from decimal import Decimal

    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(number=9, insured_monthly_earnings=Decimal("1"), monthly_contribution=Decimal("0"),
                            effective_from=date(2030, 1, 1))


@pytest.mark.django_db
def test_pages_send_a_content_security_policy_without_inline_script(client: Client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
