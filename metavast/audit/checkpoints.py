"""Signed checkpoints of the audit chain, kept outside the database.

A keyed seal stops a forger from re-sealing a changed row, but not from cutting the end off
the chain: a chain that stops early still agrees with itself. So after every sealing run
that sealed something, the sealer writes down how far the chain reached (head seal_seq,
head hash, row count, time), signed with AUDIT_SEAL_KEY, in two places the database's
writers do not control:

- the log stream, as one JSON log line (logger `metavast.audit.checkpoints`), which a log
  shipper carries off the machine;
- `PRIVATE_STORAGE_ROOT/audit/checkpoints.jsonl`, one JSON object a line, mode 0600,
  appended (never rewritten).

`audit_verify` reads the file and holds the chain against every validly signed line: the
chain must reach the furthest one and agree with each.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings

from metavast.audit import chain

logger = logging.getLogger("metavast.audit.checkpoints")
_FIELDS = {"seal_seq": int, "head_hash": str, "rows": int, "time": str, "signature": str}


@dataclass(frozen=True)
class Checkpoint:
    seal_seq: int
    head_hash: str
    rows: int  # sealed rows in the chain up to and including seal_seq
    time: str  # ISO 8601, UTC
    signature: str

    def is_signed_with(self, key: bytes) -> bool:
        return chain.signatures_match(
            chain.checkpoint_signature(asdict(self), key=key), self.signature
        )


@dataclass
class CheckpointLog:
    furthest: Checkpoint | None  # the validly signed checkpoint that reaches furthest
    # seal_seq -> every head hash a valid checkpoint recorded for it (two: the chain forked)
    heads: dict[int, set[str]] = field(default_factory=dict)
    miscounted: list[int] = field(default_factory=list)  # seqs whose row count != seq
    invalid_lines: list[int] = field(default_factory=list)  # 1-based: unreadable or forged


def checkpoint_path() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / "audit" / "checkpoints.jsonl"


def checkpoint_make(*, seal_seq: int, head_hash: str, rows: int, time: str, key: bytes):
    fields = {"seal_seq": seal_seq, "head_hash": head_hash, "rows": rows, "time": time}
    return Checkpoint(**fields, signature=chain.checkpoint_signature(fields, key=key))


def checkpoint_write(checkpoint: Checkpoint) -> None:
    """Log the checkpoint, then append it to the file (created 0600, its folder 0700)."""
    logger.info(
        "audit checkpoint",
        extra={f"checkpoint_{name}": value for name, value in asdict(checkpoint).items()},
    )
    path = checkpoint_path()
    line = json.dumps(asdict(checkpoint), sort_keys=True) + "\n"
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.fchmod(fd, 0o600)  # a file made by hand keeps no looser mode
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        # The seal is committed; the log line above still carries the checkpoint.
        logger.exception("audit checkpoint could not be written to the checkpoints file")


def _parse(line: str) -> Checkpoint | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != set(_FIELDS):
        return None
    for name, kind in _FIELDS.items():
        value = data[name]
        if not isinstance(value, kind) or isinstance(value, bool):
            return None
    return Checkpoint(**data)


def checkpoints_read(*, key: bytes) -> CheckpointLog:
    """Every checkpoint signed with `key` (as seq -> hashes), and the lines that are not.

    All of them are kept, not only the last: a forger who truncates the chain and lets the
    sealer extend it again gets fresh checkpoints for the same seqs with other hashes.
    """
    log = CheckpointLog(furthest=None)
    try:
        handle = checkpoint_path().open(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return log
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            checkpoint = _parse(line)
            if checkpoint is None or not checkpoint.is_signed_with(key):
                log.invalid_lines.append(number)
                continue
            log.heads.setdefault(checkpoint.seal_seq, set()).add(checkpoint.head_hash)
            if checkpoint.rows != checkpoint.seal_seq:
                log.miscounted.append(checkpoint.seal_seq)
            if log.furthest is None or checkpoint.seal_seq >= log.furthest.seal_seq:
                log.furthest = checkpoint
    return log
