"""Shapes of the API's input and output (the OpenAPI document is generated from them). Money is a string with 2
decimals ("77.60"), never a float; times are ISO 8601 in Kuala Lumpur time (+08:00)."""

from datetime import date, datetime

from ninja import Field
from ninja import Schema as NinjaSchema
from ninja.schema import DjangoGetter
from pydantic import model_validator


class Schema(NinjaSchema):
    """Input is a JSON object: django-ninja's Schema would read attributes off anything (a list, a string)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data):
        inner = data._obj if isinstance(data, DjangoGetter) else data
        if inner is None or isinstance(inner, list | tuple | str | bytes | int | float | bool):
            raise ValueError("a JSON object is expected")
        return data


class ErrorOut(Schema):
    code: str = Field(description="Machine code, e.g. invalid, not_found, rate_limited, idempotency_key_reused.")
    message: str = Field(description="For the person, in the language asked for (Accept-Language en or ms).")
    fields: dict[str, list[str]] = Field(description="Messages per refused input; empty when none.")


class DoneOut(Schema):
    message: str


# --- auth -------------------------------------------------------------------------------------------------


class CaptchaOut(Schema):
    key: str
    image_url: str
    audio_url: str | None


class SignupIn(Schema):
    id_type: str = Field(description="MYKAD, MYPR, POLICE, ARMY or PASSPORT", max_length=20)
    id_number: str = Field(max_length=30)
    full_name: str = Field(max_length=150)
    email: str = Field(max_length=254)
    mobile: str = Field(max_length=20, description="60108877665, +60108877665 or 0108877665")
    terms_accepted: bool = Field(description="I have read and agree to the Terms and Conditions")
    captcha_key: str = Field(max_length=100)
    captcha_value: str = Field(max_length=20)


class SignupOut(Schema):
    signup_token: str = Field(description="Names this sign-up in the OTP steps (valid 1 hour).")
    mobile_masked: str
    message: str


class SignupTokenIn(Schema):
    signup_token: str = Field(max_length=500)


class OtpIn(Schema):
    signup_token: str = Field(max_length=500)
    code: str = Field(max_length=10)


class ActivationIn(Schema):
    token: str = Field(max_length=200, description="The token of the emailed activation link.")
    secret_phrase: str = Field(max_length=100)
    password: str = Field(max_length=200)
    password_confirm: str = Field(max_length=200)


class LoginIcIn(Schema):
    id_number: str = Field(max_length=30)


class LoginIcOut(Schema):
    login_token: str = Field(description="For the password step (valid 10 minutes).")
    secret_phrase: str = Field(description="If this is not the secret phrase you have set, please do NOT login.")


class LoginPasswordIn(Schema):
    login_token: str = Field(max_length=500)
    password: str = Field(max_length=200)


class StepUpOut(Schema):
    step_up_token: str = Field(description="For POST /auth/login/code with the code sent by SMS (valid 10 minutes).")
    message: str


class LoginCodeIn(Schema):
    step_up_token: str = Field(max_length=500)
    code: str = Field(max_length=10)


class TokensOut(Schema):
    token_type: str = "Bearer"
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    last_login: str = Field(description="Last Login Successful on (YYYY-MM-DD hh:mm:ss, Kuala Lumpur)")


class RefreshIn(Schema):
    refresh_token: str = Field(max_length=200)


class LogoutIn(Schema):
    everywhere: bool = Field(False, description="End every API session of the account, not only this one.")


# --- me ---------------------------------------------------------------------------------------------------


class ChoiceOut(Schema):
    id: int
    name: str


class ParticularsOut(Schema):
    status: ChoiceOut | None
    nationality: ChoiceOut | None
    race: ChoiceOut | None
    gender: str
    address_line_1: str
    address_line_2: str
    state: ChoiceOut | None
    city: ChoiceOut | None
    postcode: str
    house_phone: str
    mobile: str
    email: str
    branch: ChoiceOut | None


class ProfileOut(Schema):
    id_type: str
    id_number: str
    full_name: str
    email: str
    mobile: str
    secret_phrase: str
    last_login: str
    self_employed_code: str | None
    particulars: ParticularsOut | None


class PreferencesIO(Schema):
    language: str = Field(pattern=r"^(en|ms)$", description="en or ms: the language of answers when a request "
                                                           "sends no Accept-Language.")


# --- reference --------------------------------------------------------------------------------------------


class SectorClassOut(Schema):
    id: int
    name: str


class DocumentNeedOut(Schema):
    field: str
    kind: str
    name: str
    required: bool


class SectorOut(Schema):
    code: str
    name: str
    effective_from: date
    open: bool
    registered: bool | None = Field(None, description="With a token: whether you already registered it.")
    classes: list[SectorClassOut]
    documents: list[DocumentNeedOut]


class PlanOut(Schema):
    id: int
    number: int
    insured_monthly_earnings: str
    monthly_contribution: str
    annual_contribution: str
    effective_from: date
    effective_to: date | None


class CityOut(Schema):
    id: int
    name: str
    postcode: str
    state_code: str


class StateOut(Schema):
    id: int
    code: str
    name: str


class BranchOut(Schema):
    id: int
    name: str
    state_code: str


class BankOut(Schema):
    code: str
    name: str
    available: bool | None = Field(description="From FPX's live bank list; null when FPX cannot be reached.")


class ParticularChoicesOut(Schema):
    statuses: list[ChoiceOut]
    nationalities: list[ChoiceOut]
    races: list[ChoiceOut]
    genders: list[dict[str, str]]


# --- contributions, covers, renewals ----------------------------------------------------------------------


class PaymentBriefOut(Schema):
    id: int
    status: str
    status_label: str
    amount: str
    receipt_no: str | None
    created_at: datetime


class ContributionOut(Schema):
    id: int
    registration_id: int
    sector_code: str
    sector: str
    kind: str
    status: str
    status_label: str
    plan_number: int
    monthly_contribution: str
    months: int
    amount: str
    start_at: datetime | None
    end_at: datetime | None
    paid_at: datetime | None
    created_at: datetime
    rejected_reason: str
    payment: PaymentBriefOut | None
    can_pay: bool
    can_cancel: bool


class ContributionPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[ContributionOut]


class DocumentOut(Schema):
    id: int
    kind: str
    name: str
    original_name: str
    content_type: str
    size: int


class ContributionDetailOut(ContributionOut):
    particulars: dict
    documents: list[DocumentOut]
    payments: list[PaymentBriefOut]


class CoverOut(Schema):
    registration_id: int
    sector_code: str
    sector: str
    state: str = Field(description="awaiting_payment, active, expired or rejected")
    covered_until: datetime | None
    days_left: int | None
    first_contribution_id: int | None
    unpaid_contribution_id: int | None


class PeriodOut(Schema):
    start: datetime
    end: datetime


class RenewalQuoteOut(Schema):
    registration_id: int
    plan_locked: bool
    plan_locked_until: datetime | None
    plans: list[PlanOut]
    plan_id: int
    months: int
    amount: str
    period: PeriodOut
    lapsed: bool = Field(description="The cover has ended: the period starts when the payment is accepted.")


class RenewalIn(Schema):
    plan_id: int
    months: int = Field(ge=1, le=12)


# --- payments ---------------------------------------------------------------------------------------------


class PaymentStartIn(Schema):
    bank_code: str = Field(max_length=10)
    terms_accepted: bool = Field(description="I acknowledge that I have read and agree to the Terms and "
                                             "Conditions")


class PaymentFormOut(Schema):
    payment_id: int
    method: str = "POST"
    url: str = Field(description="Open a browser that POSTs `fields` to this URL (FPX's authorisation request).")
    fields: dict[str, str]
    repeated: bool


class PaymentOut(Schema):
    id: int
    contribution_id: int
    status: str
    status_label: str
    amount: str
    bank_code: str
    bank: str
    method: str
    fpx_txn_id: str
    debit_auth_code: str
    reason: str
    receipt_no: str | None
    paid_at: datetime | None
    created_at: datetime
    refund_due: bool


class MessageOut(Schema):
    channel: str
    recipient: str
    kind: str
    subject: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    receipt_at: datetime | None
