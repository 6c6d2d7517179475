"""Delivery backends: the edge where messages leave for a provider.

Email goes through Django's email backends (`EMAIL_BACKEND`: SMTP in production, a file in
the embedded default, locmem in tests); see `mail.py`. SMS goes through the small interface
below, chosen by the `SMS_BACKEND` setting (a dotted path): `kavenegar.KavenegarBackend`
in production, `filebased.FileSMSBackend` in the embedded default, `locmem.LocmemSMSBackend`
in tests.

A backend returns the provider's message id on a confirmed success and raises
`RetryableDeliveryError` (try again later: timeouts, outages, our account's credit) or
`PermanentDeliveryError` (this request can never succeed: an invalid number). Their `code`
is a short token of ours, stored in `last_error`; never put provider text or an address
in it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    retryable = True

    def __init__(self, code: str):
        self.code = code[:100]
        super().__init__(self.code)


class RetryableDeliveryError(DeliveryError):
    retryable = True


class PermanentDeliveryError(DeliveryError):
    retryable = False


@dataclass(frozen=True)
class SMS:
    message_id: uuid.UUID
    # Idempotency key for the provider (Kavenegar's `localid`, a Long).
    local_id: int
    # E.164, "+989123456789"; each backend formats it the way its provider wants.
    receptor: str
    body: str
    # When set, send through the provider's own template with this token (a code).
    provider_template: str = ""
    provider_token: str = ""


class SMSBackend(Protocol):
    def send(self, sms: SMS) -> str:
        """Hand `sms` to the provider; return its message id or raise a DeliveryError."""
        ...


def get_sms_backend() -> SMSBackend:
    return import_string(settings.SMS_BACKEND)()
