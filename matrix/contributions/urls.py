from django.urls import path

from matrix.contributions import views

app_name = "contributions"

urlpatterns = [
    path("", views.history, name="history"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/cancel/", views.cancel_confirm, name="cancel_confirm"),
    path("<int:pk>/cancel/confirm/", views.cancel, name="cancel"),
    path("renew/", views.renew, name="renew"),
    path("renew/<int:registration_id>/", views.renew_sector, name="renew_sector"),
]
