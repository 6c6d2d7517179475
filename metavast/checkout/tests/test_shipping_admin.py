"""Shipping rates are typed in Toman in the admin and kept in Rials (core/admin_money.py).

QA (admin report, item 4): the rate input asked «هزینه (ریال)» while every amount staff read is
in Toman, so a cost typed as the customer sees it came out ten times too low."""

from __future__ import annotations

import pytest

from metavast.checkout.models import ShippingMethod

pytestmark = pytest.mark.django_db
ADD = "/admin/checkout/shippingmethod/add/"


def _method(**rates) -> dict:
    data = {
        "code": "peyk-t", "name": "پیک تهران", "description": "", "delivery_estimate": "",
        "max_weight_grams": "", "is_active": "on", "position": "0", "cities_text": "",
        "rates-TOTAL_FORMS": "1", "rates-INITIAL_FORMS": "0",
        "rates-0-province": "", "rates-0-max_weight_grams": "۵۰۰۰",
        "recurring_windows-TOTAL_FORMS": "0", "recurring_windows-INITIAL_FORMS": "0",
    }  # fmt: skip
    data.update({f"rates-0-{name}": value for name, value in rates.items()})
    return data


def test_a_shipping_cost_is_typed_and_shown_in_toman(admin_client, shop):
    response = admin_client.post(ADD, _method(cost="۸۵٬۰۰۰"))
    assert response.status_code == 302, response.content.decode()[:3000]
    method = ShippingMethod.objects.get(code="peyk-t")
    rate = method.rates.get()
    assert rate.cost == 850_000  # Rials

    page = admin_client.get(f"/admin/checkout/shippingmethod/{method.pk}/change/").content
    page = page.decode()
    assert "هزینه (تومان)" in page and "(ریال)" not in page
    assert 'name="rates-0-cost" value="۸۵٬۰۰۰"' in page

    edit = _method(cost="٩٠٬٠٠٠", id=rate.pk, method=method.pk)
    edit.update({"rates-INITIAL_FORMS": "1"})
    response = admin_client.post(f"/admin/checkout/shippingmethod/{method.pk}/change/", edit)
    assert response.status_code == 302, response.content.decode()[:3000]
    rate.refresh_from_db()
    assert rate.cost == 900_000


def test_a_shipping_cost_with_a_fraction_of_a_rial_is_refused(admin_client, shop):
    response = admin_client.post(ADD, _method(cost="۸۵٬۰۰۰٫۰۵"))
    assert response.status_code == 200
    assert "مبلغ کمتر از یک ریال ممکن نیست" in response.content.decode()
    assert not ShippingMethod.objects.filter(code="peyk-t").exists()
