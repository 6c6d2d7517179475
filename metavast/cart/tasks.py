from celery import shared_task

from metavast.cart.services import carts_purge_stale


@shared_task
def purge_stale_carts() -> int:
    return carts_purge_stale()
