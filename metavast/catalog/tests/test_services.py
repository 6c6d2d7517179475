import io
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from metavast.audit.models import AuditEvent
from metavast.catalog.errors import ImageTooLarge, InvalidImage, InvalidPrice
from metavast.catalog.models import Product, ProductImage, Variant
from metavast.catalog.services import images as image_service
from metavast.catalog.services import (
    product_image_add,
    product_image_delete,
    products_bulk_price_change,
    variant_create,
    variant_set_price,
)
from metavast.catalog.tests import factories

pytestmark = pytest.mark.django_db


def test_listing_columns_follow_the_variants():
    product = factories.product("گوشی", price=2_000_000, variants=2, on_hand=0)
    assert (product.price, product.in_stock) == (2_000_000, False)

    variant_create(product=product, sku="NEW-1", price=3_000_000, on_hand=1)
    product.refresh_from_db()
    # the cheapest *buyable* variant sets the listing price
    assert (product.price, product.in_stock) == (3_000_000, True)


@pytest.mark.parametrize(
    ("price", "compare_at"), [(0, None), (-5, None), (1_000, 900), (True, None), (10**16, None)]
)
def test_bad_prices_are_refused(price, compare_at):
    product = factories.product("گوشی", price=1_000_000)
    with pytest.raises(InvalidPrice):
        variant_create(product=product, sku="BAD", price=price, compare_at_price=compare_at)
    assert not Variant.objects.filter(sku="BAD").exists()


def test_price_change_is_audited(staff_user):
    product = factories.product("گوشی", price=1_000_000)
    variant = product.variants.get()

    variant_set_price(variant=variant, price=900_000, compare_at_price=1_000_000, actor=staff_user)

    product.refresh_from_db()
    assert (product.price, product.compare_at_price, product.discount_percent) == (
        900_000,
        1_000_000,
        10,
    )
    event = AuditEvent.objects.get(action="catalog.price_changed")
    assert event.before == {"price": 1_000_000, "compare_at_price": None}


def test_bulk_price_change_rounds_to_toman_and_drops_stale_compare_at(staff_user):
    a = factories.product("الف", price=1_000_000, compare_at_price=1_050_000)
    b = factories.product("ب", price=333_330)

    changed = products_bulk_price_change(product_ids=[a.pk, b.pk], percent=10, actor=staff_user)

    assert changed == 2
    va, vb = a.variants.get(), b.variants.get()
    assert (va.price, va.compare_at_price) == (1_100_000, None)
    assert vb.price == 366_660
    assert AuditEvent.objects.filter(action="catalog.price_bulk_changed").count() == 2
    with pytest.raises(InvalidPrice):
        products_bulk_price_change(product_ids=[a.pk], percent=-95, actor=staff_user)


def test_image_upload_makes_webp_renditions_with_server_names(django_capture_on_commit_callbacks):
    product = factories.product("گوشی")
    upload = factories.image_upload(size=(1600, 1200), name="../../evil name.php.png")

    with django_capture_on_commit_callbacks(execute=True):
        image = product_image_add(product=product, upload=upload, alt="نمای روبه‌رو")

    assert image.large.name.startswith("products/") and image.large.name.endswith(".webp")
    assert "evil" not in image.large.name and "evil" not in image.thumb.name
    with default_storage.open(image.large.name) as f:
        large = Image.open(f)
        assert (large.format, large.size) == ("WEBP", (1200, 900))
    with default_storage.open(image.thumb.name) as f:
        assert Image.open(f).size == (400, 300)
    product.refresh_from_db()
    assert product.cover_thumb == image.thumb.name


def test_renditions_drop_exif():
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera make
    Image.new("RGB", (50, 50)).save(out, "JPEG", exif=exif)
    renditions = image_service.render_renditions(out.getvalue())
    assert b"SecretCam" not in renditions["large"]


@pytest.mark.parametrize(
    "payload",
    [
        b"not an image at all",
        b"GIF89a" + b"\x00" * 20,  # a truncated header
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
        b"",
    ],
)
def test_fake_images_are_refused(payload):
    product = factories.product("گوشی")
    with pytest.raises(InvalidImage):
        product_image_add(product=product, upload=SimpleUploadedFile("x.png", payload))
    assert not ProductImage.objects.exists()


def test_other_real_types_are_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "BMP")
    with pytest.raises(InvalidImage):
        image_service.render_renditions(out.getvalue())


def test_image_bomb_is_refused_before_decoding(monkeypatch):
    # A PNG whose header claims more pixels than allowed: refused from the header alone.
    monkeypatch.setattr(image_service, "MAX_PIXELS", 100 * 100)
    upload = factories.image_upload(size=(101, 100))
    with pytest.raises(ImageTooLarge):
        product_image_add(product=factories.product("گوشی"), upload=upload)


def test_oversized_file_is_refused(monkeypatch):
    monkeypatch.setattr(image_service, "MAX_UPLOAD_BYTES", 20)
    with pytest.raises(ImageTooLarge):
        product_image_add(product=factories.product("گوشی"), upload=factories.image_upload())


def test_image_delete_removes_files(django_capture_on_commit_callbacks):
    product = factories.product("گوشی")
    with django_capture_on_commit_callbacks(execute=True):
        image = product_image_add(product=product, upload=factories.image_upload())
    names = [image.large.name, image.thumb.name]
    assert all(default_storage.exists(n) for n in names)

    with django_capture_on_commit_callbacks(execute=True):
        product_image_delete(image=image)

    assert not any(default_storage.exists(n) for n in names)
    assert Product.objects.get(pk=product.pk).cover_thumb == ""


def stored_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.django_db(transaction=True)
def test_rolled_back_image_upload_leaves_no_files(settings):
    """Files are written when the upload commits: a rollback after the upload (here a later
    error in the same transaction, as in an admin save) leaves no file and no row."""
    product = factories.product("گوشی")

    with pytest.raises(RuntimeError), transaction.atomic():
        product_image_add(product=product, upload=factories.image_upload())
        assert stored_files(settings) == []  # nothing on disk before the commit
        raise RuntimeError("a later step of the same save failed")

    assert stored_files(settings) == []
    assert not ProductImage.objects.exists()
    assert Product.objects.get(pk=product.pk).cover_thumb == ""

    image = product_image_add(product=product, upload=factories.image_upload())
    assert stored_files(settings) == sorted([image.large.name, image.thumb.name])


@pytest.mark.django_db(transaction=True)
def test_image_whose_files_cannot_be_written_is_taken_back(settings, monkeypatch):
    product = factories.product("گوشی")
    saved = []

    def save_then_fail(name, content, max_length=None):
        if saved:
            raise OSError("disk full")
        saved.append(name)
        return original_save(name, content, max_length=max_length)

    original_save = default_storage.save
    monkeypatch.setattr(default_storage, "save", save_then_fail)

    product_image_add(product=product, upload=factories.image_upload())

    assert len(saved) == 1  # the first rendition was written, then the disk failed
    assert stored_files(settings) == []
    assert not ProductImage.objects.exists()
    assert Product.objects.get(pk=product.pk).cover_thumb == ""


def test_bulk_price_change_rounds_half_up_in_whole_numbers(staff_user):
    # 10,100 Rials - 15 % = 8,585 Rials = 858.5 Toman: half up is 859 Toman (8,590 Rials).
    p = factories.product("پ", price=10_100)
    products_bulk_price_change(product_ids=[p.pk], percent=-15, actor=staff_user)
    assert p.variants.get().price == 8_590
