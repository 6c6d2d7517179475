"""A SQLite backup never hangs: sqlite3's online backup retries a busy source for ever.

- Inside the caller's own transaction (a test, or a command run in `atomic`), the backup takes
  the database as that caller sees it instead of waiting on its own write lock.
- Another connection holding a write lock longer than SQLITE_BUSY_SECONDS stops the backup
  with a clear error, not a hang.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from django.db import connection

from metavast.core import backups
from metavast.core.backups import BackupError, backup_create


def _sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's online backup (the embedded default)")


@pytest.mark.django_db
def test_a_backup_inside_a_transaction_holds_what_that_transaction_wrote(tmp_path):
    _sqlite_only()
    from metavast.catalog.models import Category

    Category.add_root(name="پشتیبان‌گیری درون تراکنش", slug="backup-in-tx")
    started = time.monotonic()
    manifest = backup_create(
        directory=tmp_path / "b",
        database=connection.settings_dict,
        private_root=None,
        media_root=None,
    )
    assert time.monotonic() - started < 10
    assert manifest["database"] == "sqlite"
    copy = sqlite3.connect(tmp_path / "b" / backups.SQLITE_NAME)
    try:
        names = [row[0] for row in copy.execute("SELECT slug FROM catalog_category")]
    finally:
        copy.close()
    assert "backup-in-tx" in names


def test_another_writer_holding_the_file_stops_the_backup_with_a_clear_error(tmp_path, monkeypatch):
    database = tmp_path / "shop.sqlite3"
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("CREATE TABLE t (x)")
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("INSERT INTO t VALUES (1)")
    monkeypatch.setattr(backups, "SQLITE_BUSY_SECONDS", 1)
    started = time.monotonic()
    try:
        with pytest.raises(BackupError, match="SQLite stayed busy"):
            backup_create(
                directory=tmp_path / "b",
                database={"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)},
                private_root=None,
                media_root=None,
            )
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert time.monotonic() - started < 10
