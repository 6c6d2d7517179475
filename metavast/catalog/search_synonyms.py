"""Writes to the staff's search synonyms, and the synonyms the demo store starts with.

A synonym row is a group of words a shopper uses for the same thing: a brand in both scripts
(«سامسونگ», samsung), a brand's Persian spellings («شیائومی», «شیاومی», xiaomi, mi) or common
names («گوشی», «موبایل», «تلفن همراه»). A member matches anywhere inside a product's key, so
very short or very common Latin pieces ("mi", "book", "phone") would match far too much
(Redmi, MacBook, headphone): they are left out. Model names are deliberately not listed for the demo:
the sound keys find «آیفون», «گلکسی», «ردمی» without help (search_phonetic). The search reads them with the vocabulary, per
catalog version, so saving one bumps the version: the next search in every worker uses it.
"""

from __future__ import annotations

from django.db import transaction

from metavast.catalog import cache as catalog_cache
from metavast.catalog.models import SearchSynonym
from metavast.core.text import normalize

DEMO_SYNONYMS = {
    "سامسونگ": "samsung",
    "شیائومی": "xiaomi، شیاومی، شیامی",
    "اپل": "apple",
    "نوکیا": "nokia",
    "ایسوس": "asus",
    "لنوو": "lenovo",
    "اچ‌پی": "hp، اچپی",
    "سونی": "sony",
    "انکر": "anker",
    "جی‌بی‌ال": "jbl",
    "گوشی": "موبایل، تلفن همراه، mobile",
    "لپ‌تاپ": "لپتاپ، laptop، notebook، نوت‌بوک",
    "هندزفری": "هدفون، ایرباد، ایربادز، earbuds، headphone",
    "ساعت هوشمند": "smartwatch، اسمارت واچ",
    "تبلت": "tablet",
    "لگو": "lego",
    "نایکی": "nike، نایک",
    "آدیداس": "adidas",
    "ایکیا": "ikea",
    "بوش": "bosch",
    "نیوآ": "nivea، نیوا",
    "شعر": "دیوان، شاعر، poetry",
    "رمان": "داستان، novel",
    "فرش": "قالی، rug",
    "کفش": "shoes، کتونی",
}


@transaction.atomic
def search_synonym_save(
    *, phrase: str, equivalents: str, is_active: bool = True, synonym: SearchSynonym | None = None
) -> SearchSynonym:
    """Create or change a synonym group; the search uses it from the next request on."""
    synonym = synonym or SearchSynonym.objects.filter(phrase=normalize(phrase)).first()
    synonym = synonym or SearchSynonym()
    synonym.phrase = normalize(phrase)[:100]
    synonym.equivalents = "، ".join(
        normalize(p) for p in equivalents.replace("،", ",").split(",") if normalize(p)
    )[:500]
    synonym.is_active = is_active
    synonym.full_clean()
    synonym.save()
    transaction.on_commit(catalog_cache.bump_catalog)
    return synonym


@transaction.atomic
def search_synonym_delete(*, synonym: SearchSynonym) -> None:
    synonym.delete()
    transaction.on_commit(catalog_cache.bump_catalog)


def seed_synonyms() -> int:
    """The demo store's synonyms (existing phrases are left as staff edited them)."""
    existing = set(SearchSynonym.objects.values_list("phrase", flat=True))
    created = 0
    for phrase, equivalents in DEMO_SYNONYMS.items():
        if normalize(phrase) not in existing:
            search_synonym_save(phrase=phrase, equivalents=equivalents)
            created += 1
    return created
