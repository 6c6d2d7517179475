"""Places where a higher app plugs into an accounts page, filled at start-up (GUIDE 5: a
lower app never imports a higher one). Today: the marketing consent boxes of the sign-up
(welcome) page, filled by metavast.consent (apps.py ready)."""

from __future__ import annotations

from collections.abc import Callable

# user -> list of {"name": field name, "text": Persian consent text}: extra unticked boxes.
signup_boxes: list[Callable] = []
# (user, data: the POST, ip) -> None: called after the welcome form is saved.
after_signup: list[Callable] = []
