class AuditImmutableError(Exception):
    """Audit rows are append-only; nothing may change or delete them."""
