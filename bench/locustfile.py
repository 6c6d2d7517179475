"""Load test of the production topology (`make prod`): browse, search, cart, checkout, pay.

Run by hand against a running topology (never in CI); docs/load-test.md has the figures:

    .venv/bin/python deploy/topology.py up
    .venv/bin/locust -f bench/locustfile.py --headless -u 20 -r 2 -t 10m \
        --csv docs/load/two-nodes --html docs/load/two-nodes.html

Everything goes through nginx over HTTPS (the local CA), as a browser would. At the start
(`test_start`) the file seeds, in the topology's own database and with its settings, buyers
who can check out (confirmed mobile and email, an address, a password for the API's
sign-in) and products with stock that cannot run out, so an error is the shop's, not the
seed's. Each simulated shopper signs in once through the API (a bearer token) and then
mixes, by weight:

- browse (6): the home page, a category, a product page (the storefront's HTML);
- search (3): /search/?q= with a Persian word from the demo catalogue;
- purchase (1): cart add (API) → checkout: place the order (API) → pay: start with the
  sandbox gateway (API), the sandbox bank's page and its «پرداخت» button (a browser
  without the shop's cookies, as a bank redirect is), then the shop's callback page, which
  verifies with the gateway; success is the page saying the payment went through.

The shop's own limits apply to the load as to anyone: an order may be placed 5 times in 10
minutes per customer and 30 per address (ORDER_PLACE_LIMIT_PER_*). So each simulated shopper
takes the next seeded customer after every few purchases, signing in again from that
customer's own loopback address (127.B.x.y: nginx sees distinct clients, as it would distinct
homes), as a new visitor would; a 429 is then a real failure, never the generator's doing.
(docs/load-test.md's runs hit these limits: the first pair with one address per shopper,
the second with 200 buyers, too few for ten minutes on a quiet machine: see there.)

Each request is named by its step ("browse: product", "pay: callback"...) so Locust's
percentiles are per step. A step that answers but says the wrong thing is a failure.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import threading
import uuid
from pathlib import Path

from locust import HttpUser, between, events, task
from locust.clients import LocustHttpAdapter
from urllib3 import PoolManager

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))

import topology  # noqa: E402 (deploy/topology.py: the ports, the CA, the app's environment)

PASSWORD = "load-harbour-5521-walnut"
# 1,000 × 3 purchases: a 10-minute run of 20 shoppers (about 800 purchases on 2 cores) never
# comes back to a buyer inside ORDER_PLACE_LIMIT_PER_CUSTOMER's window (200 did, from minute 7).
BUYERS = int(os.environ.get("LOAD_BUYERS", "1000"))
PURCHASES_PER_BUYER = 3  # under ORDER_PLACE_LIMIT_PER_CUSTOMER's 5 in 10 minutes
PAID_TEXT = "پرداخت با موفقیت انجام شد"

SEED = r"""
import json, sys, uuid
import django
django.setup()
from django.utils import timezone
from metavast.accounts.models import User
from metavast.accounts.services.addresses import AddressInput, address_create
from metavast.catalog.models import Category, Product
from metavast.catalog.services.products import category_create, product_create, variant_create
from metavast.checkout.demo import seed_shipping
from metavast.checkout.models import ShippingMethod

buyers, password = int(sys.argv[1]), sys.argv[2]
run = uuid.uuid4().hex[:8]
seed_shipping()
category = Category.objects.filter(slug="load").first() or category_create(name="بار", slug="load")
hot = []
for i in range(8):
    product = product_create(title=f"کالای آزمون بار {i}", category=category,
                             slug=f"load-{run}-{i}")
    hot.append(variant_create(product=product, sku=f"L-{run}-{i}", price=1_250_000 + 10_000 * i,
                              on_hand=10_000_000).pk)
now = timezone.now()
people = []
from django.contrib.auth.hashers import make_password
hashed = make_password(password)  # once: the production hasher is slow on purpose
for i in range(buyers):
    mobile = f"+98936{(uuid.uuid4().int % 10_000_000):07d}"
    user = User(email=f"load-{run}-{i}@example.com", email_confirmed_at=now, mobile=mobile,
                mobile_confirmed_at=now, first_name="خریدار", last_name=f"بار {i}",
                password=hashed)
    user.save()
    address = address_create(user=user, data=AddressInput(
        province="tehran", city="تهران", street="خیابان آزادی", plaque="12",
        postal_code="1193653471"))
    people.append({"login": mobile, "address_id": address.pk})
products = [p.get_absolute_url() for p in Product.objects.exclude(slug__startswith="load-")
            .filter(variants__isnull=False).distinct().order_by("pk")[:60]]
categories = [c.get_absolute_url() for c in Category.objects.exclude(slug="load").order_by("pk")[:20]]
print(json.dumps({"hot": hot, "buyers": people, "products": products, "categories": categories,
                  "shipping_method_id": ShippingMethod.objects.get(code="post-pishtaz").pk}))
"""

# Words from the demo catalogue's titles (metavast/catalog/demo data): hits, not empty pages.
SEARCH_WORDS = ["کتاب", "گوشی", "کفش", "چای", "لپ‌تاپ", "هدفون", "پیراهن", "ساعت"]

DATA: dict = {}
_next_buyer = iter(range(10**9))
# A fresh block of addresses each run: the per-address limit's window outlives a run.
_ADDRESS_BLOCK = random.randrange(2, 250)
_lock = threading.Lock()


@events.test_start.add_listener
def seed(environment, **_kw) -> None:
    if DATA:
        return
    out = subprocess.run(
        [str(topology.VENV_BIN / "python"), "-c", SEED, str(BUYERS), PASSWORD],
        cwd=ROOT,
        env=topology.app_env(LOG_LEVEL="ERROR"),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    DATA.update(json.loads(out.strip().splitlines()[-1]))
    if not DATA["products"] or not DATA["categories"]:
        raise SystemExit("the demo catalogue is empty: run `deploy/topology.py up` first")


class Shopper(HttpUser):
    host = topology.BASE_URL
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        # Not the machine's REQUESTS_CA_BUNDLE (it would override `verify`): the local CA.
        self.client.trust_env = False
        self.client.verify = str(topology.TLS / "ca.pem")
        self.sign_in_as_next_buyer()

    def sign_in_as_next_buyer(self) -> None:
        with _lock:
            index = next(_next_buyer)
        self.person = DATA["buyers"][index % len(DATA["buyers"])]
        self.hot = DATA["hot"][index % len(DATA["hot"])]
        self.purchases = 0
        # A new visitor from their own address (the whole of 127/8 is the loopback).
        address = f"127.{_ADDRESS_BLOCK}.{index // 250 + 1}.{index % 250 + 1}"
        adapter = LocustHttpAdapter(pool_manager=PoolManager(source_address=(address, 0)))
        self.client.mount("https://", adapter)
        response = self.client.post(
            "/api/v1/accounts/auth/signin",
            json={"login": self.person["login"], "password": PASSWORD},
            name="sign in (API)",
        )
        response.raise_for_status()
        self.token = {"Authorization": f"Bearer {response.json()['access']}"}

    # --- browse and search ---------------------------------------------------------------

    @task(6)
    def browse(self) -> None:
        self.client.get("/", name="browse: home")
        self.client.get(random.choice(DATA["categories"]), name="browse: category")
        self.client.get(random.choice(DATA["products"]), name="browse: product")

    @task(3)
    def search(self) -> None:
        self.client.get("/search/", params={"q": random.choice(SEARCH_WORDS)}, name="search")

    # --- cart, checkout, pay ---------------------------------------------------------------

    @task(1)
    def purchase(self) -> None:
        if self.purchases >= PURCHASES_PER_BUYER:
            self.sign_in_as_next_buyer()
        self.purchases += 1
        with self.client.post(
            "/api/v1/cart/lines",
            json={"variant_id": self.hot, "quantity": 1},
            headers=self.token,
            name="cart: add",
            catch_response=True,
        ) as added:
            if added.status_code != 200:
                added.failure(f"{added.status_code} {added.text[:200]}")
                return
        with self.client.post(
            "/api/v1/checkout/orders",
            json={
                "address_id": self.person["address_id"],
                "shipping_method_id": DATA["shipping_method_id"],
                "payment_method": "online",
                "idempotency_key": uuid.uuid4().hex,
            },
            headers=self.token,
            name="checkout: place order",
            catch_response=True,
        ) as placed:
            if placed.status_code != 201:
                placed.failure(f"{placed.status_code} {placed.text[:200]}")
                return
            number = placed.json()["number"]
        with self.client.post(
            f"/api/v1/payments/orders/{number}/start",
            json={"gateway": "sandbox"},
            headers=self.token,
            name="pay: start (API)",
            catch_response=True,
        ) as started:
            if started.status_code != 201:
                started.failure(f"{started.status_code} {started.text[:200]}")
                return
            bank_url = started.json()["redirect_url"]
        self._pay_at_the_bank(bank_url)

    def _pay_at_the_bank(self, bank_url: str) -> None:
        # The bank and the redirect back are the browser's, without the API token; a fresh
        # cookie jar so the sandbox page's CSRF cookie is its own.
        cookies = self.client.cookies
        self.client.cookies = type(cookies)()
        try:
            page = self.client.get(bank_url, name="pay: sandbox bank page")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            if token is None:
                return
            with self.client.post(
                bank_url,
                data={"csrfmiddlewaretoken": token.group(1), "action": "pay"},
                headers={"Referer": bank_url},  # absolute: the API builds it
                allow_redirects=False,
                name="pay: sandbox bank «پرداخت»",
                catch_response=True,
            ) as paid:
                if paid.status_code != 302:
                    paid.failure(f"{paid.status_code} {paid.text[:200]}")
                    return
                callback = paid.headers["Location"]
            with self.client.get(
                callback, name="pay: callback + verify", catch_response=True
            ) as back:
                if back.status_code != 200 or PAID_TEXT not in back.text:
                    back.failure(f"{back.status_code}: not paid")
        finally:
            self.client.cookies = cookies
