"""MATRIX accounts: one per identity number (stored compact: 790811087654)."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
    id_number = models.CharField(_("IC Number"), max_length=20, unique=True)
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
