"""The access-control matrix (issue 10, item 2): every route x every role, over HTTP.

Rows come from each app's `tests/access_matrix.py` (format: access_matrix_format.py). Two
tests: one fails when a route, admin view or admin action exists that no row lists (or a row
names something that does not exist); the other signs in one real, TOTP-verified staff
account per role (metavast/staff/roles.py, assigned through the service) and checks each
row: allowed means the expected status (200 unless the row says otherwise), denied means
anything else but a server error.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import metavast
from metavast.accounts.testing import verify_staff_client
from metavast.orders.tests.factories import shop  # noqa: F401  (fixture)
from metavast.staff.roles import ROLES
from metavast.staff.tests.access_matrix_format import (
    CUSTOMER,
    PUBLIC,
    ROLE_KEYS,
    STAFF,
    Action,
    AdminModel,
    Route,
)

ADMIN_SUFFIXES = ("changelist", "add", "change", "delete", "history")


# --- Rows ----------------------------------------------------------------------------------


def matrix_rows() -> list:
    rows = []
    root = Path(metavast.__file__).resolve().parent
    for path in sorted(root.glob("*/tests/access_matrix.py")):
        module = importlib.import_module(f"metavast.{path.parent.parent.name}.tests.access_matrix")
        rows.extend(module.ROWS)
    return rows


def _admin_model_keys(model_label: str) -> set[str]:
    app, model = model_label.split(".")
    keys = {f"admin:{app}_{model}_{suffix}" for suffix in ADMIN_SUFFIXES}
    keys.add(f"admin/{app}/{model}/<path:object_id>/")  # the bare object URL (a redirect)
    return keys


def covered_keys(rows) -> tuple[set[str], set[tuple[str, str]]]:
    routes: set[str] = set()
    actions: set[tuple[str, str]] = set()
    for row in rows:
        if isinstance(row, AdminModel):
            routes |= _admin_model_keys(row.model)
        elif isinstance(row, Route):
            routes.add(row.name)
        elif isinstance(row, Action):
            actions.add((row.model, row.action))
    return routes, actions


# --- Discovery -----------------------------------------------------------------------------


def _walk(resolver, prefix="", namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                yield prefix + str(pattern.pattern)


def discovered_routes() -> set[str]:
    return set(_walk(get_resolver()))


class _EveryPermission:
    """A stand-in superuser, so that get_actions() shows actions added per request."""

    is_active = is_staff = is_superuser = is_authenticated = True
    pk = id = 0

    def has_perm(self, perm, obj=None):
        return True

    def has_perms(self, perms, obj=None):
        return True

    def has_module_perms(self, app_label):
        return True


def discovered_actions() -> set[tuple[str, str]]:
    request = RequestFactory().get("/")
    request.user = _EveryPermission()
    found = set()
    for model, model_admin in admin.site._registry.items():
        names = {name for _func, name, _description in model_admin._get_base_actions()}
        names |= set(model_admin.get_actions(request))
        found |= {(model._meta.label_lower, name) for name in names}
    return found


def test_every_route_view_and_action_is_in_the_matrix():
    rows = matrix_rows()
    routes, actions = covered_keys(rows)
    found_routes, found_actions = discovered_routes(), discovered_actions()
    assert sorted(found_routes - routes) == [], "routes no access_matrix.py lists"
    assert sorted(found_actions - actions) == [], "admin actions no access_matrix.py lists"
    assert sorted(routes - found_routes) == [], "rows naming routes that do not exist"
    assert sorted(actions - found_actions) == [], "rows naming actions that do not exist"


def test_matrix_rows_name_only_known_roles():
    known = set(ROLE_KEYS)
    assert known == {role.key for role in ROLES}
    for row in matrix_rows():
        for attr in ("view", "add", "change", "delete", "allowed"):
            assert set(getattr(row, attr, ())) <= known, (row, attr)


# --- The HTTP check ------------------------------------------------------------------------


class World:
    """Objects the rows' URLs need, made once."""

    def __init__(self, superuser, staff):
        self.superuser = superuser
        self.staff = staff
        self._made: dict[str, object] = {}

    def once(self, key, factory):
        if key not in self._made:
            self._made[key] = factory()
        return self._made[key]

    @property
    def customer(self):
        from metavast.orders.tests.factories import make_customer

        return self.once("customer", lambda: make_customer(first_name="ژاله", last_name="کریمی"))

    @property
    def paid_order(self):
        from metavast.invoices.tests.factories import paid_order

        return self.once("paid_order", lambda: paid_order(self.customer))

    @property
    def order(self):
        def make():
            from metavast.orders.services import order_start_processing

            order = self.paid_order
            return order_start_processing(order=order, actor=self.superuser)

        return self.once("order", make)

    @property
    def invoice(self):
        def make():
            from metavast.invoices.services import invoice_issue_for_order

            return invoice_issue_for_order(order_id=self.paid_order.pk)

        return self.once("invoice", make)

    @property
    def payment(self):
        def make():
            from metavast.payments.models import Payment

            return Payment.objects.create(
                order=self.paid_order,
                gateway="sandbox",
                authority="matrix-authority",
                amount=self.paid_order.total,
            )

        return self.once("payment", make)

    @property
    def variant(self):
        from metavast.orders.tests.factories import make_variant

        return self.once("variant", lambda: make_variant(title="کالای ماتریس"))

    @property
    def product(self):
        return self.variant.product


def _resolve(value, world):
    return value(world) if callable(value) else value


def _url(name: str, args) -> str:
    if "/" in name or name.startswith("^"):
        raise ValueError(f"{name}: an unnamed route needs a name to be checked")
    if isinstance(args, dict):
        return reverse(name, kwargs=args)
    return reverse(name, args=tuple(args))


def _pk(obj):
    return getattr(obj, "pk", obj)


def _requests(row, world):
    """(label, url, method, data, allowed roles, ok statuses) for each request of a row."""
    if isinstance(row, AdminModel):
        app, model = row.model.split(".")
        base = f"admin:{app}_{model}"
        yield (f"{base}_changelist", reverse(f"{base}_changelist"), "GET", None, row.view, (200,))
        yield (f"{base}_add", reverse(f"{base}_add"), "GET", None, row.add, (200,))
        if row.obj is not None:
            pk = _pk(row.obj(world))
            for suffix, roles in (
                ("change", row.view),
                ("history", row.view),
                ("delete", row.delete),
            ):
                url = reverse(f"{base}_{suffix}", args=(pk,))
                yield (f"{base}_{suffix}", url, "GET", None, roles, (200,))
    elif isinstance(row, Route) and row.audience == STAFF:
        url = _url(row.name, _resolve(row.args, world))
        yield (row.name, url, row.method, _resolve(row.data, world), row.allowed, row.ok)


def _offered_actions(client, model_label: str) -> set[str] | None:
    app, model = model_label.split(".")
    response = client.get(reverse(f"admin:{app}_{model}_changelist"))
    if response.status_code != 200:
        return None
    html = response.content.decode()
    select = re.search(r'<select name="action"[^>]*>(.*?)</select>', html, re.S)
    return set(re.findall(r'<option value="([^"]+)"', select.group(1))) if select else set()


@pytest.fixture
def matrix_world(db, shop):  # noqa: F811
    from metavast.orders.tests.factories import make_customer
    from metavast.staff.services import roles_sync, staff_role_assign

    roles_sync()
    superuser = make_customer(is_staff=True, first_name="راه‌انداز", email="root@example.com")
    staff = {}
    for role in ROLE_KEYS:
        user = make_customer(email=f"{role}@staff.example.com", first_name=role)
        staff[role] = staff_role_assign(user=user, role=role, actor=superuser)
    return World(superuser, staff)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return verify_staff_client(client, user)


@pytest.mark.django_db
def test_each_role_gets_exactly_what_the_matrix_allows(matrix_world):
    world = matrix_world
    rows = matrix_rows()
    clients = {role: _client(user) for role, user in world.staff.items()}
    wrong: list[str] = []
    for row in rows:
        if isinstance(row, Route) and row.audience == CUSTOMER:
            url = _url(row.name, _resolve(row.args, world))
            status = Client().get(url).status_code
            if status == 200 or status >= 500:
                wrong.append(f"anonymous {row.name} {url}: {status}")
            continue
        if isinstance(row, Route) and row.audience == PUBLIC:
            continue
        if isinstance(row, Action):
            for role, client in clients.items():
                offered = _offered_actions(client, row.model)
                got = bool(offered) and row.action in offered
                if got != (role in row.allowed):
                    wrong.append(f"{role} action {row.model}:{row.action}: offered={got}")
            continue
        for label, url, method, data, allowed, ok in _requests(row, world):
            for role, client in clients.items():
                response = client.post(url, data or {}) if method == "POST" else client.get(url)
                status = response.status_code
                if status >= 500 or (status in ok) != (role in allowed):
                    wrong.append(f"{role} {method} {label} {url}: {status}")
    assert wrong == []


def _may_change(row) -> set[str]:
    """The roles that may change a model: the row's own list, else the role table's
    change permission (the GET check above reads `view` only)."""
    if row.change:
        return set(row.change)
    app, model = row.model.split(".")
    return {role.key for role in ROLES if f"{app}.change_{model}" in role.permissions}


def _writes(row, world):
    """(label, url, data, roles allowed to write, pk or None) for each admin write of a row."""
    app, model = row.model.split(".")
    base = f"admin:{app}_{model}"
    yield f"{base}_add", reverse(f"{base}_add"), {}, row.add, None
    if row.obj is not None:
        pk = _pk(row.obj(world))
        change = reverse(f"{base}_change", args=(pk,))
        yield f"{base}_change", change, {}, _may_change(row), pk
        delete = reverse(f"{base}_delete", args=(pk,))
        yield f"{base}_delete", delete, {"post": "yes"}, row.delete, pk


@pytest.mark.django_db
def test_roles_without_a_write_permission_cannot_write_by_posting(matrix_world):
    """Hiding a button is not enough: a role without add, change or delete on a model that
    POSTs the admin form anyway is refused (403), and nothing is added or deleted. A
    staff-only route refuses a POST from a role it does not allow as well."""
    world = matrix_world
    clients = {role: _client(user) for role, user in world.staff.items()}
    wrong: list[str] = []
    for row in matrix_rows():
        if isinstance(row, AdminModel):
            model = apps.get_model(row.model)
            rows = model._default_manager
            for label, url, data, allowed, pk in _writes(row, world):
                for role, client in clients.items():
                    if role in allowed:
                        continue
                    # Every staff request may itself be audited: count other tables only.
                    before = None if row.model == "audit.auditevent" else rows.count()
                    status = client.post(url, data).status_code
                    if status != 403:
                        wrong.append(f"{role} POST {label} {url}: {status}")
                    if before is not None and rows.count() != before:
                        wrong.append(f"{role} POST {label}: a row was added or deleted")
                    if pk is not None and not rows.filter(pk=pk).exists():
                        wrong.append(f"{role} POST {label}: the object is gone")
        elif isinstance(row, Route) and row.audience == STAFF:
            url = _url(row.name, _resolve(row.args, world))
            data = _resolve(row.data, world) or {}
            for role, client in clients.items():
                if role in row.allowed:
                    continue
                status = client.post(url, data).status_code
                if status in (200, 201, 204) or status >= 500:
                    wrong.append(f"{role} POST {row.name} {url}: {status}")
    assert wrong == [], "\n".join(wrong)
