"""The pay button posts to /payments/start/ and the shop answers with a 302 to the bank.

Browsers hold that redirect to the form page's CSP form-action as well (Chromium logs "violates
the following Content Security Policy directive: form-action 'self'" and blocks it), so with
form-action 'self' alone no one could pay at a real gateway; the sandbox, on our own origin,
hid it. Every allowed bank host is in form-action, over https, and nothing else is.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings


def _directive(header: str, name: str) -> list[str]:
    for part in header.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    return []


@pytest.mark.django_db
def test_the_banks_are_allowed_as_form_targets_over_https_only(client):
    header = client.get("/").headers["Content-Security-Policy"]
    targets = _directive(header, "form-action")
    assert "'self'" in targets
    for host in settings.PAYMENT_REDIRECT_ALLOWED_HOSTS:
        assert f"https://{host}" in targets, (host, targets)
    assert "https://payment.zarinpal.com" in targets
    assert not [t for t in targets if t.startswith("http:") or t in ("*", "https:")], targets
    assert not re.search(r"\*", " ".join(targets))
