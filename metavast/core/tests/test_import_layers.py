"""Imports run one way (docs/decisions/0004-import-layers.md), and this test keeps it so.

Every module under metavast/ is parsed with `ast` (nothing is imported, no dependency is
added). Every import statement counts, wherever it is: at the top, inside a function (a lazy
import is still a dependency and still closes a cycle), under `if TYPE_CHECKING:`, and
`import_module("...")` / `__import__("...")` with a literal name. An edge goes to the module
named; `from package import name` goes to `package.name` when that is a module, else to
`package`, as import-linter and grimp count them.

The rules:
1. No module under metavast/ imports `config` (the project's wiring sits above every app).
2. No module under metavast/orders/ imports metavast.checkout or metavast.invoices.
3. An app imports only apps below it in `LAYERS`; every app under metavast/ has a place in it.
4. No import cycle between modules.

Tests and migrations are exempt from rules 1–3: tests exercise whole flows across apps on
purpose (an orders test needs checkout's shipping methods to place an order) and import the
project's wiring to test it (the Celery app, the WSGI app, the URLconf); migrations are
generated. Rule 4 holds for them too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import metavast

# Lowest first: an app may import the apps before it, never one after it. One line each says
# why it sits where it does; the decision record has the whole argument.
LAYERS = (
    "core",  # shared building blocks with no business rules: money, text, crypto, errors
    "audit",  # the append-only trail every service writes to
    "notifications",  # the outbox: addresses users by id and contact, knows no domain
    "accounts",  # users, contacts, addresses; sends its codes through notifications
    "consent",  # cookie (and later marketing) consent: a gate the features above ask
    "catalog",  # products, variants and stock; knows nothing of who buys
    "promotions",  # discount codes on catalog products and categories; orders redeem them
    "cart",  # a customer's (accounts) choice of variants (catalog)
    "orders",  # the cart snapshotted, stock held, the status machine
    "payments",  # pays orders; orders learns of it only through order_mark_paid
    "checkout",  # the buying steps, shipping and VAT rules; places orders
    "invoices",  # follows orders' status through orders.hooks
    "legal",  # the disclosure register: builds packages from accounts, orders and invoices
    "reviews",  # reviews and questions on products, by customers; legal holds on them
    "privacy",  # the purpose registry, retention, the customer's export and erasure
    "marketing",  # campaigns to consenting customers, by segment
    "analytics",  # counts without personal data, and the staff dashboard
    "staff",  # roles, access history and the staff home over every domain below
    "storefront",  # pages that put the others together
)
EXEMPT_PARTS = frozenset({"tests", "migrations", "conftest"})
DYNAMIC_IMPORTERS = frozenset({"import_module", "__import__"})

PACKAGE_ROOT = Path(metavast.__file__).resolve().parent


def module_files(root: Path = PACKAGE_ROOT) -> dict[str, Path]:
    """Dotted module name → file, for every .py file under `root` (the metavast package)."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imported_names(source: str, module: str, *, is_package: bool) -> set[str]:
    """Every module name `source` imports, wherever the import statement is."""
    package = module if is_package else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                names.add(target if alias.name == "*" else f"{target}.{alias.name}")
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in DYNAMIC_IMPORTERS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def import_graph(root: Path = PACKAGE_ROOT) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(edges between modules of the package, every name each module imports)."""
    modules = module_files(root)
    edges: dict[str, set[str]] = {}
    raw: dict[str, set[str]] = {}
    for module, path in modules.items():
        names = imported_names(
            path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py"
        )
        raw[module] = names
        # `from a.b import c` gave "a.b.c": the edge is to a.b.c if that is a module, else
        # to a.b (c is a name in it).
        targets = set()
        for name in names:
            if name in modules:
                targets.add(name)
            elif name.rpartition(".")[0] in modules:
                targets.add(name.rpartition(".")[0])
        targets.discard(module)
        edges[module] = targets
    return edges, raw


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _exempt(module: str) -> bool:
    return bool(EXEMPT_PARTS.intersection(module.split(".")))


def config_imports(raw: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, names in raw.items()
        if not _exempt(module)
        for name in names
        if name == "config" or name.startswith("config.")
    )


def orders_reaching_up(edges: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{module} imports {target}"
        for module, targets in edges.items()
        if _app(module) == "orders" and not _exempt(module)
        for target in targets
        if _app(target) in {"checkout", "invoices"}
    )


def apps_without_layer(root: Path = PACKAGE_ROOT) -> list[str]:
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and p.name not in LAYERS
    )


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    rank = {app: i for i, app in enumerate(LAYERS)}
    found = []
    for module, targets in edges.items():
        source = _app(module)
        if source not in rank or _exempt(module):
            continue
        for target in targets:
            app = _app(target)
            if app in rank and app != source and rank[app] > rank[source]:
                found.append(f"{module} ({source}) imports {target} ({app})")
    return sorted(found)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of two or more modules, as one cycle through it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    counter = 0

    for start in sorted(edges):
        if start in index:
            continue
        # Tarjan's algorithm without recursion: (node, iterator over its targets).
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(edges.get(target, ())))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(group)
    return [_cycle_in(group, edges) for group in groups]


def _cycle_in(group: set[str], edges: dict[str, set[str]]) -> list[str]:
    """One concrete cycle inside a strongly connected group, for the failure message."""
    start = min(group)
    path, seen = [start], {start}
    node = start
    while True:
        inside = sorted(t for t in edges[node] if t in group)
        if start in inside and len(path) > 1:
            return [*path, start]
        following = next((t for t in inside if t not in seen), None)
        if following is None:  # every way on is seen: close the loop where it meets the path
            following = inside[0]
            return [*path[path.index(following) :], following]
        path.append(following)
        seen.add(following)
        node = following


# --- the rules, on the code as it is -------------------------------------------------------


def test_no_module_imports_the_project_configuration():
    _, raw = import_graph()
    assert config_imports(raw) == []


def test_orders_imports_neither_checkout_nor_invoices():
    edges, _ = import_graph()
    assert orders_reaching_up(edges) == []


def test_every_app_has_a_layer():
    assert apps_without_layer() == [], "add the new app to LAYERS and to decision 0004"


def test_apps_import_only_lower_layers():
    edges, _ = import_graph()
    assert upward_imports(edges) == []


def test_no_import_cycles():
    edges, _ = import_graph()
    assert [" → ".join(cycle) for cycle in cycles(edges)] == []


# --- the walker itself: it must see what it is meant to catch ------------------------------


def test_walker_sees_lazy_relative_dynamic_and_type_checking_imports():
    source = """
from typing import TYPE_CHECKING
from . import sibling
from ..errors import OrderNotFound
if TYPE_CHECKING:
    from metavast.invoices.models import Invoice

def later():
    from metavast.checkout.shipping import shipping_quote
    import config.celery
    return import_module("metavast.payments.tasks")
"""
    names = imported_names(source, "metavast.orders.services.status", is_package=False)
    assert {
        "metavast.orders.services.sibling",
        "metavast.orders.errors.OrderNotFound",
        "metavast.invoices.models.Invoice",
        "metavast.checkout.shipping.shipping_quote",
        "config.celery",
        "metavast.payments.tasks",
    } <= names


def test_rules_catch_what_they_forbid():
    edges = {
        "metavast.orders.services.status": {"metavast.invoices.tasks"},
        "metavast.invoices.tasks": {"metavast.invoices.services"},
        "metavast.invoices.services": {"metavast.invoices.tasks", "metavast.orders.models"},
        "metavast.orders.models": set(),
        "metavast.orders.tests.test_x": {"metavast.checkout.models"},
        "metavast.catalog.models": {"metavast.catalog.tree"},
        "metavast.catalog.tree": {"metavast.catalog.cache", "metavast.catalog.models"},
        "metavast.catalog.cache": set(),
    }
    assert orders_reaching_up(edges) == [
        "metavast.orders.services.status imports metavast.invoices.tasks"
    ]
    assert upward_imports(edges) == [
        "metavast.orders.services.status (orders) imports metavast.invoices.tasks (invoices)"
    ]
    assert sorted(cycles(edges)) == [
        ["metavast.catalog.models", "metavast.catalog.tree", "metavast.catalog.models"],
        ["metavast.invoices.services", "metavast.invoices.tasks", "metavast.invoices.services"],
    ]
    raw = {"metavast.core.api": {"config.api_schemas"}, "metavast.core.tests.t": {"config"}}
    assert config_imports(raw) == ["metavast.core.api imports config.api_schemas"]
