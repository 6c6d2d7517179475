"""Production: refuses to start without its secrets; HTTPS only."""

from django.core.exceptions import ImproperlyConfigured

from config import env
from config.settings.base import *  # noqa: F403

missing = [
    name
    for name, value in (
        ("SECRET_KEY", env.SECRET_KEY),
        ("FIELD_ENCRYPTION_KEYS", env.FIELD_ENCRYPTION_KEYS),
        ("BLIND_INDEX_KEY", env.BLIND_INDEX_KEY),
        ("AUDIT_SEAL_KEY", env.AUDIT_SEAL_KEY),
        ("ALLOWED_HOSTS", env.ALLOWED_HOSTS),
    )
    if not value
]
if missing:
    raise ImproperlyConfigured(f"Production settings need: {', '.join(missing)}")
# Present is not enough: each secret must have its format and strength, and none may be the
# example from .env.example (metavast.core.checks; `check --deploy` runs the same rules).
from metavast.core.checks import describe, secret_problems  # noqa: E402

_secret_problems = secret_problems(
    secret_key=env.SECRET_KEY,
    field_encryption_keys=env.FIELD_ENCRYPTION_KEYS,
    blind_index_key=env.BLIND_INDEX_KEY,
    audit_seal_key=env.AUDIT_SEAL_KEY,
)
if _secret_problems:
    raise ImproperlyConfigured("Production secrets: " + describe(_secret_problems))
if (env.ADMIN_PATH or "admin").strip("/") == "admin":
    raise ImproperlyConfigured("Production settings need ADMIN_PATH other than 'admin'")

SECURE_SSL_REDIRECT = True
# Probes and the metrics scraper talk plain HTTP to each app node, behind the proxy.
SECURE_REDIRECT_EXEMPT = [r"^livez$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.TRUSTED_PROXIES else None
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# __Host- cookies are Secure, host-only and path=/, so a subdomain cannot plant them.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SANDBOX_GATEWAY_ENABLED = False

if env.EMAIL_URL:
    from urllib.parse import unquote, urlparse

    _mail = urlparse(env.EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or 587
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_TLS = _mail.scheme == "smtp+tls"
    EMAIL_USE_SSL = _mail.scheme == "smtps"
    EMAIL_TIMEOUT = 10
else:
    # No mail server yet: emails wait in the outbox rather than being printed to the logs.
    EMAIL_BACKEND = "metavast.notifications.backends.mail.NotConfiguredEmailBackend"

# Every invoice prints the seller; refuse to start with an incomplete or invalid one.
from metavast.invoices.checks import seller_problems  # noqa: E402

_seller_problems = seller_problems(INVOICE_SELLER, env.MOADIAN_MEMORY_ID)  # noqa: F405
if _seller_problems:
    raise ImproperlyConfigured("Invoice seller settings: " + "; ".join(_seller_problems))
