"""Production secrets, checked before the shop starts and again by `manage.py check --deploy`.

A secret that is present but useless fails late and badly: `FIELD_ENCRYPTION_KEYS=abc` let
production start and then broke the first write of personal data; a short blind-index key
makes every digest of a mobile number guessable. So each secret is checked for its format and
strength, and the dummy values of `.env.example` are refused outright: a shop that copied the
example file would run with keys the whole world can read.

- SECRET_KEY: Django's own rules (50+ characters, 5+ distinct, no `django-insecure-`).
- FIELD_ENCRYPTION_KEYS: each a Fernet key, urlsafe base64 of exactly 32 bytes, and not a
  patterned one (a random key has about 30 distinct bytes; we ask for 16).
- BLIND_INDEX_KEY (and AUDIT_SEAL_KEY, when the settings have one): 32+ characters, 5+
  distinct, not one short piece repeated, and not the same as another secret.

Messages name the variable, never its value (they end up in logs). The module is free of
models and of `django.conf.settings` at import time, so the production settings can use it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from pathlib import Path

from django.core import checks
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)

MIN_KEY_CHARACTERS = 32
MIN_KEY_DISTINCT_CHARACTERS = 5
FERNET_KEY_BYTES = 32
MIN_FERNET_DISTINCT_BYTES = 16
_FERNET_KEY = re.compile(r"[A-Za-z0-9_-]{43}=")
# Words that only a placeholder contains: "change-me", "dummy" and the like.
_PLACEHOLDER = re.compile(
    r"change[-_ ]?me|replace[-_ ]?me|dummy|placeholder|not[-_ ]for[-_ ]production|example",
    re.IGNORECASE,
)
ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"
SECRET_NAMES = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "AUDIT_SEAL_KEY")
# The secrets of .env.example as shipped; the file itself is read too when it is there, so an
# edited example is refused as well, and an installation without the file still is.
EXAMPLE_SECRETS = frozenset(
    {
        "change-me-to-50-random-characters-change-me-to-50-random",
        "ZmFrZS1rZXktZmFrZS1rZXktZmFrZS1rZXktZmFrZS0=",
        "change-me-blind-index-key",
        "change-me-audit-seal-key",
    }
)
CHECK_IDS = {
    "SECRET_KEY": "metavast.E001",
    "FIELD_ENCRYPTION_KEYS": "metavast.E002",
    "BLIND_INDEX_KEY": "metavast.E003",
    "AUDIT_SEAL_KEY": "metavast.E004",
}
HINTS = {
    "SECRET_KEY": "python -c 'import secrets; print(secrets.token_urlsafe(50))'",
    "FIELD_ENCRYPTION_KEYS": (
        "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    ),
    "BLIND_INDEX_KEY": "python -c 'import secrets; print(secrets.token_urlsafe(32))'",
    "AUDIT_SEAL_KEY": "python -c 'import secrets; print(secrets.token_urlsafe(32))'",
}


def example_secrets(path: Path = ENV_EXAMPLE) -> frozenset[str]:
    """The shipped example secrets, plus whatever the example file holds for them now."""
    found = set(EXAMPLE_SECRETS)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset(found)
    for line in lines:
        name, sep, value = line.partition("=")
        if sep and name.strip() in SECRET_NAMES:
            found.update(v.strip() for v in value.split(",") if v.strip())
    return frozenset(found)


def _is_repetition(value: str | bytes) -> bool:
    """One short piece repeated ("abcdabcd…"), or two copies of one half."""
    size = len(value)
    return any(
        value == (value[:period] * (size // period + 1))[:size]
        for period in range(1, size // 2 + 1)
    )


def _placeholder_problem(value: str, examples: frozenset[str]) -> str | None:
    if value in examples:
        return "is the example value from .env.example"
    if _PLACEHOLDER.search(value):
        return "is a placeholder (change-me, dummy, example…)"
    return None


def fernet_key_problem(key: str, examples: frozenset[str] = EXAMPLE_SECRETS) -> str | None:
    placeholder = _placeholder_problem(key, examples)
    if placeholder:
        return placeholder
    if not _FERNET_KEY.fullmatch(key):
        return "is not a Fernet key (urlsafe base64 of 32 bytes, 44 characters ending in '=')"
    try:
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
    except (binascii.Error, ValueError):
        return "is not a Fernet key (urlsafe base64 of 32 bytes, 44 characters ending in '=')"
    if len(raw) != FERNET_KEY_BYTES:
        return "is not a Fernet key (urlsafe base64 of 32 bytes, 44 characters ending in '=')"
    if len(set(raw)) < MIN_FERNET_DISTINCT_BYTES or _is_repetition(raw):
        return "is not random (too few distinct bytes): generate one"
    return None


def text_key_problem(value: str, examples: frozenset[str] = EXAMPLE_SECRETS) -> str | None:
    placeholder = _placeholder_problem(value, examples)
    if placeholder:
        return placeholder
    if len(value) < MIN_KEY_CHARACTERS:
        return f"is shorter than {MIN_KEY_CHARACTERS} characters"
    if len(set(value)) < MIN_KEY_DISTINCT_CHARACTERS or _is_repetition(value):
        return "is not random (one character or one short piece repeated)"
    return None


def secret_key_problem(value: str, examples: frozenset[str] = EXAMPLE_SECRETS) -> str | None:
    placeholder = _placeholder_problem(value, examples)
    if placeholder:
        return placeholder
    if value.startswith(SECRET_KEY_INSECURE_PREFIX):
        return f"starts with {SECRET_KEY_INSECURE_PREFIX!r} (Django's development key)"
    if len(value) < SECRET_KEY_MIN_LENGTH:
        return f"is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    if len(set(value)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS or _is_repetition(value):
        return "is not random (one character or one short piece repeated)"
    return None


def secret_problems(
    *,
    secret_key: str,
    field_encryption_keys: Iterable[str],
    blind_index_key: str,
    audit_seal_key: str | None = None,
) -> list[tuple[str, str]]:
    """(variable, problem) for every secret that is missing, malformed, weak or an example.

    `audit_seal_key` is checked only when given (None: these settings have none)."""
    examples = example_secrets()
    problems: list[tuple[str, str]] = []
    field_keys = list(field_encryption_keys or [])

    if not secret_key:
        problems.append(("SECRET_KEY", "is missing"))
    elif problem := secret_key_problem(secret_key, examples):
        problems.append(("SECRET_KEY", problem))

    if not field_keys:
        problems.append(("FIELD_ENCRYPTION_KEYS", "is missing"))
    for position, key in enumerate(field_keys, start=1):
        if problem := fernet_key_problem(key, examples):
            problems.append(("FIELD_ENCRYPTION_KEYS", f"key {position} {problem}"))

    text_keys = [("BLIND_INDEX_KEY", blind_index_key)]
    if audit_seal_key is not None:
        text_keys.append(("AUDIT_SEAL_KEY", audit_seal_key))
    for name, value in text_keys:
        if not value:
            problems.append((name, "is missing"))
        elif problem := text_key_problem(value, examples):
            problems.append((name, problem))

    # One key, one purpose: a key shared with another secret leaks through the other's use.
    seen: dict[str, str] = {}
    named = [("SECRET_KEY", secret_key)]
    named += [("FIELD_ENCRYPTION_KEYS", key) for key in field_keys]
    named += text_keys
    for name, value in named:
        if not value:
            continue
        if value in seen and seen[value] != name:
            problems.append((name, f"is the same as {seen[value]}: each secret needs its own"))
        seen.setdefault(value, name)
    return problems


def describe(problems: list[tuple[str, str]]) -> str:
    return "; ".join(f"{name} {problem}" for name, problem in problems)


@checks.register(checks.Tags.security, deploy=True)
def check_production_secrets(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """metavast.E001–E004: the settings' secrets, by the same rules as production start-up."""
    from django.conf import settings

    problems = secret_problems(
        secret_key=settings.SECRET_KEY,
        field_encryption_keys=getattr(settings, "FIELD_ENCRYPTION_KEYS", []),
        blind_index_key=getattr(settings, "BLIND_INDEX_KEY", ""),
        audit_seal_key=getattr(settings, "AUDIT_SEAL_KEY", None),
    )
    return [
        checks.Error(f"{name} {problem}.", hint=HINTS[name], id=CHECK_IDS[name])
        for name, problem in problems
    ]
