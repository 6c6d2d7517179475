from django.urls import path

from metavast.accounts.views import (
    addresses,
    passwords,
    profile,
    sessions,
    signin,
    staff,
    stepup,
)

app_name = "accounts"

urlpatterns = [
    path("", profile.home_view, name="home"),
    path("login/", signin.login_view, name="login"),
    path("signup/", signin.login_view, {"signup": True}, name="signup"),
    path("login/code/", signin.code_view, name="code"),
    path("welcome/", signin.welcome_view, name="welcome"),
    path("logout/", signin.logout_view, name="logout"),
    path("verify/", stepup.stepup_view, name="stepup"),
    path("password/", passwords.password_view, name="password"),
    path("password/reset/", passwords.password_reset_view, name="password_reset"),
    path("password/reset/code/", passwords.password_reset_code_view, name="password_reset_code"),
    path(
        "password/reset/<str:uidb64>/<str:token>/",
        passwords.password_reset_link_view,
        name="password_reset_link",
    ),
    path("profile/", profile.profile_view, name="profile"),
    path("email/", profile.email_view, name="email"),
    path("email/confirm/<str:token>/", profile.email_confirm_view, name="email_confirm"),
    path("mobile/", profile.mobile_view, name="mobile"),
    path("mobile/confirm/", profile.mobile_confirm_view, name="mobile_confirm"),
    path("landline/", profile.landline_view, name="landline"),
    path("addresses/", addresses.addresses_view, name="addresses"),
    path("addresses/new/", addresses.address_edit_view, name="address_new"),
    path("addresses/cities/", addresses.cities_view, name="cities"),
    path("addresses/<id:pk>/", addresses.address_edit_view, name="address_edit"),
    path("addresses/<id:pk>/delete/", addresses.address_delete_view, name="address_delete"),
    path("sessions/", sessions.sessions_view, name="sessions"),
    path("sessions/<id:pk>/revoke/", sessions.session_revoke_view, name="session_revoke"),
    path(
        "sessions/revoke-others/",
        sessions.sessions_revoke_others_view,
        name="sessions_revoke_others",
    ),
    path("staff/2fa/", staff.staff_2fa_view, name="staff_2fa"),
    path("staff/2fa/backup-codes/", staff.staff_backup_codes_view, name="staff_backup_codes"),
]
