"""Append-only audit trail, sealed afterwards into a keyed chain.

Services write one `AuditEvent` per sensitive action through `audit_record()`, inside
their own transaction, so an action and its record commit or roll back together.

Sealing happens later, outside business transactions (a periodic task), so that audit
writes never serialise checkouts on a shared "last hash" row. The sealer takes committed,
unsealed rows in id order, gives each the next `seal_seq` and
`seal_hash = HMAC-SHA256(AUDIT_SEAL_KEY, previous seal_hash + canonical row)` (see
`metavast.audit.chain`). A row committed late (a lower id after higher ones were sealed)
simply gets a later seal_seq; the chain follows seal_seq. After each run that sealed
something, a signed checkpoint (head seq, head hash, row count) leaves the database: a JSON
log line and a line in the private checkpoints file. `manage.py audit_verify` walks the
chain, then holds it against the last checkpoint, so a rewritten or shortened chain fails
even when every row still agrees with its neighbour.

The client IP and user agent are outside the seal on purpose: they are personal data with
a retention period (IP_LOG_RETENTION_DAYS) after which the retention engine blanks them
(metavast/privacy/retention.py, rule "audit_ip", through `_update_seal`), and that must not
break the chain.
"""

from __future__ import annotations

import json

from django.db import models

from metavast.audit import chain
from metavast.audit.errors import AuditImmutableError
from metavast.core.fields import EncryptedCharField
from metavast.core.text import to_persian_digits


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError("audit events cannot be updated")

    def delete(self):
        raise AuditImmutableError("audit events cannot be deleted")

    def _update_seal(self, **kwargs) -> int:
        """Only the sealer and IP redaction may write, and only their own columns."""
        allowed = {"seal_seq", "seal_hash", "sealed_at", "client_ip", "user_agent"}
        assert set(kwargs) <= allowed, kwargs
        return super().update(**kwargs)

    def unsealed(self):
        return self.filter(seal_seq__isnull=True)

    def for_subject(self, subject_type: str, subject_id):
        return self.filter(subject_type=subject_type, subject_id=str(subject_id))


class AuditEvent(models.Model):
    created_at = models.DateTimeField("زمان", auto_now_add=True, db_index=True)
    # Who acted: a user id (kept even if the user is later erased) and a readable label.
    actor_id = models.BigIntegerField("شناسهٔ انجام‌دهنده", null=True, blank=True, db_index=True)
    actor_label = models.CharField("برچسب انجام‌دهنده", max_length=150, blank=True)
    action = models.CharField("کد رویداد", max_length=80, db_index=True)
    subject_type = models.CharField("نوع موضوع", max_length=80, blank=True)
    subject_id = models.CharField("شناسهٔ موضوع", max_length=64, blank=True)
    before = models.JSONField("پیش از تغییر", null=True, blank=True)
    after = models.JSONField("پس از تغییر", null=True, blank=True)
    # Encrypted at rest (personal data, outside the seal); redaction sets it to NULL.
    client_ip = EncryptedCharField("نشانی IP", max_length=45, null=True, blank=True)
    # Encrypted too, and outside the seal like the IP; redaction sets it to "".
    user_agent = EncryptedCharField("مرورگر", max_length=300, blank=True)
    seal_seq = models.BigIntegerField("شمارهٔ مهر", null=True, blank=True, unique=True)
    seal_hash = models.CharField("چکیدهٔ مهر", max_length=64, blank=True)
    sealed_at = models.DateTimeField("زمان مهر", null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "رویداد ممیزی"
        verbose_name_plural = "رویدادهای ممیزی"
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        from metavast.audit.labels import action_label

        return f"{action_label(self.action)} (رویداد {to_persian_digits(self.pk)})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditImmutableError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("audit events cannot be deleted")

    def canonical(self) -> bytes:
        """The bytes the seal covers: every field but the seal itself, IP and UA."""
        data = {
            "id": self.pk,
            "created_at": self.created_at.isoformat(),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "before": self.before,
            "after": self.after,
            "seal_seq": self.seal_seq,
        }
        return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()

    def compute_hash(self, previous_hash: str) -> str:
        """Chain version 1, the legacy plain SHA-256 (rows sealed before AUDIT_SEAL_KEY)."""
        return chain.plain_seal(previous_hash, self.canonical())

    def compute_seal(self, previous_hash: str, *, key: bytes) -> str:
        """Chain version 2: keyed, so only a holder of AUDIT_SEAL_KEY can seal."""
        return chain.keyed_seal(previous_hash, self.canonical(), key=key)


class AuditChainEpoch(models.Model):
    """Where the plain (version 1) chain ends and the keyed one begins.

    Written once, by migration 0003, when sealed rows already existed; signed with
    AUDIT_SEAL_KEY so that nobody without the key can move the boundary to pass off a
    recomputed plain chain. No row means every sealed row is keyed.
    """

    plain_head_seq = models.BigIntegerField("شمارهٔ سر زنجیره")
    plain_head_hash = models.CharField("چکیدهٔ سر زنجیره", max_length=64)
    created_at = models.DateTimeField("زمان ساخت", auto_now_add=True)
    signature = models.CharField("امضا", max_length=64)

    class Meta:
        verbose_name = "آغاز زنجیرهٔ کلیددار ممیزی"
        verbose_name_plural = "آغاز زنجیرهٔ کلیددار ممیزی"

    def __str__(self) -> str:
        return f"زنجیرهٔ ساده تا مهر {to_persian_digits(self.plain_head_seq)}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditImmutableError("the audit chain epoch cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("the audit chain epoch cannot be deleted")

    def signature_is_valid(self, *, key: bytes) -> bool:
        expected = chain.epoch_signature(
            plain_head_seq=self.plain_head_seq, plain_head_hash=self.plain_head_hash, key=key
        )
        return chain.signatures_match(expected, self.signature)
