"""The one trusted way to know a client's IP address.

REMOTE_ADDR is the peer that connected to us. Only when that peer is one of our own
proxies (TRUSTED_PROXIES, addresses or networks) do we believe X-Forwarded-For, and then
we walk it from the right, skipping further trusted proxies: the first untrusted address
is the client. Anything a client writes to the left of that is ignored, so a forged
header cannot choose the IP that rate limits and logs see.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress._BaseNetwork, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _parse(value: str) -> ipaddress._BaseAddress | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: ipaddress._BaseAddress) -> bool:
    return any(address in net for net in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(meta: dict) -> str | None:
    peer = _parse(meta.get("REMOTE_ADDR", "") or "")
    if peer is None:
        return None
    if not _trusted(peer):
        return str(peer)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([h for h in forwarded.split(",") if h.strip()]):
        address = _parse(hop)
        if address is None:
            return str(peer)  # garbage in the chain: trust nothing left of it
        if not _trusted(address):
            return str(address)
    return str(peer)


def request_ip(request) -> str | None:
    cached = getattr(request, "client_ip", None)
    return cached if cached is not None else client_ip(request.META)


def axes_client_ip(request) -> str | None:
    return request_ip(request)
