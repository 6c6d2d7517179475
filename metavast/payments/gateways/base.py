"""The gateway protocol: the only thing the payment services know about a PSP.

A gateway asks for a payment (`request_payment` → an authority and the page to send the
customer to), confirms it (`verify`, always with the amount from *our* database) and may list
payments it took but we never verified (`unverified`, for reconciliation). HTTP lives only in
the gateway modules, always with timeouts.

The exception tree says what the services may conclude:

- `GatewayError`: we do not know what happened (timeout, connection refused, 5xx, a body that
  is not the JSON we expect). Retryable; a payment stays pending, never paid.
- `PaymentDeclined`: the gateway answered, and the answer is no (not paid, wrong amount,
  unknown authority). Final for this attempt.
- `PaymentCancelled`: the customer cancelled at the bank.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class GatewayError(Exception):
    """Unknown outcome; retry later. `code` is ours and short, never the PSP's text."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


class PaymentDeclined(Exception):
    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


class PaymentCancelled(PaymentDeclined):
    pass


class VerifyStatus(enum.StrEnum):
    PAID = "paid"  # verified now
    ALREADY_VERIFIED = "already_verified"  # verified before (a replay, or our lost answer)
    FAILED = "failed"  # the gateway says this attempt was not paid


@dataclass(frozen=True)
class VerifyResult:
    status: VerifyStatus
    ref_id: str = ""
    card_pan: str = ""
    code: str = ""  # the PSP's code for a failure, for last_error

    @property
    def is_paid(self) -> bool:
        return self.status in (VerifyStatus.PAID, VerifyStatus.ALREADY_VERIFIED)


@dataclass(frozen=True)
class UnverifiedPayment:
    authority: str
    amount: int


class Gateway(Protocol):
    name: str

    def request_payment(
        self,
        amount: int,
        callback_url: str,
        description: str,
        mobile: str | None = None,
        email: str | None = None,
    ) -> tuple[str, str]:
        """Return (authority, redirect_url). Raises GatewayError or PaymentDeclined."""
        ...

    def verify(self, authority: str, amount: int) -> VerifyResult:
        """Confirm a payment for `amount` Rials. Raises GatewayError when unsure."""
        ...

    def unverified(self) -> list[UnverifiedPayment]:
        """Payments the gateway took and nobody verified yet; [] if it cannot tell."""
        ...


def mask_pan(pan: str) -> str:
    """Keep at most the first six and last four digits of a card number, as banks show it."""
    digits = "".join(ch for ch in str(pan or "") if ch.isdigit() or ch == "*")
    if len(digits) < 10:
        return ""
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]
