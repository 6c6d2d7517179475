"""Tests: SQLite in memory by default, PostgreSQL when DATABASE_URL is set (CI)."""

from cryptography.fernet import Fernet

from config import env
from config.settings.base import *  # noqa: F403

SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnop"
# Two keys so that every test also exercises decryption with a non-primary key list.
FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
BLIND_INDEX_KEY = "test-blind-index-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "metavast.notifications.backends.locmem.LocmemSMSBackend"
KAVENEGAR_LOOKUP_TEMPLATES: dict[str, str] = {}
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
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
INVOICE_SELLER = {
    "name": "فروشگاه اینترنتی متاوست (نمونه)",
    "economic_number": "10380284790",
    "national_id": "10380284790",
    "registration_number": "123456",
    "address": "تهران، خیابان ولیعصر، پلاک ۱۰۰",
    "postal_code": "1511111111",
    "phone": "+982188776655",
}
MOADIAN_MEMORY_ID = env.MOADIAN_MEMORY_ID or "A1B2C3"
INVOICE_PDF_ON_ISSUE = False  # rendered on first download; invoice tests turn it on
