"""The legal app's rows of the access-control matrix (format: staff/tests/access_matrix_format.py).

Only the legal officer reaches the register; the admin role manages staff but not the
register (P8: the register is the one path out, kept to the people it is for). The GET of each
per-request screen is checked on one draft request; the download screen on a draft redirects
back to the request with a Persian refusal (302), so 302 counts as "allowed" there and a role
without the permission gets 403. Four eyes (the requester never decides) is tested in
test_register.py and test_admin_and_pages.py, not here: the matrix has one officer.
"""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import PUBLIC, Action, AdminModel, Route

OFFICER = {"legal_officer"}


def _disclosure(w):
    from metavast.legal.tests.factories import make_request

    return w.once(
        "disclosure",
        lambda: make_request(officer=w.staff["legal_officer"], customers=[str(w.customer.pk)]),
    )


def _pk(w):
    return (_disclosure(w).pk,)


ROWS = [
    AdminModel(
        "legal.disclosurerequest",
        view=OFFICER,
        add=OFFICER,
        change=set(),  # rows change only through the screens below
        delete=set(),
        obj=_disclosure,
    ),
    Route("admin:legal_disclosurerequest_submit", allowed=OFFICER, args=_pk),
    Route("admin:legal_disclosurerequest_approve", allowed=OFFICER, args=_pk),
    Route("admin:legal_disclosurerequest_reject", allowed=OFFICER, args=_pk),
    Route("admin:legal_disclosurerequest_withdraw", allowed=OFFICER, args=_pk),
    Route("admin:legal_disclosurerequest_generate", allowed=OFFICER, args=_pk),
    Route(
        "admin:legal_disclosurerequest_download",
        allowed=OFFICER,
        args=_pk,
        ok=(200, 302),
        note="a draft has no package: the officer is sent back with a Persian refusal",
    ),
    Action(
        "legal.disclosurerequest",
        "delete_selected",
        allowed=set(),
        note="the register is never deleted (no delete permission for anyone)",
    ),
    Route("legal:transparency", audience=PUBLIC, note="yearly counts only, no personal data"),
]
