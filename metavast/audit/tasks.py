from celery import shared_task

from metavast.audit.services import audit_seal


@shared_task
def seal_audit_events() -> int:
    return audit_seal().sealed
