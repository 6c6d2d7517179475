"""The format of the access-control matrix (issue 10, item 2): role x resource -> allowed.

Each app may have `metavast/<app>/tests/access_matrix.py` exporting `ROWS`, a list of the
row types below. `metavast/staff/tests/test_access_matrix.py` collects every app's ROWS,
discovers every route of the project (admin URLs of every registered ModelAdmin, their
custom get_urls views and admin actions, the django-ninja API, every other URL pattern),
fails when one is listed by no row, and checks each row over HTTP with one real,
TOTP-verified staff account per role (metavast/staff/roles.py ROLES). A superuser is set-up
only and is not part of the matrix.

Row types (role keys: support, warehouse, catalog, finance, marketing, moderator,
legal_officer, admin):

    AdminModel("legal.disclosurerequest",             # app_label.model_name of a ModelAdmin
               view={"legal_officer"},                # changelist, change view (GET), history
               add={"legal_officer"},                 # add view (GET)
               change={"legal_officer"},              # reserved; change view is GET-checked as view
               delete=set(),                          # delete confirmation (GET)
               obj=lambda w: w.once("disclosure", make_request))  # an instance for the
                                                      # change/history/delete URLs
    Covers admin:<app>_<model>_{changelist,add,change,delete,history} and the bare
    `<object_id>/` redirect. Allowed means HTTP 200; denied means 403, 404 or a redirect
    (302) away from the page (Django's admin redirects a missing/forbidden object to the
    index). `obj=None` when no instance can be made: change/history/delete are then not
    requested (say why in `note`).

    Route("admin:legal_disclosurerequest_approve",     # a URL name, namespace included
          allowed={"legal_officer"},
          args=lambda w: (w.once("disclosure", make_request).pk,),  # or a tuple, or a dict
          method="GET",                               # "POST" sends `data` (a dict or
          data=None,                                  #   callable(w) -> dict)
          ok=(200,))                                  # statuses that mean "allowed"
    For a custom admin view, a staff page, an export, a PDF, a download. An unnamed URL
    pattern is named by its full route string, e.g. "admin/catalog/category/move/".

    Action("legal.disclosurerequest", "approve_selected", allowed={"legal_officer"})
    An admin action: allowed means the role's changelist offers it (ModelAdmin.get_actions),
    denied means it is not offered or the changelist is refused. "delete_selected" is
    checked like any other action when the ModelAdmin keeps it.

    Route("legal:transparency", audience=PUBLIC)      # anyone, signed in or not: listed,
                                                      # not role-checked
    Route("orders:detail", audience=CUSTOMER, args=...)  # a customer's own data: an
                                                      # anonymous request must not get 200
    Route("payments:callback", audience=PUBLIC, note="bank callback, signed by the PSP")

`w` is the matrix's World: `w.once(key, factory)` makes an object once per test run and
returns it; `w.customer`, `w.order` (PROCESSING, with a receiver), `w.paid_order`,
`w.invoice`, `w.payment`, `w.product`, `w.variant` are ready-made; `w.staff[role]` is the
role's account and `w.superuser` a superuser (for objects a service must create as staff).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

STAFF = "staff"  # checked per role
PUBLIC = "public"  # anyone: listed only
CUSTOMER = "customer"  # a signed-in customer's own data: anonymous must not get 200

ROLE_KEYS = (
    "support",
    "warehouse",
    "catalog",
    "finance",
    "marketing",
    "moderator",
    "legal_officer",
    "admin",
)
ALL = frozenset(ROLE_KEYS)  # every staff role (e.g. the admin index, own access history)
NOBODY = frozenset()  # superusers only (set-up), or no one


@dataclass(frozen=True)
class AdminModel:
    model: str
    view: frozenset[str] | set[str] = frozenset()
    add: frozenset[str] | set[str] = frozenset()
    change: frozenset[str] | set[str] = frozenset()
    delete: frozenset[str] | set[str] = frozenset()
    obj: Callable[[Any], Any] | None = None
    note: str = ""


@dataclass(frozen=True)
class Route:
    name: str
    allowed: frozenset[str] | set[str] = frozenset()
    args: Callable[[Any], Any] | tuple | dict = ()
    method: str = "GET"
    data: Callable[[Any], dict] | dict | None = None
    ok: tuple[int, ...] = (200,)
    audience: str = STAFF
    note: str = ""


@dataclass(frozen=True)
class Action:
    model: str
    action: str
    allowed: frozenset[str] | set[str] = frozenset()
    note: str = ""
