from celery import shared_task

from metavast.legal.services import disclosure_package_build, disclosure_packages_expire


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def build_disclosure_package(request_id: int) -> str:
    return disclosure_package_build(request_id=request_id).status


@shared_task
def expire_disclosure_packages() -> int:
    return disclosure_packages_expire()
