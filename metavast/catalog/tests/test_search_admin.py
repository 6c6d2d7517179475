"""Staff edit the search synonyms in the Persian back office; the next search uses them."""

import pytest

from metavast.catalog import listing
from metavast.catalog.models import SearchSynonym
from metavast.catalog.tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
ADMIN = "/admin/catalog/searchsynonym"


def titles(query: str) -> list[str]:
    return [i["title"] for i in listing.browse(listing.Filters(query=query)).items]


def test_staff_add_edit_and_delete_a_synonym(staff_client):
    factories.product("کفش ورزشی نایکی")
    assert titles("کتونی") == []

    page = staff_client.get(f"{ADMIN}/add/").content.decode()
    assert "هم‌معنی‌ها" in page and "عبارت" in page
    response = staff_client.post(
        f"{ADMIN}/add/",
        {"phrase": "کتونی", "equivalents": "کفش ورزشی، sneakers", "is_active": "on"},
    )
    assert response.status_code == 302
    synonym = SearchSynonym.objects.get()
    assert (synonym.phrase, synonym.equivalents) == ("کتونی", "کفش ورزشی، sneakers")
    assert titles("کتونی") == ["کفش ورزشی نایکی"]  # no restart, no wait

    staff_client.post(
        f"{ADMIN}/{synonym.pk}/change/", {"phrase": "کتونی", "equivalents": "sneakers"}
    )
    assert SearchSynonym.objects.get().is_active is False
    assert titles("کتونی") == []

    staff_client.post(f"{ADMIN}/{synonym.pk}/delete/", {"post": "yes"})
    assert not SearchSynonym.objects.exists()


def test_demo_seeds_the_brand_synonyms():
    from metavast.catalog.search_synonyms import DEMO_SYNONYMS, seed_synonyms

    assert seed_synonyms() == len(DEMO_SYNONYMS)
    assert seed_synonyms() == 0  # idempotent; staff edits are kept
    samsung = SearchSynonym.objects.get(phrase="سامسونگ")
    assert "samsung" in samsung.members
