"""Settings shared by every environment. No secrets and no debug defaults live here."""

from __future__ import annotations

import dj_database_url
from csp.constants import NONE, SELF

from config import env

BASE_DIR = env.BASE_DIR
VAR_DIR = env.VAR_DIR

DEBUG = False
ALLOWED_HOSTS: list[str] = env.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS: list[str] = env.CSRF_TRUSTED_ORIGINS

INSTALLED_APPS = [
    # Before django.contrib.admin: its admin templates (<bdi> around staff-facing values) win.
    "metavast.core",
    "metavast.core.apps.PersianAdminConfig",  # django.contrib.admin in Persian
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "csp",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "metavast.audit",
    "metavast.accounts",
    "metavast.notifications",
    "metavast.consent",
    "metavast.storefront",
    "treebeard",
    "import_export",
    "metavast.catalog",
    "metavast.promotions",
    "metavast.cart",
    "metavast.checkout",
    "metavast.orders",
    "metavast.payments",
    "metavast.invoices",
    "metavast.legal",
    "metavast.reviews",
    "metavast.privacy",
    "metavast.marketing",
    "metavast.analytics",
    "metavast.staff",
]

MIDDLEWARE = [
    # Issue 17: a request id for logs and tasks, latency per view, and the read replica's
    # rules (metavast/core/db_router.py; no-ops without DATABASE_REPLICA_URL).
    "metavast.core.request_id.RequestIdMiddleware",
    "metavast.core.metrics.MetricsMiddleware",
    "metavast.core.db_router.PinToPrimaryMiddleware",
    "metavast.core.db_router.ReplicaFallbackMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Cache-Control: no-store on API answers to credentialed requests, errors included.
    "metavast.core.middleware.ApiNoStoreMiddleware",
    # Bodies over REQUEST_BODY_MAX_BYTES are refused before anything reads them.
    "metavast.core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed in the embedded default too (static files come precompressed from
    # WhiteNoise above, which answers before this). Django pads each gzip body with random
    # bytes against BREACH; CSRF tokens are masked per response as well. API answers are
    # not compressed (see the class).
    "metavast.core.middleware.PageGZipMiddleware",
    # Cached anonymous catalog pages, answered before sessions, auth and messages (issue 16).
    "metavast.catalog.early_cache.EarlyPageCacheMiddleware",
    "metavast.core.middleware.ClientIPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "metavast.audit.middleware.StaffWriteRefusedMiddleware",
    "metavast.accounts.middleware.SessionActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends idle signed-in sessions; after messages, so the sign-in page can say why.
    "metavast.accounts.middleware.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "metavast.core.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
    # Issue 13: counts the request (no cookie, IP or user id stored) after the response is built.
    "metavast.analytics.middleware.AnalyticsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "metavast.storefront.context_processors.site",
            ],
            "builtins": ["metavast.core.templatetags.persian"],
        },
    }
]


def database_config(url: str) -> dict:
    """PostgreSQL (or any URL) when DATABASE_URL is set, else the embedded SQLite file."""
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        if config["ENGINE"] == "django.db.backends.postgresql":
            config.setdefault("OPTIONS", {})
        return config
    env.ensure_var_dir()
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "metavast.sqlite3",
        "OPTIONS": {
            # WAL lets readers and the one writer work at once; IMMEDIATE makes write
            # transactions take the lock up front instead of failing half-way.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                " PRAGMA busy_timeout=5000;"
            ),
            "transaction_mode": "IMMEDIATE",
        },
    }


DATABASES = {"default": database_config(env.DATABASE_URL)}
# Issue 17: catalog reads on a streaming replica when there is one (metavast/core/db_router.py).
if env.DATABASE_REPLICA_URL:
    DATABASES["replica"] = database_config(env.DATABASE_REPLICA_URL)
    # A dead replica must cost a second, not a request's whole timeout.
    DATABASES["replica"]["OPTIONS"]["connect_timeout"] = 1
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["metavast.core.db_router.PrimaryReplicaRouter"]
REPLICA_READ_APPS = frozenset({"catalog"})
REPLICA_MAX_LAG_SECONDS = 5.0  # more behind than this: reads go to the primary
REPLICA_CHECK_SECONDS = 2.0  # how often each process measures the lag
REPLICA_STICKY_SECONDS = 10  # after a write, that browser reads from the primary this long
# /metrics (metavast/core/metrics.py): only scrapers on these networks, straight to a node.
METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
PROMETHEUS_MULTIPROC_DIR = env.PROMETHEUS_MULTIPROC_DIR
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if env.REDIS_URL:
    CACHES = {
        "default": {
            # Issue 17: a Redis outage is a miss for pages, a refusal for limits (fail closed).
            "BACKEND": "metavast.core.redis_cache.MissOnOutageRedisCache",
            "LOCATION": env.REDIS_URL,
            "KEY_PREFIX": "metavast",
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "metavast",
        }
    }

AUTH_USER_MODEL = "accounts.User"
# User.email is encrypted (random ciphertext): uniqueness is on its blind index email_index,
# which Django's check for a unique USERNAME_FIELD cannot see (accounts/models.py).
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Mobile (any spelling) or email plus password; ModelBackend's permissions.
    "metavast.accounts.backends.AccountBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    # At least 8, with its message in Persian digits.
    {"NAME": "metavast.accounts.passwords.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's common list and a local Persian one, after folding Persian digits and case
    # (Django's CommonPasswordValidator beside it said the same thing twice); ≤ 128.
    {"NAME": "metavast.accounts.passwords.LocalBreachedPasswordValidator"},
    {"NAME": "metavast.accounts.passwords.MaximumLengthValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60  # a reset link by email lives one hour
LOGIN_URL = "/accounts/login/"

# Persian first. Dates are stored in UTC and shown in Tehran time on the Jalali calendar.
LANGUAGE_CODE = "fa"
# Persian only: nothing is written in English, and a browser that asks for English (many in
# Iran do) would otherwise get Django's own messages in English and English-built pages in a
# page cache whose keys carry no language (core/tests/test_persian_only.py).
LANGUAGES = [("fa", "فارسی")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True
DISPLAY_TIME_ZONE = "Asia/Tehran"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# var/vendor holds assets fetched from package registries at set-up (the web font).
STATICFILES_DIRS = [VAR_DIR / "vendor"] if (VAR_DIR / "vendor").is_dir() else []
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Invoices and other private files: never under MEDIA_URL, streamed by views only.
PRIVATE_STORAGE_ROOT = VAR_DIR / "private"


def object_storage_options(url: str) -> dict:
    """django-storages' S3 options from OBJECT_STORAGE_URL,
    `s3+https://ACCESS_KEY:SECRET_KEY@host[:port]/bucket[?region=...]` (s3+http for a local
    test server). Path-style addressing: Iranian S3 services and MinIO all take it."""
    from urllib.parse import parse_qs, unquote, urlparse

    from django.core.exceptions import ImproperlyConfigured

    parsed = urlparse(url)
    bucket = parsed.path.strip("/")
    if parsed.scheme not in ("s3+https", "s3+http") or not parsed.hostname or not bucket:
        raise ImproperlyConfigured(
            "OBJECT_STORAGE_URL must be s3+https://KEY:SECRET@host/bucket[?region=...]"
        )
    if not parsed.username or not parsed.password:
        raise ImproperlyConfigured("OBJECT_STORAGE_URL needs the access key and the secret key")
    scheme = parsed.scheme.removeprefix("s3+")
    port = f":{parsed.port}" if parsed.port else ""
    return {
        "endpoint_url": f"{scheme}://{parsed.hostname}{port}",
        "access_key": unquote(parsed.username),
        "secret_key": unquote(parsed.password),
        "bucket_name": bucket,
        "region_name": parse_qs(parsed.query).get("region", ["us-east-1"])[0],
        "addressing_style": "path",
        "signature_version": "s3v4",
        "file_overwrite": False,
    }


def object_storages(url: str) -> dict:
    """The "default" (media) and "private" storages in one bucket, under media/ and private/.

    Media (product and review images) is public by nature, but we never say so per object:
    no ACL is sent and the shop's pages build image URLs from MEDIA_URL, which points at a
    CDN or at a public-read bucket policy limited to media/. Private files are sent with the
    "private" canned ACL, and their URLs are signed and live five minutes; the app still
    streams invoices through its own permission-checked views."""
    options = object_storage_options(url)
    s3 = "storages.backends.s3.S3Storage"
    return {
        "default": {
            "BACKEND": s3,
            "OPTIONS": {**options, "location": "media", "default_acl": None,
                        "querystring_auth": False},
        },
        # file_overwrite: the rows keep a private file's name, and writing it again (an
        # invoice re-rendered, a retried task, key rotation) must replace it, never store a
        # renamed copy; a PUT replaces an object whole.
        "private": {
            "BACKEND": s3,
            "OPTIONS": {**options, "location": "private", "default_acl": "private",
                        "querystring_auth": True, "querystring_expire": 300,
                        "file_overwrite": True},
        },
    }  # fmt: skip


# Private files (metavast.core.private_files) by name: under PRIVATE_STORAGE_ROOT, 0600 in
# 0700 directories, written atomically, no URL; in the bucket with OBJECT_STORAGE_URL.
PRIVATE_FILESYSTEM_STORAGE = {"BACKEND": "metavast.core.private_files.PrivateFileSystemStorage"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": PRIVATE_FILESYSTEM_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if env.OBJECT_STORAGE_URL:
    STORAGES.update(object_storages(env.OBJECT_STORAGE_URL))
    if not env.OBJECT_STORAGE_MEDIA_URL:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "OBJECT_STORAGE_URL needs OBJECT_STORAGE_MEDIA_URL: where shoppers read media/"
        )
    MEDIA_URL = env.OBJECT_STORAGE_MEDIA_URL.rstrip("/") + "/"

# Admin lives at a configurable path; production requires a non-default one.
ADMIN_PATH = (env.ADMIN_PATH or "admin").strip("/")

# --- Request size (metavast.core.middleware.RequestSizeLimitMiddleware): by Content-Length,
# before any of the body is read; the admin's catalog forms carry images of up to 8 MB each.
REQUEST_BODY_MAX_BYTES = 10 * 1024 * 1024
REQUEST_BODY_UPLOAD_MAX_BYTES = 50 * 1024 * 1024
REQUEST_BODY_UPLOAD_PATHS = [f"/{ADMIN_PATH}/catalog/"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # the non-file part of a form: 2.5 MB
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 20

SECRET_KEY = env.SECRET_KEY
FIELD_ENCRYPTION_KEYS: list[str] = env.FIELD_ENCRYPTION_KEYS
BLIND_INDEX_KEY = env.BLIND_INDEX_KEY
# The audit chain (metavast.audit): HMAC key of seals and checkpoints, kept out of the database;
# `audit_verify` fails when committed rows wait longer than this for their seal.
AUDIT_SEAL_KEY = env.AUDIT_SEAL_KEY
AUDIT_SEAL_MAX_LAG_SECONDS = 300
TRUSTED_PROXIES: list[str] = env.TRUSTED_PROXIES
IP_LOG_RETENTION_DAYS = env.IP_LOG_RETENTION_DAYS

# --- Security headers and cookies (see also metavast.core.middleware) ---
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Brute force (django-axes): slow and lock guessing, never lock the owner out for good.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours: a lock lifts by itself after 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = 0
AXES_CLIENT_IP_CALLABLE = "metavast.core.clientip.axes_client_ip"
# Axes stores the request's user agent and has no callable for it: this handler stores ""
# instead (see its docstring for why not a digest).
AXES_HANDLER = "metavast.core.clientip.AxesHandlerWithoutUserAgent"
AXES_LOCKOUT_TEMPLATE = "storefront/lockout.html"
# Axes keys attempts by a keyed digest of the normalised mobile/email, so every spelling of
# a number shares one counter and the axes tables hold no plaintext identifiers.
AXES_USERNAME_CALLABLE = "metavast.accounts.backends.axes_username"
# No access log (a row with IP and user agent per sign-in, kept forever) and no failure log:
# our own session rows and audit trail cover sign-ins, under the IP retention. The attempts
# axes needs for lock-outs are purged hourly (metavast/privacy/retention.py, "axes_*").
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# Guessing across accounts: axes counts per account and IP, so spraying many accounts from
# one address never trips it. Failed password checks are also counted per client IP (an
# IPv6 /64 counts as one client), in the cache; past the limit, password sign-in from that
# IP pauses (web, API, step-up and the admin's login alike). Far above AXES_FAILURE_LIMIT so
# that a few typos behind a shared NAT do not shut a whole office out. See accounts.backends.
PASSWORD_FAILURE_LIMIT_PER_IP = (20, 15 * 60)  # (failures, window in seconds)
PASSWORD_IP_LOCKOUT_SECONDS = 15 * 60

# --- Accounts: one-time codes, step-up, app tokens, session tracking (metavast.accounts)
OTP_CODE_TTL_SECONDS = env.OTP_CODE_TTL_SECONDS
OTP_CODE_MAX_ATTEMPTS = 5  # every try counts; the fifth wrong one destroys the code
OTP_RESEND_COOLDOWN_SECONDS = 60
# (sends, window in seconds), counted in the cache; if the cache is down, nothing is sent.
OTP_SEND_LIMIT_PER_MOBILE = (5, 60 * 60)
OTP_SEND_LIMIT_PER_IP = (20, 60 * 60)
OTP_SEND_LIMIT_GLOBAL = (env.OTP_SEND_LIMIT_GLOBAL_PER_HOUR, 60 * 60)
# Emails with a link (password reset, email confirmation) get the same kind of limits,
# keyed by the address's blind index; an email change is also counted per account.
EMAIL_LINK_RESEND_COOLDOWN_SECONDS = OTP_RESEND_COOLDOWN_SECONDS
EMAIL_LINK_SEND_LIMIT_PER_ADDRESS = OTP_SEND_LIMIT_PER_MOBILE
EMAIL_LINK_SEND_LIMIT_PER_USER = (5, 60 * 60)
EMAIL_LINK_SEND_LIMIT_PER_IP = OTP_SEND_LIMIT_PER_IP
EMAIL_LINK_SEND_LIMIT_GLOBAL = (env.OTP_SEND_LIMIT_GLOBAL_PER_HOUR, 60 * 60)
# /accounts/welcome/ offers a first password only this long after sign-up in that session
# (or after a fresh step-up): later, a borrowed unlocked phone must not set one.
WELCOME_PASSWORD_MAX_AGE = 15 * 60
EMAIL_CONFIRM_MAX_AGE = 60 * 60 * 48
STEPUP_MAX_AGE = 10 * 60  # password or a fresh code, then 10 minutes for sensitive changes
ACCESS_TOKEN_TTL_SECONDS = 10 * 60
REFRESH_TOKEN_TTL_DAYS = 30
SESSION_ACTIVITY_INTERVAL = 60  # write a session's "last seen" at most once a minute
# A signed-in browser idle this long is signed out (row ended with reason "idle", Django
# session flushed) and sent to sign in again: staff after 30 minutes, customers after days.
SESSION_IDLE_TIMEOUT_STAFF_SECONDS = 30 * 60
SESSION_IDLE_TIMEOUT_CUSTOMER_SECONDS = 3 * 24 * 60 * 60

# --- Background work ---
CELERY_BROKER_URL = env.CELERY_BROKER_URL or env.REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.CELERY_TASK_ALWAYS_EAGER
# Without a broker (the embedded default), tasks run in this process's background threads
# instead of the request's thread (metavast.core.background); local settings switch it on.
EMBEDDED_BACKGROUND_TASKS = False
# The embedded default's periodic jobs (metavast.core.scheduler): one process holds this lock.
EMBEDDED_SCHEDULER_LOCK_FILE = VAR_DIR / "scheduler.lock"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # P5: SMS replies «۱۱» / «لغو» withdraw SMS marketing consent (metavast/consent/sms_replies.py).
    "consent-poll-sms-replies": {
        "task": "metavast.consent.tasks.poll_sms_replies",
        "schedule": 60.0,
    },
    "audit-seal": {"task": "metavast.audit.tasks.seal_audit_events", "schedule": 60.0},
    # P4, P9: the one retention engine (metavast/privacy/retention.py RULES, docs/retention.md)
    # replaces the separate jobs that erased audit IPs, sessions, codes, axes rows, order
    # receivers, checkout drafts and guest carts. Hourly: expired codes and axes attempts
    # should not wait a day; each run is chunked and cheap when there is nothing to do.
    "privacy-retention": {"task": "metavast.privacy.tasks.run_retention", "schedule": 3600.0},
    # P6: the evidence of a review whose legal hold was lifted on the generic hold screen.
    "reviews-held-evidence-purge": {"task": "reviews.held_evidence_purge", "schedule": 3600.0},
    # Retries after back-off, claims of crashed workers, messages whose task never ran.
    "notifications-deliver-due": {
        "task": "metavast.notifications.tasks.deliver_due_messages",
        "schedule": 30.0,
    },
    # Unpaid orders past ORDER_UNPAID_EXPIRY_MINUTES are cancelled and their stock released.
    "orders-expire-unpaid": {
        "task": "metavast.orders.tasks.expire_unpaid_orders",
        "schedule": 60.0,
    },
    # Information requests (P3): reminders before the deadline, cancellation after it.
    "orders-info-requests": {
        "task": "metavast.orders.tasks.sweep_info_requests",
        "schedule": 900.0,
    },
    # Pending payments whose callback never came (or whose verify timed out) are verified again.
    "payments-reconcile": {"task": "metavast.payments.tasks.reconcile_payments", "schedule": 120.0},
    # Courier methods' daily hours open as bookable days ahead (checkout/delivery_schedule.py).
    "checkout-open-delivery-windows": {
        "task": "metavast.checkout.tasks.open_delivery_windows",
        "schedule": 3600.0,
    },
    # Invoices waiting for the tax system (Moadian) are sent again.
    "invoices-submit": {
        "task": "metavast.invoices.tasks.submit_pending_invoices",
        "schedule": 300.0,
    },
    # P8: disclosure packages not downloaded within LEGAL_PACKAGE_DOWNLOAD_HOURS are destroyed.
    "legal-expire-packages": {
        "task": "metavast.legal.tasks.expire_disclosure_packages",
        "schedule": 900.0,
    },
    # Issue 11: data-export links past PRIVACY_EXPORT_HOURS are closed and their files destroyed.
    "privacy-expire-exports": {
        "task": "metavast.privacy.tasks.expire_data_exports",
        "schedule": 900.0,
    },
    # Issue 11: accounts whose erasure grace period is over are anonymised.
    "privacy-run-erasures": {
        "task": "metavast.privacy.tasks.run_due_erasures",
        "schedule": 3600.0,
    },
    # Issue 13: queued visit events into the hourly and daily aggregates, and recent sales.
    "analytics-fold": {"task": "metavast.analytics.tasks.fold_events", "schedule": 60.0},
    # Issue 13: yesterday's visitor salts and hashes destroyed; 40 days of sales recomputed.
    "analytics-upkeep": {"task": "metavast.analytics.tasks.daily_upkeep", "schedule": 3600.0},
    # Issue 13: due campaigns queued in throttled chunks (metavast/marketing/services.py).
    "marketing-send-due": {"task": "metavast.marketing.tasks.send_due_campaigns", "schedule": 60.0},
}

# --- Marketing campaigns (metavast.marketing, P5) ---
# No promotional SMS from 22:00 to 08:00 Tehran time; what falls inside waits until 08:00.
MARKETING_SMS_QUIET_HOURS = (22, 8)
# Throttling: at most this many promotional messages queued per minute, in chunks of this size.
MARKETING_SEND_RATE_PER_MINUTE = 600
MARKETING_SEND_CHUNK_SIZE = 100

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.DEFAULT_FROM_EMAIL

# --- Notifications (metavast.notifications): outbox delivery and the SMS provider ---
SMS_BACKEND = env.SMS_BACKEND or "metavast.notifications.backends.kavenegar.KavenegarBackend"
SMS_FILE_PATH = VAR_DIR / "outbox" / "sms"
KAVENEGAR_API_KEY = env.KAVENEGAR_API_KEY
KAVENEGAR_SENDER = env.KAVENEGAR_SENDER
KAVENEGAR_BASE_URL = env.KAVENEGAR_BASE_URL
KAVENEGAR_TIMEOUT = env.KAVENEGAR_TIMEOUT
# The secret path segment of Kavenegar's receive callback (consent/sms_replies.py); empty: off.
KAVENEGAR_RECEIVE_SECRET = env.KAVENEGAR_RECEIVE_SECRET
# Our template name -> a Kavenegar panel template, sent with verify/lookup (token = code).
# The panel text then replaces ours: word it for every purpose and end it with the WebOTP
# line "@<your domain> #%token" (see accounts.services.codes).
KAVENEGAR_LOOKUP_TEMPLATES: dict[str, str] = (
    {"accounts/otp_code": env.KAVENEGAR_OTP_TEMPLATE} if env.KAVENEGAR_OTP_TEMPLATE else {}
)
NOTIFICATIONS_MAX_ATTEMPTS = 8
NOTIFICATIONS_RETRY_BASE_SECONDS = 30  # then 60, 120, ... capped below
NOTIFICATIONS_RETRY_MAX_SECONDS = 3600
# How long a worker's claim on a message lasts; far above the SMTP and SMS timeouts.
NOTIFICATIONS_LEASE_SECONDS = 300
NOTIFICATIONS_SWEEP_BATCH = 200

NINJA_PAGINATION_PER_PAGE = 24

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "scrub": {"()": "metavast.core.logging.ScrubFilter"},
        # Issue 17: the request id (from nginx, or made here) on every line, tasks included.
        "request_id": {"()": "metavast.core.request_id.RequestIdFilter"},
    },
    "formatters": {"json": {"()": "metavast.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["scrub", "request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.LOG_LEVEL},
    "loggers": {
        # Django's request logger would print request bodies' reprs on errors.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# Issue 13: visit counting without personal data (metavast.analytics); off for the bench's
# comparison run.
ANALYTICS_ENABLED = True

SHOP_NAME = "متاوست"
SITE_URL = env.SITE_URL  # links in messages; none when empty

# --- Legal disclosures (metavast.legal, P8) ---
# A disclosure package can be downloaded once, within this many hours of being built.
LEGAL_PACKAGE_DOWNLOAD_HOURS = 48

# --- Privacy centre (metavast.privacy, issue 11) ---
PRIVACY_EXPORT_HOURS = 24  # a "download my data" link works once, within this many hours
PRIVACY_ERASURE_GRACE_DAYS = 7  # an erasure request can be cancelled for this many days
INVOICE_RETENTION_YEARS = 10  # invoices and tax records kept this long after issue

# --- Cart, checkout and orders (metavast.cart, metavast.checkout, metavast.orders) ---
CART_MAX_LINE_QUANTITY = 10  # units of one variant per order line
CART_MAX_LINES = 50
CART_GUEST_TTL_DAYS = 30  # guest carts untouched this long are deleted
ORDER_RECEIVER_RETENTION_DAYS = 90  # P4: another person's details erased this long after close
# --- The retention engine (metavast/privacy/retention.py; every period in docs/retention.md) ---
# Bodies and recipients of sent messages: long enough to answer "did you send me X".
NOTIFICATIONS_BODY_RETENTION_DAYS = 30
# The bare delivery record (no body, no address) for support and delivery statistics.
NOTIFICATIONS_ROW_RETENTION_DAYS = 180
# Used or expired one-time codes (sign-in, password reset) after their expiry.
OTP_CODE_RETENTION_DAYS = 1
# Zero-result search counts: a miss not seen again in a year goes; only the top N are kept.
CATALOG_ZERO_RESULT_RETENTION_DAYS = 365
CATALOG_ZERO_RESULT_CAP = 2000
# Pages sorted by sales (the category default) show a best-selling order at most this old;
# stock and prices are never this late (metavast/catalog/cache.py).
CATALOG_SALES_STALE_SECONDS = 60
# Rows per transaction: a backlog never holds a long lock.
RETENTION_BATCH_SIZE = 500
ORDER_UNPAID_EXPIRY_MINUTES = 20  # then the order is cancelled and its stock released
# Stock hoarding: what one customer's unpaid orders may hold at once (awaiting online payment,
# or cash on delivery not yet shipped), and how often anyone may place an order.
ORDER_MAX_OPEN_UNPAID_PER_CUSTOMER = 3
ORDER_MAX_RESERVED_UNITS_PER_VARIANT = CART_MAX_LINE_QUANTITY  # the hoarding cap: one product
ORDER_MAX_RESERVED_UNITS_PER_CUSTOMER = 30  # a loose ceiling over the whole basket
ORDER_PLACE_LIMIT_PER_CUSTOMER = (5, 10 * 60)  # (placing attempts, window in seconds)
ORDER_PLACE_LIMIT_PER_IP = (30, 10 * 60)  # higher: many shoppers may share one NAT address
INFO_REQUEST_DEADLINE_DAYS = 3  # P3: days the customer has to answer staff's request
INFO_REQUEST_REMINDER_HOURS = 24  # a reminder this long before the deadline
# Variants have no weight yet: this stands in for each unit until the catalog records it.
SHIPPING_DEFAULT_WEIGHT_GRAMS = 1000

# --- Payments (metavast.payments) ---
# Gateways offered, the first being the default. The sandbox (a bank page inside the app) is
# offered only while SANDBOX_GATEWAY_ENABLED is on: local, test and demo; never production.
PAYMENT_GATEWAYS = ["sandbox", "zarinpal"]
SANDBOX_GATEWAY_ENABLED = False
# The only hosts we send a customer to for paying (https; our own paths are always allowed).
PAYMENT_REDIRECT_ALLOWED_HOSTS: list[str] = env.PAYMENT_REDIRECT_ALLOWED_HOSTS
# The pay button posts to us and we answer with a 302 to the bank; browsers hold that redirect
# to the form page's form-action too (Chromium blocks it), so the banks' origins are allowed
# there. https only, but for a loopback fake gateway (tests, the benchmark).
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] = [
    SELF,
    *(
        f"{'http' if host.split(':')[0] in ('127.0.0.1', 'localhost') else 'https'}://{host}"
        for host in PAYMENT_REDIRECT_ALLOWED_HOSTS
    ),
]
ZARINPAL_MERCHANT_ID = env.ZARINPAL_MERCHANT_ID
ZARINPAL_BASE_URL = env.ZARINPAL_BASE_URL
ZARINPAL_TIMEOUT = env.ZARINPAL_TIMEOUT
PAYMENT_RECONCILE_AFTER_SECONDS = 300  # a pending payment this old is verified by the task
# The staff home (staff/dashboard.py): a pending payment this old is listed to reconcile by hand,
# and an active variant with this many or fewer available is "low stock".
STAFF_PAYMENT_STUCK_AFTER_SECONDS = 1800
STAFF_LOW_STOCK_THRESHOLD = 3
PAYMENT_REUSE_SECONDS = 600  # a second "pay" this soon reuses the open bank page

# --- Invoices (metavast.invoices) ---
INVOICE_SELLER = {
    "name": env.SELLER_NAME,
    "economic_number": env.SELLER_ECONOMIC_NUMBER,
    "national_id": env.SELLER_NATIONAL_ID,
    "registration_number": env.SELLER_REGISTRATION_NUMBER,
    "address": env.SELLER_ADDRESS,
    "postal_code": env.SELLER_POSTAL_CODE,
    "phone": env.SELLER_PHONE,
}
MOADIAN_MEMORY_ID = env.MOADIAN_MEMORY_ID
MOADIAN_BASE_URL = env.MOADIAN_BASE_URL
MOADIAN_BACKEND = env.MOADIAN_BACKEND or (
    "metavast.invoices.moadian.HttpMoadianBackend"
    if env.MOADIAN_BASE_URL
    else "metavast.invoices.moadian.DisabledMoadianBackend"
)
MOADIAN_PRIVATE_KEY_PEM = env.MOADIAN_PRIVATE_KEY_PEM
MOADIAN_TIMEOUT = 10
INVOICE_PDF_ON_ISSUE = True

# django-import-export: importing writes (change permission), exporting reads (view).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# --- Cookie consent by category (metavast.consent, P9) ---
# The cookie policy's version: a choice made under another version is asked again.
COOKIE_POLICY_VERSION = "1405-09"
CONSENT_COOKIE_NAME = "cookie_consent"
CONSENT_COOKIE_AGE = 180 * 24 * 60 * 60  # a choice is asked again after six months
