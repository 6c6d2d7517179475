from celery import shared_task

from metavast.invoices.services import (
    invoice_follow_order,
    invoice_issue_for_order,
    invoice_render_pdf,
    invoice_submit,
    invoices_submit_pending,
)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def issue_invoice_for_order(order_id: int) -> int:
    return invoice_issue_for_order(order_id=order_id).pk


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def render_invoice_pdf(invoice_id: int) -> str:
    return invoice_render_pdf(invoice_id=invoice_id).pdf_name


@shared_task
def submit_invoice(invoice_id: int) -> str:
    return invoice_submit(invoice_id=invoice_id).moadian_status


@shared_task
def submit_pending_invoices() -> int:
    return invoices_submit_pending()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def follow_order(order_id: int) -> list[int]:
    return [invoice.pk for invoice in invoice_follow_order(order_id=order_id)]
