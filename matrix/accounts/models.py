"""MATRIX accounts: one per identity number (stored compact: 790811087654)."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IdType(models.TextChoices):
    MYKAD = "MYKAD", _("MyKad (New IC)")
    MYPR = "MYPR", _("MyPR (Permanent Resident)")
    POLICE = "POLICE", _("Police ID")
    ARMY = "ARMY", _("Army ID")
    PASSPORT = "PASSPORT", _("Passport")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, id_number, password=None, **fields):
        user = self.model(id_number=id_number, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, id_number, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("is_active", True)
        fields.setdefault("full_name", "Administrator")
        return self.create_user(id_number, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    id_type = models.CharField(_("ID Type"), max_length=10, choices=IdType.choices, default=IdType.MYKAD)
    # 20 for identity numbers; staff accounts are "staff:<username>" (usernames up to 50 characters).
    id_number = models.CharField(_("IC Number"), max_length=60, unique=True)
    full_name = models.CharField(_("Full Name"), max_length=150)
    email = models.EmailField(_("Email"), blank=True)
    mobile = models.CharField(_("Mobile Number"), max_length=15, blank=True, help_text="E.164 digits: 60108877665")
    secret_phrase = models.CharField(_("Secret Phrase"), max_length=100, blank=True)
    is_active = models.BooleanField(default=False, help_text="True once the account is activated.")
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    mobile_verified_at = models.DateTimeField(null=True, blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    # The login before the current one, shown as "Last Login Successful on …".
    previous_login = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "id_number"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("account")

    def __str__(self) -> str:
        return f"{self.full_name} ({self.id_number})"

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name


class OtpPurpose(models.TextChoices):
    SIGNUP = "SIGNUP", _("Sign up")
    RESET = "RESET", pgettext_lazy("purpose", "Password reset")
    CHANGE_MOBILE = "CHANGE_MOBILE", _("Change of mobile number")
    LOGIN = "LOGIN", _("Log in")


class OneTimeCode(models.Model):
    """A 6-digit code sent by SMS. Only an HMAC of the code is kept (`code_hash`), never the code itself.

    A code is open until it is used, replaced by a newer code, or its tries run out; `closed_at` marks the end,
    `used_at` a successful use. The database allows one open code per account and purpose."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="one_time_codes")
    purpose = models.CharField(max_length=16, choices=OtpPurpose.choices)
    code_hash = models.CharField(max_length=64)
    sent_to = models.CharField(max_length=15, db_index=True, help_text="E.164 digits of the mobile it went to.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose"], condition=models.Q(closed_at__isnull=True), name="otp_one_open_per_purpose"
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=OtpPurpose.values), name="otp_purpose_valid"
            ),
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")), name="otp_expires_after"),
            models.CheckConstraint(condition=models.Q(attempts__lte=5), name="otp_attempts_at_most_5"),
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True) | models.Q(closed_at__isnull=False), name="otp_used_is_closed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} code for {self.user_id}"


class LinkPurpose(models.TextChoices):
    ACTIVATE = "ACTIVATE", _("Account activation")
    RESET = "RESET", pgettext_lazy("purpose", "Password reset")
    CHANGE_EMAIL = "CHANGE_EMAIL", _("Change of email")


class EmailLink(models.Model):
    """A single-use, expiring link sent by email. Only the SHA-256 of its random token is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_links")
    purpose = models.CharField(max_length=16, choices=LinkPurpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    sent_to = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose"], condition=models.Q(closed_at__isnull=True), name="link_one_open_per_purpose"
            ),
            models.CheckConstraint(condition=models.Q(purpose__in=LinkPurpose.values), name="link_purpose_valid"),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="link_expires_after"
            ),
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True) | models.Q(closed_at__isnull=False), name="link_used_is_closed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} link for {self.user_id}"


class LoginAttempt(models.Model):
    """One password try at the login that got (or is getting) an answer: the guessing budget of an IC number.

    Counted per IC number across every address (django-axes counts per IC number and address): a try takes a row
    before its password is checked, under a per-IC lock, and only while fewer than ACCOUNTS_LOGIN_FAILURES_PER_HOUR
    rows are in the last hour; a right password gives its row back. Past the budget the IC needs a one-time code
    by SMS as well (matrix/accounts/login_guard.py). Kept for any IC number typed, with or without an account."""

    id_number = models.CharField(max_length=60)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["id_number", "created_at"], name="login_attempt_ic_time")]

    def __str__(self) -> str:
        return f"login attempt on {self.id_number} at {self.created_at:%Y-%m-%d %H:%M:%S}"
