"""Tests: SQLite in memory by default, PostgreSQL when DATABASE_URL is set (CI)."""

from cryptography.fernet import Fernet

from config import env
from config.demo import DEMO_MOADIAN_MEMORY_ID, DEMO_SELLER
from config.settings.base import *  # noqa: F403

SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnop"
# Two keys so that every test also exercises decryption with a non-primary key list.
FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
BLIND_INDEX_KEY = "test-blind-index-key"
AUDIT_SEAL_KEY = "test-audit-seal-key-0123456789abcdefghijklmnop"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "metavast.notifications.backends.locmem.LocmemSMSBackend"
KAVENEGAR_LOOKUP_TEMPLATES: dict[str, str] = {}
CELERY_TASK_ALWAYS_EAGER = True
EMBEDDED_BACKGROUND_TASKS = False  # tasks run inline, in the test's thread
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": PRIVATE_FILESYSTEM_STORAGE,  # noqa: F405 (under each test's PRIVATE_STORAGE_ROOT)
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True
SANDBOX_GATEWAY_ENABLED = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None
SERVE_MEDIA = True

# A demo seller for the embedded default; production reads the real one from SELLER_*.
INVOICE_SELLER = dict(DEMO_SELLER)
MOADIAN_MEMORY_ID = env.MOADIAN_MEMORY_ID or DEMO_MOADIAN_MEMORY_ID
INVOICE_PDF_ON_ISSUE = False  # rendered on first download; invoice tests turn it on
