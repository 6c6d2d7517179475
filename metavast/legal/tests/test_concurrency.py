"""Two officers press "download" at the same moment: the row lock lets exactly one through."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from metavast.legal.errors import PackageAlreadyDownloaded
from metavast.legal.models import DisclosureRequest, DisclosureStatus
from metavast.legal.services import (
    disclosure_approve,
    disclosure_package_download,
    disclosure_submit,
)
from metavast.legal.tests.factories import make_officer, make_request
from metavast.notifications.models import OutboxMessage
from metavast.orders.tests.factories import make_customer

PASSPHRASE = "a-long-enough-passphrase-for-tests"


@pytest.mark.django_db(transaction=True)
def test_concurrent_downloads_hand_the_package_out_once(on_postgres):
    if not on_postgres:
        pytest.skip("SQLite serialises writers anyway; the row lock is PostgreSQL's")
    first, second = make_officer(), make_officer()
    customer = make_customer()
    request = make_request(officer=first, customers=[str(customer.pk)])
    disclosure_submit(request_id=request.pk, actor=first)
    disclosure_approve(request_id=request.pk, actor=second)  # on_commit builds it (eager)
    assert DisclosureRequest.objects.get(pk=request.pk).status == DisclosureStatus.PACKAGE_READY

    barrier = threading.Barrier(2)
    results: list[str] = []

    def take(officer):
        try:
            barrier.wait()
            disclosure_package_download(request_id=request.pk, actor=officer, passphrase=PASSPHRASE)
            results.append("ok")
        except PackageAlreadyDownloaded:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(o,)) for o in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == ["ok", "refused"]
    assert DisclosureRequest.objects.get(pk=request.pk).status == DisclosureStatus.DOWNLOADED
    assert OutboxMessage.objects.filter(template="legal/disclosed").count() == 2  # email + SMS
