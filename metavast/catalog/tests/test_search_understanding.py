"""Sound keys, the typo distance, and what `search.understand` makes of a query."""

import random

import pytest

from metavast.catalog import listing, search
from metavast.catalog.models import Product, SearchSynonym
from metavast.catalog.search_phonetic import (
    _CONFUSED,
    _SOFT_LETTERS,
    CONFUSED_COST,
    SOFT_COST,
    sound_key,
    typo_distance,
)
from metavast.catalog.search_synonyms import search_synonym_delete, search_synonym_save
from metavast.catalog.search_vocabulary import Vocabulary, vocabulary
from metavast.catalog.tests import factories


@pytest.mark.parametrize(
    ("persian", "latin", "key"),
    [
        ("آیفون", "iphone", "FN"),
        ("گلکسی", "galaxy", "GLKS"),
        ("لپتاپ", "laptop", "LPTP"),
        ("ردمی", "redmi", "RDM"),
        ("نوت", "note", "NT"),
        ("سامسونگ", "samsung", "SMSNG"),
        ("شاهنامه", "shahnameh", "ŠHNM"),
        ("تینکپد", "thinkpad", "TNKPD"),
        ("لیجن", "legion", "LJN"),
        ("کتاب", "ketab", "KTB"),
    ],
)
def test_both_scripts_share_a_sound_key(persian, latin, key):
    assert sound_key(persian) == key
    assert sound_key(latin) == key


def test_unrelated_words_have_other_keys():
    assert sound_key("سامسونگ") != sound_key("سونی")
    assert sound_key("iphone") != sound_key("ipad")


def test_confused_persian_letters_cost_less_than_other_edits():
    assert typo_distance("لبتاپ", "لپتاپ") == pytest.approx(0.4)  # ب/پ
    assert typo_distance("کطاب", "کتاب") == pytest.approx(0.4)  # ت/ط
    assert typo_distance("سامصونگ", "سامسونگ") == pytest.approx(0.4)  # س/ص
    assert typo_distance("شیاومی", "شیایومی") == pytest.approx(0.5)  # a dropped ی
    assert typo_distance("کماب", "کتاب") == pytest.approx(1.0)  # م for ت: a plain typo
    assert typo_distance("سامسنگ", "سامسونگ") == pytest.approx(0.5)  # dropped و
    assert typo_distance("کتاب", "کتاب") == 0
    assert typo_distance("کتاب", "زرافهها", limit=1.0) > 1.0


def test_vocabulary_corrects_only_to_close_words_of_the_same_script():
    vocab = Vocabulary.build(["لپتاپ", "laptop", "سامسونگ", "کتاب", "کتری"], [])
    assert vocab.closest("لبتاپ") == "لپتاپ"
    assert vocab.closest("سامسوگ") == "سامسونگ"
    assert vocab.closest("کطاب") == "کتاب"
    assert vocab.closest("زرافه") is None
    assert vocab.closest("lptop") == "laptop"
    assert vocab.sounds_like("لپطاپ") == ["laptop", "لپتاپ"]  # other script first


def test_synonym_groups_are_symmetric_and_compact():
    vocab = Vocabulary.build([], [["گوشی", "موبایل", "تلفن همراه"]])
    assert vocab.synonyms("موبایل") == ["گوشی", "تلفنهمراه"]
    assert vocab.synonyms("تلفنهمراه") == ["گوشی", "موبایل"]
    assert vocab.synonyms("کتاب") == []


@pytest.mark.django_db
def test_persian_script_finds_a_latin_model_name_nobody_listed():
    brand = factories.brand(name="اپل", latin="Apple")
    factories.product("گوشی موبایل اپل مدل iPhone 13 ظرفیت 128 گیگابایت", brand=brand)
    factories.product("گوشی موبایل اپل مدل iPhone 15 ظرفیت 128 گیگابایت", brand=brand)
    assert not SearchSynonym.objects.exists()

    understanding = search.understand("آیفون ۱۳")
    qs = search.by_relevance(search.matching(Product.objects.visible(), understanding))

    assert [p.typed for p in understanding.pieces] == ["آیفون", "13"]
    assert "iphone" in understanding.pieces[0].alternatives
    assert not understanding.is_corrected  # another script is not a typo
    assert list(qs.values_list("title", flat=True)) == [
        "گوشی موبایل اپل مدل iPhone 13 ظرفیت 128 گیگابایت"
    ]


@pytest.mark.django_db
def test_latin_query_finds_a_persian_title():
    factories.product("کتاب دیوان حافظ")
    factories.product("کتاب بوف کور")
    result = listing.browse(listing.Filters(query="hafez", sort="relevance"))
    assert [i["title"] for i in result.items] == ["کتاب دیوان حافظ"]


@pytest.mark.django_db
def test_a_misspelling_is_corrected_and_said():
    factories.product("لپ‌تاپ ایسوس مدل VivoBook 15")
    factories.product("کتاب بوف کور")

    result = listing.browse(listing.Filters(query="لبتاپ", sort="relevance"))

    assert [i["title"] for i in result.items] == ["لپ‌تاپ ایسوس مدل VivoBook 15"]
    assert result.corrected_query == "لپ‌تاپ"  # as the catalog writes it, not its key
    assert result.fuzzy is True


@pytest.fixture
def misspelt_shop():
    xiaomi = factories.brand(name="شیائومی", latin="Xiaomi")
    lc = factories.brand(name="ال‌سی‌وایکیکی", latin="LC Waikiki")
    factories.product("گوشی موبایل شیائومی مدل Redmi Note 13", brand=xiaomi)
    factories.product("بلوز آستین‌بلند ال‌سی‌وایکیکی کد 391", brand=lc)
    factories.product("کتاب قصه‌های خوب برای بچه‌های خوب")
    factories.product("کیف چرمی دوشی کد 800")
    factories.product("شلوار پارچه‌ای هاکوپیان کد 160")


@pytest.mark.django_db
def test_a_correction_is_a_whole_catalog_word_shown_as_the_catalog_writes_it(misspelt_shop):
    """QA: «شیاعومی» said «منظور شما «شیایومی» بود؟» (the key, not «شیائومی»); «هواوی», a
    brand the shop does not sell, became the fragment «های», «ال جی» became «السی» and «آیف»
    became «کیف», each listing unrelated products."""
    result = listing.browse(listing.Filters(query=search.clean_query("شیاعومی"), sort="relevance"))
    assert result.corrected_query == "شیائومی"
    assert [i["title"] for i in result.items] == ["گوشی موبایل شیائومی مدل Redmi Note 13"]

    for query in ("هواوی", "ال جی", "آیف"):
        result = listing.browse(listing.Filters(query=search.clean_query(query), sort="relevance"))
        assert (result.count, result.corrected_query) == (0, ""), query
        assert result.is_miss, query


@pytest.mark.django_db
def test_corrections_need_most_letters_kept_and_never_a_stop_word(misspelt_shop):
    vocab = vocabulary()
    assert vocab.closest("هواوی") is None  # «های»: a stop word, two letters short
    assert vocab.closest("الجی") is None  # «السی»: a whole letter of four changed
    assert vocab.closest("آیف") is None  # «کیف»: a whole letter of three changed
    assert vocab.closest("کطاب") == "کتاب"  # a confused letter pair is still a typo
    assert vocab.closest("شلوارر") == "شلوار"  # and a letter too many in a longer word


@pytest.mark.django_db
def test_unknown_words_are_dropped_not_emptying_the_result():
    factories.product("گوشی موبایل سامسونگ", on_hand=3)
    factories.product("کتاب بوف کور", on_hand=3)

    for query in ("گوشی ارزان", "cheap گوشی", "خرید گوشی اصل", "گوشی فلان‌بهمان"):
        result = listing.browse(listing.Filters(query=search.clean_query(query), sort="relevance"))
        assert [i["title"] for i in result.items] == ["گوشی موبایل سامسونگ"], query
        assert result.ignored, query
    only_noise = listing.browse(listing.Filters(query="ارزان", sort="relevance"))
    assert only_noise.count == 0


@pytest.mark.django_db
def test_ranking_title_over_brand_over_specs_and_out_of_stock_last():
    storage = factories.attribute(name="توضیح", slug="note", filterable=False)
    brand = factories.brand(name="سونی", latin="Sony")
    factories.product("هدفون مدل A", specs=[(storage, "سونی")], on_hand=5)  # spec only
    factories.product("هدفون مدل B", brand=brand, on_hand=5)  # brand
    factories.product("هدفون سونی مدل C", on_hand=5)  # title
    factories.product("هدفون سونی مدل D", on_hand=0)  # title, sold out

    result = listing.browse(listing.Filters(query="سونی", sort="relevance"))

    assert [i["title"] for i in result.items] == [
        "هدفون سونی مدل C",
        "هدفون مدل B",
        "هدفون مدل A",
        "هدفون سونی مدل D",
    ]


@pytest.mark.django_db
def test_no_product_with_every_word_shows_those_with_most():
    factories.product("گوشی موبایل سامسونگ", on_hand=2)
    factories.product("کتاب بوف کور", on_hand=2)

    result = listing.browse(listing.Filters(query="گوشی کور سامسونگ", sort="relevance"))

    assert result.partial is True
    assert [i["title"] for i in result.items] == ["گوشی موبایل سامسونگ", "کتاب بوف کور"]
    assert result.count == 2


@pytest.mark.django_db(transaction=True)
def test_staff_synonym_takes_effect_on_the_next_search_and_is_removed_again():
    factories.product("گوشی موبایل نوکیا")

    def titles(query):
        return [i["title"] for i in listing.browse(listing.Filters(query=query)).items]

    assert titles("تلفن همراه") == []
    synonym = search_synonym_save(phrase="تلفن همراه", equivalents="گوشی، موبایل")
    assert titles("تلفن همراه") == ["گوشی موبایل نوکیا"]
    assert titles("تلفن‌همراه") == ["گوشی موبایل نوکیا"]
    search_synonym_delete(synonym=synonym)
    assert titles("تلفن همراه") == []


@pytest.mark.django_db
def test_search_queries_are_constant(django_assert_max_num_queries):
    factories.product("گوشی موبایل سامسونگ مدل Galaxy A15")
    listing.browse(listing.Filters(query="گوشی"))  # loads the vocabulary once
    for query in ("آیفون", "گوشی سامسونگ گلکسی a15 مشکی ارزان", "لبتاپ ایسوس ۱۲۸ زرافه"):
        with django_assert_max_num_queries(4):
            listing.browse(listing.Filters(query=search.clean_query(query), sort="relevance"))


def _plain_typo_distance(a: str, b: str, *, limit: float = 3.0) -> float:
    """The weighted Damerau-Levenshtein distance written plainly, to check the fast one."""

    def indel(ch):
        return SOFT_COST if ch in _SOFT_LETTERS else 1.0

    def substitution(x, y):
        return 0.0 if x == y else CONFUSED_COST if (x, y) in _CONFUSED else 1.0

    if abs(len(a) - len(b)) > limit * 2:
        return limit + 1
    previous2: list[float] = []
    previous = [0.0]
    for ch in b:
        previous.append(previous[-1] + indel(ch))
    for i in range(1, len(a) + 1):
        current = [previous[0] + indel(a[i - 1])]
        for j in range(1, len(b) + 1):
            cost = min(
                previous[j] + indel(a[i - 1]),
                current[j - 1] + indel(b[j - 1]),
                previous[j - 1] + substitution(a[i - 1], b[j - 1]),
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cost = min(cost, previous2[j - 2] + 0.7)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def test_the_typo_distance_equals_the_plain_one_exactly():
    rng = random.Random(14)
    letters = "ابپتثجچحخدزسشصطظعغفقکگلمنوهیآئ" + "ckisyz"
    for _ in range(5000):
        a = "".join(rng.choice(letters) for _ in range(rng.randint(0, 8)))
        b = list(a)
        for _ in range(rng.randint(0, 3)):  # a near word: a few edits of every kind
            k = rng.randrange(len(b) + 1)
            edit = rng.randrange(4)
            if edit == 0 and k < len(b):
                b[k] = rng.choice(letters)
            elif edit == 1:
                b.insert(k, rng.choice("اآویتطسص"))
            elif edit == 2 and k < len(b):
                del b[k]
            elif edit == 3 and k + 1 < len(b):
                b[k], b[k + 1] = b[k + 1], b[k]
        b = "".join(b) if rng.random() < 0.7 else "".join(rng.sample(letters, rng.randint(0, 8)))
        limit = rng.choice([1.0, 2.0, 3.0])
        assert typo_distance(a, b, limit=limit) == _plain_typo_distance(a, b, limit=limit), (a, b)


def test_has_close_answers_what_closest_does_and_both_are_remembered():
    terms = ["لپتاپ", "laptop", "سامسونگ", "کتاب", "کتری", "گوشی", "شیائومی", "هدفون"]
    asked = ["لبتاپ", "سامسوگ", "کطاب", "زرافه", "lptop", "گوشیس", "گوشیسا", "هدفونب", "کتا"]
    plain = Vocabulary.build(terms, [])
    expected = {w: plain.closest(w) is not None for w in asked}
    assert any(expected.values()) and not all(expected.values())

    fresh = Vocabulary.build(terms, [])
    assert {w: fresh.has_close(w) for w in asked} == expected
    assert {w: fresh.has_close(w) for w in asked} == expected  # from the memo
    assert {w: fresh.closest(w) for w in asked} == {w: plain.closest(w) for w in asked}
    assert set(fresh._has_close) == {w for w in asked if len(w) >= 3}
