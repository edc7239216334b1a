from django.urls import path

from matrix.payments import views

app_name = "payments"

urlpatterns = [
    path("contribution/<int:contribution_id>/pay/", views.pay_now, name="pay_now"),
    path("contribution/<int:contribution_id>/bank/", views.select_bank, name="select_bank"),
    path("<int:payment_id>/", views.detail, name="detail"),
    path("<int:payment_id>/continue/", views.continue_to_bank, name="continue"),
    path("<int:payment_id>/receipt.pdf", views.receipt, name="receipt"),
    # FPX calls these: the direct AC host to host, the indirect AC through the buyer's browser.
    path("fpx/direct/", views.fpx_direct, name="fpx_direct"),
    path("fpx/indirect/", views.fpx_indirect, name="fpx_indirect"),
]
