"""Zarinpal (زرین‌پال) REST API v4, over urllib with a timeout on every call.

- request: POST {base}/pg/v4/payment/request.json with merchant_id, amount (Rials),
  callback_url, description and metadata {mobile, email}; success is data.code 100 with
  data.authority, and the customer goes to {base}/pg/StartPay/{authority}.
- verify: POST {base}/pg/v4/payment/verify.json with merchant_id, authority and the amount
  *from our database*. data.code 100 is paid now, 101 is paid and already verified (a replay,
  or an answer of ours that got lost); anything else in `errors.code` is a refusal
  (-50 amount differs, -51 not paid, -54 unknown authority...).
- unverified: POST {base}/pg/v4/payment/unverified.json with merchant_id lists payments
  Zarinpal took that nobody verified; reconciliation verifies them.

Errors come back as {"data": [], "errors": {"code": -9, "message": ..., "validations": [...]}}
with HTTP 4xx. A timeout, a refused connection, a 5xx or a body that is not that JSON is a
GatewayError (we do not know), never a refusal: the payment stays pending and is checked
again later. The base URL is a setting so tests and the benchmark point it at a fake server.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings

from metavast.core import outbound
from metavast.payments.gateways.base import (
    GatewayError,
    PaymentDeclined,
    UnverifiedPayment,
    VerifyResult,
    VerifyStatus,
    mask_pan,
)

logger = logging.getLogger(__name__)

PAID = 100
ALREADY_VERIFIED = 101
_MAX_RESPONSE_BYTES = 256 * 1024
# No answer at all: we do not know what happened, so never a refusal.
_FAILURE_CODES = {
    "timeout": "zarinpal_timeout",
    "unreachable": "zarinpal_unreachable",
    "connection": "zarinpal_connection_error",
}
# Refusals about our own set-up (merchant id, IP, inactive account): not the customer's
# fault and not final for the payment, so a verify that gets one stays pending.
_SETUP_CODES = frozenset({-10, -11, -12, -15, -16, -17})


class ZarinpalGateway:
    name = "zarinpal"

    def __init__(
        self,
        *,
        merchant_id: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
    ):
        self.merchant_id = settings.ZARINPAL_MERCHANT_ID if merchant_id is None else merchant_id
        self.base_url = (base_url or settings.ZARINPAL_BASE_URL).rstrip("/")
        self.timeout = float(settings.ZARINPAL_TIMEOUT if timeout is None else timeout)

    # --- the protocol ---------------------------------------------------------------------

    def request_payment(self, amount, callback_url, description, mobile=None, email=None):
        metadata = {key: value for key, value in (("mobile", mobile), ("email", email)) if value}
        body = {
            "merchant_id": self.merchant_id,
            "amount": int(amount),
            "currency": "IRR",
            "callback_url": callback_url,
            "description": description,
        }
        if metadata:
            body["metadata"] = metadata
        data, code = self._call("request", body)
        if code != PAID:
            raise PaymentDeclined(f"zarinpal_{code}")
        authority = data.get("authority")
        if not isinstance(authority, str) or not authority.isalnum() or len(authority) > 64:
            raise GatewayError("zarinpal_bad_authority")
        return authority, f"{self.base_url}/pg/StartPay/{authority}"

    def verify(self, authority: str, amount: int) -> VerifyResult:
        data, code = self._call(
            "verify",
            {"merchant_id": self.merchant_id, "amount": int(amount), "authority": authority},
        )
        if code in (PAID, ALREADY_VERIFIED):
            status = VerifyStatus.PAID if code == PAID else VerifyStatus.ALREADY_VERIFIED
            ref_id = data.get("ref_id")
            return VerifyResult(status, str(ref_id or ""), mask_pan(data.get("card_pan", "")))
        if code in _SETUP_CODES:
            raise GatewayError(f"zarinpal_{code}")
        return VerifyResult(VerifyStatus.FAILED, code=f"zarinpal_{code}")

    def unverified(self) -> list[UnverifiedPayment]:
        data, code = self._call("unverified", {"merchant_id": self.merchant_id})
        if code != PAID:
            raise GatewayError(f"zarinpal_{code}")
        result = []
        for item in data.get("authorities") or []:
            if isinstance(item, dict) and isinstance(item.get("authority"), str):
                try:
                    result.append(UnverifiedPayment(item["authority"], int(item.get("amount"))))
                except (TypeError, ValueError):
                    continue
        return result

    # --- HTTP ---------------------------------------------------------------------------

    def _call(self, method: str, body: dict) -> tuple[dict, int]:
        """POST one v4 method; return (data, code) where code is data.code or errors.code."""
        if not self.merchant_id:
            raise GatewayError("zarinpal_not_configured")
        try:
            response = outbound.post(
                f"{self.base_url}/pg/v4/payment/{method}.json",
                body=json.dumps(body).encode("utf-8"),
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "User-Agent": "Metavast/1 ZarinPal Rest Api v4",
                },
                timeout=self.timeout,
                max_bytes=_MAX_RESPONSE_BYTES,
            )
        except outbound.OutboundError as exc:
            raise GatewayError(_FAILURE_CODES[exc.kind]) from None
        http_status, raw = response.status, response.body

        if http_status >= 500:
            raise GatewayError(f"zarinpal_http_{http_status}")
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise GatewayError(f"zarinpal_http_{http_status}_malformed") from None
        if not isinstance(payload, dict):
            raise GatewayError(f"zarinpal_http_{http_status}_malformed")
        data, errors = payload.get("data"), payload.get("errors")
        if isinstance(data, dict) and isinstance(data.get("code"), int) and http_status == 200:
            return data, data["code"]
        if isinstance(errors, dict) and isinstance(errors.get("code"), int):
            logger.warning(
                "zarinpal refused a request",
                extra={"zarinpal_method": method, "zarinpal_code": errors["code"]},
            )
            return {}, errors["code"]
        raise GatewayError(f"zarinpal_http_{http_status}_malformed")
