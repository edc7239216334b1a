from django.urls import path

from matrix.fpx_simulator import views

app_name = "fpx_simulator"

urlpatterns = [
    path("", views.index, name="index"),
    path("banklist/", views.banklist, name="banklist"),
    path("ar/", views.ar, name="ar"),
    path("enquiry/", views.enquiry, name="enquiry"),
    path("bank/<str:token>/", views.bank_login, name="bank_login"),
    path("bank/<str:token>/authorise/", views.bank_authorise, name="bank_authorise"),
]
