from django.urls import path

from matrix.pages import views

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_page, name="help"),
    path("faq/", views.faq, name="faq"),
    path("terms/", views.terms, name="terms"),
    path("contact/", views.contact, name="contact"),
    path("benefits/", views.benefits, name="benefits"),
    path("coverage-check/", views.coverage_check, name="coverage_check"),
]
