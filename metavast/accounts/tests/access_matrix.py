"""Access matrix rows for accounts (format: metavast/staff/tests/access_matrix_format.py)."""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import (
    CUSTOMER,
    NOBODY,
    PUBLIC,
    Action,
    AdminModel,
    Route,
)

SUPPORT_ADMIN = frozenset({"support", "admin"})


def _customer(w):
    return w.customer


def _address(w):
    from metavast.orders.tests.factories import make_address

    return w.once("address", lambda: make_address(w.customer)).pk


def _address_args(w):
    return (_address(w),)


ROWS = [
    # Customers: support and admin open a customer's page (contacts hidden, audited); only
    # the admin role adds accounts or sets a customer's password; nobody but a superuser
    # deletes.
    AdminModel("accounts.user", view=SUPPORT_ADMIN, add={"admin"}, delete=NOBODY, obj=_customer),
    Action("accounts.user", "delete_selected"),
    Route("admin:accounts_user_reveal", allowed=SUPPORT_ADMIN, args=lambda w: (w.customer.pk,)),
    Route("admin:auth_user_password_change", allowed={"admin"}, args=lambda w: (w.customer.pk,)),
    # The customer's own pages: signed-in customers only.
    Route("accounts:home", audience=CUSTOMER),
    Route("accounts:login", audience=PUBLIC),
    Route("accounts:signup", audience=PUBLIC),
    Route("accounts:code", audience=PUBLIC),
    Route("accounts:welcome", audience=CUSTOMER),
    Route("accounts:logout", audience=PUBLIC),
    Route("accounts:stepup", audience=CUSTOMER),
    Route("accounts:password", audience=CUSTOMER),
    Route("accounts:password_reset", audience=PUBLIC),
    Route("accounts:password_reset_code", audience=PUBLIC),
    Route("accounts:password_reset_link", audience=PUBLIC, note="a signed token"),
    Route("accounts:profile", audience=CUSTOMER),
    Route("accounts:email", audience=CUSTOMER),
    Route("accounts:email_confirm", audience=PUBLIC, note="a signed token"),
    Route("accounts:mobile", audience=CUSTOMER),
    Route("accounts:mobile_confirm", audience=CUSTOMER),
    Route("accounts:landline", audience=CUSTOMER),
    Route("accounts:addresses", audience=CUSTOMER),
    Route("accounts:address_new", audience=CUSTOMER),
    Route("accounts:cities", audience=PUBLIC, note="the list of cities of a province"),
    Route("accounts:address_edit", audience=CUSTOMER, args=_address_args),
    Route("accounts:address_delete", audience=CUSTOMER, args=_address_args),
    Route("accounts:sessions", audience=CUSTOMER),
    Route("accounts:session_revoke", audience=CUSTOMER, args=(1,)),
    Route("accounts:sessions_revoke_others", audience=CUSTOMER),
    Route("accounts:staff_2fa", audience=PUBLIC, note="staff TOTP step; signed-in staff only"),
    Route("accounts:staff_backup_codes", audience=CUSTOMER, note="a staff member's own codes"),
    # The API: sign-in flows are public, the rest is the caller's own account.
    Route("api:code_request_endpoint", audience=PUBLIC),
    Route("api:code_verify_endpoint", audience=PUBLIC),
    Route("api:signup_endpoint", audience=PUBLIC),
    Route("api:signin_endpoint", audience=PUBLIC),
    Route("api:refresh_endpoint", audience=PUBLIC),
    Route("api:signout_endpoint", audience=PUBLIC),
    Route("api:password_reset_request_endpoint", audience=PUBLIC),
    Route("api:password_reset_code_endpoint", audience=PUBLIC),
    Route("api:provinces_endpoint", audience=PUBLIC),
    Route("api:email_confirm_endpoint", audience=PUBLIC),
    Route("api:me_endpoint", audience=CUSTOMER),
    Route("api:me_update_endpoint", audience=CUSTOMER),
    Route("api:contacts_endpoint", audience=CUSTOMER),
    Route("api:stepup_code_endpoint", audience=CUSTOMER),
    Route("api:email_change_endpoint", audience=CUSTOMER),
    Route("api:mobile_change_endpoint", audience=CUSTOMER),
    Route("api:mobile_confirm_endpoint", audience=CUSTOMER),
    Route("api:landline_endpoint", audience=CUSTOMER),
    Route("api:password_endpoint", audience=CUSTOMER),
    Route("api:addresses_endpoint", audience=CUSTOMER),
    Route("api:address_create_endpoint", audience=CUSTOMER),
    Route("api:address_endpoint", audience=CUSTOMER, args={"address_id": 1}),
    Route("api:address_update_endpoint", audience=CUSTOMER, args={"address_id": 1}),
    Route("api:address_delete_endpoint", audience=CUSTOMER, args={"address_id": 1}),
    Route("api:sessions_endpoint", audience=CUSTOMER),
    Route("api:sessions_revoke_others_endpoint", audience=CUSTOMER),
    Route("api:session_revoke_endpoint", audience=CUSTOMER, args={"session_id": 1}),
]
