"""Backups that restore: the database, the private files and the media, with a manifest.

A backup directory holds:

- `database.dump` (PostgreSQL, `pg_dump --format=custom`) or `database.sqlite3` (SQLite,
  through sqlite3's online backup API, safe while the shop runs);
- `private.tar.gz` and `media.tar.gz`: PRIVATE_STORAGE_ROOT (sealed invoice PDFs, exports,
  legal packages, audit checkpoints) and MEDIA_ROOT, when those storages are the filesystem;
- `manifest.json`: when, which database engine, each file's size and SHA-256, and which
  file storages were left out.

With OBJECT_STORAGE_URL the private files and the media live in the bucket, not on this
machine: a tarball of an empty PRIVATE_STORAGE_ROOT would look like a backup of them and
restore nothing. So a storage that is not the filesystem is left out, and the manifest and
the command say so; the bucket is backed up by the bucket's own versioning and replication
(docs/backups.md).

The keys are NOT in the backup, on purpose: FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY,
AUDIT_SEAL_KEY and SECRET_KEY are kept apart (docs/backups.md), so a stolen backup is
ciphertext. Without the same keys a restored database cannot be read: `manage.py
check_keys` says so clearly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"
PG_DUMP_NAME = "database.dump"
SQLITE_NAME = "database.sqlite3"
TIMEOUT_SECONDS = 3600


class BackupError(Exception):
    """A backup or a restore could not be done; the message says why, in Persian."""


@dataclass(frozen=True)
class PgTarget:
    host: str
    port: str
    user: str
    password: str
    name: str

    @classmethod
    def from_settings(cls, db: dict) -> PgTarget:
        return cls(
            host=str(db.get("HOST") or "127.0.0.1"),
            port=str(db.get("PORT") or 5432),
            user=str(db.get("USER") or "postgres"),
            password=str(db.get("PASSWORD") or ""),
            name=str(db["NAME"]),
        )

    def args(self) -> list[str]:
        return ["-h", self.host, "-p", self.port, "-U", self.user]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tar(source: Path, target: Path) -> None:
    with tarfile.open(target, "w:gz") as archive:
        if source.exists():
            archive.add(source, arcname=".")


def _run(command: list[str], *, env: dict[str, str]) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(f"ابزار {tool} روی این دستگاه نصب نیست ({tool} is not installed).")
    # The command is ours (pg_dump/pg_restore and settings' names), never user input.
    result = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{tool} ناموفق بود ({tool} failed): {result.stderr.strip()[:500]}")


SQLITE_BUSY_SECONDS = 120


def _sqlite_backup(database: dict, target: Path) -> None:
    """sqlite3's online backup, a few hundred pages at a time so writers go on meanwhile.

    It reads through Django's own connection when that is the database named: it opens the
    file (or a test's shared in-memory database) with the shop's own options, and a
    transaction that connection holds cannot lock its own backup out. sqlite3 retries a busy
    or locked source for ever; another writer that holds the database longer than
    SQLITE_BUSY_SECONDS stops the backup with a clear error instead of a hang."""
    from django.db import connections

    own = next(
        (
            connections[alias]
            for alias in connections
            if connections[alias].settings_dict["ENGINE"] == database["ENGINE"]
            and str(connections[alias].settings_dict["NAME"]) == str(database["NAME"])
        ),
        None,
    )
    if own is not None:
        own.ensure_connection()
        source, close_source = own.connection, False
    else:
        source, close_source = sqlite3.connect(str(database["NAME"])), True
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS

    def progress(status: int, remaining: int, total: int) -> None:
        if time.monotonic() > deadline:
            raise BackupError(
                "پایگاه داده بیش از حد مشغول ماند و پشتیبان ساخته نشد؛ دوباره تلاش کنید"
                f" (SQLite stayed busy for {SQLITE_BUSY_SECONDS} s)."
            )

    if source.in_transaction:
        # The online backup refuses a source in a write transaction (SQLITE_BUSY, retried for
        # ever): a backup called inside a transaction takes the database as that caller sees
        # it, in one piece.
        target.write_bytes(source.serialize())
        return
    copy = sqlite3.connect(str(target))
    try:
        source.backup(copy, pages=256, progress=progress, sleep=0.05)
    finally:
        copy.close()
        if close_source:
            source.close()


def backup_create(
    *,
    directory: Path,
    database: dict,
    private_root: Path | None,
    media_root: Path | None,
    now=None,
) -> dict:
    """Write a backup into `directory` (created; must be empty) and return its manifest.
    A root given as None (that storage is not the filesystem) gets no tarball and is
    listed under "not_included"."""
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise BackupError(f"پوشهٔ پشتیبان خالی نیست ({directory} is not empty).")
    os.chmod(directory, 0o700)
    engine = database["ENGINE"]
    if engine == "django.db.backends.postgresql":
        target = PgTarget.from_settings(database)
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--file",
                str(directory / PG_DUMP_NAME),
                *target.args(),
                target.name,
            ],
            env=target.env(),
        )
        vendor = "postgresql"
    elif engine == "django.db.backends.sqlite3":
        _sqlite_backup(database, directory / SQLITE_NAME)
        vendor = "sqlite"
    else:
        raise BackupError(f"پایگاه دادهٔ {engine} پشتیبانی نمی‌شود.")
    not_included = []
    for label, root in (("private", private_root), ("media", media_root)):
        if root is None:
            not_included.append(label)
        else:
            _tar(root, directory / f"{label}.tar.gz")
    files = {}
    for path in sorted(directory.iterdir()):
        os.chmod(path, 0o600)
        files[path.name] = {"size": path.stat().st_size, "sha256": sha256_of(path)}
    manifest = {
        "format": 1,
        "created_at": (now or dt.datetime.now(dt.UTC)).isoformat(),
        "database": vendor,
        "files": files,
        "not_included": not_included,
        "keys_included": False,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def backup_verify(directory: Path) -> dict:
    """The manifest, after checking every file's size and SHA-256 against it."""
    manifest_path = directory / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"فهرست پشتیبان پیدا نشد ({manifest_path} is missing).")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for name, expected in manifest["files"].items():
        path = directory / name
        if not path.exists():
            raise BackupError(f"پروندهٔ {name} در پشتیبان نیست ({name} is missing).")
        if path.stat().st_size != expected["size"] or sha256_of(path) != expected["sha256"]:
            raise BackupError(f"پروندهٔ {name} دست‌خورده یا ناقص است ({name} does not match).")
    return manifest


def _untar(archive: Path, target: Path) -> None:
    if not archive.exists():
        return
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise BackupError(f"پوشهٔ مقصد خالی نیست ({target} is not empty).")
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(target, filter="data")


def backup_restore(
    *, directory: Path, database_url: str, private_root: Path | None, media_root: Path | None
) -> dict:
    """Restore into a fresh, empty database (and empty file directories)."""
    import dj_database_url

    manifest = backup_verify(directory)
    database = dj_database_url.parse(database_url)
    if manifest["database"] == "postgresql":
        if database["ENGINE"] != "django.db.backends.postgresql":
            raise BackupError("این پشتیبان از PostgreSQL است: مقصد هم باید PostgreSQL باشد.")
        target = PgTarget.from_settings(database)
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                *target.args(),
                "--dbname",
                target.name,
                str(directory / PG_DUMP_NAME),
            ],
            env=target.env(),
        )
    else:
        destination = Path(database["NAME"])
        if destination.exists() and destination.stat().st_size:
            raise BackupError(f"پایگاه دادهٔ مقصد خالی نیست ({destination} exists).")
        source = sqlite3.connect(str(directory / SQLITE_NAME))
        copy = sqlite3.connect(str(destination))
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    if private_root is not None:
        _untar(directory / "private.tar.gz", private_root)
    if media_root is not None:
        _untar(directory / "media.tar.gz", media_root)
    return manifest
