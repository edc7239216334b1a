from django.urls import path

from matrix.registrations import views

app_name = "registrations"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("register/", views.register, name="register"),
    path("register/<slug:sector_code>/", views.register_form, name="register_form"),
    path("register/<slug:sector_code>/check/", views.register_check, name="register_check"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
]
