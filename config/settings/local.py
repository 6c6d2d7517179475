"""The embedded default: SQLite under var/, no servers needed, keys generated on first run."""

from cryptography.fernet import Fernet

from config import env
from config.demo import DEMO_MOADIAN_MEMORY_ID, DEMO_SELLER
from config.settings.base import *  # noqa: F403
from config.settings.base import INSTALLED_APPS

DEBUG = env.DEBUG
SECRET_KEY = env.SECRET_KEY or env.local_secret("secret_key", nbytes=50)
FIELD_ENCRYPTION_KEYS = env.FIELD_ENCRYPTION_KEYS or [
    env.local_secret("field_encryption", maker=lambda: Fernet.generate_key().decode())
]
BLIND_INDEX_KEY = env.BLIND_INDEX_KEY or env.local_secret("blind_index")
AUDIT_SEAL_KEY = env.AUDIT_SEAL_KEY or env.local_secret("audit_seal")
ALLOWED_HOSTS = env.ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = env.VAR_DIR / "outbox" / "email"
# SMS as files under var/outbox/sms/, one per message, unless SMS_BACKEND says otherwise.
SMS_BACKEND = env.SMS_BACKEND or "metavast.notifications.backends.filebased.FileSMSBackend"
SMS_FILE_PATH = env.VAR_DIR / "outbox" / "sms"
SANDBOX_GATEWAY_ENABLED = True
INSTALLED_APPS = [*INSTALLED_APPS]
# No separate web server in the embedded default: Django serves product images itself.
SERVE_MEDIA = True
# Uploads stay owner-only like the rest of var/ (config/owner_only.py); Django would
# otherwise chmod every uploaded file to 0644 whatever the umask.
FILE_UPLOAD_PERMISSIONS = 0o600
# No broker: tasks queued after commit run on background threads, not in the request
# (metavast.core.background); periodic jobs run from config/gunicorn_local.py's scheduler.
EMBEDDED_BACKGROUND_TASKS = env.CELERY_TASK_ALWAYS_EAGER

# A demo seller for the embedded default; production reads the real one from SELLER_*.
INVOICE_SELLER = dict(DEMO_SELLER)
MOADIAN_MEMORY_ID = env.MOADIAN_MEMORY_ID or DEMO_MOADIAN_MEMORY_ID
