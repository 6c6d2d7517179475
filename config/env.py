"""The only module that reads the process environment.

Every variable Metavast understands is declared here with its type and default, so
README's table and `.env.example` can be checked against one list. Settings modules
import values from here; nothing else calls `os.environ`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("METAVAST_VAR_DIR", BASE_DIR / "var"))


def _str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def _bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


SETTINGS_MODULE = _str("DJANGO_SETTINGS_MODULE", "config.settings.local")
SECRET_KEY = _str("SECRET_KEY")
DEBUG = _bool("DEBUG", False)
ALLOWED_HOSTS = _list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = _list("CSRF_TRUSTED_ORIGINS")
DATABASE_URL = _str("DATABASE_URL")
REDIS_URL = _str("REDIS_URL")
# Comma-separated Fernet-style keys (urlsafe base64, 32 bytes). The first encrypts;
# all of them decrypt, which is what makes rotation possible.
FIELD_ENCRYPTION_KEYS = _list("FIELD_ENCRYPTION_KEYS")
# Key for the keyed blind index (HMAC-SHA256) used for exact-match lookups.
BLIND_INDEX_KEY = _str("BLIND_INDEX_KEY")
ADMIN_PATH = _str("ADMIN_PATH", "")
TRUSTED_PROXIES = _list("TRUSTED_PROXIES")
EMAIL_URL = _str("EMAIL_URL")
DEFAULT_FROM_EMAIL = _str("DEFAULT_FROM_EMAIL", "Metavast <no-reply@metavast.ir>")
SMS_BACKEND = _str("SMS_BACKEND", "")
KAVENEGAR_API_KEY = _str("KAVENEGAR_API_KEY")
KAVENEGAR_SENDER = _str("KAVENEGAR_SENDER")
KAVENEGAR_BASE_URL = _str("KAVENEGAR_BASE_URL", "https://api.kavenegar.com")
LOG_LEVEL = _str("LOG_LEVEL", "INFO")
IP_LOG_RETENTION_DAYS = _int("IP_LOG_RETENTION_DAYS", 90)
REQUIRE_POSTGRES = _bool("REQUIRE_POSTGRES", False)
CELERY_TASK_ALWAYS_EAGER = _bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)


def local_secret(name: str, *, nbytes: int = 32, maker=None) -> str:
    """A secret kept in a file under var/, generated on first use.

    Only the embedded default (local settings) uses this, so `make run` works on a fresh
    clone without the operator inventing keys; production reads real ones above.
    """
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / f"{name}.key"
    if path.exists():
        return path.read_text().strip()
    value = maker() if maker else secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
