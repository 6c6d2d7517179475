from celery import shared_task
from django.conf import settings

from metavast.audit.services import audit_redact_ips, audit_seal


@shared_task
def seal_audit_events() -> int:
    return audit_seal().sealed


@shared_task
def redact_audit_ips() -> int:
    return audit_redact_ips(older_than_days=settings.IP_LOG_RETENTION_DAYS)
