"""The accounts API (/api/v1/accounts/...): sign-up and sign-in for apps and the browser.

Apps sign in (`/auth/signin`, `/auth/code/verify`, `/auth/signup`) and receive a short-lived
access token and a refresh token; they call with `Authorization: Bearer <access>` and renew
at `/auth/refresh`. A browser signed in on the site may call the `/me` endpoints with its
session cookie and the CSRF header. Sensitive changes (email, mobile, password) take the
current password or a fresh step-up code in the body, or a fresh web step-up.

Every error is the project's `{"code", "message", "fields"}`; no answer says whether an
account exists for a mobile or email that has not been proved.

Each flow has its module (signin, passwords, profile, stepup, addresses, sessions) and mounts
its router here, in the order the endpoints had when they shared one module: the published
schema keeps its order. Operation ids are spelled out on each endpoint (`accounts_sign_up`;
the rule is in config/api.py), so moving an endpoint never renames a generated client's method.
"""

from __future__ import annotations

from ninja import Router

from metavast.accounts.api import addresses, passwords, profile, sessions, signin, stepup

router = Router(tags=["accounts"])

for flow_router in (
    signin.router,
    passwords.reset_router,
    addresses.provinces_router,
    profile.profile_router,
    stepup.router,
    profile.contacts_router,
    passwords.change_router,
    addresses.address_book_router,
    sessions.router,
):
    router.add_router("", flow_router)
