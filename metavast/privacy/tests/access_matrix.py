"""Access matrix rows for privacy (format: metavast/staff/tests/access_matrix_format.py).

Parts of issue 11 add their rows here: append, one line per route.
"""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import CUSTOMER, Action, AdminModel, Route


def _data_copy(w):
    from metavast.privacy.models import DataCopy

    return w.once(
        "data_copy",
        lambda: DataCopy.objects.create(user=w.customer, requested_at=w.customer.date_joined),
    )


ROWS = [
    Route("privacy:home", audience=CUSTOMER),
    # Download my data and erase my account (part A2): the customer's own; the data copies in
    # the admin only for support (privacy.export_for_customer), read-only, no object edits.
    Route("privacy:export", audience=CUSTOMER),
    Route("privacy:export_download", audience=CUSTOMER, args=("no-such-token",)),
    Route("privacy:erase", audience=CUSTOMER),
    Route("privacy:erase_cancel", audience=CUSTOMER),
    Route("api:data_copies_endpoint", audience=CUSTOMER),
    Route("api:data_copy_request_endpoint", audience=CUSTOMER),
    Route("api:erasure_endpoint", audience=CUSTOMER),
    Route("api:erasure_request_endpoint", audience=CUSTOMER),
    Route("api:erasure_cancel_endpoint", audience=CUSTOMER),
    AdminModel(
        "privacy.datacopy",
        view={"support"},
        add={"support"},
        change=set(),
        delete=set(),
        obj=_data_copy,
    ),
    Action(
        "privacy.datacopy",
        "delete_selected",
        allowed=set(),
        note="data copies are never deleted by hand (no delete permission); files expire",
    ),
]
