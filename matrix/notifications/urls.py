from django.urls import path

from matrix.notifications import views

app_name = "notifications"

urlpatterns = [path("", views.outbox, name="outbox")]
