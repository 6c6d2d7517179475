"""The audit chain's cryptography: keyed seals, and signatures on checkpoints and epochs.

A plain SHA-256 chain only proves that rows agree with each other: anyone who can write the
database can change a row and recompute every hash after it. So each seal is an HMAC-SHA256
under AUDIT_SEAL_KEY, a key that lives outside the database (environment, or var/ for the
embedded default). Without the key, a rewritten chain cannot be sealed again.

Chain versions:
- 1, plain: `sha256(previous_seal + "\\n" + canonical row)`. Rows sealed before the key came;
  an `AuditChainEpoch` row, signed with the key, records where they end.
- 2, keyed: `hmac_sha256(key, "metavast-audit-seal-v2\\n" + previous_seal + "\\n" + row)`.

Every message is prefixed with its purpose, so a seal can never pass for a checkpoint's
signature or the other way round.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

GENESIS_HASH = "0" * 64
_SEAL_V2 = b"metavast-audit-seal-v2\n"
_CHECKPOINT = b"metavast-audit-checkpoint-v1\n"
_EPOCH = b"metavast-audit-epoch-v1\n"


def seal_key() -> bytes:
    key = settings.AUDIT_SEAL_KEY
    if not key:
        raise ImproperlyConfigured("AUDIT_SEAL_KEY is empty")
    return key.encode()


def plain_seal(previous_hash: str, canonical: bytes) -> str:
    """Chain version 1 (legacy): anyone can compute it, so it proves nothing alone."""
    return hashlib.sha256(previous_hash.encode() + b"\n" + canonical).hexdigest()


def keyed_seal(previous_hash: str, canonical: bytes, *, key: bytes) -> str:
    message = _SEAL_V2 + previous_hash.encode() + b"\n" + canonical
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _canonical(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def checkpoint_signature(fields: dict, *, key: bytes) -> str:
    """Signs a checkpoint's fields (everything but the signature itself)."""
    body = {k: v for k, v in fields.items() if k != "signature"}
    return hmac.new(key, _CHECKPOINT + _canonical(body), hashlib.sha256).hexdigest()


def epoch_signature(*, plain_head_seq: int, plain_head_hash: str, key: bytes) -> str:
    body = _canonical({"plain_head_seq": plain_head_seq, "plain_head_hash": plain_head_hash})
    return hmac.new(key, _EPOCH + body, hashlib.sha256).hexdigest()


def signatures_match(expected: str, given: object) -> bool:
    return isinstance(given, str) and hmac.compare_digest(expected, given)
