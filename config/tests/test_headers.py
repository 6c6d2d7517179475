import pytest

pytestmark = pytest.mark.django_db


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]


def test_hsts_on_secure_requests(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_no_store_helper_marks_private_pages(rf):
    from django.http import HttpResponse

    from metavast.core.http import no_store

    response = no_store(lambda request: HttpResponse("x"))(rf.get("/"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_admin_is_persian_and_rtl(admin_client, settings):
    html = admin_client.get(f"/{settings.ADMIN_PATH}/").content.decode()
    assert 'dir="rtl"' in html
    assert "مدیریت متاوست" in html
