"""Endpoints providers call, served in every profile (mounted at /notifications/ by config/urls.py)."""

from django.urls import path

from matrix.notifications import views

app_name = "notifications_gateway"

urlpatterns = [path("sms/receipt/", views.sms_receipt, name="sms_receipt")]
