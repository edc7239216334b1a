"""The back-office pages of reconciliation, reports, reference data and content pages. matrix/backoffice/urls.py
appends this list to its own, so every name is in the 'backoffice' namespace (and walked by the permission test)."""

from django.urls import path

from matrix.backoffice.views import content, reference
from matrix.reports import views

urlpatterns = [
    path("reconciliation/", views.reconciliation_list, name="reconciliation_list"),
    path("reconciliation/<int:pk>/", views.reconciliation_detail, name="reconciliation_detail"),
    path("reports/", views.reports, name="reports"),
    path("reports/<slug:report>.csv", views.report_export, name="report_export"),
    path("reference/", reference.reference_home, name="reference_home"),
    path("reference/plans/new-rate/", reference.plan_rate_new, name="plan_rate_new"),
    path("reference/sectors/<int:pk>/", reference.sector_edit, name="sector_edit"),
    path("reference/sectors/<int:pk>/classes/new/", reference.sector_class_new, name="sector_class_new"),
    path("reference/classes/<int:pk>/", reference.sector_class_edit, name="sector_class_edit"),
    path("reference/banks/new/", reference.bank_new, name="bank_new"),
    path("reference/banks/<int:pk>/", reference.bank_edit, name="bank_edit"),
    path("reference/branches/new/", reference.branch_new, name="branch_new"),
    path("reference/branches/<int:pk>/", reference.branch_edit, name="branch_edit"),
    path("content/", content.content_list, name="content_list"),
    path("content/<slug:slug>/", content.content_edit, name="content_edit"),
]
