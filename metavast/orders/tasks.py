from celery import shared_task

from metavast.orders.services import info_requests_sweep, orders_expire_due


@shared_task
def expire_unpaid_orders() -> int:
    return orders_expire_due()


@shared_task
def sweep_info_requests() -> dict[str, int]:
    return info_requests_sweep()
