from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

from metavast.orders.services import order_mark_paid
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place

_payment_ids = itertools.count(900_000)


def paid_order(user=None, *, items=((2_500_000, 2), (1_200_000, 1)), payment="online"):
    user = user or make_customer()
    variants = [(make_variant(price=price, on_hand=10), qty) for price, qty in items]
    fill_cart(user, *variants)
    order = place(user, payment=payment)
    if payment == "online":
        order = order_mark_paid(order_id=order.pk, payment_id=next(_payment_ids))
    return order


ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"


def save_first_page_png(pdf: Path, name: str) -> Path | None:
    """Page 1 of a PDF as artifacts/<name>.png, to look at; None without poppler-utils."""
    if shutil.which("pdftoppm") is None:
        return None
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(ARTIFACTS / name),
        ],
        check=True,
        timeout=60,
    )
    return ARTIFACTS / f"{name}.png"
