"""The embedded default's restore drill: SQLite backup → a fresh var directory → readable.

`make run` keeps the shop in `var/metavast.sqlite3` with its keys in `var/*.key`. This runs
the real commands as an operator would, in subprocesses with the local settings: migrate
and set up shipping, place and pay an order for another person and issue its invoice (with its
PDF), `manage.py backup`; then, in a second, empty var directory holding only the same keys
(kept apart from the backup), `manage.py restore`, `check_keys`, and read the encrypted
receiver and the invoice PDF back. With other keys, `check_keys` fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SEED = r"""
import json
from metavast.checkout.demo import seed_shipping
from metavast.invoices.services import invoice_issue_for_order, invoice_render_pdf
from metavast.orders.models import Order
from metavast.orders.services import Receiver, order_mark_paid
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place
seed_shipping()
user = make_customer(first_name="نگار", last_name="پشتیبان")
fill_cart(user, (make_variant(price=2_000_000, on_hand=5), 2))
order = place(user, receiver=Receiver(is_self=False, first_name="رضا", last_name="گیرنده", mobile="09121234567"))
order = order_mark_paid(order_id=order.pk, payment_id=1)
invoice = invoice_render_pdf(invoice_id=invoice_issue_for_order(order_id=order.pk).pk)
print(json.dumps({"order": order.pk, "invoice": invoice.pk, "sha": invoice.pdf_sha256}))
"""

READ = r"""
import hashlib, json
from metavast.invoices.models import Invoice
from metavast.invoices.services import invoice_pdf_bytes
from metavast.orders.models import Order
order = Order.objects.get(pk={order})
invoice = Invoice.objects.get(pk={invoice})
data = invoice_pdf_bytes(invoice=invoice)
print(json.dumps({{"receiver": order.receiver_name, "buyer": invoice.buyer.get("name"),
                  "sha": hashlib.sha256(data).hexdigest(), "pdf": data[:4].decode()}}))
"""


def _env(var_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_URL", "CELERY_", "DJANGO_"))
    }
    env.update(
        METAVAST_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="config.settings.local",
        PYTHONPATH=str(ROOT),
    )
    for key in ("FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "AUDIT_SEAL_KEY"):
        env.pop(key, None)  # the embedded default's own key files under var/
    return env


def _manage(var_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=_env(var_dir),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result


def _json(result: subprocess.CompletedProcess) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sqlite_backup_restores_into_a_fresh_var_directory_with_the_same_keys(tmp_path):
    shop_dir, backup_dir, fresh_dir = tmp_path / "shop", tmp_path / "backup", tmp_path / "fresh"
    _manage(shop_dir, "migrate", "--noinput", "-v0")
    placed = _json(_manage(shop_dir, "shell", "-c", SEED))
    _manage(shop_dir, "backup", str(backup_dir))

    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["database"] == "sqlite" and manifest["keys_included"] is False
    assert not list(backup_dir.glob("*.key"))
    # The backup is ciphertext: the receiver's name is nowhere in the database copy.
    assert "رضا گیرنده".encode() not in (backup_dir / "database.sqlite3").read_bytes()

    # The keys travel apart from the backup; the fresh directory has them and nothing else.
    fresh_dir.mkdir(mode=0o700)
    keys = sorted(shop_dir.glob("*.key"))
    assert keys, "the embedded default keeps its keys in var/*.key"
    for key in keys:
        shutil.copy2(key, fresh_dir / key.name)
    _manage(
        fresh_dir,
        "restore",
        str(backup_dir),
        "--database-url",
        f"sqlite:///{fresh_dir / 'metavast.sqlite3'}",
        "--private-root",
        str(fresh_dir / "private"),
        "--media-root",
        str(fresh_dir / "media"),
    )
    _manage(fresh_dir, "check_keys")

    back = _json(_manage(fresh_dir, "shell", "-c", READ.format(**placed)))
    assert back == {
        "receiver": "رضا گیرنده",
        "buyer": "نگار پشتیبان",
        "sha": placed["sha"],
        "pdf": "%PDF",
    }

    # The same backup with other keys: check_keys says so instead of showing garbage.
    other_dir = tmp_path / "other"
    other_dir.mkdir(mode=0o700)
    _manage(
        other_dir,
        "restore",
        str(backup_dir),
        "--database-url",
        f"sqlite:///{other_dir / 'metavast.sqlite3'}",
    )
    refused = _manage(other_dir, "check_keys", check=False)
    assert refused.returncode != 0
