import pytest
from django.core.management import call_command

from metavast.catalog import demo
from metavast.catalog.models import Category, Product, ProductImage, Variant

pytestmark = pytest.mark.django_db


def test_seed_builds_a_persian_store_and_is_idempotent(monkeypatch):
    monkeypatch.setattr(demo, "DEMO_PRODUCTS", 36)
    first = demo.seed_catalog()
    snapshot = list(Product.objects.order_by("slug").values_list("slug", "title", "price"))

    second = demo.seed_catalog()

    assert first["products_created"] == 36 and second["products_created"] == 0
    assert list(Product.objects.order_by("slug").values_list("slug", "title", "price")) == snapshot
    assert 20 <= Category.objects.count() <= 25
    assert Variant.objects.count() >= 36
    assert ProductImage.objects.count() >= 36
    titles = " ".join(t for _s, t, _p in snapshot)
    assert "گوشی موبایل" in titles and "کتاب" in titles
    assert all(p.in_stock or p.price for p in Product.objects.all())


def test_seed_demo_command_honours_products(capsys):
    call_command("seed_demo", products=20)
    assert Product.objects.count() == 20
    call_command("seed_demo", products=25)
    assert Product.objects.count() == 25
    assert "products_created=5" in capsys.readouterr().out
