"""One POST to a third party (SMS provider, payment gateway, tax system), over urllib.

Every caller needs the same things from it: a timeout that bounds the connect and each
read (urllib applies one timeout to both), the body of an HTTP error answer as well as of a
success, a cap on how much of a body we read, and the failures that leave no answer mapped
to a few kinds the caller turns into its own error codes:

- ``timeout``: the connection or a read took longer than the timeout;
- ``unreachable``: no connection (refused, name not found, ...);
- ``connection``: the connection broke in another way.

Nothing here logs: some URLs carry a secret (Kavenegar's API key is in its path).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

FailureKind = Literal["timeout", "unreachable", "connection"]


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    body: bytes


class OutboundError(Exception):
    """No HTTP answer; ``kind`` says why."""

    def __init__(self, kind: FailureKind):
        super().__init__(kind)
        self.kind: FailureKind = kind


def post(
    url: str, *, body: bytes, headers: dict[str, str], timeout: float, max_bytes: int
) -> OutboundResponse:
    """POST ``body`` to ``url``; return the status and at most ``max_bytes`` of the answer.

    Any HTTP status is an answer, 4xx and 5xx included (with the body, or an empty one when
    it cannot be read). Only the failures listed in the module docstring raise
    ``OutboundError``.
    """
    # The URL comes from our settings, never from a user.
    request = Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    try:
        with urlopen(request, timeout=timeout) as response:  # noqa: S310
            return OutboundResponse(response.status, response.read(max_bytes))
    except HTTPError as exc:
        try:
            error_body = exc.read(max_bytes)
        except OSError:
            error_body = b""
        return OutboundResponse(exc.code, error_body)
    except TimeoutError as exc:
        raise OutboundError("timeout") from exc
    except URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise OutboundError("timeout") from exc
        raise OutboundError("unreachable") from exc
    except OSError as exc:
        raise OutboundError("connection") from exc
