from celery import shared_task

from metavast.checkout.delivery_schedule import delivery_windows_open


@shared_task
def open_delivery_windows() -> int:
    return delivery_windows_open()
