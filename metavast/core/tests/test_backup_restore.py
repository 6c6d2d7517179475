"""The restore drill (issue 11, item 8): back up, restore into a fresh PostgreSQL database,
read an encrypted order and user back with the same keys; with other keys, fail clearly."""

from __future__ import annotations

import io
import json
import uuid

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from metavast.core import crypto
from metavast.core.backups import BackupError, backup_verify
from metavast.orders.services import Receiver
from metavast.orders.tests.factories import (
    fill_cart,
    make_customer,
    make_variant,
    place,
    shop,  # noqa: F401
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _server_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db.get('USER') or 'postgres'}{password}@{db.get('HOST') or '127.0.0.1'}"
        f":{db.get('PORT') or 5432}/{name}"
    )


@pytest.fixture
def fresh_database():
    """An empty database with a unique name, dropped at the end whatever happens."""
    name = f"metavast_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_server_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _server_url(name)
    with psycopg.connect(_server_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed():
    user = make_customer(first_name="کیومرث", last_name="آذرفرنبغ")
    fill_cart(user, (make_variant(price=1_500_000, on_hand=3), 1))
    order = place(
        user,
        receiver=Receiver(
            is_self=False, first_name="فرنگیس", last_name="بهاروند", mobile="+989121110000"
        ),
    )
    return user, order


def test_backup_restores_into_a_fresh_database_and_reads_back_with_the_same_keys(
    shop,  # noqa: F811
    settings,
    tmp_path,
    fresh_database,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "note.txt").write_text("media file")
    user, order = _seed()
    backup_dir = tmp_path / "backup"

    call_command("backup", str(backup_dir), stdout=io.StringIO())

    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["database"] == "postgresql" and manifest["keys_included"] is False
    assert set(manifest["files"]) == {"database.dump", "private.tar.gz", "media.tar.gz"}

    restored_media = tmp_path / "restored-media"
    call_command(
        "restore",
        str(backup_dir),
        database_url=fresh_database,
        media_root=str(restored_media),
        stdout=io.StringIO(),
    )
    assert (restored_media / "note.txt").read_text() == "media file"

    # The restored database holds ciphertext that the same keys open.
    with psycopg.connect(fresh_database) as restored:
        first, email, email_index = restored.execute(
            "SELECT first_name, email, email_index FROM accounts_user WHERE id = %s", [user.pk]
        ).fetchone()
        receiver = restored.execute(
            "SELECT receiver_first_name FROM orders_order WHERE id = %s", [order.pk]
        ).fetchone()[0]
    assert "کیومرث" not in first and crypto.decrypt(first) == "کیومرث"
    assert crypto.decrypt(email) == user.email and email_index == user.email_index
    assert "فرنگیس" not in receiver and crypto.decrypt(receiver) == "فرنگیس"

    out = io.StringIO()
    call_command("check_keys", database_url=fresh_database, stdout=out)
    assert "Keys OK" in out.getvalue()


def test_with_other_keys_the_restored_database_fails_clearly(
    shop,  # noqa: F811
    settings,
    tmp_path,
    fresh_database,
):
    _seed()
    backup_dir = tmp_path / "backup"
    call_command("backup", str(backup_dir), stdout=io.StringIO())
    call_command("restore", str(backup_dir), database_url=fresh_database, stdout=io.StringIO())

    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError) as refused:
        call_command("check_keys", database_url=fresh_database, stdout=io.StringIO())
    message = str(refused.value)
    assert "کلیدها با این پایگاه داده نمی‌خوانند" in message
    assert "accounts_user" in message


def test_a_wrong_blind_index_key_is_named(shop, settings, tmp_path, fresh_database):  # noqa: F811
    _seed()
    settings.BLIND_INDEX_KEY = "another-blind-index-key-0123456789abcdef"
    with pytest.raises(CommandError) as refused:
        call_command("check_keys", stdout=io.StringIO())
    assert "BLIND_INDEX_KEY" in str(refused.value)


def test_a_tampered_backup_is_refused_before_restoring(shop, tmp_path, fresh_database):  # noqa: F811
    _seed()
    backup_dir = tmp_path / "backup"
    call_command("backup", str(backup_dir), stdout=io.StringIO())
    with (backup_dir / "database.dump").open("ab") as dump:
        dump.write(b"x")
    with pytest.raises(BackupError):
        backup_verify(backup_dir)
    with pytest.raises(CommandError, match=r"database\.dump"):
        call_command("restore", str(backup_dir), database_url=fresh_database)
    with psycopg.connect(fresh_database) as restored:
        tables = restored.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]
    assert tables == 0  # nothing was restored
