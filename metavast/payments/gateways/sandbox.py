"""The sandbox gateway: a bank-like page inside the app, for the embedded default and demos.

`request_payment` writes a `SandboxTransaction` (the bank's own books) and sends the customer
to /payments/sandbox/<authority>/, where «پرداخت» or «انصراف» redirects to our callback with
Status=OK or NOK, as Zarinpal does. `verify` checks those books, so the shop's code path is
the real one. It exists only while `settings.SANDBOX_GATEWAY_ENABLED` is on; production turns
it off, and then it can neither be chosen nor reached (its pages answer 404).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from metavast.payments.gateways.base import (
    GatewayError,
    PaymentDeclined,
    UnverifiedPayment,
    VerifyResult,
    VerifyStatus,
)
from metavast.payments.models import SandboxStatus, SandboxTransaction

SANDBOX_CARD = "603799******1234"


def new_authority() -> str:
    return "S" + secrets.token_hex(16).upper()


class SandboxGateway:
    name = "sandbox"

    def __init__(self):
        if not settings.SANDBOX_GATEWAY_ENABLED:
            raise GatewayError("sandbox_disabled")

    def request_payment(self, amount, callback_url, description, mobile=None, email=None):
        if amount <= 0:
            raise PaymentDeclined("sandbox_invalid_amount")
        row = SandboxTransaction.objects.create(
            authority=new_authority(),
            amount=amount,
            callback_url=callback_url,
            description=description[:255],
        )
        return row.authority, reverse("payments:sandbox_bank", kwargs={"authority": row.authority})

    def verify(self, authority: str, amount: int) -> VerifyResult:
        with transaction.atomic():
            row = SandboxTransaction.objects.select_for_update().filter(authority=authority).first()
            if row is None:
                return VerifyResult(VerifyStatus.FAILED, code="sandbox_unknown_authority")
            if row.amount != amount:
                return VerifyResult(VerifyStatus.FAILED, code="sandbox_amount_mismatch")
            if row.status == SandboxStatus.VERIFIED:
                return VerifyResult(VerifyStatus.ALREADY_VERIFIED, row.ref_id, SANDBOX_CARD)
            if row.status != SandboxStatus.PAID:
                return VerifyResult(VerifyStatus.FAILED, code=f"sandbox_{row.status}")
            row.status = SandboxStatus.VERIFIED
            row.save(update_fields=["status"])
            return VerifyResult(VerifyStatus.PAID, row.ref_id, SANDBOX_CARD)

    def unverified(self) -> list[UnverifiedPayment]:
        rows = SandboxTransaction.objects.filter(status=SandboxStatus.PAID).order_by("pk")[:100]
        return [UnverifiedPayment(r.authority, r.amount) for r in rows]


def sandbox_decide(*, authority: str, pay: bool) -> SandboxTransaction:
    """The customer's press on the bank page. Only a waiting transaction can change."""
    with transaction.atomic():
        row = SandboxTransaction.objects.select_for_update().get(authority=authority)
        if row.status == SandboxStatus.CREATED:
            if pay:
                row.status = SandboxStatus.PAID
                row.ref_id = str(secrets.randbelow(9 * 10**9) + 10**9)
            else:
                row.status = SandboxStatus.CANCELLED
            row.save(update_fields=["status", "ref_id"])
        return row
