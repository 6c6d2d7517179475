"""Kavenegar (کاوه‌نگار) SMS over its REST API, with timeouts and an idempotency key.

Two methods are used:

- ``sms/send`` for every message we word ourselves. We pass ``localid`` (the message's
  63-bit ``local_id``): Kavenegar answers a repeated ``localid`` with the message it already
  accepted instead of sending it again, so a retry after a lost answer, a timeout or a
  worker crash cannot reach the phone twice.
- ``verify/lookup`` only for templates listed in ``KAVENEGAR_LOOKUP_TEMPLATES`` (the sign-in
  code, when the operator has a panel template for it; Iranian operators deliver these on
  the fast "service" route). Lookup takes no ``localid``, so after an *ambiguous* failure a
  retry may deliver the same code twice; the code is the same, so the user sees a
  duplicate, never a wrong code. That is the price of the faster route; leave the setting
  empty to send codes with ``sms/send`` too.

Kavenegar answers ``{"return": {"status": 200, "message": ...}, "entries": [...]}``; the
HTTP status mirrors ``return.status``. Codes that describe the request itself (a bad number,
an empty or too long text) are permanent; codes about our account or their service (key,
credit, sender line, "server busy") are retryable, so an outage or a lapsed top-up loses
nothing and the messages go out once it is fixed.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import quote, urlencode

from django.conf import settings

from metavast.core import outbound
from metavast.notifications.backends import SMS, PermanentDeliveryError, RetryableDeliveryError

logger = logging.getLogger(__name__)

# The request can never succeed as sent.
PERMANENT_CODES = frozenset({400, 404, 405, 411, 413, 414, 417, 419, 607})
# Everything else (401 key, 402 failed, 403, 407 IP, 409 busy, 412 sender line, 418 credit,
# 424 template, 5xx...) is retried with back-off and shows up as failed for staff if it lasts.
# Entry statuses that mean the provider refused this message at once.
FAILED_ENTRY_STATUSES = frozenset({6, 11, 13, 14, 100})
_MAX_RESPONSE_BYTES = 64 * 1024
# No answer at all: always retryable.
_FAILURE_CODES = {
    "timeout": "kavenegar_timeout",
    "unreachable": "kavenegar_unreachable",
    "connection": "kavenegar_connection_error",
}


def to_receptor(e164: str) -> str:
    """+989123456789 → 09123456789, the form Kavenegar expects for Iranian numbers."""
    if not (e164.startswith("+98") and e164[3:].isdigit() and len(e164) == 13):
        raise PermanentDeliveryError("kavenegar_receptor_not_iranian_mobile")
    return "0" + e164[3:]


class KavenegarBackend:
    def __init__(
        self,
        *,
        api_key: str | None = None,
        sender: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
    ):
        self.api_key = settings.KAVENEGAR_API_KEY if api_key is None else api_key
        self.sender = settings.KAVENEGAR_SENDER if sender is None else sender
        self.base_url = (base_url or settings.KAVENEGAR_BASE_URL).rstrip("/")
        self.timeout = float(settings.KAVENEGAR_TIMEOUT if timeout is None else timeout)

    def send(self, sms: SMS) -> str:
        if not self.api_key:
            # Not configured yet: keep the message, do not lose it.
            raise RetryableDeliveryError("kavenegar_not_configured")
        receptor = to_receptor(sms.receptor)
        if sms.provider_template:
            method = "verify/lookup"
            params = {
                "receptor": receptor,
                "template": sms.provider_template,
                "token": sms.provider_token,
            }
        else:
            method = "sms/send"
            params = {"receptor": receptor, "message": sms.body, "localid": str(sms.local_id)}
            if self.sender:
                params["sender"] = self.sender
        entries = self._call(method, params)
        if not isinstance(entries, list) or not entries or not isinstance(entries[0], dict):
            raise RetryableDeliveryError("kavenegar_no_entries")
        entry = entries[0]
        if entry.get("status") in FAILED_ENTRY_STATUSES:
            raise PermanentDeliveryError(f"kavenegar_entry_status_{entry.get('status')}")
        provider_id = entry.get("messageid")
        if provider_id in (None, ""):
            raise RetryableDeliveryError("kavenegar_no_messageid")
        return str(provider_id)

    def receive(self, *, linenumber: str) -> list[dict]:
        """Unread incoming SMS of our line (``sms/receive``, ``isread=0``); Kavenegar marks
        them read as it answers. Each entry has ``messageid``, ``message``, ``sender``,
        ``receptor``, ``date``. Raises a DeliveryError like ``send`` (the poll tries again).
        Used by metavast.consent.sms_replies for «۱۱» / «لغو» replies."""
        if not self.api_key:
            return []
        entries = self._call("sms/receive", {"linenumber": linenumber, "isread": "0"})
        return [e for e in entries or [] if isinstance(e, dict)]

    def _call(self, method: str, params: dict[str, str]):
        # The key is part of the path: never log this URL.
        url = f"{self.base_url}/v1/{quote(self.api_key, safe='')}/{method}.json"
        try:
            response = outbound.post(
                url,
                body=urlencode(params).encode("utf-8"),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                    "Accept": "application/json",
                },
                timeout=self.timeout,
                max_bytes=_MAX_RESPONSE_BYTES,
            )
        except outbound.OutboundError as exc:
            raise RetryableDeliveryError(_FAILURE_CODES[exc.kind]) from None
        http_status, raw = response.status, response.body

        try:
            payload = json.loads(raw.decode("utf-8"))
            code = int(payload["return"]["status"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise RetryableDeliveryError(f"kavenegar_http_{http_status}_malformed") from None
        if code == 200 and http_status == 200:
            return payload.get("entries")
        if code == 200:  # a 200 inside an error page: not a confirmed success
            code = http_status
        logger.warning("kavenegar refused a request", extra={"kavenegar_status": code})
        if code in PERMANENT_CODES:
            raise PermanentDeliveryError(f"kavenegar_{code}")
        raise RetryableDeliveryError(f"kavenegar_{code}")
