"""Payments, refunds and the FPX message log in the admin: read-only (money moves only through services; the
back office moves refunds through Approved and Paid)."""

from django.contrib import admin

from matrix.payments.models import FpxMessage, Payment, Refund


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FpxMessageInline(admin.TabularInline):
    model = FpxMessage
    fields = ("received_at", "channel", "signature_valid", "outcome", "remote_addr")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("seller_ex_order_no", "status", "amount", "receipt_no", "fpx_txn_id", "bank", "refund_due",
                    "created_at", "paid_at", "settled_at", "enquiry_count", "attention_reason")
    list_filter = ("status", "refund_due")
    search_fields = ("seller_ex_order_no", "seller_order_no", "receipt_no", "fpx_txn_id")
    list_select_related = ("bank",)
    date_hierarchy = "created_at"
    inlines = [FpxMessageInline]


@admin.register(FpxMessage)
class FpxMessageAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "channel", "seller_ex_order_no", "signature_valid", "outcome", "remote_addr")
    list_filter = ("channel", "signature_valid")
    search_fields = ("seller_ex_order_no", "outcome")
    raw_id_fields = ("payment",)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("payment", "amount", "reason", "state", "created_at", "approved_at", "approved_by", "paid_at",
                    "bank_reference")
    list_filter = ("state", "reason")
    search_fields = ("payment__seller_ex_order_no", "payment__receipt_no", "payment__fpx_txn_id", "bank_reference")
    list_select_related = ("payment", "approved_by")
    raw_id_fields = ("payment", "approved_by")
