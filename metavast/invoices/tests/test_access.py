import csv
import io

import pytest
from django.conf import settings
from django.urls import reverse

from metavast.audit.models import AuditEvent
from metavast.invoices.admin import csv_safe
from metavast.invoices.models import Invoice, InvoiceKind
from metavast.invoices.services import invoice_issue_for_order
from metavast.invoices.tests.factories import paid_order
from metavast.orders.tests.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def invoice(shop, private_storage):
    return invoice_issue_for_order(order_id=paid_order().pk)


def test_buyer_downloads_own_invoice_privately(client, invoice):
    client.force_login(invoice.order.user)
    response = client.get(reverse("invoices:pdf", args=[invoice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]


def test_another_customer_gets_404_and_anonymous_is_sent_to_sign_in(client, invoice):
    client.force_login(make_customer())
    assert client.get(reverse("invoices:pdf", args=[invoice.pk])).status_code == 404
    assert client.get(reverse("invoices:pdf", args=[invoice.pk + 999])).status_code == 404
    client.logout()
    response = client.get(reverse("invoices:pdf", args=[invoice.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_pdf_is_never_under_media(invoice):
    from metavast.invoices.services import invoice_render_pdf

    rendered = invoice_render_pdf(invoice_id=invoice.pk)
    assert not str(settings.PRIVATE_STORAGE_ROOT).startswith(str(settings.MEDIA_ROOT))
    assert rendered.pdf_name.startswith("invoices/")


def test_staff_download_is_audited(client, invoice):
    from metavast.invoices.views import staff_invoice_pdf

    staff = make_customer(is_staff=True)
    request = __import__("django.test", fromlist=["RequestFactory"]).RequestFactory().get("/")
    request.user = staff
    response = staff_invoice_pdf(request, pk=invoice.pk)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        action="invoices.pdf_downloaded_by_staff", subject_id=str(invoice.pk), actor_id=staff.pk
    ).exists()


def test_api_lists_only_my_invoices(client, invoice, shop):
    other = invoice_issue_for_order(order_id=paid_order().pk)
    client.force_login(invoice.order.user)
    data = client.get("/api/v1/invoices").json()
    assert [row["id"] for row in data] == [invoice.pk]
    assert data[0]["total"] == invoice.total and data[0]["tax_id"] == invoice.tax_id
    assert client.get(f"/api/v1/invoices/{other.pk}/pdf").status_code == 404
    response = client.get(f"/api/v1/invoices/{invoice.pk}/pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    client.logout()
    assert client.get("/api/v1/invoices").status_code == 401


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=SUM(A1)", "'=SUM(A1)"), ("+98", "'+98"), ("-1", "'-1"), ("@x", "'@x"), ("ok", "ok")],
)
def test_csv_cells_are_defused(value, expected):
    assert csv_safe(value) == expected


def test_admin_csv_export(admin_client, invoice):
    url = reverse("admin:invoices_invoice_changelist")
    response = admin_client.post(url, {"action": "export_csv", "_selected_action": [invoice.pk]})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "شماره"
    assert rows[1][0] == invoice.display_number
    assert rows[1][9] == str(invoice.total)


def test_admin_is_read_only(admin_client, invoice):
    base = f"/{settings.ADMIN_PATH}/invoices/invoice/"
    assert admin_client.get(f"{base}{invoice.pk}/change/").status_code == 200
    assert admin_client.post(f"{base}{invoice.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Invoice.objects.filter(pk=invoice.pk, kind=InvoiceKind.INVOICE).exists()


def test_official_buyer_gives_a_type_1_invoice(client, shop, private_storage):
    from metavast.orders.tests.factories import fill_cart, make_variant, place

    user = make_customer()
    fill_cart(user, (make_variant(), 1))
    order = place(user)
    client.force_login(user)
    url = reverse("invoices:official_buyer", args=[order.number])
    bad = client.post(
        url,
        {
            "company_name": "x",
            "economic_number": "12",
            "national_id": "1",
            "postal_code": "1",
            "address": "a",
            "phone": "1",
        },
    )
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    good = client.post(
        url,
        {
            "company_name": "شرکت نمونه",
            "economic_number": "۱۰۳۸۰۲۸۴۷۹۰",
            "national_id": "10380284790",
            "postal_code": "1511111111",
            "address": "تهران، خیابان آزادی",
            "phone": "021 8877 6655",
        },
    )
    assert good.status_code == 302
    from metavast.orders.services import order_mark_paid

    order_mark_paid(order_id=order.pk, payment_id=777_001)
    invoice = invoice_issue_for_order(order_id=order.pk)
    assert invoice.moadian_type == 1 and invoice.buyer_is_legal
    assert invoice.payload["header"]["tob"] == 2
    assert invoice.payload["header"]["bid"] == "10380284790"
    # Another customer cannot see or set it.
    client.force_login(make_customer())
    assert client.get(url).status_code == 404


def test_view_only_staff_cannot_issue_credit_notes_or_export(client, invoice):
    from django.contrib.auth.models import Permission

    from metavast.accounts.testing import verify_staff_client

    staff = make_customer(is_staff=False)
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    staff.user_permissions.add(Permission.objects.get(codename="view_invoice"))
    client.force_login(staff)
    verify_staff_client(client, staff)
    url = reverse("admin:invoices_invoice_changelist")
    assert client.get(url).status_code == 200
    for action in ("issue_full_credit_note", "export_csv", "retry_submission"):
        client.post(url, {"action": action, "_selected_action": [invoice.pk]})
    assert not Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exists()
    assert not AuditEvent.objects.filter(action="invoices.exported").exists()


def test_csv_export_keeps_private_buyers_names_inside_and_is_audited(admin_client, invoice):
    url = reverse("admin:invoices_invoice_changelist")
    response = admin_client.post(url, {"action": "export_csv", "_selected_action": [invoice.pk]})
    text = response.content.decode("utf-8-sig")
    assert invoice.order.user.first_name not in text
    assert "حقیقی" in text
    assert AuditEvent.objects.filter(action="invoices.exported").count() == 1


@pytest.mark.parametrize("typed", ["{year}/{number:06d}", "{year}/{number}", "persian", "arabic"])
def test_admin_search_finds_an_invoice_by_its_displayed_number(admin_client, invoice, typed):
    """The list shows «۱۴۰۵/۰۰۰۰۰۱» (fiscal year and number, two columns): search finds it."""
    from metavast.core.text import to_persian_digits

    shown = invoice.display_number
    term = {
        "persian": to_persian_digits(shown),
        "arabic": shown.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
    }.get(typed) or typed.format(year=invoice.fiscal_year, number=invoice.number)
    url = reverse("admin:invoices_invoice_changelist")
    page = admin_client.get(url, {"q": term})
    assert list(page.context["cl"].result_list) == [invoice]
    other_year = f"{invoice.fiscal_year + 1}/{invoice.number:06d}"
    assert admin_client.get(url, {"q": other_year}).context["cl"].result_count == 0


def test_admin_invoice_page_is_persian(admin_client, invoice):
    """Number in Persian digits in the list and heading, the seller with Persian labels, the
    Moadian client's English error in Persian."""
    from metavast.core.text import to_persian_digits
    from metavast.invoices.services import invoice_submit

    invoice_submit(invoice_id=invoice.pk)  # no backend in tests: the client's English error
    assert Invoice.objects.get(pk=invoice.pk).moadian_error == "no Moadian backend is configured"
    shown = to_persian_digits(invoice.display_number)
    listing = admin_client.get(reverse("admin:invoices_invoice_changelist")).content.decode()
    assert shown in listing
    page = admin_client.get(reverse("admin:invoices_invoice_change", args=[invoice.pk]))
    html = page.content.decode()
    assert f"<h2>{shown}</h2>" in html
    assert "اتصال به سامانهٔ مودیان پیکربندی نشده است." in html
    assert "no Moadian backend" not in html
    assert "شمارهٔ اقتصادی" in html
    assert '"economic_number"' not in html and "&quot;economic_number&quot;" not in html
