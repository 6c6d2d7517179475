"""Signed checkpoints of the audit chain, kept outside the database.

A keyed seal stops a forger from re-sealing a changed row, but not from cutting the end off
the chain: a chain that stops early still agrees with itself. So after every sealing run
that sealed something, the sealer writes down how far the chain reached (head seal_seq,
head hash, row count, time), signed with AUDIT_SEAL_KEY, in two places the database's
writers do not control:

- the log stream, as one JSON log line (logger `metavast.audit.checkpoints`), which a log
  shipper carries off the machine;
- the private storage (metavast.core.private_files, sealed like every private file), one
  object per checkpoint: `audit/checkpoints/<UTC day>/<seal_seq>-<random>.json`, never
  rewritten. One object each rather than a growing file because object storage (S3) cannot
  append, and several app machines may seal: a new name per checkpoint needs no
  read-modify-write and loses none when two are written at once.

`audit_verify` reads every checkpoint (the legacy append-only `audit/checkpoints.jsonl`
first, line by line, if one is left from before; then the objects by name) and holds the
chain against every validly signed one: the chain must reach the furthest one and agree
with each. Reading them back lists the folder and opens each object (several at once on
object storage), so its cost grows with the number of sealing runs that sealed something
(at most one a minute; docs/deploy.md has the figures).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from dataclasses import asdict, dataclass, field

from metavast.audit import chain
from metavast.core import crypto, private_files

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
    # Where each unreadable or forged checkpoint is: an object's name, or the legacy file's
    # name and a 1-based line number.
    invalid: list[str] = field(default_factory=list)


CHECKPOINTS_FOLDER = "audit/checkpoints"
LEGACY_CHECKPOINTS_NAME = "audit/checkpoints.jsonl"  # appended to before issue 17


def checkpoint_name(checkpoint: Checkpoint) -> str:
    """A new object's name: by UTC day (a folder stays small), seal_seq (read back in chain
    order) and a random part (two sealers never write the same name)."""
    day = dt.datetime.fromisoformat(checkpoint.time).astimezone(dt.UTC).strftime("%Y%m%d")
    return f"{CHECKPOINTS_FOLDER}/{day}/{checkpoint.seal_seq:012d}-{secrets.token_hex(8)}.json"


def checkpoint_make(*, seal_seq: int, head_hash: str, rows: int, time: str, key: bytes):
    fields = {"seal_seq": seal_seq, "head_hash": head_hash, "rows": rows, "time": time}
    return Checkpoint(**fields, signature=chain.checkpoint_signature(fields, key=key))


def checkpoint_write(checkpoint: Checkpoint) -> str | None:
    """Log the checkpoint, then store it as a new object; returns its name (None if the
    private storage refused it)."""
    logger.info(
        "audit checkpoint",
        extra={f"checkpoint_{name}": value for name, value in asdict(checkpoint).items()},
    )
    line = json.dumps(asdict(checkpoint), sort_keys=True) + "\n"
    try:
        return private_files.write_sealed(checkpoint_name(checkpoint), line.encode())
    except OSError:
        # The seal is committed; the log line above still carries the checkpoint.
        logger.exception("audit checkpoint could not be written to the private storage")
        return None


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


_UNREADABLE = object()


def _read_text(name: str):
    """The object's text; None if there is none; _UNREADABLE if no listed key opens it."""
    try:
        return private_files.read_sealed(name).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except crypto.InvalidToken:
        return _UNREADABLE


def _entries():
    """(where, text) for every stored checkpoint: the legacy file's lines, then the objects."""
    legacy = _read_text(LEGACY_CHECKPOINTS_NAME)
    if legacy is _UNREADABLE:
        yield LEGACY_CHECKPOINTS_NAME, ""
    elif legacy is not None:
        for number, line in enumerate(legacy.splitlines(), start=1):
            if line.strip():
                yield f"{LEGACY_CHECKPOINTS_NAME} line {number}", line
    # One at a time: reading them from a pool of threads hung under SQLite in the tests (the
    # threads' database connections), and a slow verify is better than a stuck one.
    for name in private_files.names(CHECKPOINTS_FOLDER):
        text = _read_text(name)
        yield name, text if isinstance(text, str) else ""


def checkpoints_read(*, key: bytes) -> CheckpointLog:
    """Every checkpoint signed with `key` (as seq -> hashes), and where the others are.

    All of them are kept, not only the last: a forger who truncates the chain and lets the
    sealer extend it again gets fresh checkpoints for the same seqs with other hashes.
    """
    log = CheckpointLog(furthest=None)
    for where, text in _entries():
        checkpoint = _parse(text)
        if checkpoint is None or not checkpoint.is_signed_with(key):
            log.invalid.append(where)
            continue
        log.heads.setdefault(checkpoint.seal_seq, set()).add(checkpoint.head_hash)
        if checkpoint.rows != checkpoint.seal_seq:
            log.miscounted.append(checkpoint.seal_seq)
        if log.furthest is None or checkpoint.seal_seq >= log.furthest.seal_seq:
            log.furthest = checkpoint
    return log
