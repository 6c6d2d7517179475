from celery import shared_task

from metavast.checkout.services import checkout_drafts_erase


@shared_task
def erase_old_drafts() -> int:
    return checkout_drafts_erase()
