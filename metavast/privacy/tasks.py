from celery import shared_task

from metavast.privacy.services.erasure import erasures_run_due
from metavast.privacy.services.export import export_build, exports_expire


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def build_data_export(export_id: int) -> str:
    export = export_build(export_id=export_id)
    return export.status if export is not None else "missing"


@shared_task
def expire_data_exports() -> int:
    return exports_expire()


@shared_task
def run_due_erasures() -> int:
    return erasures_run_due()


@shared_task
def run_retention() -> dict[str, int]:
    """The one retention job (metavast.privacy.retention): every rule, chunked, audited."""
    from metavast.privacy.retention import retention_run

    return retention_run().counts
