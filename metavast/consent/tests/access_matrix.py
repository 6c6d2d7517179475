"""Access matrix rows for consent (format: metavast/staff/tests/access_matrix_format.py).

The cookie routes are every visitor's own cookie choice; the marketing routes are a customer's
own consents (signed in), the signed one-step unsubscribe link (no sign-in: the signed token is
the key) and Kavenegar's receive callback (a secret path). No staff screen lists consents."""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import CUSTOMER, PUBLIC, Route

ROWS = [
    Route("consent:settings", audience=PUBLIC, note="the cookie settings page (footer link)"),
    Route(
        "consent:choose",
        audience=PUBLIC,
        method="POST",
        note="a visitor's own cookie choice; CSRF-protected, no data but the choice",
    ),
    Route("consent:marketing", audience=CUSTOMER, note="one's own marketing consents"),
    Route(
        "consent:unsubscribe",
        audience=PUBLIC,
        args=("bad-token",),
        ok=(404,),
        note="one-step unsubscribe: a signed token, no sign-in (RFC 8058 POST is CSRF-exempt)",
    ),
    Route(
        "consent:kavenegar_receive",
        audience=PUBLIC,
        args=("wrong-secret",),
        ok=(404,),
        note="Kavenegar's receive callback; a secret path segment authenticates it",
    ),
    Route("api:marketing_endpoint", audience=CUSTOMER, note="one's own marketing consents"),
    Route("api:marketing_change_endpoint", audience=CUSTOMER, note="change one's own consents"),
]
