import pytest
from django.urls import reverse

from metavast.storefront.demo import seed_pages
from metavast.storefront.models import Page

pytestmark = pytest.mark.django_db


def test_home_is_persian_rtl(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in html
    assert "متاوست" in html


def test_seed_pages_is_idempotent():
    seed_pages()
    first = list(Page.objects.values_list("slug", "title", "body"))
    seed_pages()
    assert list(Page.objects.values_list("slug", "title", "body")) == first
    assert Page.objects.filter(slug="privacy").exists()


def test_privacy_page_states_practice(client):
    seed_pages()
    response = client.get(reverse("storefront:page", kwargs={"slug": "privacy"}))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Argon2id" in body
    assert "حریم خصوصی" in body


def test_footer_lists_published_pages(client):
    seed_pages()
    html = client.get("/").content.decode()
    assert "/p/privacy/" in html and "/p/terms/" in html


def test_unpublished_page_is_404_in_persian(client):
    Page.objects.create(slug="draft", title="پیش‌نویس", body="x", is_published=False)
    response = client.get("/p/draft/")
    assert response.status_code == 404
    assert "پیدا نشد" in response.content.decode()


def test_page_body_is_escaped(client):
    Page.objects.create(slug="xss", title="t", body="<script>alert(1)</script>")
    html = client.get("/p/xss/").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html


def test_home_query_count(client, django_assert_max_num_queries):
    seed_pages()
    client.get("/")  # warm the footer cache
    with django_assert_max_num_queries(1):
        client.get("/")
