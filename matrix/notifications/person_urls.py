"""The person's message pages (mounted at /messages/ by config/urls.py)."""

from django.urls import path

from matrix.notifications import person_views

app_name = "notifications_person"

urlpatterns = [
    path("preferences/", person_views.preferences, name="preferences"),
    path("history/", person_views.history, name="history"),
    path("renew/<int:registration_id>/", person_views.renew, name="renew"),
]
