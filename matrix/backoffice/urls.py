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
