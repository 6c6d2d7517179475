"""The choice cookie: necessary, first-party, HttpOnly, signed.

Its value is a signed {"v": policy version, "g": granted, "o": offered, "t": unix time}.
Signing keeps a page's script or a neighbouring site from planting a "yes" on the visitor's
behalf; a value that fails the signature, or was made under another policy version, counts as
no choice, so the banner asks again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpResponse

from metavast.consent.models import OPTIONAL_CATEGORIES

_SALT = "metavast.consent.cookie"


@dataclass(frozen=True)
class Choice:
    granted: frozenset[str]
    offered: frozenset[str]
    policy_version: str
    decided_at: dt.datetime

    @property
    def is_current(self) -> bool:
        return self.policy_version == settings.COOKIE_POLICY_VERSION


def encode(choice: Choice) -> str:
    return signing.dumps(
        {
            "v": choice.policy_version,
            "g": sorted(choice.granted),
            "o": sorted(choice.offered),
            "t": int(choice.decided_at.timestamp()),
        },
        salt=_SALT,
    )


def decode(value: str | None) -> Choice | None:
    if not value:
        return None
    try:
        data = signing.loads(value, salt=_SALT, max_age=settings.CONSENT_COOKIE_AGE)
        return Choice(
            granted=frozenset(c for c in data["g"] if c in OPTIONAL_CATEGORIES),
            offered=frozenset(c for c in data["o"] if c in OPTIONAL_CATEGORIES),
            policy_version=str(data["v"]),
            decided_at=dt.datetime.fromtimestamp(int(data["t"]), tz=dt.UTC),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def set_choice_cookie(response: HttpResponse, choice: Choice) -> None:
    response.set_cookie(
        settings.CONSENT_COOKIE_NAME,
        encode(choice),
        max_age=settings.CONSENT_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
