"""P8: every way data can be taken out of the shop is (a) aggregate, (b) the customer's own
data, or (c) goes through the disclosure register — or carries no personal data at all.

The test finds the candidates itself and holds them against the classified lists below; a
path found but not listed fails, and so does a listed one that no longer exists:

- the source: every module of metavast/ and config/ (tests and migrations aside) that sends a
  file or writes CSV: FileResponse, StreamingHttpResponse, Content-Disposition, csv writers,
  django-import-export's mixins, PDF/ZIP/octet-stream/CSV content types; keyed by file and the
  innermost function or class around the line;
- the URL resolver (every app's routes, the admin's views, the django-ninja API): every route
  whose name or path says export, download, pdf, csv, slip, package, backup, dump, json,
  print, report or transparency;
- the admin: every action of every registered ModelAdmin whose name says so or whose code sends
  a file;
- management commands: every command of the project and of third-party apps, and Django's
  dumpdata (the ones that can write data out of the database).

A classification is not taken on trust where a cheap proof exists: each route entry names the
function behind it and a phrase its code must contain (the query scoped to the signed-in user,
the call into the register), and the invoice CSV is run for a private buyer whose name must not
be in it.
"""

from __future__ import annotations

import ast
import csv
import importlib
import inspect
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.management import get_commands
from django.urls import URLPattern, URLResolver, get_resolver

from metavast.orders.tests.factories import shop  # noqa: F401  (fixture)

AGGREGATE = "aggregate"  # counts or sums, no person in it
OWN_DATA = "own_data"  # the signed-in customer's (or staff member's) own data
REGISTER = "register"  # goes through the legal-disclosure register (P8)
NO_PERSONAL_DATA = "no_personal_data"  # catalog, schema: nobody's data at all
STAFF_LOOK = "staff_look"  # one record shown to permitted staff, each look audited
OPERATOR = "operator"  # a shell command on the server: whoever runs it already holds the keys

ROOT = Path(settings.BASE_DIR)
FILE_SENDING = re.compile(
    r"FileResponse|StreamingHttpResponse|Content-Disposition|csv\.(?:writer|DictWriter)"
    r"|ExportMixin|ImportExportMixin|ExportActionMixin|application/(?:pdf|zip|octet-stream)"
    r"|text/csv"
)
EXPORT_WORDS = re.compile(
    r"export|download|pdf|csv|slip|package|backup|dump|json|print|report|transparency", re.I
)

# (file, innermost def/class or <module>) -> (kind, why)
SOURCE_EXPORTS: dict[tuple[str, str], tuple[str, str]] = {
    ("metavast/catalog/admin.py", "<module>"): (NO_PERSONAL_DATA, "import of import_export"),
    ("metavast/catalog/admin.py", "VariantAdmin"): (
        NO_PERSONAL_DATA,
        "variants' SKUs, prices and stock (catalog.resources.VariantResource)",
    ),
    ("metavast/analytics/admin.py", "AnalyticsDashboardAdmin.csv_view"): (
        AGGREGATE,
        "daily aggregate counts (visits, views, searches, sales): no person in it",
    ),
    ("metavast/invoices/api.py", "invoice_pdf"): (OWN_DATA, "the buyer's own invoice (API)"),
    ("metavast/invoices/admin.py", "InvoiceAdmin.export_csv"): (
        NO_PERSONAL_DATA,
        "accounting CSV: a private buyer is written as «حقیقی», only companies by name",
    ),
    ("metavast/invoices/views.py", "pdf_response"): (
        OWN_DATA,
        "shared by invoices:pdf (the buyer's own) and the staff PDF (an audited look)",
    ),
    ("metavast/legal/admin.py", "DisclosureRequestAdmin.download"): (
        REGISTER,
        "the register's one-time package download",
    ),
    ("metavast/privacy/views_export.py", "export_download_view"): (
        OWN_DATA,
        "the customer's own data: their one-time data copy, for the signed-in owner only",
    ),
}

# route name -> (kind, function behind it, phrase its source must contain)
ROUTE_EXPORTS: dict[str, tuple[str, str, str]] = {
    "admin:analytics_dashboard_csv": (
        AGGREGATE,
        "metavast.analytics.admin.AnalyticsDashboardAdmin.csv_view",
        "csv_rows(",
    ),
    "admin:catalog_variant_export": (
        NO_PERSONAL_DATA,
        "metavast.catalog.admin.VariantAdmin",
        "VariantResource",
    ),
    "admin:orders_order_packing_slip": (
        STAFF_LOOK,
        "metavast.orders.admin.OrderAdmin.packing_slip",
        "order_receiver_reveal",
    ),
    "admin:invoices_invoice_pdf": (
        STAFF_LOOK,
        "metavast.invoices.views.staff_invoice_pdf",
        "staff_personal_data_viewed",
    ),
    "admin:legal_disclosurerequest_download": (
        REGISTER,
        "metavast.legal.admin.DisclosureRequestAdmin.download",
        "services.disclosure_package_download",
    ),
    "api:openapi-json": (NO_PERSONAL_DATA, "config.api", "NinjaAPI"),
    "api:invoice_pdf": (
        OWN_DATA,
        "metavast.invoices.api.invoice_pdf",
        "Invoice.objects.for_user(request.auth)",
    ),
    "accounts:staff_backup_codes": (
        OWN_DATA,
        "metavast.accounts.views.staff.staff_backup_codes_view",
        "request.user",
    ),
    "invoices:pdf": (
        OWN_DATA,
        "metavast.invoices.views.invoice_pdf",
        "Invoice.objects.for_user(request.user)",
    ),
    "privacy:export": (
        OWN_DATA,
        "metavast.privacy.views_export.export_view",
        "user=request.user",
    ),
    "privacy:export_download": (
        OWN_DATA,
        "metavast.privacy.views_export.export_download_view",
        "user=request.user",
    ),
    "legal:transparency": (
        AGGREGATE,
        "metavast.legal.transparency.transparency_report",
        "Counter()",
    ),
    # issue 12: "report" is the signed-in customer reporting a review to moderation (a write
    # of their own, nothing is sent out), not a download.
    "reviews:report": (OWN_DATA, "metavast.reviews.views.report_view", "user=request.user"),
    "api:reviews_report": (OWN_DATA, "metavast.reviews.api.report", "user=request.auth"),
}

# (model, action) -> (kind, why)
ACTION_EXPORTS: dict[tuple[str, str], tuple[str, str]] = {
    ("invoices.invoice", "export_csv"): (
        NO_PERSONAL_DATA,
        "see SOURCE_EXPORTS; proved by test_invoice_csv_names_no_private_buyer",
    ),
}

# command -> (kind, why)
COMMAND_EXPORTS: dict[str, tuple[str, str]] = {
    "dumpdata": (
        OPERATOR,
        "ours over Django's: personal models only with --include-personal-data, audited",
    ),
    "export": (OPERATOR, "django-import-export's; any model to a file: server operators only"),
    "import": (NO_PERSONAL_DATA, "reads files in, writes nothing out"),
    "export_openapi_schema": (NO_PERSONAL_DATA, "the API's schema"),
    "runserver": (NO_PERSONAL_DATA, "development server"),
    "staff_role": (NO_PERSONAL_DATA, "assigns roles; prints the staff member's role only"),
    "seed_demo": (NO_PERSONAL_DATA, "writes demo data in"),
    "bootstrap_admin": (OWN_DATA, "creates the set-up superuser, prints its own one-time secret"),
    "addstatictoken": (OPERATOR, "django-otp: a static backup token for a named user"),
    "audit_verify": (AGGREGATE, "prints the chain's state and counts"),
    "axes_list_attempts": (OPERATOR, "django-axes: sign-in attempts (IP, username) to stdout"),
    "axes_reset": (NO_PERSONAL_DATA, "deletes lock-outs"),
    "axes_reset_failure_logs": (NO_PERSONAL_DATA, "deletes logs"),
    "axes_reset_ip": (NO_PERSONAL_DATA, "deletes lock-outs"),
    "axes_reset_ip_username": (NO_PERSONAL_DATA, "deletes lock-outs"),
    "axes_reset_logs": (NO_PERSONAL_DATA, "deletes logs"),
    "axes_reset_username": (NO_PERSONAL_DATA, "deletes lock-outs"),
    "rotate_field_keys": (AGGREGATE, "re-encrypts; prints counts"),
    "seal_private_files": (AGGREGATE, "seals files; prints counts"),
    "backup": (OPERATOR, "database dump (ciphertext) and sealed files; keys never included"),
    "restore": (OPERATOR, "writes a backup into a fresh database; prints nothing personal"),
    "check_keys": (AGGREGATE, "decrypts samples; prints counts, never a value"),
    "retention": (AGGREGATE, "deletes and redacts by the rules; prints counts per rule"),
}


# --- Discovery -----------------------------------------------------------------------------


def _python_files():
    for top in ("metavast", "config"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = set(path.relative_to(ROOT).parts)
            if "tests" in parts or "migrations" in parts:
                continue
            yield path


def _enclosing(tree: ast.AST, line: int) -> str:
    """The dotted name of the innermost def/class around `line`, or <module>."""
    best: list[str] = []

    def visit(node, trail):
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                if start <= line <= (child.end_lineno or child.lineno):
                    best = [*trail, child.name]
                    visit(child, best)
                    return
            else:
                visit(child, trail)

    visit(tree, [])
    return ".".join(best) or "<module>"


def source_exports() -> set[tuple[str, str]]:
    found = set()
    for path in _python_files():
        text = path.read_text(encoding="utf-8")
        if not FILE_SENDING.search(text):
            continue
        tree = ast.parse(text)
        for number, line in enumerate(text.splitlines(), start=1):
            if FILE_SENDING.search(line):
                found.add((str(path.relative_to(ROOT)), _enclosing(tree, number)))
    return found


def _walk(resolver, prefix="", namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield name or prefix + str(pattern.pattern), prefix + str(pattern.pattern)


def route_exports() -> set[str]:
    return {
        name
        for name, route in _walk(get_resolver())
        if EXPORT_WORDS.search(name) or EXPORT_WORDS.search(route)
    }


def action_exports() -> set[tuple[str, str]]:
    found = set()
    for model, model_admin in admin.site._registry.items():
        for function, name, _description in model_admin._get_base_actions():
            try:
                code = inspect.getsource(function)
            except (OSError, TypeError):
                code = ""
            if EXPORT_WORDS.search(name) or FILE_SENDING.search(code):
                found.add((model._meta.label_lower, name))
    return found


def command_exports() -> set[str]:
    return {
        name
        for name, app in get_commands().items()
        if not app.startswith("django.") or name == "dumpdata"
    }


def _resolve_dotted(dotted: str):
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(dotted)


# --- Tests ---------------------------------------------------------------------------------


def test_every_file_sending_line_in_the_source_is_classified():
    found = source_exports()
    assert sorted(found - set(SOURCE_EXPORTS)) == [], "export code no one classified"
    assert sorted(set(SOURCE_EXPORTS) - found) == [], "classified code that no longer exists"


def test_every_export_route_is_classified_and_its_code_proves_it():
    found = route_exports()
    assert sorted(found - set(ROUTE_EXPORTS)) == [], "export routes no one classified"
    assert sorted(set(ROUTE_EXPORTS) - found) == [], "classified routes that no longer exist"
    for name, (_kind, dotted, phrase) in ROUTE_EXPORTS.items():
        code = inspect.getsource(_resolve_dotted(dotted))
        assert phrase in code, f"{name}: {dotted} no longer contains {phrase!r}"


def test_every_export_action_is_classified():
    found = action_exports()
    assert sorted(found - set(ACTION_EXPORTS)) == [], "export actions no one classified"
    assert sorted(set(ACTION_EXPORTS) - found) == [], "classified actions that no longer exist"


def test_every_management_command_that_can_write_data_out_is_classified():
    found = command_exports()
    assert sorted(found - set(COMMAND_EXPORTS)) == [], "commands no one classified"
    assert sorted(set(COMMAND_EXPORTS) - found) == [], "classified commands that no longer exist"


def test_personal_data_leaves_only_through_the_register():
    """Of everything that hands out personal data to someone other than its owner, only the
    register's download goes outside; the rest are single audited looks by permitted staff."""
    kinds = [kind for kind, *_ in ROUTE_EXPORTS.values()]
    assert kinds.count(REGISTER) == 1
    outward = {
        name for name, (kind, *_rest) in ROUTE_EXPORTS.items() if kind not in (AGGREGATE, OWN_DATA)
    }
    assert outward == {
        "admin:catalog_variant_export",
        "api:openapi-json",
        "admin:orders_order_packing_slip",
        "admin:invoices_invoice_pdf",
        "admin:legal_disclosurerequest_download",
    }


def test_the_scanner_sees_a_new_export(tmp_path):
    """The finder is not blind: a new view sending a file is caught by its content type."""
    source = "def new_view(request):\n    r = HttpResponse()\n    r['Content-Disposition'] = 'x'\n"
    tree = ast.parse(source)
    assert FILE_SENDING.search(source)
    assert _enclosing(tree, 3) == "new_view"


@pytest.mark.django_db
def test_invoice_csv_names_no_private_buyer(admin_client, shop):  # noqa: F811
    from metavast.invoices.models import Invoice
    from metavast.invoices.services import invoice_issue_for_order
    from metavast.invoices.tests.factories import paid_order
    from metavast.orders.tests.factories import make_customer

    buyer = make_customer(first_name="شیرین", last_name="فرهادی")
    invoice = invoice_issue_for_order(order_id=paid_order(buyer).pk)
    response = admin_client.post(
        "/admin/invoices/invoice/",
        {"action": "export_csv", "_selected_action": [invoice.pk]},
    )
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    text = repr(rows)
    assert invoice.tax_id in text and "حقیقی" in text
    assert "فرهادی" not in text and "شیرین" not in text
    assert buyer.mobile not in text and buyer.mobile[3:] not in text
    assert Invoice.objects.count() == 1
