"""The demo person's contribution history (`manage.py load_demo`): the seed's Contribution List (its eleven rows
with the seed's dates, plans and months), plus rows that show every status at once, dated relative to today:
an Active cover and a Renewed period after it, a Submitted registration with a Failed payment attempt, one
with a Pending payment, and a Rejected one. The seed's 2019-2020 rows are Expired today."""

import io
import secrets
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from matrix.contributions.models import Contribution
from matrix.contributions.services import contribution_mark_paid
from matrix.core.identifiers import receipt_no_next, self_employed_code_next
from matrix.core.kltime import kl, kl_parse
from matrix.core.money import money_times
from matrix.payments.models import Payment
from matrix.reference.models import Bank, Branch, City, Nationality, Plan, Race, Sector, SelfEmployedStatus, State
from matrix.registrations.models import Document, Registration, SelfEmployedPerson
from matrix.registrations.particulars import gender_from_id_number, particulars_snapshot

# The seed's list: (sector, kind, plan number, months, paid at). Registrations are paid at the seed's start
# times; IT's renewal at the payment time on the seed's View Contribution; other renewals while cover ran.
SEED_HISTORY = [
    ("online-business", Contribution.Kind.REGISTRATION, 1, 1, "19-12-2019 16:26:12"),
    ("support-services", Contribution.Kind.REGISTRATION, 1, 5, "19-12-2019 17:12:19"),
    ("support-services", Contribution.Kind.RENEWAL, 1, 3, "20-12-2019 09:41:03"),
    ("information-technology", Contribution.Kind.REGISTRATION, 2, 1, "23-12-2019 16:15:39"),
    ("accommodation", Contribution.Kind.REGISTRATION, 2, 6, "23-12-2019 16:29:15"),
    ("agent", Contribution.Kind.REGISTRATION, 2, 5, "23-12-2019 16:35:47"),
    ("professional-services", Contribution.Kind.REGISTRATION, 2, 4, "23-12-2019 16:53:25"),
    ("professional-services", Contribution.Kind.RENEWAL, 2, 8, "24-12-2019 10:12:44"),
    ("online-business", Contribution.Kind.RENEWAL, 1, 3, "27-12-2019 14:02:10"),
    ("art", Contribution.Kind.REGISTRATION, 1, 4, "27-12-2019 16:25:42"),
    ("information-technology", Contribution.Kind.RENEWAL, 2, 4, "27-12-2019 16:35:08"),
]
AFFIN = "ABB0233"


def _png(colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _person(user) -> SelfEmployedPerson:
    state = State.objects.get(code="KTN")
    return SelfEmployedPerson.objects.create(
        user=user,
        self_employed_code=self_employed_code_next(),
        status=SelfEmployedStatus.objects.get(code="others"),
        nationality=Nationality.objects.get(code="malaysian"),
        race=Race.objects.get(code="malay"),
        gender=gender_from_id_number(user.id_number) or "M",
        address_line_1="No. 61 1st Floor",
        address_line_2="Jln Tuanku Osman",
        state=state,
        city=City.objects.get(state=state, name="Kuala Krai"),
        postcode="18000",
        house_phone="601113388378",
        mobile=user.mobile or "601113388378",
        email=user.email,
        branch=Branch.objects.get(name="Pejabat PERKESO Kuala Lumpur"),
    )


class _Builder:
    def __init__(self, person: SelfEmployedPerson):
        self.person = person
        self.registrations: dict[str, Registration] = {}
        self.bank = Bank.objects.get(code=AFFIN)
        self.sequence = 0

    def registration(self, sector_code: str, *, at: datetime) -> Registration:
        if sector_code not in self.registrations:
            sector = Sector.objects.get(code=sector_code)
            self.registrations[sector_code] = Registration.objects.create(
                person=self.person,
                sector=sector,
                sector_class=sector.classes.order_by("name_en").first()
                if sector_code != "information-technology" else sector.classes.get(name_en="Mobile Application"),
                particulars=particulars_snapshot(user=self.person.user, person=self.person),
                acknowledged=True,
                submitted_at=at,
            )
        return self.registrations[sector_code]

    def contribution(self, sector_code: str, kind: str, plan_number: int, months: int, *, at: datetime,
                     **fields) -> Contribution:
        plan = Plan.objects.in_force(kl(at).date()).get(number=plan_number)
        return Contribution.objects.create(
            registration=self.registration(sector_code, at=at),
            kind=kind,
            plan=plan,
            monthly_contribution=plan.monthly_contribution,
            months=months,
            amount=money_times(plan.monthly_contribution, months),
            created_at=at,
            **fields,
        )

    def payment(self, contribution: Contribution, *, at: datetime, status: str, debit_code: str) -> Payment:
        self.sequence += 1
        stamp = kl(at).strftime("%Y%m%d%H%M%S")
        token = secrets.token_hex(3).upper()
        settled = status != Payment.Status.PENDING
        return Payment.objects.create(
            contribution=contribution,
            seller_order_no=f"SKSPS{contribution.pk}T{stamp}{token}",
            seller_ex_order_no=f"{stamp}{token}",
            seller_txn_time=stamp,
            amount=contribution.amount,
            bank=self.bank,
            buyer_bank_id=AFFIN,
            status=status,
            debit_auth_code=debit_code,
            credit_auth_code=debit_code if settled else "",
            fpx_txn_id=f"{kl(at).strftime('%y%m%d%H%M%S')}{self.sequence:04d}" if settled else "",
            fpx_txn_time=at if settled else None,
            receipt_no=receipt_no_next(year=kl(at).year) if status == Payment.Status.PAID else None,
            created_at=at,
            settled_at=at if settled else None,
        )

    def paid(self, sector_code: str, kind: str, plan_number: int, months: int, *, at: datetime) -> Contribution:
        contribution = self.contribution(sector_code, kind, plan_number, months, at=at - timedelta(minutes=2))
        self.payment(contribution, at=at, status=Payment.Status.PAID, debit_code="00")
        return contribution_mark_paid(contribution=contribution, paid_at=at)


@transaction.atomic
def demo_history_load(*, user) -> None:
    """Give the demo person the seed's history and a row in each status. Does nothing when they have one."""
    if Registration.objects.filter(person__user=user).exists():
        return
    person = SelfEmployedPerson.objects.filter(user=user).first() or _person(user)
    build = _Builder(person)

    for sector_code, kind, plan_number, months, paid_text in SEED_HISTORY:
        build.paid(sector_code, kind, plan_number, months, at=kl_parse(paid_text))

    it = build.registrations["information-technology"]
    for kind, name, colour in (
        (Document.Kind.IDENTIFICATION_CARD, "download_1.png", (30, 60, 160)),
        (Document.Kind.PROFESSIONAL_CERTIFICATE, "download.png", (30, 140, 60)),
    ):
        document = Document(registration=it, kind=kind, original_name=name, content_type="image/png",
                            size=len(_png(colour)))
        document.file.save("upload", ContentFile(_png(colour)), save=False)
        document.save()
    it.documents.update(uploaded_at=it.submitted_at)  # as if uploaded with the seed's registration

    now = timezone.now()
    # Active: a cover that began ten days ago; Renewed: its next period, paid yesterday, starting after it.
    build.paid("hawker", Contribution.Kind.REGISTRATION, 2, 3, at=now - timedelta(days=10))
    build.paid("hawker", Contribution.Kind.RENEWAL, 2, 6, at=now - timedelta(days=1))
    # Submitted, with a failed payment attempt (51 Insufficient Funds).
    food = build.contribution("food", Contribution.Kind.REGISTRATION, 1, 3, at=now - timedelta(days=2))
    build.payment(food, at=now - timedelta(days=2) + timedelta(minutes=3), status=Payment.Status.FAILED,
                  debit_code="51")
    # Submitted, the payment still in progress at the bank.
    data = build.contribution("data-processing", Contribution.Kind.REGISTRATION, 1, 2,
                              at=now - timedelta(minutes=20))
    build.payment(data, at=now - timedelta(minutes=15), status=Payment.Status.PENDING, debit_code="09")
    # Rejected by PERKESO, with its reason.
    build.contribution("construction", Contribution.Kind.REGISTRATION, 1, 1, at=now - timedelta(days=30),
                       state=Contribution.State.REJECTED, rejected_at=now - timedelta(days=28),
                       rejected_reason="The licence uploaded does not match the sector.")
