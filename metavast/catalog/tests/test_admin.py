import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from metavast.audit.models import AuditEvent
from metavast.catalog.models import Product, ProductImage, Variant
from metavast.catalog.resources import VariantResource, escape_formula
from metavast.catalog.tests import factories
from metavast.core.admin_money import rials_as_toman_input

pytestmark = pytest.mark.django_db
ADMIN = "/admin/catalog"


def test_admin_screens_open(staff_client):
    product = factories.product("گوشی", variants=2)
    for url in (
        f"{ADMIN}/category/",
        f"{ADMIN}/category/add/",
        f"{ADMIN}/brand/",
        f"{ADMIN}/product/",
        f"{ADMIN}/product/{product.pk}/change/",
        f"{ADMIN}/variant/",
        f"{ADMIN}/variant/export/",
        f"{ADMIN}/variant/import/",
        f"{ADMIN}/zeroresultquery/",
    ):
        assert staff_client.get(url).status_code == 200, url


def test_admin_creates_a_subcategory(staff_client, django_capture_on_commit_callbacks):
    root = factories.category(name="کالای دیجیتال", slug="digital")
    data = {
        "name": "تبلت",
        "slug": "tablet",
        "description": "",
        "is_visible": "on",
        "position": "0",
        "treebeard_position": "sorted-child",
        "treebeard_ref_node": root.pk,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{ADMIN}/category/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    from metavast.catalog.models import Category

    child = Category.objects.get(slug="tablet")
    assert Category.objects.get_parent(child) == root
    assert client_html(staff_client, "/c/tablet/")


def client_html(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_admin_search_is_persian_aware(staff_client):
    factories.product("کتاب بوف کور")
    factories.product("میز تحریر")
    html = staff_client.get(f"{ADMIN}/product/", {"q": "كتاب"}).content.decode()
    assert "کتاب بوف کور" in html and "میز تحریر" not in html


def test_bulk_price_action(staff_client, staff_user):
    a = factories.product("الف", price=1_000_000)
    b = factories.product("ب", price=2_000_000)
    data = {"action": "bulk_price", "_selected_action": [a.pk, b.pk]}
    form_page = staff_client.post(f"{ADMIN}/product/", data)
    assert "درصد تغییر قیمت" in form_page.content.decode()

    staff_client.post(f"{ADMIN}/product/", {**data, "apply": "1", "percent": "-10"})

    assert sorted(Variant.objects.values_list("price", flat=True)) == [900_000, 1_800_000]
    assert Product.objects.get(pk=a.pk).price == 900_000
    assert AuditEvent.objects.filter(action="catalog.price_bulk_changed").count() == 2


def test_bulk_stock_action(staff_client):
    a = factories.product("الف", on_hand=0)
    data = {"action": "bulk_stock", "_selected_action": [a.pk], "apply": "1", "on_hand": "7"}
    staff_client.post(f"{ADMIN}/product/", data)
    assert a.variants.get().on_hand == 7
    assert Product.objects.get(pk=a.pk).in_stock is True


def _inline_data(product, **variant_changes):
    variant = product.variants.get()
    data = {
        "title": product.title,
        "slug": product.slug,
        "category": product.category_id,
        "brand": "",
        "description": "",
        "is_published": "on",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "1",
        "variants-0-id": variant.pk,
        "variants-0-product": product.pk,
        "variants-0-sku": variant.sku,
        "variants-0-options": '[["رنگ", "آبی"]]',
        # Posted back as the page shows it: Toman, Persian digits (core/admin_money.py).
        "variants-0-price": rials_as_toman_input(variant.price),
        "variants-0-compare_at_price": "",
        "variants-0-on_hand": variant.on_hand,
        "variants-0-is_active": "on",
        "variants-0-position": "0",
        "specs-TOTAL_FORMS": "0",
        "specs-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-0-product": product.pk,
        "images-0-alt": "",
        "images-0-position": "0",
    }
    data.update({f"variants-0-{k}": v for k, v in variant_changes.items()})
    return data


def test_product_form_routes_price_and_stock_through_services(staff_client):
    product = factories.product("گوشی", price=1_000_000, on_hand=1)
    data = _inline_data(product, price="120000", on_hand="4")  # Toman
    data["images-0-upload"] = factories.image_upload()

    response = staff_client.post(f"{ADMIN}/product/{product.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    variant = product.variants.get()
    assert (variant.price, variant.on_hand) == (1_200_000, 4)
    assert {"catalog.price_changed", "catalog.stock_set"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )
    image = ProductImage.objects.get(product=product)
    assert image.large.name.endswith(".webp")
    assert Product.objects.get(pk=product.pk).cover_thumb == image.thumb.name


def test_product_page_shows_and_takes_variant_prices_in_toman(staff_client):
    """QA: the header said «کمترین قیمت: ۳۶٬۵۸۰٬۰۰۰ تومان» but the variant input asked
    «قیمت (ریال)» with ۳۶۵٬۸۰۰٬۰۰۰; the Toman figure typed there set a tenth of the price."""
    product = factories.product("گوشی", price=365_800_000, compare_at_price=400_000_000)
    url = f"{ADMIN}/product/{product.pk}/change/"
    page = staff_client.get(url).content.decode()
    assert "(ریال)" not in page
    assert "قیمت (تومان)" in page and "قیمت پیش از تخفیف (تومان)" in page
    assert 'name="variants-0-price" value="۳۶٬۵۸۰٬۰۰۰"' in page
    assert 'name="variants-0-compare_at_price" value="۴۰٬۰۰۰٬۰۰۰"' in page
    assert "۳۶٬۵۸۰٬۰۰۰ تومان" in page  # the read-only lowest price agrees with the input

    # Posted back untouched: nothing changes, no price event.
    data = _inline_data(product, compare_at_price="۴۰٬۰۰۰٬۰۰۰")
    assert staff_client.post(url, data).status_code == 302
    assert product.variants.get().price == 365_800_000
    assert not AuditEvent.objects.filter(action="catalog.price_changed").exists()

    # Typed in Toman with Persian and Arabic-Indic digits: stored as Rials × 10.
    data = _inline_data(product, price="۳۵٬۹۰۰٬۰۰۰", compare_at_price="٣٩٬٩٩٩٬٩٩٩٫٥")
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    variant = product.variants.get()
    assert (variant.price, variant.compare_at_price) == (359_000_000, 399_999_995)
    assert Product.objects.get(pk=product.pk).price == 359_000_000
    assert AuditEvent.objects.filter(action="catalog.price_changed").count() == 1


def test_product_page_refuses_a_price_finer_than_a_rial(staff_client):
    product = factories.product("گوشی", price=1_000_000)
    url = f"{ADMIN}/product/{product.pk}/change/"
    response = staff_client.post(url, _inline_data(product, price="۱۰۰٬۰۰۰٫۲۵"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "مبلغ کمتر از یک ریال ممکن نیست" in page
    assert 'value="۱۰۰٬۰۰۰٫۲۵"' in page  # shown again as typed
    assert product.variants.get().price == 1_000_000


def test_variant_list_and_read_only_page_show_toman(staff_client):
    product = factories.product("گوشی", price=365_800_000, compare_at_price=400_000_000)
    page = staff_client.get(f"{ADMIN}/variant/").content.decode()
    assert "۳۶٬۵۸۰٬۰۰۰ تومان" in page and "(ریال)" not in page
    variant = product.variants.get()
    page = staff_client.get(f"{ADMIN}/variant/{variant.pk}/change/").content.decode()
    assert "۳۶٬۵۸۰٬۰۰۰ تومان" in page and "۴۰٬۰۰۰٬۰۰۰ تومان" in page
    assert "(ریال)" not in page


def test_product_form_refuses_fake_image(staff_client):
    product = factories.product("گوشی")
    data = _inline_data(product)
    data["images-0-upload"] = SimpleUploadedFile("x.png", b"<?php echo 1; ?>")
    response = staff_client.post(f"{ADMIN}/product/{product.pk}/change/", data)
    assert response.status_code == 200  # the form again, with the error
    assert not ProductImage.objects.exists()


def test_csv_export_escapes_formulas(staff_client):
    factories.product('=HYPERLINK("http://evil")', price=1_000_000)
    factories.product("+98 گوشی")
    factories.product("@SUM(A1)")
    factories.product("-2+3")
    factories.product("گوشی معمولی")

    response = staff_client.post(
        f"{ADMIN}/variant/export/", {"format": "0", "resource": "0", **_all_fields()}
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    exported = {row["product_title"] for row in rows}
    assert exported == {
        '\'=HYPERLINK("http://evil")',
        "'+98 گوشی",
        "'@SUM(A1)",
        "'-2+3",
        "گوشی معمولی",
    }


def _all_fields():
    return {f"variantresource_{name}": "on" for name in VariantResource._meta.fields}


def test_escape_formula():
    assert escape_formula("=1+1") == "'=1+1"
    assert escape_formula("\tx") == "'\tx"
    assert escape_formula("ok") == "ok"
    assert escape_formula(5) == 5


def test_csv_import_updates_and_creates_through_services(staff_user):
    cat = factories.category(name="کتاب", slug="books")
    product = factories.product("گوشی", price=1_000_000, on_hand=1)
    sku = product.variants.get().sku
    rows = [
        "sku,product_slug,product_title,category_slug,brand,options,price,compare_at_price,on_hand",
        f'{sku},{product.slug},گوشی,,,,"۱٬۵۰۰٬۰۰۰",,9',
        "NEW-1,new-book,کتاب تازه,books,,جلد: شومیز,500000,,3",
    ]
    import tablib

    dataset = tablib.Dataset().load("\n".join(rows), format="csv")
    result = VariantResource().import_data(dataset, dry_run=False, user=staff_user)

    assert not result.has_errors(), [r.errors for r in result.rows if r.errors]
    variant = Variant.objects.get(sku=sku)
    assert (variant.price, variant.on_hand) == (1_500_000, 9)
    created = Product.objects.get(slug="new-book")
    assert (created.category_id, created.price, created.in_stock) == (cat.pk, 500_000, True)
    assert created.variants.get().options == [["جلد", "شومیز"]]
    assert AuditEvent.objects.filter(action="catalog.price_changed").exists()


def _import(user, rows):
    import tablib

    dataset = tablib.Dataset().load("\n".join(rows), format="csv")
    return VariantResource().import_data(dataset, dry_run=False, user=user)


HEADER = "sku,product_slug,product_title,category_slug,brand,options,price,compare_at_price,on_hand"


def test_the_warehouse_import_changes_stock_only(staff_user):
    """QA: the warehouse (change_variant, for its stock import) changed a phone's price to
    1,000 Toman and created a product through the same CSV. Each row now needs the right for
    what it does; its stock column still works."""
    from metavast.orders.tests.factories import make_customer
    from metavast.staff.services import staff_role_assign

    factories.category(name="موبایل", slug="mobile")
    product = factories.product("گوشی", price=2_000_000, on_hand=1)
    sku = product.variants.get().sku
    keeper = staff_role_assign(
        user=make_customer(email="keeper@staff.example.com"), role="warehouse", actor=staff_user
    )

    stock_only = _import(keeper, [HEADER, f"{sku},{product.slug},گوشی,,,,2000000,,۷"])
    assert not stock_only.has_errors(), [r.errors for r in stock_only.rows if r.errors]
    assert Variant.objects.get(sku=sku).on_hand == 7

    cheaper = _import(keeper, [HEADER, f"{sku},{product.slug},گوشی,,,,10000,,7"])
    assert cheaper.has_errors()
    assert "اجازهٔ تغییر قیمت" in str([e.error for r in cheaper.rows for e in r.errors])
    assert Variant.objects.get(sku=sku).price == 2_000_000

    made_up = _import(keeper, [HEADER, "QA-NEW-1,fake-product,محصول ساختگی,mobile,,,50000,,100"])
    assert made_up.has_errors()
    assert not Variant.objects.filter(sku="QA-NEW-1").exists()
    assert not Product.objects.filter(slug="fake-product").exists()

    # The catalog role may do all three.
    editor = staff_role_assign(
        user=make_customer(email="editor@staff.example.com"), role="catalog", actor=staff_user
    )
    both = _import(
        editor,
        [
            HEADER,
            f"{sku},{product.slug},گوشی,,,,10000,,7",
            "QA-NEW-2,real-new,کالای تازه,mobile,,,50000,,3",
        ],
    )
    assert not both.has_errors(), [r.errors for r in both.rows if r.errors]
    assert Variant.objects.get(sku=sku).price == 10000
    assert Product.objects.filter(slug="real-new").exists()
