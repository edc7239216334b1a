from django.contrib import admin

from matrix.notifications.models import Message, RenewalReminder


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Staff see what was sent and whether it arrived; never the body (encrypted while it waits, then blank)."""

    list_display = ["created_at", "channel", "recipient", "kind", "status", "attempts", "sent_at", "receipt_at"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["recipient", "provider_id", "event_key"]
    exclude = ["body_encrypted"]
    readonly_fields = [
        "reference", "channel", "recipient", "user", "kind", "language", "subject", "event_key", "status", "attempts",
        "last_error", "provider_id", "next_attempt_at", "claimed_at", "created_at", "sent_at", "receipt_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RenewalReminder)
class RenewalReminderAdmin(admin.ModelAdmin):
    """Which reminders the daily job wrote (read only: the job alone writes them)."""

    list_display = ["created_at", "registration", "kind", "period_end"]
    list_filter = ["kind"]
    readonly_fields = ["registration", "period_end", "kind", "run_token", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
