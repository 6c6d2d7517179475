"""Building, storing and protecting a disclosure package.

The package is a ZIP of two files: `cover-letter.pdf` (a readable Persian letter: the
authority, its letter, the legal basis, the scope and what is enclosed) and `data.json`
(exactly the scoped categories of the scoped customers within the scoped time range,
nothing else). It is built by a background task after approval and stored in the private
storage under legal/, sealed with the field-encryption keys (metavast.core.private_files),
until it is downloaded once or its window closes; then the file is deleted.

In transit it is protected by a passphrase the downloading officer is shown once and which we
never store: the ZIP is encrypted in OpenSSL's `enc` format (AES-256-CBC, key and IV from
PBKDF2-HMAC-SHA256 with PBKDF2_ITERATIONS rounds and a random salt), so the authority opens
it with a stock tool:

    openssl enc -d -aes-256-cbc -pbkdf2 -iter 600000 -md sha256 -in package.enc -out package.zip

and checks the ZIP's SHA-256 (shown on the download page and kept in the register) against the
file it got. The format has no MAC of its own; the SHA-256 is the integrity check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.conf import settings
from django.template.loader import render_to_string

from metavast.accounts.models import User
from metavast.core import private_files
from metavast.core.jalali import TEHRAN, format_jalali_date, format_jalali_datetime
from metavast.invoices.models import Invoice
from metavast.legal import collectors
from metavast.legal.models import AuthorityType, DataCategory, DisclosureRequest
from metavast.orders.models import Order
from metavast.payments.models import Payment

PBKDF2_ITERATIONS = 600_000
_OPENSSL_MAGIC = b"Salted__"


# --- The data ---------------------------------------------------------------------------


def _bounds(request: DisclosureRequest) -> tuple[dt.datetime, dt.datetime]:
    """The scope's dates as Tehran days, inclusive: [start 00:00, end+1 00:00)."""
    start = dt.datetime.combine(request.period_start, dt.time.min, tzinfo=TEHRAN)
    end = dt.datetime.combine(request.period_end + dt.timedelta(days=1), dt.time.min, tzinfo=TEHRAN)
    return start, end


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def _identity(user: User, start, end) -> dict:
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "national_code": user.national_code,
        "date_joined": _iso(user.date_joined),
    }


def _contacts(user: User, start, end) -> dict:
    # Confirmed contacts only: an unconfirmed one is not known to belong to this person.
    return {
        "email": user.confirmed_email,
        "mobile": user.confirmed_mobile,
        "landline": user.landline or None,
    }


def _address_of(record) -> dict:
    return {
        "province": record.province,
        "city": record.city,
        "street": record.street,
        "alley": record.alley,
        "plaque": record.plaque,
        "unit": record.unit,
        "postal_code": record.postal_code,
    }


def _orders_in(user: User, start, end):
    return Order.objects.filter(user=user, placed_at__gte=start, placed_at__lt=end).order_by("pk")


def _addresses(user: User, start, end) -> dict:
    # Saved addresses held during the period, and where the period's orders were sent.
    # Receivers' names and mobiles are other people's data (P4): never in scope here.
    saved = user.addresses.filter(created_at__lt=end).order_by("pk")
    return {
        "saved": [{"label": a.label, **_address_of(a)} for a in saved],
        "delivery": [
            {"order_number": o.number, **_address_of(o)} for o in _orders_in(user, start, end)
        ],
    }


def _orders(user: User, start, end) -> list[dict]:
    return [
        {
            "number": order.number,
            "status": order.status,
            "placed_at": _iso(order.placed_at),
            "paid_at": _iso(order.paid_at),
            "shipped_at": _iso(order.shipped_at),
            "delivered_at": _iso(order.delivered_at),
            "cancelled_at": _iso(order.cancelled_at),
            "payment_method": order.payment_method,
            "total_rials": order.total,
            "shipping_method": order.shipping_method_name,
            "lines": [
                {
                    "sku": line.sku,
                    "title": line.title,
                    "quantity": line.quantity,
                    "unit_price_rials": line.unit_price,
                    "line_total_rials": line.line_total,
                }
                for line in order.lines.order_by("pk")
            ],
        }
        for order in _orders_in(user, start, end).prefetch_related("lines")
    ]


def _invoices(user: User, start, end) -> list[dict]:
    invoices = Invoice.objects.filter(
        order__user=user, issued_at__gte=start, issued_at__lt=end
    ).order_by("pk")
    return [
        {
            "kind": invoice.kind,
            "number": invoice.display_number,
            "tax_id": invoice.tax_id,
            "order_number": invoice.order.number,
            "issued_at": _iso(invoice.issued_at),
            "total_rials": invoice.total,
        }
        for invoice in invoices.select_related("order")
    ]


def _payments(user: User, start, end) -> list[dict]:
    payments = Payment.objects.filter(
        order__user=user, created_at__gte=start, created_at__lt=end
    ).order_by("pk")
    return [
        {
            "order_number": payment.order.number,
            "gateway": payment.gateway,
            "amount_rials": payment.amount,
            "status": payment.status,
            "ref_id": payment.ref_id,
            "card_pan_masked": payment.card_pan,
            "created_at": _iso(payment.created_at),
            "paid_at": _iso(payment.paid_at),
        }
        for payment in payments.select_related("order")
    ]


def _sign_in_logs(user: User, start, end) -> list[dict]:
    sessions = user.signed_in_sessions.filter(created_at__gte=start, created_at__lt=end)
    return [
        {
            "kind": session.kind,
            "ip": session.ip,
            "user_agent": session.user_agent,
            "signed_in_at": _iso(session.created_at),
            "last_seen_at": _iso(session.last_seen_at),
        }
        for session in sessions.order_by("pk")
    ]


COLLECTORS = {
    DataCategory.IDENTITY: _identity,
    DataCategory.CONTACTS: _contacts,
    DataCategory.ADDRESSES: _addresses,
    DataCategory.ORDERS: _orders,
    DataCategory.INVOICES: _invoices,
    DataCategory.PAYMENTS: _payments,
    DataCategory.SIGN_IN_LOGS: _sign_in_logs,
}


def _collect_category(category: str, user: User, start, end):
    """A category of the apps below legal (COLLECTORS), else one a higher app registered
    (metavast.legal.collectors), called with this one customer."""
    if category in COLLECTORS:
        return COLLECTORS[category](user, start, end)
    collector = collectors.registered(category)
    return list(collector([user.pk], start, end)) if collector is not None else []


def collect(request: DisclosureRequest) -> dict:
    """The JSON document: the scoped categories of the scoped customers, and nothing else."""
    start, end = _bounds(request)
    users = User.objects.filter(pk__in=request.customer_ids).order_by("pk")
    return {
        "register_id": request.pk,
        "period": {
            "start": request.period_start.isoformat(),
            "end": request.period_end.isoformat(),
        },
        "categories": list(request.categories),
        "customers": [
            {
                "customer_id": user.pk,
                **{
                    category: _collect_category(category, user, start, end)
                    for category in request.categories
                },
            }
            for user in users
        ],
    }


# --- The cover letter -------------------------------------------------------------------


def _font_uris() -> tuple[str, str]:
    folder = Path(settings.VAR_DIR) / "vendor" / "fonts"
    regular, bold = folder / "Vazirmatn-Regular.ttf", folder / "Vazirmatn-Bold.ttf"
    return (
        regular.as_uri() if regular.exists() else "",
        bold.as_uri() if bold.exists() else "",
    )


def render_cover_html(request: DisclosureRequest, document: dict, *, now: dt.datetime) -> str:
    regular, bold = _font_uris()
    labels = dict(DataCategory.choices)
    return render_to_string(
        "legal/cover_letter.html",
        {
            "request": request,
            "authority_type": AuthorityType(request.authority_type).label,
            "letter_date": format_jalali_date(request.letter_date),
            "period_start": format_jalali_date(request.period_start),
            "period_end": format_jalali_date(request.period_end),
            "categories": [labels[c] for c in request.categories],
            "customer_count": len(document["customers"]),
            "prepared_at": format_jalali_datetime(now),
            "font_regular": regular,
            "font_bold": bold,
            "shop_name": settings.SHOP_NAME,
        },
    )


def render_cover_pdf(request: DisclosureRequest, document: dict, *, now: dt.datetime) -> bytes:
    from weasyprint import HTML

    html = render_cover_html(request, document, now=now)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def build_zip(request: DisclosureRequest, *, now: dt.datetime) -> bytes:
    document = collect(request)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cover-letter.pdf", render_cover_pdf(request, document, now=now))
        archive.writestr(
            "data.json", json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
        )
    return buffer.getvalue()


# --- Storage ----------------------------------------------------------------------------


def storage_name(request: DisclosureRequest) -> str:
    """The package's name in the private storage (what `package_name` keeps)."""
    return f"legal/disclosure-{request.pk}.zip"


def store(request: DisclosureRequest, data: bytes) -> str:
    return private_files.write_sealed(storage_name(request), data)


def read(request: DisclosureRequest) -> bytes:
    return private_files.read_sealed(request.package_name)


def destroy(request: DisclosureRequest) -> bool:
    """Delete the stored package; True if there was one."""
    if not request.package_name:
        return False
    return private_files.delete(request.package_name)


# --- Transit ----------------------------------------------------------------------------


def _key_iv(passphrase: str, salt: bytes) -> tuple[bytes, bytes]:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=48, salt=salt, iterations=PBKDF2_ITERATIONS)
    material = kdf.derive(passphrase.encode("utf-8"))
    return material[:32], material[32:]


def encrypt_for_transit(data: bytes, passphrase: str) -> bytes:
    """`openssl enc -aes-256-cbc -pbkdf2 -iter 600000 -md sha256` of `data`."""
    salt = os.urandom(8)
    key, iv = _key_iv(passphrase, salt)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return _OPENSSL_MAGIC + salt + encryptor.update(padded) + encryptor.finalize()


def decrypt_from_transit(blob: bytes, passphrase: str) -> bytes:
    """The inverse of `encrypt_for_transit` (for tests and for the authority's side)."""
    if not blob.startswith(_OPENSSL_MAGIC):
        raise ValueError("not an OpenSSL salted file")
    salt, body = blob[8:16], blob[16:]
    key, iv = _key_iv(passphrase, salt)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(body) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
