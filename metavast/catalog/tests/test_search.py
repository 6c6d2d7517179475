"""The issue's search examples, ranking, suggestions, typos and the zero-result report."""

import pytest

from metavast.catalog import listing, search
from metavast.catalog.models import Product, ZeroResultQuery
from metavast.catalog.services import misses, search_miss_record
from metavast.catalog.services.bulk import ProductDraft, _documents
from metavast.catalog.tests import factories
from metavast.core.testing import run_concurrently

pytestmark = pytest.mark.django_db
ZWNJ = "\u200c"


def titles(query: str) -> list[str]:
    qs = search.by_relevance(search.matching(Product.objects.visible(), query))
    return list(qs.values_list("title", flat=True))


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("کتاب بوف کور", "كتاب"),  # Arabic kaf
        ("میز تحریر چوبی", "ميز"),  # Arabic yeh
        ("آنچه میخواهم", f"می{ZWNJ}خواهم"),
        ("آنچه میخواهم", "می خواهم"),
        (f"آنچه می{ZWNJ}خواهم", "میخواهم"),
        (f"آنچه می{ZWNJ}خواهم", "می خواهم"),
        ("آنچه می خواهم", "میخواهم"),
        ("آنچه می خواهم", f"می{ZWNJ}خواهم"),
        ("گوشی گلکسی 128 گیگابایت", "۱۲۸"),  # Persian digits
        ("گوشی گلکسی 128 گیگابایت", "١٢٨"),  # Arabic-Indic digits
        ("گوشی گلکسی ۱۲۸ گیگابایت", "128"),
        ("کتاب بوف کور", "کتاب "),  # trailing space
        ("کتاب بوف کور", "کِتابٌ"),  # diacritics
        ("کتاب بوف کور", "کـــتاب"),  # kashida
        ("کتاب بوف کور", "\u200fکتاب\u200e"),  # bidi marks
    ],
)
def test_persian_spellings_match(stored, typed):
    factories.product(stored)
    factories.product("لپ‌تاپ ایسوس")  # must not match

    assert titles(typed) == [stored]


def test_two_words_must_both_match_anywhere():
    factories.product("گوشی موبایل سامسونگ گلکسی")
    factories.product("گوشی موبایل اپل")
    assert titles("گوشی سامسونگ") == ["گوشی موبایل سامسونگ گلکسی"]


def test_matches_brand_category_and_specs():
    cat = factories.category(name="رمان و داستان")
    storage = factories.attribute()
    brand = factories.brand(name="نشر چشمه", latin="Cheshmeh")
    factories.product("بوف کور", cat=cat, brand=brand, specs=[(storage, "۲۵۶ گیگ")])

    for query in ("نشر چشمه", "cheshmeh", "رمان", "256"):
        assert titles(query) == ["بوف کور"], query


def test_title_hits_rank_first():
    attr = factories.attribute(name="نویسنده", slug="author")
    factories.product("دفتر یادداشت", specs=[(attr, "حافظ")], on_hand=5)
    factories.product("دیوان حافظ", on_hand=5)
    factories.product("حافظ و دیوان او", on_hand=5)

    assert titles("حافظ") == ["حافظ و دیوان او", "دیوان حافظ", "دفتر یادداشت"]


def test_empty_and_junk_queries_find_nothing():
    factories.product("کتاب")
    assert titles("") == []
    assert titles("   \u200c ") == []
    assert titles("\x00") == []


def test_typo_tolerance():
    factories.product("گوشی موبایل سامسونگ گلکسی")
    factories.product("کتاب بوف کور")

    for typed in ("سامسوگ", "گوشي سامسوگ", "گلکسي سامسنگ"):
        result = listing.browse(listing.Filters(query=typed, sort="relevance"))

        assert result.fuzzy is True, typed
        assert [i["title"] for i in result.items] == ["گوشی موبایل سامسونگ گلکسی"], typed
    assert search.corrected_query("کتاپ بوف") == "کتاب بوف"
    nothing = listing.browse(listing.Filters(query="زرافه", sort="relevance"))
    assert (nothing.count, nothing.fuzzy) == (0, False)


def test_bulk_documents_equal_service_documents():
    brand = factories.brand(name="اپل", latin="Apple")
    draft = ProductDraft(
        title="گوشی  آیفون ۱۵", slug="x", category_id=1, brand_id=brand.pk, specs=[(1, "۱۲۸ گیگ")]
    )
    assert _documents(draft, brand, ["کالای دیجیتال", "گوشی"]) == search.documents(
        title="گوشی  آیفون ۱۵",
        brand=["اپل", "Apple"],
        categories=["کالای دیجیتال", "گوشی"],
        specs=["۱۲۸ گیگ"],
    )


def test_suggestions_while_typing(client):
    cat = factories.category(name="گوشی موبایل", slug="mobile")
    factories.product("گوشی سامسونگ گلکسی", cat=cat)
    html = client.get("/search/suggest/", {"q": "گوشی سام"}).content.decode()
    assert "گوشی سامسونگ گلکسی" in html
    html = client.get("/search/suggest/", {"q": "گوشي"}).content.decode()
    assert "/c/mobile/" in html and "گوشی سامسونگ گلکسی" in html
    assert client.get("/search/suggest/", {"q": "گ"}).content == b""


def test_zero_result_queries_counted_in_aggregate(client):
    factories.product("کتاب")
    client.get("/search/", {"q": "قطعه یدکی  "})
    client.get("/search/", {"q": "قطعه يدكي"})  # Arabic letters: the same normalised query
    client.get("/search/", {"q": "کتاب"})  # found: not counted

    rows = list(ZeroResultQuery.objects.values_list("query", "count"))
    assert rows == [("قطعه یدکی", 2)]
    field_names = {f.name for f in ZeroResultQuery._meta.get_fields()}
    assert field_names == {"id", "query", "count", "first_seen", "last_seen"}


def test_zero_result_counted_even_when_page_is_cached(client):
    client.get("/search/", {"q": "ناموجود"})
    response = client.get("/search/", {"q": "ناموجود"})
    assert response["X-Catalog-Cache"] == "hit"
    assert ZeroResultQuery.objects.get().count == 2


def test_queries_that_look_personal_are_not_recorded():
    assert search_miss_record(query="09121234567") is None
    assert search_miss_record(query="ali@example.com") is None
    assert not ZeroResultQuery.objects.exists()


def test_zero_result_report_for_staff(staff_client):
    search_miss_record(query="چای ساز")
    search_miss_record(query="چای ساز")
    search_miss_record(query="کفش")
    response = staff_client.get("/admin/catalog/zeroresultquery/")
    assert response.status_code == 200, response
    html = response.content.decode()
    assert html.index("چای ساز") < html.index("کفش")


def test_a_miss_is_one_statement(django_assert_num_queries):
    with django_assert_num_queries(1):
        first = search_miss_record(query="چای ساز برقی")
    with django_assert_num_queries(1):
        again = search_miss_record(query="چاي ساز  برقي")

    assert (first.query, first.count) == ("چای ساز برقی", 1)
    assert (again.pk, again.count, again.first_seen) == (first.pk, 2, first.first_seen)
    assert list(ZeroResultQuery.objects.values_list("query", "count")) == [("چای ساز برقی", 2)]


def test_long_misses_are_stored_capped_at_a_word():
    word = "الکترونیکی"  # ten letters: six words (MAX_WORDS) are 65 characters
    search_miss_record(query=" ".join([word] * 40))
    search_miss_record(query="ب" * 300)

    stored = sorted(ZeroResultQuery.objects.values_list("query", flat=True), key=len)
    assert all(len(q) <= misses.MAX_STORED_CHARS for q in stored)
    assert stored[0].split() == [word] * 5  # whole words only, within the cap
    assert stored[1] == "ب" * misses.MAX_STORED_CHARS  # one long word: cut


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_misses_of_one_query_all_count():
    results = run_concurrently([lambda: search_miss_record(query="قطعه یدکی")] * 12)

    assert [e for _, e in results if e] == []
    assert list(ZeroResultQuery.objects.values_list("query", "count")) == [("قطعه یدکی", 12)]


def brand_catalog() -> dict:
    """QA's cases: a brand's word inside another word, or across two («لپ‌تاپ لنوو» is the
    compact key «لپتاپلنوو», which holds «اپل»). The wrong products are made last, so they
    would win a tie (the newest first)."""
    made = {}
    for name, latin, title in (
        ("اپل", "Apple", "گوشی موبایل اپل مدل iPhone 13"),
        ("اکو", "Ecco", "کفش ورزشی اکو کد 177"),
        ("لگو", "Lego", "ماشین کنترلی لگو"),
        ("نشر چشمه", "Cheshmeh", "کتاب بوف کور اثر صادق هدایت"),
        ("لنوو", "Lenovo", f"لپ{ZWNJ}تاپ لنوو مدل ThinkPad E14"),
        ("نشر مرکز", "Markaz", f"کتاب دایی{ZWNJ}جان ناپلئون اثر ایرج پزشکزاد"),
        ("هاکوپیان", "Hakopian", f"تی{ZWNJ}شرت نخی هاکوپیان کد 395"),
        ("هاپو", "Hapoo", "لگو ساختنی ۵۰۰ قطعه هاپو"),
        ("نشر ثالث", "Sales", f"کتاب چشم{ZWNJ}هایش اثر بزرگ علوی"),
    ):
        made[title] = factories.product(title, brand=factories.brand(name=name, latin=latin))
    return made


BRAND_QUERIES = {
    # query: the products expected first, in order (the rest may follow)
    "اپل": ["گوشی موبایل اپل مدل iPhone 13"],
    "apple": ["گوشی موبایل اپل مدل iPhone 13"],
    "اکو": ["کفش ورزشی اکو کد 177"],
    "لگو": ["ماشین کنترلی لگو"],
    "نشر چشمه": ["کتاب بوف کور اثر صادق هدایت"],
    "چشمه": ["کتاب بوف کور اثر صادق هدایت"],
}


def test_a_brand_typed_ranks_its_products_above_words_holding_it():
    brand_catalog()

    for query, expected in BRAND_QUERIES.items():
        assert titles(query)[: len(expected)] == expected, query
    # «اپل» across «لپ‌تاپ لنوو» is no title hit: below «ناپلئون», which holds it in one word
    assert titles("اپل")[1:] == [
        f"کتاب دایی{ZWNJ}جان ناپلئون اثر ایرج پزشکزاد",
        f"لپ{ZWNJ}تاپ لنوو مدل ThinkPad E14",
    ]


def test_half_spaces_still_find_and_rank_a_word_typed_as_one():
    brand_catalog()
    factories.product("کیف چرمی کد لپتاپی")  # «لپتاپ» inside a word: after the laptops

    for query in ("لپتاپ", "لپ تاپ", f"لپ{ZWNJ}تاپ", "لپتاپ لنوو", "لپ تاپ لنوو"):
        assert titles(query)[0] == f"لپ{ZWNJ}تاپ لنوو مدل ThinkPad E14", query


def test_word_patterns_read_the_same_in_python_and_the_database():
    """The word-start and whole-word patterns go to PostgreSQL's `~`, SQLite's REGEXP and
    the in-memory index's `re`: plain letters, optional spaces, escaped punctuation."""
    import re

    assert re.search(search.start_pattern("لپتاپ"), "کیف لپ تاپ")
    assert not re.search(search.start_pattern("اپل"), "لپ تاپ لنوو")
    assert re.search(search.whole_pattern("لگو"), "لگو ساختنی")
    assert not re.search(search.whole_pattern("لگو"), "لگوها")
    assert not re.search(search.start_pattern("128"), "1 28 گیگ")  # no space in a number
    assert re.search(search.start_pattern("a.b+c"), "x a.b+c") and not re.search(
        search.start_pattern("a.b"), "axb"
    )
    factories.product("کابل a.b+c مدل (2)")
    assert titles("a.b+c") == ["کابل a.b+c مدل (2)"]
    assert titles("(2)") == ["کابل a.b+c مدل (2)"]


def test_the_index_finds_word_starts_as_the_patterns_do():
    """search_index walks the words instead of running the pattern per product: the same
    positions, on random texts of a few short words, digits among them."""
    import random
    import re
    from datetime import datetime

    from metavast.catalog.search_index import SearchIndex

    rng = random.Random(24)
    pieces = ["لپ", "تاپ", "اپل", "لنوو", "ل", "پ", "12", "8", "1", "ab", "a", "b", "لپتاپ"]
    texts = [" ".join(rng.choices(pieces, k=rng.randint(0, 6))) for _ in range(300)]
    rows = [
        (n + 1, True, 0, datetime(2026, 1, 1), 100, None, 1, "", "", text, "")
        for n, text in enumerate(texts)
    ]
    index = SearchIndex.build(rows, [])
    queries = {"".join(rng.choices(pieces, k=rng.randint(1, 3))) for _ in range(200)}
    for word in queries:
        starts, whole = index.word_starts(word)
        start_re, whole_re = (
            re.compile(search.start_pattern(word)),
            re.compile(search.whole_pattern(word)),
        )
        assert starts == {p for p, t in enumerate(texts) if start_re.search(t)}, word
        assert whole == {p for p, t in enumerate(texts) if whole_re.search(t)}, word
