"""Encryption of personal data at rest, and keyed blind indexes for exact lookups.

Values are sealed with Fernet (AES-128-CBC + HMAC-SHA256, authenticated) through
`MultiFernet`, so several keys are live at once: the first encrypts, every key decrypts,
and `manage.py rotate_field_keys` re-encrypts rows under the first. We use the library's
construction rather than our own AES-GCM framing because it already handles versioning,
timestamps and rotation.

Encrypted columns cannot be searched. Where we must find a row by an exact value (a user
by mobile, by national code) a second column keeps HMAC-SHA256(key, purpose, normalised
value): equal inputs give equal digests, but the digest reveals nothing without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "InvalidToken",
    "blind_index",
    "decrypt",
    "decrypt_bytes",
    "encrypt",
    "encrypt_bytes",
    "ip_pseudonym",
    "is_sealed",
    "rotate_bytes",
    "rotate_token",
]

# Every Fernet token is urlsafe base64 of a version byte 0x80 and a 64-bit timestamp whose
# top bytes are zero until the year 36812: it always starts with these six characters.
_TOKEN_PREFIX = b"gAAAAA"


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    return _current().decrypt(token.encode("ascii")).decode("utf-8")


def rotate_token(token: str) -> str:
    """Re-encrypt under the primary key (a no-op in meaning, a new token in bytes)."""
    return _current().rotate(token.encode("ascii")).decode("ascii")


def encrypt_bytes(data: bytes) -> bytes:
    """Seal bytes (a file's content) under the primary key; the token is ASCII."""
    return _current().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    """Open a token sealed by any listed key; raises InvalidToken if none fits or it was
    altered (Fernet authenticates before it decrypts)."""
    return _current().decrypt(token)


def rotate_bytes(token: bytes) -> bytes:
    """Re-seal a bytes token under the primary key."""
    return _current().rotate(token)


def is_sealed(data: bytes) -> bool:
    """Whether `data` looks like a Fernet token (a cheap test; decrypting is the proof)."""
    return data.startswith(_TOKEN_PREFIX)


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed digest for exact-match lookups; `purpose` keeps fields' digests unrelated."""
    key = settings.BLIND_INDEX_KEY
    if not key:
        raise ImproperlyConfigured("BLIND_INDEX_KEY is empty")
    message = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def ip_pseudonym(ip: str | None) -> str | None:
    """A keyed stand-in for an IP where a column must hold an IP address and is only ever
    compared (django-axes' `ip_address`, an `inet` column on PostgreSQL): an address in the
    private range fd00::/8 whose other 120 bits are HMAC(BLIND_INDEX_KEY, "ip", ip). The
    same IP always gives the same stand-in, so counting and lock-outs still work; without
    the key it reveals nothing about the real address."""
    if not ip:
        return None
    digest = blind_index(ip.strip().lower(), purpose="core.ip_pseudonym")
    hex_address = "fd" + digest[:30]
    groups = [hex_address[i : i + 4] for i in range(0, 32, 4)]
    return str(ipaddress.IPv6Address(":".join(groups)))
