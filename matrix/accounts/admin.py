"""Staff view of accounts: identity and status only. No password hashes, codes or link hashes are shown."""

from django.contrib import admin

from matrix.accounts.models import EmailLink, OneTimeCode, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["id_number", "full_name", "id_type", "email", "mobile", "is_active", "activated_at", "last_login"]
    list_filter = ["id_type", "is_active", "is_staff"]
    search_fields = ["id_number", "full_name", "email", "mobile"]
    ordering = ["-date_joined"]
    fields = [
        "id_type", "id_number", "full_name", "email", "mobile", "is_active", "is_staff", "is_superuser", "groups",
        "user_permissions", "date_joined", "mobile_verified_at", "email_verified_at", "activated_at", "last_login",
        "previous_login",
    ]
    readonly_fields = [
        "id_type", "id_number", "date_joined", "mobile_verified_at", "email_verified_at", "activated_at",
        "last_login", "previous_login",
    ]
    filter_horizontal = ["groups", "user_permissions"]
    # Who may do what: only a superuser grants it, so staff allowed to edit accounts cannot raise themselves.
    privilege_fields = ["is_staff", "is_superuser", "groups", "user_permissions"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [name for name in self.privilege_fields if name not in fields]
        return fields

    def has_add_permission(self, request):
        return False  # accounts are made by sign-up (or `createsuperuser` for staff)


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(_ReadOnlyAdmin):
    list_display = ["user", "purpose", "sent_to", "created_at", "expires_at", "attempts", "used_at", "closed_at"]
    list_filter = ["purpose"]
    search_fields = ["user__id_number", "sent_to"]
    fields = ["user", "purpose", "sent_to", "created_at", "expires_at", "attempts", "used_at", "closed_at"]
    list_select_related = ["user"]


@admin.register(EmailLink)
class EmailLinkAdmin(_ReadOnlyAdmin):
    list_display = ["user", "purpose", "sent_to", "created_at", "expires_at", "used_at", "closed_at"]
    list_filter = ["purpose"]
    search_fields = ["user__id_number", "sent_to"]
    fields = ["user", "purpose", "sent_to", "created_at", "expires_at", "used_at", "closed_at"]
    list_select_related = ["user"]
