import pytest

pytestmark = pytest.mark.django_db


def test_healthz_is_liveness_only(client, django_assert_num_queries):
    # Issue 17: the database and cache checks moved to /readyz (test_prod_light.py).
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ping_needs_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/ping")
    assert response.content == b"ok"


def test_500_page_is_persian_without_trace(client, settings):
    from django.urls import path

    def boom(request):
        raise RuntimeError("secret stack detail")

    import config.urls

    settings.ROOT_URLCONF = type(
        "U", (), {"urlpatterns": [path("boom", boom)], "handler500": config.urls.handler500}
    )
    client.raise_request_exception = False
    response = client.get("/boom")
    assert response.status_code == 500
    body = response.content.decode()
    assert "مشکلی پیش آمد" in body
    assert "secret stack detail" not in body and "Traceback" not in body
