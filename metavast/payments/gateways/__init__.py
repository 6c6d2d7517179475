"""The gateways customers may pay through, by name.

A plain table, no dynamic class loading: adding a PSP means a module here and a line below.
`settings.PAYMENT_GATEWAYS` lists the names offered, the first being the default; the sandbox
is offered only while `settings.SANDBOX_GATEWAY_ENABLED` is on, whatever that list says.
"""

from __future__ import annotations

from django.conf import settings

from metavast.payments.errors import GatewayNotAvailable
from metavast.payments.gateways.base import Gateway
from metavast.payments.gateways.sandbox import SandboxGateway
from metavast.payments.gateways.zarinpal import ZarinpalGateway

REGISTRY: dict[str, type] = {"sandbox": SandboxGateway, "zarinpal": ZarinpalGateway}


def enabled_gateways() -> list[str]:
    return [
        name
        for name in settings.PAYMENT_GATEWAYS
        if name in REGISTRY and (name != "sandbox" or settings.SANDBOX_GATEWAY_ENABLED)
    ]


def is_enabled(name: str) -> bool:
    return name in enabled_gateways()


def default_gateway() -> str:
    names = enabled_gateways()
    if not names:
        raise GatewayNotAvailable()
    return names[0]


def get_gateway(name: str) -> Gateway:
    if not is_enabled(name):
        raise GatewayNotAvailable()
    return REGISTRY[name]()
