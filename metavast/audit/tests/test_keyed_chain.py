"""The keyed audit chain, its signed checkpoints, and the attacks they stop.

The attack of the security review: someone with write access to the database changes a
row, deletes the last three, and recomputes the plain SHA-256 chain over what is left.
"""

import datetime as dt
import hashlib
import hmac
import importlib
import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from metavast.audit import chain
from metavast.audit.checkpoints import CHECKPOINTS_FOLDER, LEGACY_CHECKPOINTS_NAME
from metavast.audit.errors import ChainProblem
from metavast.audit.models import AuditChainEpoch, AuditEvent
from metavast.audit.services import audit_record, audit_seal, audit_verify
from metavast.core import crypto, private_files

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
KEY = settings.AUDIT_SEAL_KEY.encode()


def _events(n: int, start: int = 0) -> list[AuditEvent]:
    return [
        audit_record(action="test.action", subject_type="thing", subject_id=i, after={"n": i})
        for i in range(start, start + n)
    ]


def _sql(sql: str, params: list | tuple = ()) -> None:
    """Write behind the ORM's back, as someone with database access would (trigger off)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_guard")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_guard")


def _chain() -> list[tuple[int, str]]:
    return list(
        AuditEvent.objects.filter(seal_seq__isnull=False)
        .order_by("seal_seq")
        .values_list("seal_seq", "seal_hash")
    )


def _recompute_chain(seal) -> None:
    """Re-seal every sealed row in seal_seq order with `seal(previous_hash, row)`."""
    previous = chain.GENESIS_HASH
    for event in AuditEvent.objects.filter(seal_seq__isnull=False).order_by("seal_seq"):
        previous = seal(previous, event)
        _sql("UPDATE audit_auditevent SET seal_hash = %s WHERE id = %s", [previous, event.pk])


def _tamper_and_cut(events: list[AuditEvent]) -> None:
    _sql("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"n": 999}', events[1].pk])
    for event in events[-3:]:
        _sql("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])


def _checkpoint_names() -> list[str]:
    return list(private_files.names(CHECKPOINTS_FOLDER))


def _checkpoint_lines() -> list[dict]:
    return [json.loads(private_files.read_sealed(name)) for name in _checkpoint_names()]


# --- Keyed seals -----------------------------------------------------------------------


def test_seals_are_hmac_under_the_audit_key_not_plain_sha256():
    events = _events(3)
    assert audit_seal().sealed == 3
    previous = chain.GENESIS_HASH
    for event in events:
        event.refresh_from_db()
        message = b"metavast-audit-seal-v2\n" + previous.encode() + b"\n" + event.canonical()
        assert event.seal_hash == hmac.new(KEY, message, hashlib.sha256).hexdigest()
        plain = hashlib.sha256(previous.encode() + b"\n" + event.canonical()).hexdigest()
        assert event.seal_hash != plain
        previous = event.seal_hash
    result = audit_verify()
    assert (result.ok, result.checked, result.head_seq, result.checkpoint_seq) == (True, 3, 3, 3)


def test_the_attack_tamper_delete_last_three_and_recompute_plain_sha256_fails_verify():
    events = _events(8)
    audit_seal()
    _tamper_and_cut(events)
    _recompute_chain(lambda previous, event: event.compute_hash(previous))
    assert [seq for seq, _ in _chain()] == [1, 2, 3, 4, 5]

    result = audit_verify()
    assert not result.ok
    assert (result.problem, result.first_bad_id, result.checked) == (
        ChainProblem.SEAL_MISMATCH,
        events[0].pk,
        0,
    )
    with pytest.raises(CommandError, match=f"event id {events[0].pk}"):
        call_command("audit_verify")


def test_the_attack_recomputed_with_a_wrong_key_fails_verify():
    events = _events(8)
    audit_seal()
    _tamper_and_cut(events)
    wrong = b"an-attacker-guessed-key-0123456789abcdef"
    _recompute_chain(lambda previous, event: event.compute_seal(previous, key=wrong))

    result = audit_verify()
    assert (result.problem, result.first_bad_id) == (ChainProblem.SEAL_MISMATCH, events[0].pk)
    with pytest.raises(CommandError, match="content does not match its seal"):
        call_command("audit_verify")


def test_a_tampered_row_is_named_even_when_its_seal_is_kept():
    events = _events(4)
    audit_seal()
    _sql("UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["staff:9", events[2].pk])
    result = audit_verify()
    assert (result.problem, result.first_bad_id, result.checked) == (
        ChainProblem.SEAL_MISMATCH,
        events[2].pk,
        2,
    )


def test_a_missing_seal_seq_fails_verify():
    events = _events(4)
    audit_seal()
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    result = audit_verify()
    assert (result.problem, result.first_bad_id) == (ChainProblem.SEQ_MISSING, events[2].pk)
    assert "seal_seq 2 is missing" in result.reason


# --- Checkpoints ------------------------------------------------------------------------


def test_each_sealing_run_that_seals_writes_one_signed_sealed_checkpoint_object_and_log(caplog):
    caplog.set_level(logging.INFO, logger="metavast.audit.checkpoints")
    root = Path(settings.PRIVATE_STORAGE_ROOT)
    assert audit_seal().sealed == 0
    assert _checkpoint_names() == []
    assert [r for r in caplog.records if r.name == "metavast.audit.checkpoints"] == []

    _events(2)
    first = audit_seal().checkpoint
    _events(3)
    audit_seal()
    audit_seal()  # nothing new: no checkpoint

    names = _checkpoint_names()
    day = dt.datetime.fromisoformat(first.time).strftime("%Y%m%d")
    assert len(names) == 2
    assert names[0].startswith(f"{CHECKPOINTS_FOLDER}/{day}/000000000002-")
    assert names[1].startswith(f"{CHECKPOINTS_FOLDER}/") and "/000000000005-" in names[1]
    for name in names:  # sealed like every private file, owner-only on disk
        raw = (root / name).read_bytes()
        assert crypto.is_sealed(raw) and b"head_hash" not in raw
        assert stat.S_IMODE((root / name).stat().st_mode) == 0o600
        assert stat.S_IMODE((root / name).parent.stat().st_mode) == 0o700
    lines = _checkpoint_lines()
    assert [(line["seal_seq"], line["rows"]) for line in lines] == [(2, 2), (5, 5)]
    assert lines[1]["head_hash"] == _chain()[-1][1]
    for line in lines:
        assert set(line) == {"seal_seq", "head_hash", "rows", "time", "signature"}
        assert line["signature"] == chain.checkpoint_signature(line, key=KEY)
        assert dt.datetime.fromisoformat(line["time"]).utcoffset() == dt.timedelta(0)

    logged = [r for r in caplog.records if r.getMessage() == "audit checkpoint"]
    assert [(r.checkpoint_seal_seq, r.checkpoint_rows) for r in logged] == [(2, 2), (5, 5)]
    assert [r.checkpoint_signature for r in logged] == [line["signature"] for line in lines]


def test_a_checkpoint_the_storage_refuses_is_still_logged_and_the_seal_stands(caplog):
    caplog.set_level(logging.INFO, logger="metavast.audit.checkpoints")
    # A file where the audit folder should be: every write under it fails (an OSError).
    root = Path(settings.PRIVATE_STORAGE_ROOT)
    root.mkdir(parents=True)
    (root / "audit").write_text("not a folder")
    _events(2)
    result = audit_seal()
    assert result.sealed == 2 and result.checkpoint is not None
    assert "could not be written" in caplog.text
    assert [r.checkpoint_seal_seq for r in caplog.records if hasattr(r, "checkpoint_seal_seq")] == [
        2
    ]


def test_deleting_the_last_rows_without_touching_the_rest_is_caught_by_the_checkpoint():
    events = _events(6)
    audit_seal()
    for event in events[-3:]:
        _sql("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    result = audit_verify()
    assert (result.problem, result.checked, result.head_seq, result.checkpoint_seq) == (
        ChainProblem.SHORTER_THAN_CHECKPOINT,
        3,
        3,
        6,
    )
    with pytest.raises(CommandError, match="sealed rows were removed"):
        call_command("audit_verify")


def test_rewriting_the_tail_and_letting_the_sealer_reseal_it_is_caught_by_the_checkpoint():
    events = _events(5)
    audit_seal()
    # Change the last row and make it look unsealed: the sealer seals the forgery with the key.
    _sql(
        "UPDATE audit_auditevent SET after = %s, seal_seq = NULL, seal_hash = '' WHERE id = %s",
        ['{"n": 999}', events[-1].pk],
    )
    assert audit_seal().sealed == 1
    assert len(_checkpoint_names()) == 2  # both kept: seq 5 with two different hashes
    result = audit_verify()
    assert (result.problem, result.first_bad_id) == (
        ChainProblem.CHECKPOINT_MISMATCH,
        events[-1].pk,
    )


def _forged(seal_seq: int = 1) -> dict:
    forged = {"seal_seq": seal_seq, "head_hash": "0" * 64, "rows": seal_seq,
              "time": "2026-01-01T00:00:00"}  # fmt: skip
    forged["signature"] = chain.checkpoint_signature(forged, key=b"not-our-key")
    return forged


def test_a_checkpoint_not_signed_with_our_key_fails_verify():
    _events(2)
    audit_seal()
    name = f"{CHECKPOINTS_FOLDER}/20260101/000000000001-forged.json"
    private_files.write_sealed(name, json.dumps(_forged()).encode())
    result = audit_verify()
    assert (result.problem, result.checked) == (ChainProblem.CHECKPOINT_INVALID, 2)
    assert name in result.reason
    with pytest.raises(CommandError, match="not signed"):
        call_command("audit_verify")


def test_an_edited_checkpoint_claiming_a_longer_chain_is_refused_not_trusted():
    _events(2)
    audit_seal()
    (name,) = _checkpoint_names()
    (line,) = _checkpoint_lines()
    line["seal_seq"] = line["rows"] = 50  # the old signature no longer fits
    private_files.write_sealed(name, json.dumps(line).encode())
    result = audit_verify()
    assert result.problem == ChainProblem.CHECKPOINT_INVALID
    assert name in result.reason


def test_a_checkpoint_no_listed_key_opens_is_reported_not_skipped():
    _events(2)
    audit_seal()
    (name,) = _checkpoint_names()
    stored = Path(settings.PRIVATE_STORAGE_ROOT) / name
    token = bytearray(stored.read_bytes())
    token[60] = ord("A") if token[60] != ord("A") else ord("B")
    stored.write_bytes(bytes(token))
    result = audit_verify()
    assert result.problem == ChainProblem.CHECKPOINT_INVALID and name in result.reason


def _write_legacy_file(lines: list[str]) -> Path:
    """The append-only file of before issue 17: plaintext JSON lines."""
    path = Path(settings.PRIVATE_STORAGE_ROOT) / LEGACY_CHECKPOINTS_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_the_legacy_checkpoints_file_is_still_read_and_its_forged_lines_named():
    events = _events(6)
    audit_seal()
    (name,) = _checkpoint_names()
    (line,) = _checkpoint_lines()
    # Move the checkpoint into a legacy file, as an upgraded shop has it, and drop the object.
    private_files.delete(name)
    legacy = _write_legacy_file([json.dumps(line)])
    for event in events[-3:]:
        _sql("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    result = audit_verify()
    assert (result.problem, result.checkpoint_seq) == (ChainProblem.SHORTER_THAN_CHECKPOINT, 6)
    # Read once, it is sealed in place like any plaintext private file, and still read.
    assert crypto.is_sealed(legacy.read_bytes())
    assert audit_verify().problem == ChainProblem.SHORTER_THAN_CHECKPOINT

    _write_legacy_file([json.dumps(line), json.dumps(_forged())])
    result = audit_verify()
    assert result.problem == ChainProblem.CHECKPOINT_INVALID
    assert f"{LEGACY_CHECKPOINTS_NAME} line 2 " in result.reason


def test_legacy_lines_and_new_objects_are_held_together():
    _events(2)
    audit_seal()
    (old,) = _checkpoint_lines()
    private_files.delete(_checkpoint_names()[0])
    _write_legacy_file([json.dumps(old)])
    _events(3)
    audit_seal()  # a new object for seq 5
    result = audit_verify()
    assert (result.ok, result.checked, result.checkpoint_seq) == (True, 5, 5)


# --- Unsealed rows ----------------------------------------------------------------------


def test_rows_left_unsealed_longer_than_the_allowed_lag_fail_verify():
    (event,) = _events(1)
    lag = settings.AUDIT_SEAL_MAX_LAG_SECONDS
    assert audit_verify(now=event.created_at + dt.timedelta(seconds=lag - 1)).ok
    result = audit_verify(now=event.created_at + dt.timedelta(seconds=lag + 1))
    assert (result.problem, result.first_bad_id, result.checked) == (
        ChainProblem.UNSEALED_TOO_LONG,
        event.pk,
        0,
    )
    old = timezone.now() - dt.timedelta(seconds=lag + 60)
    _sql("UPDATE audit_auditevent SET created_at = %s WHERE id = %s", [old, event.pk])
    with pytest.raises(CommandError, match="unsealed for more than"):
        call_command("audit_verify")
    call_command("audit_verify", "--seal")  # sealing them makes the chain whole again
    assert AuditEvent.objects.unsealed().count() == 0


# --- Rows sealed before the key (chain version 1) ---------------------------------------


def _legacy_chain(n: int) -> list[AuditEvent]:
    """Rows sealed the old way, then migration 0003's epoch, as an upgraded database has."""
    events = _events(n)
    previous = chain.GENESIS_HASH
    for seq, event in enumerate(events, start=1):
        event.seal_seq = seq
        previous = event.compute_hash(previous)
        AuditEvent.objects.filter(pk=event.pk)._update_seal(
            seal_seq=seq, seal_hash=previous, sealed_at=timezone.now()
        )
    migration = importlib.import_module("metavast.audit.migrations.0003_keyed_chain_epoch")
    migration.record_plain_head(django_apps, connection.schema_editor())
    return events


def test_migration_records_the_plain_head_and_the_keyed_chain_continues_from_it():
    legacy = _legacy_chain(3)
    epoch = AuditChainEpoch.objects.get()
    assert (epoch.plain_head_seq, epoch.plain_head_hash) == (3, _chain()[-1][1])
    assert epoch.signature_is_valid(key=KEY)
    new = _events(2, start=10)
    assert audit_seal().sealed == 2
    result = audit_verify()
    assert (result.ok, result.checked) == (True, 5)
    new[0].refresh_from_db()
    legacy[-1].refresh_from_db()
    assert new[0].seal_hash == new[0].compute_seal(legacy[-1].seal_hash, key=KEY)


def test_rewriting_the_plain_part_and_recomputing_it_fails_at_the_signed_epoch():
    legacy = _legacy_chain(4)
    _events(2, start=10)
    audit_seal()
    _sql("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"n": 999}', legacy[1].pk])
    previous = chain.GENESIS_HASH
    for event in legacy:
        event.refresh_from_db()
        previous = event.compute_hash(previous)
        _sql("UPDATE audit_auditevent SET seal_hash = %s WHERE id = %s", [previous, event.pk])
    result = audit_verify()
    assert (result.problem, result.first_bad_id) == (ChainProblem.EPOCH_INVALID, legacy[-1].pk)


def test_moving_or_forging_the_epoch_to_pass_off_a_plain_chain_fails():
    legacy = _legacy_chain(2)
    _events(2, start=10)
    audit_seal()
    _recompute_chain(lambda previous, event: event.compute_hash(previous))  # all plain now
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditchainepoch SET plain_head_seq = 4")
    assert audit_verify().problem == ChainProblem.EPOCH_INVALID
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditchainepoch")
    result = audit_verify()  # no epoch: every seal must be keyed
    assert result.problem == ChainProblem.SEAL_MISMATCH
    assert (result.first_bad_id, result.checked) == (legacy[0].pk, 0)


# --- Settings ---------------------------------------------------------------------------


def test_production_refuses_to_start_without_an_audit_seal_key():
    from config.tests.test_settings import _manage, _production_env

    result = _manage("check", env=_production_env(AUDIT_SEAL_KEY=None))
    assert result.returncode != 0
    assert "AUDIT_SEAL_KEY" in result.stderr


def test_local_settings_generate_the_audit_key_under_var(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"AUDIT_SEAL_KEY", "DATABASE_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", METAVAST_VAR_DIR=str(tmp_path))
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.AUDIT_SEAL_KEY)"
    )
    run = [sys.executable, "-c", code]
    first = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    second = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    key_file = tmp_path / "audit_seal.key"
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == second.stdout.strip() == key_file.read_text()
    assert len(key_file.read_text()) >= 40
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
