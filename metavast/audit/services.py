from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from metavast.audit.models import AuditEvent
from metavast.core import context

GENESIS_HASH = "0" * 64
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
    return AuditEvent.objects.create(
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


@dataclass
class SealResult:
    sealed: int
    last_seq: int | None


def audit_seal(*, batch_size: int = 1000) -> SealResult:
    """Extend the hash chain over committed, unsealed rows, in id order."""
    sealed = 0
    last_seq = None
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
                previous_hash = event.compute_hash(previous_hash)
                AuditEvent.objects.filter(pk=event.pk)._update_seal(
                    seal_seq=seq, seal_hash=previous_hash, sealed_at=now
                )
            sealed += len(batch)
            last_seq = seq
    return SealResult(sealed=sealed, last_seq=last_seq)


@dataclass
class VerifyResult:
    checked: int
    first_bad_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def audit_verify() -> VerifyResult:
    previous_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    events = AuditEvent.objects.filter(seal_seq__isnull=False).order_by("seal_seq")
    for event in events.iterator(chunk_size=2000):
        if event.seal_seq != expected_seq:
            return VerifyResult(checked, event.pk, f"seal_seq {expected_seq} is missing")
        if event.compute_hash(previous_hash) != event.seal_hash:
            return VerifyResult(checked, event.pk, "content does not match its seal")
        previous_hash = event.seal_hash
        expected_seq += 1
        checked += 1
    return VerifyResult(checked)


def audit_redact_ips(*, older_than_days: int) -> int:
    """Blank IPs and user agents past their retention; the seal does not cover them."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    with transaction.atomic():
        return (
            AuditEvent.objects.filter(created_at__lt=cutoff)
            .exclude(client_ip__isnull=True, user_agent="")
            ._update_seal(client_ip=None, user_agent="")
        )
