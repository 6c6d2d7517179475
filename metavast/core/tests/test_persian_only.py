"""The shop speaks Persian whatever the browser asks for.

Many Iranian shoppers' and staff members' browsers send `Accept-Language: en-US`. Nothing in
the shop is written in English, so such a browser must still get Persian: Django's own
messages (form errors in the back office), `Content-Language`, and the same cached catalog
page as everyone else (the page cache's key has no language in it, so a page first built
for an English browser must not be one a Persian browser would see differently).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def test_only_persian_is_offered():
    assert [code for code, _name in settings.LANGUAGES] == ["fa"]


@pytest.mark.django_db
def test_an_english_browser_gets_persian_form_errors_in_the_back_office(client):
    response = client.post(reverse("admin:login"), {"username": "", "password": ""}, **ENGLISH)
    body = response.content.decode()
    assert response.status_code == 200
    assert "این فیلد لازم است." in body
    assert "This field is required." not in body
    assert response["Content-Language"] == "fa"


@pytest.mark.django_db
def test_an_english_browser_gets_the_persian_storefront(client):
    response = client.get("/", **ENGLISH)
    assert response.status_code == 200
    assert response["Content-Language"] == "fa"
    assert 'lang="fa"' in response.content.decode()
