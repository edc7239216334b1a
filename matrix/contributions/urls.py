from django.urls import path

from matrix.contributions import views

app_name = "contributions"

urlpatterns = [
    path("", views.history, name="history"),
    path("<int:pk>/", views.detail, name="detail"),
    path("renew/", views.renew, name="renew"),
    path("renew/<int:registration_id>/", views.renew_sector, name="renew_sector"),
]
