"""Readiness for the tax administration's Moadian system.

Every invoice stores, at issue, the JSON payload of the standard electronic invoice
(header + body) and enters a submission queue with a status per invoice. Submission goes
through a small backend interface; the HTTP backend posts the payload signed with the
shop's private key (RS256 over the canonical JSON) to MOADIAN_BASE_URL. The tests run it
against a fake tax server on 127.0.0.1.

Not done here: the live system's token exchange and JWE encryption of the payload with the
tax administration's public key; they belong in the HTTP backend, behind this interface.

Field names follow the standard: header (taxid, indatim, inty, inno, irtaxid, inp, ins,
tins, tob, bid, tinb, bpc, tprdis, tdis, tadis, tvam, todam, tbill, setm, cap, insp) and
body lines (sstid, sstt, am, mu, fee, prdis, dis, adis, vra, vam, tsstam).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from metavast.core import outbound

# Measure unit codes of the standard: piece and service.
UNIT_CODES = {"عدد": "1627", "خدمت": "1628"}
# A generic goods/service ID used until each product carries its 13-digit Moadian ID.
DEFAULT_SSTID = "2330001499990"
SHIPPING_SSTID = "2330001499991"
# The tax system answers with a short JSON object; more than this is not an answer.
_MAX_RESPONSE_BYTES = 256 * 1024


def build_payload(invoice, lines) -> dict:
    buyer = json.loads(invoice.buyer_json or "{}")
    legal = buyer.get("type") == "legal"
    is_credit = invoice.kind == "credit_note"
    header = {
        "taxid": invoice.tax_id,
        "indatim": int(invoice.issued_at.timestamp() * 1000),
        "inty": invoice.moadian_type,
        "inno": invoice.tax_id[11:21],
        "irtaxid": invoice.original.tax_id if invoice.original_id else None,
        "inp": 1,  # pattern: sale
        "ins": 4 if is_credit else 1,  # subject: 1 original, 4 return from sale
        "tins": invoice.seller.get("economic_number", ""),
        "tob": 2 if legal else 1,  # buyer type: 1 natural person, 2 legal entity
        "bid": buyer.get("national_id") if legal else (buyer.get("national_code") or None),
        "tinb": buyer.get("economic_number") if legal else None,
        "bpc": buyer.get("postal_code") if legal else None,
        "tprdis": invoice.subtotal,
        "tdis": invoice.discount,
        "tadis": invoice.subtotal - invoice.discount,
        "tvam": invoice.vat,
        "todam": 0,
        "tbill": invoice.total,
        "setm": 1,  # settlement: cash (paid online or on delivery)
        "cap": invoice.total,
        "insp": 0,
    }
    body = [
        {
            "sstid": SHIPPING_SSTID if line.order_line_id is None else DEFAULT_SSTID,
            "sstt": line.description,
            "am": line.quantity,
            "mu": UNIT_CODES.get(line.unit, "1627"),
            "fee": line.unit_price,
            "prdis": line.unit_price * line.quantity,
            "dis": line.discount,
            "adis": line.net_amount,
            "vra": line.vat_rate_basis_points / 100,
            "vam": line.vat_amount,
            "tsstam": line.line_total,
        }
        for line in lines
    ]
    return {"header": header, "body": body, "payments": []}


@dataclass
class SubmitResult:
    accepted: bool
    reference: str = ""
    error: str = ""


class MoadianError(Exception):
    """Could not reach the tax system or it answered unclearly; try again later."""


class MoadianBackend(Protocol):
    def submit(self, payload: dict) -> SubmitResult: ...


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class HttpMoadianBackend:
    def __init__(self, base_url: str | None = None, private_key_pem: str | None = None):
        self.base_url = (base_url or settings.MOADIAN_BASE_URL).rstrip("/")
        self.private_key_pem = private_key_pem or settings.MOADIAN_PRIVATE_KEY_PEM
        self.timeout = settings.MOADIAN_TIMEOUT

    def _signature(self, body: bytes) -> str:
        if not self.private_key_pem:
            return ""
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding

        key = serialization.load_pem_private_key(self.private_key_pem.encode(), password=None)
        signature = key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode()

    def submit(self, payload: dict) -> SubmitResult:
        if not self.base_url:
            raise MoadianError("MOADIAN_BASE_URL is not set")
        body = canonical(payload)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Memory-Id": settings.MOADIAN_MEMORY_ID,
            "X-Signature": self._signature(body),
        }
        try:
            response = outbound.post(
                f"{self.base_url}/invoices",
                body=body,
                headers=headers,
                timeout=self.timeout,
                max_bytes=_MAX_RESPONSE_BYTES,
            )
            if 400 <= response.status < 500:
                try:
                    detail = json.loads(response.body.decode("utf-8"))
                except ValueError:
                    detail = {}
                return SubmitResult(False, error=str(detail.get("error") or response.status)[:300])
            if not 200 <= response.status < 300:
                raise MoadianError(f"tax system answered {response.status}")
            answer = json.loads(response.body.decode("utf-8"))
        except (outbound.OutboundError, ValueError) as exc:
            # ValueError: a malformed base URL, or an answer that is not JSON.
            raise MoadianError("tax system unreachable or unclear") from exc
        status = answer.get("status")
        if status == "accepted":
            return SubmitResult(True, reference=str(answer.get("reference", ""))[:80])
        if status == "rejected":
            return SubmitResult(False, error=str(answer.get("error", ""))[:300])
        raise MoadianError("unexpected answer from the tax system")


class DisabledMoadianBackend:
    """No tax-system connection configured (the embedded default): invoices wait in the
    queue, pending, and go out once a real backend is set."""

    def submit(self, payload: dict) -> SubmitResult:
        raise MoadianError("no Moadian backend is configured")


def backend() -> MoadianBackend:
    return import_string(settings.MOADIAN_BACKEND)()
