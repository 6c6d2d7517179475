"""Buy one product through the Metavast API with the generated Python client (docs/api.md).

Each step is one function; metavast/core/tests/test_api_generated_client.py runs these same
functions against a test server, so this example is known to work.

From the repository root, with `make run` serving the store on port 8000:

    .venv/bin/openapi-python-client generate --meta none \
        --output-path var/api-client/metavast_client \
        --config docs/examples/openapi-python-client.yaml \
        --url http://127.0.0.1:8000/api/v1/openapi.json
    PYTHONPATH=var/api-client .venv/bin/python docs/examples/purchase.py \
        http://127.0.0.1:8000 09121234567 sara@example.com

The SMS codes and the email link's token are asked for here (`make run` writes each text
to var/outbox/sms/ and each email to var/outbox/email/), and the sandbox bank page opens in
your browser.
"""

from __future__ import annotations

import sys
import time
import uuid
import webbrowser

from metavast_client import AuthenticatedClient, Client
from metavast_client.api.accounts import (
    accounts_change_email,
    accounts_confirm_email,
    accounts_create_address,
    accounts_get_profile,
    accounts_request_code,
    accounts_request_stepup_code,
    accounts_sign_up,
    accounts_update_profile,
)
from metavast_client.api.cart import cart_add_line
from metavast_client.api.catalog import catalog_get_product, catalog_list_products
from metavast_client.api.checkout import checkout_list_shipping_methods, checkout_place_order
from metavast_client.api.invoices import invoices_download_pdf, invoices_list
from metavast_client.api.orders import orders_list
from metavast_client.api.payments import payments_get_status, payments_start
from metavast_client.models import (
    AddIn,
    AddressIn,
    CodeRequestIn,
    EmailChangeIn,
    EmailConfirmIn,
    ErrorOut,
    PlaceIn,
    PlaceInPaymentMethod,
    ProfileIn,
    ReceiverIn,
    SignupIn,
    StartIn,
)


class ApiError(Exception):
    """A 4xx answer: every one has a stable `code` and a Persian `message`."""

    def __init__(self, error: ErrorOut):
        super().__init__(f"{error.code}: {error.message}")
        self.code = error.code


def ok(result):
    if isinstance(result, ErrorOut):
        raise ApiError(result)
    if result is None:
        raise RuntimeError("an answer the schema does not describe")
    return result


def sign_up(base_url: str, mobile: str, read_code) -> AuthenticatedClient:
    """Text a code to `mobile`, trade it for tokens; a new number gets a new account. Use the
    returned client in a `with` block: it keeps its connection open until then."""
    with Client(base_url=base_url) as anonymous:
        ok(accounts_request_code.sync(client=anonymous, body=CodeRequestIn(mobile=mobile)))
        body = SignupIn(mobile=mobile, code=read_code())
        tokens = ok(accounts_sign_up.sync(client=anonymous, body=body))
    return AuthenticatedClient(base_url=base_url, token=tokens.access)


def complete_profile(api, *, first_name, last_name, email, read_code, read_email_token):
    """Names and a confirmed email, which buying needs. Changing a contact takes a fresh
    step-up code (texted to the confirmed mobile); the email is confirmed with the token of
    the link mailed to it."""
    body = ProfileIn(first_name=first_name, last_name=last_name)
    ok(accounts_update_profile.sync(client=api, body=body))
    ok(accounts_request_stepup_code.sync(client=api))
    ok(accounts_change_email.sync(client=api, body=EmailChangeIn(email=email, code=read_code())))
    ok(accounts_confirm_email.sync(client=api, body=EmailConfirmIn(token=read_email_token())))
    return ok(accounts_get_profile.sync(client=api))


def add_address(api: AuthenticatedClient):
    body = AddressIn(
        label="خانه",
        province="tehran",
        city="تهران",
        street="خیابان ولیعصر",
        plaque="۱۰",
        postal_code="1413943391",
    )
    return ok(accounts_create_address.sync(client=api, body=body))


def fill_cart(api: AuthenticatedClient, slug: str | None = None, quantity: int = 1):
    """Put `quantity` of the product's first variant in stock (the first listed product if no
    slug) in the cart."""
    if slug is None:
        slug = ok(catalog_list_products.sync(client=api, in_stock=True)).items[0].slug
    product = ok(catalog_get_product.sync(slug, client=api))
    variant = next(v for v in product.variants if v.available >= quantity)
    body = AddIn(variant_id=variant.id, quantity=quantity)
    return ok(cart_add_line.sync(client=api, body=body))


def place_order_for(api: AuthenticatedClient, address_id: int, receiver: ReceiverIn):
    """Place the cart as an order delivered to `receiver`, paid online. The idempotency key
    is made once per checkout attempt: sending the same request again (a retry after a
    timeout) returns the same order instead of placing a second one."""
    methods = ok(checkout_list_shipping_methods.sync(client=api, address_id=address_id))
    method = next(m for m in methods if not m.needs_delivery_window)
    body = PlaceIn(
        address_id=address_id,
        receiver=receiver,
        shipping_method_id=method.method_id,
        payment_method=PlaceInPaymentMethod.ONLINE,
        idempotency_key=f"checkout-{uuid.uuid4().hex}",
    )
    return ok(checkout_place_order.sync(client=api, body=body))


def start_payment(api: AuthenticatedClient, order_number: str) -> str:
    """The bank page's address: open it in a browser; the bank sends the customer back to
    the store, which verifies the payment."""
    started = ok(payments_start.sync(order_number, client=api, body=StartIn()))
    return started.redirect_url


def order_status(api: AuthenticatedClient, order_number: str) -> str:
    return ok(payments_get_status.sync(order_number, client=api)).order_status


def my_orders(api: AuthenticatedClient):
    return ok(orders_list.sync(client=api, page=1)).items


def invoice_pdf(api: AuthenticatedClient, order_number: str, tries: int = 10) -> bytes:
    """The official invoice of a paid order, as PDF bytes. The invoice is issued, and its PDF
    rendered, in the background after payment: until then, wait and ask again."""
    for _ in range(tries):
        invoices = ok(invoices_list.sync(client=api))
        invoice = next((i for i in invoices if i.order_number == order_number), None)
        if invoice is not None:
            try:
                return ok(invoices_download_pdf.sync(invoice.id, client=api)).payload.read()
            except ApiError as error:
                if error.code != "invoice_pdf_not_ready":
                    raise
        time.sleep(3)
    raise TimeoutError(f"no invoice PDF for {order_number} yet")


def main(base_url: str, mobile: str, email: str) -> None:
    with sign_up(base_url, mobile, read_code=lambda: input("کد پیامک‌شده: ")) as api:
        buy(api, email)


def buy(api: AuthenticatedClient, email: str) -> None:
    complete_profile(
        api,
        first_name="سارا",
        last_name="احمدی",
        email=email,
        read_code=lambda: input("کد تأیید هویت پیامک‌شده: "),
        read_email_token=lambda: input("نشانهٔ پایان پیوند تأیید ایمیل: "),
    )
    address = add_address(api)
    fill_cart(api)
    receiver = ReceiverIn(is_self=False, first_name="رضا", last_name="محمدی", mobile="09351234567")
    order = place_order_for(api, address.id, receiver)
    print(f"سفارش {order.number}: {order.total:,} ریال")
    webbrowser.open(start_payment(api, order.number))
    input("پس از پرداخت در صفحهٔ بانک، Enter بزنید. ")
    print("وضعیت:", order_status(api, order.number))
    print("سفارش‌ها:", [o.number for o in my_orders(api)])
    with open(f"invoice-{order.number}.pdf", "wb") as out:
        out.write(invoice_pdf(api, order.number))


if __name__ == "__main__":
    main(*sys.argv[1:4])
