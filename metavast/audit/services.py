from __future__ import annotations

import contextvars
import datetime as dt
import re
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from metavast.audit import chain
from metavast.audit.chain import GENESIS_HASH, seal_key
from metavast.audit.checkpoints import (
    Checkpoint,
    checkpoint_make,
    checkpoint_write,
    checkpoints_read,
)
from metavast.audit.errors import ChainProblem
from metavast.audit.models import AuditChainEpoch, AuditEvent
from metavast.core import context

_SECRET = re.compile(r"pass|secret|token|otp|code_hash|key|cipher", re.I)


def _scrub(data):
    """Before/after snapshots never carry secrets, whatever a caller passes."""
    if isinstance(data, dict):
        return {
            str(k): ("[redacted]" if _SECRET.search(str(k)) else _scrub(v)) for k, v in data.items()
        }
    if isinstance(data, (list, tuple)):
        return [_scrub(v) for v in data]
    if data is None or isinstance(data, (str, int, float, bool)):
        return data
    return str(data)


def audit_record(
    *,
    action: str,
    actor=None,
    subject: models.Model | None = None,
    subject_type: str = "",
    subject_id: str | int = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one audit event, in the caller's transaction. IP/UA come from the request."""
    ctx = context.current()
    if subject is not None:
        subject_type = subject._meta.label_lower
        subject_id = subject.pk
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    label = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        label = f"{'staff' if getattr(actor, 'is_staff', False) else 'user'}:{actor_id}"
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        actor_label=label,
        subject_type=subject_type,
        subject_id=str(subject_id),
        before=_scrub(before),
        after=_scrub(after),
        client_ip=ctx.ip,
        user_agent=ctx.user_agent,
    )
    batch = _batch.get()
    if batch is not None:
        batch.append(event)
        return event
    event.save(force_insert=True)
    return event


_batch: contextvars.ContextVar[list[AuditEvent] | None] = contextvars.ContextVar(
    "audit_batch", default=None
)


@contextmanager
def audit_batch():
    """Events recorded inside the block are written together, in one INSERT, when it ends
    (also when it raises: they describe writes this transaction made, which a caller that
    catches the error keeps). Same transaction, same order of ids, so the seal chain, which
    covers committed rows in id order, is unchanged. Inside a batch, `audit_record` returns
    the event before it has an id. A batch inside a batch joins the outer one."""
    if _batch.get() is not None:
        yield
        return
    events: list[AuditEvent] = []
    token = _batch.set(events)
    try:
        yield
    finally:
        _batch.reset(token)
        if events:
            AuditEvent.objects.bulk_create(events)


@dataclass
class SealResult:
    sealed: int
    last_seq: int | None
    checkpoint: Checkpoint | None = None


def audit_seal(*, batch_size: int = 1000) -> SealResult:
    """Extend the keyed chain over committed, unsealed rows, in id order.

    Each batch is one transaction that locks the head row, so two sealers queue rather
    than fork the chain. A run that sealed something ends with a signed checkpoint written
    outside the database (metavast.audit.checkpoints), after the seals committed: call it
    outside any transaction (the periodic task, `audit_verify --seal`), or a rolled-back
    caller would leave a checkpoint for seals that never were.
    """
    key = seal_key()
    sealed = 0
    last_seq = None
    head_hash = GENESIS_HASH
    rows = 0
    while True:
        with transaction.atomic():
            head = (
                AuditEvent.objects.select_for_update()
                .filter(seal_seq__isnull=False)
                .order_by("-seal_seq")
                .first()
            )
            previous_hash = head.seal_hash if head else GENESIS_HASH
            seq = head.seal_seq if head else 0
            batch = list(AuditEvent.objects.unsealed().order_by("id")[:batch_size])
            if not batch:
                break
            now = timezone.now()
            for event in batch:
                seq += 1
                event.seal_seq = seq
                previous_hash = event.compute_seal(previous_hash, key=key)
                AuditEvent.objects.filter(pk=event.pk)._update_seal(
                    seal_seq=seq, seal_hash=previous_hash, sealed_at=now
                )
            rows = AuditEvent.objects.filter(seal_seq__isnull=False, seal_seq__lte=seq).count()
            sealed += len(batch)
            last_seq = seq
            head_hash = previous_hash
    checkpoint = None
    if last_seq is not None:
        checkpoint = checkpoint_make(
            seal_seq=last_seq,
            head_hash=head_hash,
            rows=rows,
            time=timezone.now().astimezone(dt.UTC).isoformat(),
            key=key,
        )
        checkpoint_write(checkpoint)
    return SealResult(sealed=sealed, last_seq=last_seq, checkpoint=checkpoint)


@dataclass
class VerifyResult:
    checked: int
    first_bad_id: int | None = None
    reason: str = ""
    problem: ChainProblem | None = None
    head_seq: int = 0
    checkpoint_seq: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def audit_verify(*, now: dt.datetime | None = None) -> VerifyResult:
    """Walk the chain by seal_seq, then hold it against the signed checkpoints.

    Fails on the first of: an epoch row not signed with our key; a missing seal_seq; a row
    that does not match its seal (plain up to the epoch, keyed after); a stored
    checkpoint not signed with our key; a chain shorter than the furthest valid checkpoint, or
    different from any valid checkpoint; committed rows unsealed for longer than
    AUDIT_SEAL_MAX_LAG_SECONDS.
    """
    key = seal_key()
    now = now or timezone.now()
    log = checkpoints_read(key=key)
    furthest = log.furthest

    epochs = list(AuditChainEpoch.objects.order_by("pk")[:2])
    epoch = epochs[0] if epochs else None
    if len(epochs) > 1:
        return VerifyResult(0, None, "more than one chain epoch row", ChainProblem.EPOCH_INVALID)
    if epoch is not None and not epoch.signature_is_valid(key=key):
        return VerifyResult(
            0, None, "the chain epoch is not signed with AUDIT_SEAL_KEY", ChainProblem.EPOCH_INVALID
        )
    plain_until = epoch.plain_head_seq if epoch else 0

    previous_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    disagreeing: AuditEvent | None = None  # first row where a checkpoint saw another hash
    events = AuditEvent.objects.filter(seal_seq__isnull=False).order_by("seal_seq")
    for event in events.iterator(chunk_size=2000):
        if event.seal_seq != expected_seq:
            return VerifyResult(
                checked,
                event.pk,
                f"seal_seq {expected_seq} is missing (next found: {event.seal_seq})",
                ChainProblem.SEQ_MISSING,
                head_seq=expected_seq - 1,
            )
        if event.seal_seq <= plain_until:
            expected_hash = event.compute_hash(previous_hash)
        else:
            expected_hash = event.compute_seal(previous_hash, key=key)
        if not chain.signatures_match(expected_hash, event.seal_hash):
            return VerifyResult(
                checked,
                event.pk,
                "content does not match its seal",
                ChainProblem.SEAL_MISMATCH,
                head_seq=expected_seq - 1,
            )
        at_epoch = epoch is not None and event.seal_seq == plain_until
        if at_epoch and event.seal_hash != epoch.plain_head_hash:
            return VerifyResult(
                checked,
                event.pk,
                "the plain chain does not end where the signed epoch says",
                ChainProblem.EPOCH_INVALID,
                head_seq=expected_seq - 1,
            )
        recorded = log.heads.get(event.seal_seq)
        if disagreeing is None and recorded is not None and recorded != {event.seal_hash}:
            disagreeing = event
        previous_hash = event.seal_hash
        expected_seq += 1
        checked += 1
    head_seq = expected_seq - 1
    furthest_seq = furthest.seal_seq if furthest else None

    def failed(problem: ChainProblem, reason: str, bad_id: int | None = None) -> VerifyResult:
        return VerifyResult(checked, bad_id, reason, problem, head_seq, furthest_seq)

    if head_seq < plain_until:
        return failed(
            ChainProblem.SEQ_MISSING,
            f"the chain ends at seal_seq {head_seq}; the signed epoch says the plain chain "
            f"reached {plain_until}",
        )
    if log.invalid:
        where = ", ".join(log.invalid[:10])
        return failed(
            ChainProblem.CHECKPOINT_INVALID,
            f"checkpoint(s) {where} (private storage) are unreadable or not signed "
            "with AUDIT_SEAL_KEY",
        )
    if furthest is not None and head_seq < furthest.seal_seq:
        return failed(
            ChainProblem.SHORTER_THAN_CHECKPOINT,
            f"the chain ends at seal_seq {head_seq}, but the checkpoint of {furthest.time} "
            f"recorded it at {furthest.seal_seq} ({furthest.rows} rows): sealed rows were removed",
        )
    if disagreeing is not None:
        return failed(
            ChainProblem.CHECKPOINT_MISMATCH,
            f"seal_seq {disagreeing.seal_seq} does not match its signed checkpoint: the chain "
            "was rewritten at or before it",
            disagreeing.pk,
        )
    if log.miscounted:
        return failed(
            ChainProblem.CHECKPOINT_MISMATCH,
            f"the checkpoint at seal_seq {log.miscounted[0]} counted another number of rows",
        )
    cutoff = now - dt.timedelta(seconds=settings.AUDIT_SEAL_MAX_LAG_SECONDS)
    stale = AuditEvent.objects.unsealed().filter(created_at__lt=cutoff)
    oldest = stale.order_by("created_at", "pk").first()
    if oldest is not None:
        since = oldest.created_at.astimezone(dt.UTC).isoformat(timespec="seconds")
        return failed(
            ChainProblem.UNSEALED_TOO_LONG,
            f"{stale.count()} row(s) unsealed for more than "
            f"{settings.AUDIT_SEAL_MAX_LAG_SECONDS} s (oldest created {since}): "
            "is the sealing job running?",
            oldest.pk,
        )
    return VerifyResult(checked, head_seq=head_seq, checkpoint_seq=furthest_seq)
