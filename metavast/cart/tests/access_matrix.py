"""Access matrix rows for cart (format: metavast/staff/tests/access_matrix_format.py).

A cart belongs to its browser session or account: no staff screen exists."""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import PUBLIC, Route

ROWS = [
    Route("cart:detail", audience=PUBLIC, note="the visitor's own cart (session)"),
    Route("cart:add", audience=PUBLIC),
    Route("cart:update", audience=PUBLIC),
    Route("cart:remove", audience=PUBLIC),
    Route("cart:acknowledge", audience=PUBLIC),
    Route("cart:discount_apply", audience=PUBLIC),
    Route("cart:discount_remove", audience=PUBLIC),
    Route("api:cart_detail", audience=PUBLIC),
    Route("api:cart_line_add", audience=PUBLIC),
    Route("api:cart_line_set", audience=PUBLIC),
    Route("api:cart_line_remove", audience=PUBLIC),
    Route("api:cart_discount_apply", audience=PUBLIC),
    Route("api:cart_discount_remove", audience=PUBLIC),
]
