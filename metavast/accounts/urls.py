from django.urls import path

from metavast.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("login/", views.login_view, name="login"),
    path("signup/", views.login_view, {"signup": True}, name="signup"),
    path("login/code/", views.code_view, name="code"),
    path("welcome/", views.welcome_view, name="welcome"),
    path("logout/", views.logout_view, name="logout"),
    path("verify/", views.stepup_view, name="stepup"),
    path("password/", views.password_view, name="password"),
    path("password/reset/", views.password_reset_view, name="password_reset"),
    path("password/reset/code/", views.password_reset_code_view, name="password_reset_code"),
    path(
        "password/reset/<str:uidb64>/<str:token>/",
        views.password_reset_link_view,
        name="password_reset_link",
    ),
    path("profile/", views.profile_view, name="profile"),
    path("email/", views.email_view, name="email"),
    path("email/confirm/<str:token>/", views.email_confirm_view, name="email_confirm"),
    path("mobile/", views.mobile_view, name="mobile"),
    path("mobile/confirm/", views.mobile_confirm_view, name="mobile_confirm"),
    path("landline/", views.landline_view, name="landline"),
    path("addresses/", views.addresses_view, name="addresses"),
    path("addresses/new/", views.address_edit_view, name="address_new"),
    path("addresses/cities/", views.cities_view, name="cities"),
    path("addresses/<id:pk>/", views.address_edit_view, name="address_edit"),
    path("addresses/<id:pk>/delete/", views.address_delete_view, name="address_delete"),
    path("sessions/", views.sessions_view, name="sessions"),
    path("sessions/<id:pk>/revoke/", views.session_revoke_view, name="session_revoke"),
    path(
        "sessions/revoke-others/", views.sessions_revoke_others_view, name="sessions_revoke_others"
    ),
    path("staff/2fa/", views.staff_2fa_view, name="staff_2fa"),
]
