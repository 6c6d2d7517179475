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
# Issue 17: the broker when it is not Redis (RabbitMQ: amqp://user:pass@host:5672/vhost).
CELERY_BROKER_URL = _str("CELERY_BROKER_URL")
# Issue 17: a streaming replica of DATABASE_URL for catalog reads (metavast/core/db_router.py).
DATABASE_REPLICA_URL = _str("DATABASE_REPLICA_URL")
# Issue 17: media and private files on S3-compatible object storage (config/settings/base.py).
OBJECT_STORAGE_URL = _str("OBJECT_STORAGE_URL")
OBJECT_STORAGE_MEDIA_URL = _str("OBJECT_STORAGE_MEDIA_URL")
# Issue 17: a directory per app node where its gunicorn workers' metrics are summed
# (prometheus-client's multiprocess mode; it reads this variable itself too).
PROMETHEUS_MULTIPROC_DIR = _str("PROMETHEUS_MULTIPROC_DIR")
# Comma-separated Fernet-style keys (urlsafe base64, 32 bytes). The first encrypts;
# all of them decrypt, which is what makes rotation possible.
FIELD_ENCRYPTION_KEYS = _list("FIELD_ENCRYPTION_KEYS")
# Key for the keyed blind index (HMAC-SHA256) used for exact-match lookups.
BLIND_INDEX_KEY = _str("BLIND_INDEX_KEY")
# Key for the audit chain's seals and checkpoints (HMAC-SHA256). It must live outside the
# database: whoever can write the database but lacks this key cannot re-seal a rewritten chain.
AUDIT_SEAL_KEY = _str("AUDIT_SEAL_KEY")
ADMIN_PATH = _str("ADMIN_PATH", "")
TRUSTED_PROXIES = _list("TRUSTED_PROXIES")
EMAIL_URL = _str("EMAIL_URL")
DEFAULT_FROM_EMAIL = _str("DEFAULT_FROM_EMAIL", "Metavast <no-reply@metavast.ir>")
SMS_BACKEND = _str("SMS_BACKEND", "")
KAVENEGAR_API_KEY = _str("KAVENEGAR_API_KEY")
KAVENEGAR_SENDER = _str("KAVENEGAR_SENDER")
KAVENEGAR_BASE_URL = _str("KAVENEGAR_BASE_URL", "https://api.kavenegar.com")
# Seconds to wait for Kavenegar to connect and to answer, each.
KAVENEGAR_TIMEOUT = _int("KAVENEGAR_TIMEOUT", 10)
KAVENEGAR_RECEIVE_SECRET = _str("KAVENEGAR_RECEIVE_SECRET")
# Optional: a Kavenegar panel template (verify/lookup) for sign-in codes, e.g. "metavast-otp".
# Empty: codes go through sms/send like every other SMS.
KAVENEGAR_OTP_TEMPLATE = _str("KAVENEGAR_OTP_TEMPLATE")
# Zarinpal payment gateway (v4 REST): the 36-character merchant id, the API's base URL (tests
# and the benchmark point it at a fake server) and seconds to connect and to answer, each.
ZARINPAL_MERCHANT_ID = _str("ZARINPAL_MERCHANT_ID")
ZARINPAL_BASE_URL = _str("ZARINPAL_BASE_URL", "https://payment.zarinpal.com")
ZARINPAL_TIMEOUT = _int("ZARINPAL_TIMEOUT", 10)
# Hosts (host or host:port) a customer may be sent to for paying; https only, except
# loopback hosts, which only the benchmark's fake gateway uses.
_ZARINPAL_HOSTS = "payment.zarinpal.com,www.zarinpal.com"
PAYMENT_REDIRECT_ALLOWED_HOSTS = _list("PAYMENT_REDIRECT_ALLOWED_HOSTS", _ZARINPAL_HOSTS)
# The seller as printed on every invoice (production refuses to start without valid ones).
SELLER_NAME = _str("SELLER_NAME")
SELLER_ECONOMIC_NUMBER = _str("SELLER_ECONOMIC_NUMBER")
SELLER_NATIONAL_ID = _str("SELLER_NATIONAL_ID")
SELLER_REGISTRATION_NUMBER = _str("SELLER_REGISTRATION_NUMBER")
SELLER_ADDRESS = _str("SELLER_ADDRESS")
SELLER_POSTAL_CODE = _str("SELLER_POSTAL_CODE")
SELLER_PHONE = _str("SELLER_PHONE")
# Moadian (tax system): the fiscal memory id (6 characters), the submission endpoint, the
# backend's dotted path and the PEM private key that signs submissions.
MOADIAN_MEMORY_ID = _str("MOADIAN_MEMORY_ID")
MOADIAN_BASE_URL = _str("MOADIAN_BASE_URL")
MOADIAN_BACKEND = _str("MOADIAN_BACKEND")
MOADIAN_PRIVATE_KEY_PEM = _str("MOADIAN_PRIVATE_KEY_PEM")
# The public address of the store (https://shop.example.ir), for links in emails and SMS.
SITE_URL = _str("SITE_URL").rstrip("/")
LOG_LEVEL = _str("LOG_LEVEL", "INFO")
IP_LOG_RETENTION_DAYS = _int("IP_LOG_RETENTION_DAYS", 90)
REQUIRE_POSTGRES = _bool("REQUIRE_POSTGRES", False)
# How long an SMS one-time code stays valid (seconds), and the shop-wide cap on code SMS
# per hour (a cost and abuse ceiling; per-mobile and per-IP limits are fixed in settings).
OTP_CODE_TTL_SECONDS = _int("OTP_CODE_TTL_SECONDS", 120)
OTP_SEND_LIMIT_GLOBAL_PER_HOUR = _int("OTP_SEND_LIMIT_GLOBAL_PER_HOUR", 2000)
CELERY_TASK_ALWAYS_EAGER = _bool("CELERY_TASK_ALWAYS_EAGER", not (REDIS_URL or CELERY_BROKER_URL))


def ensure_var_dir() -> Path:
    """Create var/ owner-only (0700) if it is missing: it holds keys and the database."""
    if not VAR_DIR.is_dir():
        VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(VAR_DIR, 0o700)
    return VAR_DIR


def local_secret(name: str, *, nbytes: int = 32, maker=None) -> str:
    """A secret kept in a file under var/, generated on first use.

    Only the embedded default (local settings) uses this, so `make run` works on a fresh
    clone without the operator inventing keys; production reads real ones above.
    """
    ensure_var_dir()
    path = VAR_DIR / f"{name}.key"
    if path.exists():
        return path.read_text().strip()
    value = maker() if maker else secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
