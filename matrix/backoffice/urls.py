"""/staff/ — a flat list: append your pages at the end (each view wrapped by permissions.staff_required)."""

from django.urls import path

from matrix.backoffice import views

app_name = "backoffice"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.signin, name="login"),
    path("login/code/", views.signin_totp, name="signin_totp"),
    path("login/enrol/", views.signin_enrol, name="signin_enrol"),
    path("logout/", views.signout, name="logout"),
    path("people/", views.person_search, name="person_search"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("documents/<int:pk>/", views.person_document, name="person_document"),
    path("accounts/", views.staff_list, name="staff_list"),
    path("accounts/<int:pk>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
]

from matrix.reports.urls import urlpatterns as reports_urlpatterns  # noqa: E402

urlpatterns += reports_urlpatterns

# Casework (issue 10): review queue, payments that need a person, refunds, counter payments.
urlpatterns += [
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/", views.review_detail, name="review_detail"),
    path("review/<int:pk>/verify/", views.review_verify, name="review_verify"),
    path("review/<int:pk>/reject/", views.review_reject, name="review_reject"),
    path("attention/", views.attention_list, name="attention_list"),
    path("attention/<int:pk>/requery/", views.attention_requery, name="attention_requery"),
    path("attention/<int:pk>/settle/", views.attention_settle, name="attention_settle"),
    path("attention/<int:pk>/fail/", views.attention_fail, name="attention_fail"),
    path("attention/<int:pk>/refund/", views.attention_refund_view, name="attention_refund"),
    path("refunds/", views.refund_list, name="refund_list"),
    path("refunds/<int:pk>/approve/", views.refund_approve_view, name="refund_approve"),
    path("refunds/<int:pk>/paid/", views.refund_paid_view, name="refund_paid"),
    path("counter/", views.counter_search, name="counter_search"),
    path("counter/<int:pk>/", views.counter_record, name="counter_record"),
]
