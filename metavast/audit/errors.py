from enum import StrEnum


class AuditImmutableError(Exception):
    """Audit rows are append-only; nothing may change or delete them."""


class ChainProblem(StrEnum):
    """Why `audit_verify` refuses the chain (the first problem found is reported)."""

    # A sealed row no longer matches its keyed (or legacy plain) seal.
    SEAL_MISMATCH = "audit.seal_mismatch"
    # A seal_seq in 1..head is absent: a sealed row was deleted.
    SEQ_MISSING = "audit.seq_missing"
    # The epoch row (end of the legacy plain chain) is not signed with our key, or the
    # plain chain does not end where it says.
    EPOCH_INVALID = "audit.epoch_invalid"
    # Committed rows have waited longer than AUDIT_SEAL_MAX_LAG_SECONDS for a seal.
    UNSEALED_TOO_LONG = "audit.unsealed_too_long"
    # A stored checkpoint is unreadable or not signed with our key.
    CHECKPOINT_INVALID = "audit.checkpoint_invalid"
    # The chain ends before the last valid checkpoint's head: sealed rows were removed.
    SHORTER_THAN_CHECKPOINT = "audit.shorter_than_checkpoint"
    # The chain's hash or row count at the checkpoint's head differs from the checkpoint.
    CHECKPOINT_MISMATCH = "audit.checkpoint_mismatch"
