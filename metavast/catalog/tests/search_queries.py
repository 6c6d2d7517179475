"""The search query set: what shoppers type, and which products must come first.

Each entry is (query, expected, kind). `expected` names the products by their titles: pieces
of the title (compared after `compact`, so spacing and digits do not matter) joined with "+"
(all must be in the title) and alternatives with "|" (any of them). A query passes when the
first min(10, number of such products) results are all such products, so the named products
fill the top of the first page; the demo catalog and the 100k bench catalog share titles, so
the same set runs on both.

Kinds: cross (cross-script brand and model names), typo (misspellings), extra (words the
catalog does not know), digits (Persian and Latin digits), zwnj (half-spaces and split words),
category (category and common words), brand (a brand typed: its products first, not those whose
compact key holds the word inside or across other words, «اپل» in «لپتاپلنوو», «اکو» in
«هاکوپیان»), plain (what already worked: a guard).
"""

QUERIES: list[tuple[str, str, str]] = [
    # --- cross-script: Persian script for Latin titles, Latin for Persian ones
    ("آیفون ۱۳", "iphone13", "cross"),
    ("آیفون 13", "iphone13", "cross"),
    ("ایفون ۱۳", "iphone13", "cross"),
    ("آیفون", "iphone", "cross"),
    ("گوشی آیفون", "iphone", "cross"),
    ("آیفون ۱۵ پرو", "iphone15pro", "cross"),
    ("آیفون ۱۵", "iphone15", "cross"),
    ("گلکسی", "galaxy", "cross"),
    ("گلکسی a55", "galaxya55", "cross"),
    ("گلکسی A35", "galaxya35", "cross"),
    ("گلکسی S24", "galaxys24", "cross"),
    ("سامسونگ گلکسی", "galaxy", "cross"),
    ("ردمی", "redmi", "cross"),
    ("ردمی نوت ۱۳", "redminote13", "cross"),
    ("ردمی نوت", "redminote", "cross"),
    ("پوکو", "poco", "cross"),
    ("پوکو x6", "pocox6", "cross"),
    ("شیائومی ۱۴", "xiaomi14", "cross"),
    ("مک بوک", "macbook", "cross"),
    ("مکبوک", "macbook", "cross"),
    ("مک‌بوک پرو", "macbookpro", "cross"),
    ("مک بوک ایر", "macbookair", "cross"),
    ("تینک پد", "thinkpad", "cross"),
    ("تینکپد", "thinkpad", "cross"),
    ("ویووبوک", "vivobook", "cross"),
    ("ویکتوس", "victus", "cross"),
    ("پاویلیون", "pavilion", "cross"),
    ("پروبوک", "probook", "cross"),
    ("لیجن", "legion", "cross"),
    ("samsung", "سامسونگ", "cross"),
    ("Samsung Galaxy", "galaxy", "cross"),
    ("xiaomi", "شیائومی", "cross"),
    ("apple", "اپل", "cross"),
    ("apple watch", "اپل+watch", "cross"),
    ("lenovo", "لنوو", "cross"),
    ("asus laptop", "ایسوس", "cross"),
    ("hp laptop", "اچپی", "cross"),
    ("sony", "سونی", "cross"),
    ("jbl", "جیبیال", "cross"),
    ("anker", "انکر", "cross"),
    ("nokia", "نوکیا", "cross"),
    ("nokia 105", "نوکیا+105", "cross"),
    ("lego", "لگو", "cross"),
    ("nike", "نایکی", "cross"),
    ("adidas", "آدیداس", "cross"),
    ("ikea", "ایکیا", "cross"),
    ("bosch", "بوش", "cross"),
    ("nivea", "نیوآ", "cross"),
    ("ketab", "کتاب", "cross"),
    ("hafez", "حافظ", "cross"),
    ("divan hafez", "دیوانحافظ", "cross"),
    ("khayyam", "خیام", "cross"),
    ("shahnameh", "شاهنامه", "cross"),
    ("golestan", "گلستان", "cross"),
    ("bustan", "بوستان", "cross"),
    ("kelidar", "کلیدر", "cross"),
    ("kimiagar", "کیمیاگر", "cross"),
    ("masnavi", "مثنوی", "cross"),
    # --- misspellings
    ("لبتاپ", "لپتاپ", "typo"),
    ("لب تاپ", "لپتاپ", "typo"),
    ("لپطاپ", "لپتاپ", "typo"),
    ("لبتاب", "لپتاپ", "typo"),
    ("سامسوگ", "سامسونگ", "typo"),
    ("سامصونگ", "سامسونگ", "typo"),
    ("سامسنگ", "سامسونگ", "typo"),
    ("گوشی سامسوگ", "گوشی+سامسونگ", "typo"),
    ("شیاعومی", "شیائومی", "typo"),
    ("شیاومی", "شیائومی", "typo"),
    ("نوکیاا", "نوکیا", "typo"),
    ("هدفن", "هدفون|هندزفری|ایربادز", "typo"),
    ("هدفون بیسیم", "هدفونبیسیم", "typo"),
    ("هندزفیری", "هندزفری|هدفون|ایربادز", "typo"),
    ("کطاب بوف کور", "بوفکور", "typo"),
    ("کتاپ", "کتاب", "typo"),
    ("دیوان حافز", "دیوانحافظ", "typo"),
    ("شاهنامع", "شاهنامه", "typo"),
    ("ساعت هوشمن", "ساعتهوشمند", "typo"),
    ("مبل راحطی", "مبلراحتی", "typo"),
    ("تبلط", "تبلت", "typo"),
    ("ماهیطابه", "ماهیتابه", "typo"),
    ("کطری برقی", "کتریبرقی", "typo"),
    ("سماور برغی", "سماوربرقی", "typo"),
    ("صندلی اداری", "صندلیاداری", "typo"),
    ("جامدادى", "جامدادی", "typo"),
    ("پازل هزار تیکه", "پازل", "typo"),
    ("مکعب روبیگ", "روبیک", "typo"),
    ("عروسک پولیشى", "عروسکپولیشی", "typo"),
    ("شامپو گیاحی", "شامپوگیاهی", "typo"),
    ("ضد افتاب", "ضدآفتاب", "typo"),
    ("مسواک برغی", "مسواکبرقی", "typo"),
    ("کاپشن زمستونی", "کاپشن", "typo"),
    ("شلوار جین", "شلوارجین", "typo"),
    ("کیمیاگار", "کیمیاگر", "typo"),
    ("کیمیاگر کوئیلو", "کیمیاگر", "plain"),
    ("رباعیات خیم", "رباعیات", "typo"),
    ("مثنوی معنوى", "مثنوی", "typo"),
    ("شازده کوچلو", "شازدهکوچولو", "typo"),
    ("ماهی سیاه کوچلو", "ماهیسیاه", "typo"),
    ("ایرپادز", "ایربادز", "typo"),
    ("فرش ماشینى", "فرشماشینی", "typo"),
    # --- extra words the catalog does not know
    ("گوشی ارزان", "گوشی", "extra"),
    ("گوشی ارزون", "گوشی", "extra"),
    ("بهترین لپ تاپ", "لپتاپ", "extra"),
    ("خرید کتاب بوف کور", "بوفکور", "extra"),
    ("قیمت آیفون ۱۳", "iphone13", "extra"),
    ("کفش ورزشی اصل", "کفشورزشی", "extra"),
    ("cheap samsung", "سامسونگ", "extra"),
    ("best laptop", "لپتاپ", "extra"),
    ("original nike", "نایکی", "extra"),
    ("buy lego", "لگو", "extra"),
    ("price iphone 13", "iphone13", "extra"),
    ("هدفون ارزون قیمت", "هدفون|هندزفری|ایربادز", "extra"),
    ("فرش ماشینی ارزان", "فرشماشینی", "extra"),
    ("خرید گوشی سامسونگ اورجینال", "گوشی+سامسونگ", "extra"),
    ("یک کتری برقی خوب", "کتریبرقی", "extra"),
    ("کتاب برای بچه ها", "بچههایخوب", "extra"),
    ("لپ تاپ برای دانشجو", "لپتاپ", "extra"),
    ("ساعت هوشمند با کیفیت", "ساعتهوشمند", "extra"),
    ("مانتو تابستانی زنانه شیک", "مانتوتابستانی", "extra"),
    ("توپ فوتبال فیفا", "توپفوتبال", "extra"),
    # --- Persian and Latin digits
    ("۱۲۸ گیگ", "128|۱۲۸", "digits"),
    ("گوشی ۲۵۶ گیگابایت", "گوشی+256", "digits"),
    ("گوشی 256 گیگابایت", "گوشی+256", "digits"),
    ("تبلت 64", "تبلت+64", "digits"),
    ("تبلت ۶۴ گیگ", "تبلت+64", "digits"),
    ("فرش ۱۲۰۰ شانه", "فرش+1200", "digits"),
    ("فرش 1200 شانه", "فرش+1200", "digits"),
    ("پازل ۱۰۰۰ تکه", "پازل1000", "digits"),
    ("پازل 1000 تکه", "پازل1000", "digits"),
    ("دمبل ۵ کیلویی", "دمبل", "digits"),
    ("دفتر 100 برگ", "دفتر100", "digits"),
    ("مداد رنگی 24 رنگ", "مدادرنگی", "digits"),
    ("چادر مسافرتی 4 نفره", "چادرمسافرتی", "digits"),
    ("میز ناهارخوری 6 نفره", "میزناهارخوری", "digits"),
    ("لگو ۵۰۰ قطعه", "لگوساختنی", "digits"),
    ("iphone ۱۳", "iphone13", "digits"),
    ("ردمی نوت 13", "redminote13", "digits"),
    ("ضدآفتاب spf۵۰", "ضدآفتاب", "digits"),
    ("سرویس قابلمه ۱۰ پارچه", "سرویسقابلمه", "digits"),
    ("galaxy a۱۵", "galaxya15", "digits"),
    # --- half-spaces and split words
    ("لپ‌تاپ ایسوس", "لپتاپ+ایسوس", "zwnj"),
    ("لپ تاپ", "لپتاپ", "zwnj"),
    ("لپتاپ", "لپتاپ", "zwnj"),
    ("لپتاپ لنوو", "لپتاپ+لنوو", "zwnj"),
    ("کوله‌پشتی", "کولهپشتی", "zwnj"),
    ("کوله پشتی", "کولهپشتی", "zwnj"),
    ("کولهپشتی کوهنوردی", "کولهپشتیکوهنوردی", "zwnj"),
    ("ریش‌تراش", "ریشتراش", "zwnj"),
    ("ریش تراش", "ریشتراش", "zwnj"),
    ("چای ساز", "چایساز", "zwnj"),
    ("آبمیوه گیری", "آبمیوهگیری", "zwnj"),
    ("کرم مرطوب کننده", "کرممرطوبکننده", "zwnj"),
    ("مبل سه‌نفره", "مبلراحتیسهنفره", "zwnj"),
    ("تی شرت", "تیشرت", "zwnj"),
    ("تیشرت نخی", "تیشرتنخی", "zwnj"),
    ("ماژیک وایتبرد", "ماژیک", "zwnj"),
    ("آنچه میخواهم باشم", "آنچهمیخواهمباشم", "zwnj"),
    ("چشمهایش", "چشمهایش", "zwnj"),
    ("دایی جان ناپلئون", "داییجانناپلئون", "zwnj"),
    ("اچ پی", "اچپی", "zwnj"),
    ("جی بی ال", "جیبیال", "zwnj"),
    ("پیراهن آستین بلند", "پیراهنآستینبلند", "zwnj"),
    # --- category and common words
    ("گوشی", "گوشی", "category"),
    ("موبایل", "گوشی", "category"),
    ("گوشی موبایل", "گوشی", "category"),
    ("تلفن همراه", "گوشی", "category"),
    ("گوشی سامسونگ", "گوشی+سامسونگ", "category"),
    ("گوشی اپل", "iphone", "category"),
    ("کتاب شعر", "حافظ|سعدی|شاهنامه|مثنوی|خیام|هشتکتاب", "category"),
    ("شعر", "حافظ|سعدی|شاهنامه|مثنوی|خیام|هشتکتاب", "category"),
    ("کتاب کودک", "گروهنویسندگان", "category"),
    ("رمان", "کتاب", "category"),
    ("لوازم تحریر", "دفتر|خودکار|مداد|ماژیک|جامدادی", "category"),
    ("ساعت هوشمند", "ساعتهوشمند", "category"),
    ("هدفون", "هدفون|هندزفری|ایربادز", "category"),
    ("هندزفری", "هندزفری|هدفون|ایربادز", "category"),
    ("تبلت", "تبلت", "category"),
    ("فرش", "فرش", "category"),
    ("میز", "میز", "category"),
    ("کفش", "کفش", "category"),
    ("اسباب بازی", "لگو|پازل|ماشینکنترلی|عروسک|روبیک", "category"),
    ("لوازم آشپزخانه", "کتری|چایساز|آبمیوه|ماهیتابه|سماور|قابلمه", "category"),
    ("پوشاک مردانه", "پیراهن|شلوار|تیشرت|کاپشن", "category"),
    ("مانتو", "مانتو", "category"),
    ("شامپو", "شامپو", "category"),
    ("کتاب حافظ", "حافظ", "category"),
    ("کتاب سعدی", "سعدی", "category"),
    # --- a brand typed: its own products first (expected pieces the other brands' lack)
    ("اپل", "اپلمدل", "brand"),
    ("apple", "اپلمدل", "brand"),
    ("لپ تاپ اپل", "macbook", "brand"),
    ("گوشی اپل", "iphone", "brand"),
    ("اکو", "اکوکد", "brand"),
    ("ecco", "اکوکد", "brand"),
    ("کفش اکو", "کفش+اکوکد", "brand"),
    ("لگو", "کنترلیلگو|پولیشیلگو", "brand"),
]


def is_expected(title: str, expected: str) -> bool:
    from metavast.core.text import compact

    return _expected_key(compact(title), expected)


def _expected_key(key: str, expected: str) -> bool:
    from metavast.core.text import compact

    return any(
        all(compact(part) in key for part in option.split("+")) for option in expected.split("|")
    )


def evaluate(titles_of_catalog: list[str], search) -> dict:
    """Run the query set. `search(query)` returns the titles of the first page, in order.

    precision@10: the share of the first min(10, results) titles that are expected products,
    averaged over the queries; found: the share of queries with an expected product in the
    top ten; passed: the queries whose top min(10, expected products in the catalog) are all
    expected products."""
    from metavast.core.text import compact

    keys = [compact(t) for t in titles_of_catalog]
    rows = []
    for query, expected, kind in QUERIES:
        relevant = 0
        for key in keys:  # only "at least ten" matters: stop there (100k titles)
            if _expected_key(key, expected):
                relevant += 1
                if relevant >= 10:
                    break
        top = search(query)[:10]
        good = [is_expected(t, expected) for t in top]
        need = min(10, relevant)
        rows.append(
            {
                "query": query,
                "kind": kind,
                "relevant": relevant,
                "precision": (sum(good) / len(top)) if top else 0.0,
                "found": any(good),
                "passed": relevant > 0 and len(top) >= need and all(good[:need]),
                "top": top[:3],
            }
        )
    n = len(rows)
    return {
        "queries": n,
        "passed": sum(r["passed"] for r in rows),
        "pass_share": sum(r["passed"] for r in rows) / n,
        "precision_at_10": sum(r["precision"] for r in rows) / n,
        "found_share": sum(r["found"] for r in rows) / n,
        "failures": [r for r in rows if not r["passed"]],
    }
