"""Forms of the registration pages: SELECT SECTOR and the four-part registration form. Thin: rules that must hold
whatever the page are checked again by `services.registration_submit`."""

from datetime import date

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from matrix.core.coverage import MAX_MONTHS, MIN_MONTHS
from matrix.core.money import money_times, money_to_sen
from matrix.core.text import address_validate
from matrix.reference.models import Branch, City, Nationality, Plan, Race, Sector, SelfEmployedStatus, State
from matrix.registrations.models import Document, Gender
from matrix.registrations.particulars import gender_from_id_number
from matrix.registrations.selectors import SectorOption
from matrix.registrations.services import GENDER_FROM_IC_TYPES
from matrix.registrations.uploads import upload_check, upload_max_megabytes

PLEASE_SELECT = _("Please Select")
INPUT = {"class": "input"}


class DescribedFormMixin:
    """Point each widget at its hint and inline error (`includes/field.html` gives them these ids)."""

    def _describe(self) -> None:
        for name, field in self.fields.items():
            ids = []
            label_id = self[name].id_for_label
            if field.help_text:
                ids.append(f"{label_id}-hint")
            if self.is_bound and name in self.errors:
                ids.append(f"{label_id}-error")
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def full_clean(self):
        super().full_clean()
        self._describe()


class OptionsSelect(forms.Select):
    """A select whose options can be disabled (`disabled_values`) or carry data attributes (`option_attrs`)."""

    def __init__(self, *args, disabled_values=(), option_attrs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled_values = {str(value) for value in disabled_values}
        self.option_attrs = option_attrs

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.disabled_values:
            option["attrs"]["disabled"] = True
        if self.option_attrs is not None and value != "":
            option["attrs"].update(self.option_attrs(value))
        return option


class PlanRadioSelect(forms.RadioSelect):
    """Radio cards for the plans; the label of the group points at the first card."""

    def id_for_label(self, id_, index=None):
        if index is None:
            index = "0"
        return super().id_for_label(id_, index)


def months_choices():
    return [("", PLEASE_SELECT)] + [(n, n) for n in range(MIN_MONTHS, MAX_MONTHS + 1)]


def plan_field(*, queryset) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Contribution Plan"),
        queryset=queryset,
        widget=PlanRadioSelect,
        empty_label=None,
        error_messages={"required": _("Select a contribution plan."),
                        "invalid_choice": _("Select a contribution plan.")},
    )


def months_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Contribution Months"),
        choices=months_choices(),
        coerce=int,
        widget=forms.Select(attrs=INPUT),
        error_messages={"required": _("Select the contribution months."),
                        "invalid_choice": _("Select from 1 to 12 contribution months.")},
    )


def plan_cards(form, field_name: str = "plan") -> list[dict]:
    """What the template needs to draw the plan radio cards (with data-monthly-sen for the live amount)."""
    bound = form[field_name]
    chosen = str(bound.value() or "")
    return [
        {
            "id": f"{bound.auto_id}_{index}",
            "plan": plan,
            "monthly_sen": money_to_sen(plan.monthly_contribution),
            "checked": str(plan.pk) == chosen,
        }
        for index, plan in enumerate(form.fields[field_name].queryset)
    ]


def phone_clean(value: str, *, mobile: bool) -> str:
    """A Malaysian number as E.164 digits (60108877665)."""
    message = _("Enter a Malaysian mobile number, like 60108877665.") if mobile else _(
        "Enter a Malaysian phone number, like 60321234567."
    )
    try:
        number = phonenumbers.parse(value, "MY")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(message) from exc
    if number.country_code != 60 or not phonenumbers.is_valid_number(number):
        raise ValidationError(message)
    if mobile and phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE
    ):
        raise ValidationError(message)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


class AmountDueMixin:
    """Amount due = the chosen plan's monthly contribution x Contribution Months, once both are valid."""

    def amount_due(self):
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return None
        plan, months = self.cleaned_data.get("plan"), self.cleaned_data.get("months")
        if plan and months:
            return money_times(plan.monthly_contribution, months)
        return None


class SectorSelectForm(DescribedFormMixin, forms.Form):
    sector = forms.ChoiceField(label=_("Sector"), error_messages={"required": _("Select a sector.")})

    def __init__(self, *args, options: list[SectorOption], **kwargs):
        super().__init__(*args, **kwargs)
        self.options = {option.sector.code: option for option in options}
        choices = [("", PLEASE_SELECT)]
        for option in options:
            label = option.sector.name
            if option.registered:
                label = _("%(sector)s (REGISTERED)") % {"sector": label}
            choices.append((option.sector.code, label))
        field = self.fields["sector"]
        field.choices = choices
        field.widget = OptionsSelect(
            choices=choices, attrs=INPUT, disabled_values=[o.sector.code for o in options if o.registered]
        )
        field.error_messages["invalid_choice"] = _("Select a sector.")

    def clean_sector(self) -> Sector:
        option = self.options.get(self.cleaned_data["sector"])
        if option is None:
            raise ValidationError(_("Select a sector."))
        if option.registered:
            raise ValidationError(_("You have already registered this sector. Same sector cannot be registered again."))
        return option.sector


DRAFT_FILE_FIELDS = ("identification_card", "sector_document", "other_document")


def document_kind(sector, field_name: str) -> str:
    """The kind of document each file field of the form holds (the sector says which its own document is)."""
    return {
        "identification_card": Document.Kind.IDENTIFICATION_CARD,
        "sector_document": sector.required_document,
        "other_document": Document.Kind.OTHER,
    }[field_name]


class RegistrationForm(AmountDueMixin, DescribedFormMixin, forms.Form):
    """The seed's form: SELF-EMPLOYED INFORMATION, SECTOR INFORMATION, CONTRIBUTION PAYMENT, ACKNOWLEDGMENT."""

    # 1. SELF-EMPLOYED INFORMATION
    # Read-only, from the account (disabled fields take their initial value whatever is posted).
    new_ic = forms.CharField(label=_("New IC"), disabled=True, widget=forms.TextInput(INPUT))
    full_name = forms.CharField(label=_("Full Name"), disabled=True, widget=forms.TextInput(INPUT))
    status = forms.ModelChoiceField(
        label=_("Status Self-Employed Person"), queryset=SelfEmployedStatus.objects.all(), empty_label=PLEASE_SELECT,
        widget=forms.Select(INPUT), error_messages={"required": _("Select your status as a self-employed person.")},
    )
    nationality = forms.ModelChoiceField(
        label=_("Nationality"), queryset=Nationality.objects.all(), empty_label=PLEASE_SELECT,
        widget=forms.Select(INPUT), error_messages={"required": _("Select your nationality.")},
    )
    race = forms.ModelChoiceField(
        label=_("Race"), queryset=Race.objects.all(), empty_label=PLEASE_SELECT, widget=forms.Select(INPUT),
        error_messages={"required": _("Select your race.")},
    )
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", PLEASE_SELECT), *Gender.choices], widget=forms.Select(INPUT),
        error_messages={"required": _("Select your gender.")},
    )
    address_line_1 = forms.CharField(
        label=_("Address Line 1"), max_length=150, widget=forms.TextInput({**INPUT, "autocomplete": "address-line1"}),
        error_messages={"required": _("Enter the first line of your address.")}, validators=[address_validate],
    )
    address_line_2 = forms.CharField(
        label=_("Address Line 2"), max_length=150, required=False, validators=[address_validate],
        widget=forms.TextInput({**INPUT, "autocomplete": "address-line2"}),
    )
    state = forms.ModelChoiceField(
        label=_("State"), queryset=State.objects.all(), empty_label=PLEASE_SELECT,
        widget=forms.Select({**INPUT, "data-state-select": ""}), error_messages={"required": _("Select your state.")},
    )
    city = forms.ModelChoiceField(
        label=_("City"), queryset=City.objects.all(), empty_label=PLEASE_SELECT,
        widget=OptionsSelect(
            attrs={**INPUT, "data-city-select": ""},
            option_attrs=lambda value: {"data-state": value.instance.state_id},
        ),
        error_messages={"required": _("Select your city.")},
    )
    # One validator only: with min/max_length too, a wrong post code got the same message twice (and the page
    # two elements with the id of the field's error).
    postcode = forms.CharField(
        label=_("Post Code"),
        validators=[RegexValidator(r"^[0-9]{5}$", _("Enter a post code of 5 digits, like 50000."))],
        widget=forms.TextInput({**INPUT, "inputmode": "numeric", "autocomplete": "postal-code", "maxlength": "5"}),
        error_messages={"required": _("Enter your post code.")},
    )
    house_phone = forms.CharField(
        label=_("House Phone Number"), max_length=20, widget=forms.TextInput({**INPUT, "type": "tel"}),
        help_text=_("For example 60321234567"), error_messages={"required": _("Enter your house phone number.")},
    )
    mobile = forms.CharField(
        label=_("Mobile Phone Number"), max_length=20,
        widget=forms.TextInput({**INPUT, "type": "tel", "autocomplete": "tel"}),
        help_text=_("For example 60108877665"), error_messages={"required": _("Enter your mobile phone number.")},
    )
    email = forms.EmailField(
        label=_("Email Address"), max_length=254, widget=forms.EmailInput({**INPUT, "autocomplete": "email"}),
        error_messages={"required": _("Enter your email address."),
                        "invalid": _("Enter an email address like ahmad@gmail.com.")},
    )
    branch = forms.ModelChoiceField(
        label=_("Preferred PERKESO Branch For Services"), queryset=Branch.objects.active(),
        empty_label=PLEASE_SELECT, widget=forms.Select(INPUT),
        error_messages={"required": _("Select your preferred PERKESO branch.")},
    )
    # 2. SECTOR INFORMATION
    sector_class = forms.ModelChoiceField(
        label=_("Class"), queryset=None, empty_label=PLEASE_SELECT, widget=forms.Select(INPUT),
        error_messages={"required": _("Select the class of your work in this sector."),
                        "invalid_choice": _("Select the class of your work in this sector.")},
    )
    identification_card = forms.FileField(label=_("Identification Card"))
    sector_document = forms.FileField()
    other_document = forms.FileField(label=_("Other Document"), required=False)
    # 3. CONTRIBUTION PAYMENT
    plan = plan_field(queryset=Plan.objects.none())
    months = months_field()
    # 4. ACKNOWLEDGMENT
    acknowledged = forms.BooleanField(
        label=_("I hereby certify to the best of my knowledge and belief that all particulars given are true."),
        error_messages={"required": _("Certify that all particulars given are true.")},
    )

    def __init__(self, *args, user, sector: Sector, today: date, draft_files: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.sector = sector
        self.fields["new_ic"].initial = user.id_number
        self.fields["full_name"].initial = user.full_name
        self.gender_from_ic = gender_from_id_number(user.id_number) if user.id_type in GENDER_FROM_IC_TYPES else ""
        if self.gender_from_ic:
            gender = self.fields["gender"]
            gender.disabled = True
            gender.initial = self.gender_from_ic
            gender.help_text = _("From your MyKad number.")
        self.fields["city"].queryset = City.objects.select_related("state")
        self.fields["sector_class"].queryset = sector.classes.active().order_by("name_en")
        self.fields["plan"].queryset = Plan.objects.in_force(today).order_by("number")
        self.fields["sector_document"].label = Document.Kind(sector.required_document).label
        for name in DRAFT_FILE_FIELDS:
            self.fields[name].widget = forms.FileInput(
                attrs={"class": "input", "accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
            )
        self.draft_files_apply(draft_files or {})

    def draft_files_apply(self, draft_files: dict) -> None:
        """Files kept from an earlier post need not be chosen again (choosing one replaces it): the kept file's
        name is the field's initial value, which Django's FileField accepts in place of a new upload."""
        self.draft_files = draft_files
        hint = _("Maximum %(max)s MB; PDF, JPEG or PNG") % {"max": upload_max_megabytes()}
        for name in DRAFT_FILE_FIELDS:
            field = self.fields[name]
            field.help_text = hint
            field.error_messages["required"] = _("Select the %(document)s file.") % {"document": field.label}
            if name in draft_files:
                self.initial[name] = draft_files[name]["original_name"]
                field.help_text = _("Uploaded: %(name)s. Choose a file only to replace it. %(hint)s") % {
                    "name": draft_files[name]["original_name"], "hint": hint,
                }
            self._bound_fields_cache.pop(name, None)
        self._describe()

    def _clean_upload(self, name):
        upload = self.cleaned_data.get(name)
        if isinstance(upload, UploadedFile):
            self.checked_uploads[name] = upload_check(upload)
        return upload

    def full_clean(self):
        self.checked_uploads = {}
        super().full_clean()

    def clean_identification_card(self):
        return self._clean_upload("identification_card")

    def clean_sector_document(self):
        return self._clean_upload("sector_document")

    def clean_other_document(self):
        return self._clean_upload("other_document")

    def clean_gender(self):
        return self.gender_from_ic or self.cleaned_data.get("gender", "")

    def clean_house_phone(self):
        return phone_clean(self.cleaned_data["house_phone"], mobile=False)

    def clean_mobile(self):
        return phone_clean(self.cleaned_data["mobile"], mobile=True)

    def clean(self):
        cleaned = super().clean()
        state, city = cleaned.get("state"), cleaned.get("city")
        if state and city and city.state_id != state.pk:
            self.add_error("city", _("Select a city in %(state)s.") % {"state": state.name})
        return cleaned


PERSON_FIELDS = ("status", "nationality", "race", "gender", "address_line_1", "address_line_2", "state", "city",
                 "postcode", "house_phone", "mobile", "email", "branch")


def registration_initial(*, user, person) -> dict:
    """Remembered particulars (entered once), else what the account knows."""
    if person is None:
        return {"mobile": user.mobile, "email": user.email}
    initial = {}
    for name in PERSON_FIELDS:
        value = getattr(person, f"{name}_id", None) if name in {"status", "nationality", "race", "state", "city",
                                                                 "branch"} else getattr(person, name)
        if value not in (None, ""):
            initial[name] = value
    return initial
