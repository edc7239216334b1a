from django.urls import path

from matrix.accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/verify/", views.signup_verify, name="signup_verify"),
    path("signup/resend/", views.signup_resend, name="signup_resend"),
    path("signup/done/", views.signup_done, name="signup_done"),
    path("activate/", views.activate, name="activate"),
    path("activate/new-link/", views.activation_resend, name="activation_resend"),
    path("activate/<str:token>/", views.activate_link, name="activate_link"),
    path("login/", views.login_view, name="login"),
    path("login/password/", views.login_password, name="login_password"),
    path("login/code/", views.login_code, name="login_code"),
    path("logout/", views.logout_view, name="logout"),
    path("mode/", views.mode, name="mode"),
    path("session/extend/", views.session_extend, name="session_extend"),
    path("password/forgot/", views.password_forgot, name="password_forgot"),
    path("password/reset/code/", views.password_reset_code, name="password_reset_code"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/<str:token>/", views.password_reset_link, name="password_reset_link"),
    path("management/", views.management, name="management"),
    path("management/password/", views.password_change, name="password_change"),
    path("management/secret-phrase/", views.secret_phrase_change, name="secret_phrase_change"),
    path("management/email/", views.email_change, name="email_change"),
    path("management/mobile/", views.mobile_change, name="mobile_change"),
    path("management/mobile/verify/", views.mobile_verify, name="mobile_verify"),
    path("email/confirm/", views.email_confirm_page, name="email_confirm_page"),
    path("email/confirm/<str:token>/", views.email_confirm_link, name="email_confirm"),
]
