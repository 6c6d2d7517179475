"""Files the store writes are its own: var/ and everything in it is owner-only.

var/ holds the SQLite database, generated keys, the e-mail and SMS outbox, uploaded media
and private files (invoices). A process-wide umask of 0077, set first thing in every entry
point (manage.py, wsgi, asgi, the Celery worker and beat), makes each of them 0600 (files)
or 0700 (directories) whoever creates it, Django, SQLite or a library; var/ itself is
tightened to 0700 at start, which also covers files an older version left 0644 inside it.
What must be readable by another user is not written under var/.
"""

from __future__ import annotations

import contextlib
import os
import stat

from config.env import VAR_DIR

OWNER_ONLY_UMASK = 0o077


def restrict_to_owner() -> None:
    os.umask(OWNER_ONLY_UMASK)
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if stat.S_IMODE(VAR_DIR.stat().st_mode) & 0o077:
            os.chmod(VAR_DIR, 0o700)
