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

from axes.handlers.database import AxesDatabaseHandler
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
    # Axes keeps attempts in its own table: a keyed stand-in, never the IP itself (issue 11).
    from metavast.core.crypto import ip_pseudonym

    return ip_pseudonym(request_ip(request))


class AxesHandlerWithoutUserAgent(AxesDatabaseHandler):
    """Axes' database handler, storing no user agent (AXES_HANDLER; issue 11).

    Axes copies the request's user agent into every AccessAttempt (and AccessLog,
    AccessFailureLog) and offers no callable for it, unlike the IP: the proxy handler sets
    `request.axes_user_agent` from `axes.helpers.get_client_user_agent` before calling
    this class. We overwrite it with "" rather than a keyed digest: the user agent is not
    one of our AXES_LOCKOUT_PARAMETERS, so lock-outs never read it, and a digest would still
    be a stable fingerprint of the device, kept for nothing. With "" the attempts of one
    account from one IP share a row whatever browser is claimed, which is what we count.
    """

    @staticmethod
    def _forget_user_agent(request) -> None:
        if request is not None:
            request.axes_user_agent = ""

    def get_failures(self, request, credentials=None) -> int:
        self._forget_user_agent(request)
        return super().get_failures(request, credentials)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        self._forget_user_agent(request)
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):
        self._forget_user_agent(request)
        return super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender, request, user, **kwargs):
        self._forget_user_agent(request)
        return super().user_logged_out(sender, request, user, **kwargs)
