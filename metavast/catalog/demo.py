"""The demo catalog: ~20 categories, ~300 products with Persian titles, brands, specifications,
variants and images drawn locally with Pillow; or, with `products=N`, a benchmark catalog of N
products made with bulk inserts.

Idempotent: categories, brands and attributes are upserted by slug, products are created only
when their slug is new. Everything is generated from a fixed random seed, so two runs build
the same store. Spellings are deliberately mixed (Persian and Latin digits, half-spaces) the
way real catalogs are, so search has something to normalise.
"""

from __future__ import annotations

import colorsys
import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from metavast.catalog.models import Brand, Category, Product, SearchTerm
from metavast.catalog.search import remember_terms
from metavast.catalog.search_synonyms import seed_synonyms
from metavast.catalog.services.bulk import ProductDraft, VariantDraft, products_bulk_load
from metavast.catalog.services.images import renditions_of, store_renditions
from metavast.catalog.services.products import attribute_upsert, brand_upsert, category_create
from metavast.core.text import to_persian_digits

DEMO_PRODUCTS = 300
SEED = 1404
IMAGES_PER_CATEGORY = 6  # the benchmark catalog reuses these for its extra products

# (slug, name, featured, children: [(slug, name)])
CATEGORIES = [
    (
        "digital",
        "کالای دیجیتال",
        True,
        [
            ("mobile", "گوشی موبایل"),
            ("laptop", "لپ‌تاپ"),
            ("tablet", "تبلت"),
            ("headphones", "هدفون و هندزفری"),
            ("smartwatch", "ساعت هوشمند"),
        ],
    ),
    (
        "books",
        "کتاب و لوازم تحریر",
        True,
        [
            ("novels", "رمان و داستان"),
            ("poetry", "شعر و ادبیات"),
            ("kids-books", "کتاب کودک"),
            ("stationery", "لوازم تحریر"),
        ],
    ),
    (
        "home",
        "خانه و آشپزخانه",
        True,
        [("furniture", "میز و مبلمان"), ("kitchen", "لوازم آشپزخانه"), ("rugs", "فرش و گلیم")],
    ),
    (
        "fashion",
        "مد و پوشاک",
        True,
        [("men", "پوشاک مردانه"), ("women", "پوشاک زنانه"), ("bags-shoes", "کیف و کفش")],
    ),
    ("sport", "ورزش و سفر", False, []),
    ("beauty", "زیبایی و سلامت", False, []),
    ("toys", "اسباب‌بازی", False, []),
]

# (slug, name, filterable)
ATTRIBUTES = [
    ("storage", "حافظهٔ داخلی", True),
    ("ram", "حافظهٔ رم", True),
    ("screen", "اندازهٔ صفحه‌نمایش", False),
    ("os", "سیستم‌عامل", True),
    ("cpu", "پردازنده", False),
    ("author", "نویسنده", True),
    ("translator", "مترجم", False),
    ("publisher", "ناشر", True),
    ("pages", "تعداد صفحه", False),
    ("material", "جنس", True),
    ("size", "ابعاد", False),
    ("warranty", "گارانتی", False),
    ("battery", "عمر باتری", False),
    ("connection", "نوع اتصال", True),
]

# brand name, latin name
BRANDS = {
    "mobile": [("سامسونگ", "Samsung"), ("اپل", "Apple"), ("شیائومی", "Xiaomi"), ("نوکیا", "Nokia")],
    "laptop": [("ایسوس", "ASUS"), ("لنوو", "Lenovo"), ("اچ‌پی", "HP"), ("اپل", "Apple")],
    "tablet": [("سامسونگ", "Samsung"), ("اپل", "Apple"), ("لنوو", "Lenovo")],
    "headphones": [("سونی", "Sony"), ("انکر", "Anker"), ("شیائومی", "Xiaomi"), ("جی‌بی‌ال", "JBL")],
    "smartwatch": [("سامسونگ", "Samsung"), ("اپل", "Apple"), ("شیائومی", "Xiaomi")],
    "novels": [("نشر چشمه", "Cheshmeh"), ("نشر ققنوس", "Ghoghnoos"), ("نشر مرکز", "Markaz")],
    "poetry": [("نشر سخن", "Sokhan"), ("امیرکبیر", "Amirkabir")],
    "kids-books": [("کانون پرورش فکری", "Kanoon"), ("نشر افق", "Ofogh")],
    "stationery": [("پارس‌پن", "ParsPen"), ("کنکو", "Kenko"), ("فابر-کاستل", "Faber-Castell")],
    "furniture": [("نیک‌چوب", "NikChoob"), ("ایکیا", "IKEA"), ("چوب‌آرا", "ChoobAra")],
    "kitchen": [("پارس‌خزر", "Pars Khazar"), ("بوش", "Bosch"), ("فلر", "Feller")],
    "rugs": [("فرش محتشم", "Mohtasham"), ("فرش سهند", "Sahand")],
    "men": [("هاکوپیان", "Hacoupian"), ("جین‌وست", "JeanWest")],
    "women": [("ال‌سی‌وایکیکی", "LC Waikiki"), ("هاکوپیان", "Hacoupian")],
    "bags-shoes": [("ملی", "Melli"), ("چرم مشهد", "Charm Mashhad"), ("اکو", "Ecco")],
    "sport": [("نایکی", "Nike"), ("آدیداس", "Adidas"), ("دکتلون", "Decathlon")],
    "beauty": [("سینره", "Cinere"), ("فیروز", "Firooz"), ("نیوآ", "Nivea")],
    "toys": [("لگو", "LEGO"), ("هاپو", "Hapoo"), ("زینگو", "Zingo")],
}

COLOURS = ["مشکی", "سفید", "آبی", "سبز", "نقره‌ای", "طلایی", "قرمز", "خاکستری"]
SIZES = ["S", "M", "L", "XL"]

MODELS = {
    "Samsung": ["Galaxy A15", "Galaxy A35", "Galaxy A55", "Galaxy S24", "Galaxy S24 Ultra"],
    "Apple": ["iPhone 13", "iPhone 14", "iPhone 15", "iPhone 15 Pro"],
    "Xiaomi": ["Redmi Note 13", "Redmi 13C", "Poco X6", "Xiaomi 14"],
    "Nokia": ["G22", "C32", "105"],
}
LAPTOPS = {
    "ASUS": ["VivoBook 15", "ZenBook 14", "TUF Gaming F15"],
    "Lenovo": ["IdeaPad Slim 3", "ThinkPad E14", "Legion 5"],
    "HP": ["Pavilion 15", "Victus 16", "ProBook 450"],
    "Apple": ["MacBook Air M2", "MacBook Pro M3"],
}
BOOKS = [
    ("بوف کور", "صادق هدایت", ""),
    ("سمفونی مردگان", "عباس معروفی", ""),
    ("کلیدر", "محمود دولت‌آبادی", ""),
    ("شازده کوچولو", "آنتوان دو سنت‌اگزوپری", "احمد شاملو"),
    ("کیمیاگر", "پائولو کوئیلو", "آرش حجازی"),
    ("صد سال تنهایی", "گابریل گارسیا مارکز", "بهمن فرزانه"),
    ("جنایت و مکافات", "فیودور داستایفسکی", "مهری آهی"),
    ("بینوایان", "ویکتور هوگو", "حسینقلی مستعان"),
    ("ملت عشق", "الیف شافاک", "ارسلان فصیحی"),
    ("آنچه می‌خواهم باشم", "مریم کاظمی", ""),
    ("سووشون", "سیمین دانشور", ""),
    ("چشم‌هایش", "بزرگ علوی", ""),
    ("دایی‌جان ناپلئون", "ایرج پزشکزاد", ""),
]
POETRY = [
    ("دیوان حافظ", "حافظ شیرازی"),
    ("گلستان سعدی", "سعدی شیرازی"),
    ("بوستان سعدی", "سعدی شیرازی"),
    ("شاهنامه فردوسی", "ابوالقاسم فردوسی"),
    ("مثنوی معنوی", "مولانا جلال‌الدین"),
    ("رباعیات خیام", "عمر خیام"),
    ("هشت کتاب", "سهراب سپهری"),
]
KIDS = ["قصه‌های خوب برای بچه‌های خوب", "کدو قلقله‌زن", "ماهی سیاه کوچولو", "حسنی نگو بلا بگو"]
FURNITURE = [
    ("میز تحریر", "چوب راش"),
    ("میز ناهارخوری ۶ نفره", "چوب گردو"),
    ("میز تلویزیون", "ام‌دی‌اف"),
    ("میز عسلی", "فلز و شیشه"),
    ("صندلی اداری", "پارچه و فلز"),
    ("کتابخانهٔ ۵ طبقه", "ام‌دی‌اف"),
    ("مبل راحتی سه‌نفره", "پارچه مخمل"),
]
KITCHEN = [
    "سرویس قابلمه ۱۰ پارچه",
    "کتری برقی",
    "چای‌ساز",
    "آبمیوه‌گیری",
    "ماهیتابه نچسب",
    "سماور برقی",
]
STATIONERY = ["دفتر ۱۰۰ برگ", "خودکار آبی", "مداد رنگی ۲۴ رنگ", "ماژیک وایت‌برد", "جامدادی"]
CLOTHES = {
    "men": ["پیراهن آستین‌بلند", "شلوار جین", "تی‌شرت نخی", "کاپشن زمستانی"],
    "women": ["مانتو تابستانی", "شال نخی", "شلوار پارچه‌ای", "بلوز آستین‌بلند"],
    "bags-shoes": ["کفش ورزشی", "کیف چرمی دوشی", "کوله‌پشتی", "کفش رسمی چرم"],
}
SPORT = ["توپ فوتبال", "کوله‌پشتی کوهنوردی", "چادر مسافرتی ۴ نفره", "دمبل ۵ کیلویی", "طناب ورزشی"]
BEAUTY = ["کرم مرطوب‌کننده", "ضدآفتاب SPF50", "شامپو گیاهی", "مسواک برقی", "ریش‌تراش"]
TOYS = ["لگو ساختنی ۵۰۰ قطعه", "پازل ۱۰۰۰ تکه", "ماشین کنترلی", "عروسک پولیشی", "مکعب روبیک"]
HEADPHONES = ["هدفون بی‌سیم", "هندزفری بلوتوثی", "هدفون گیمینگ", "ایربادز"]


@dataclass
class Refs:
    categories: dict[str, int]
    brands: dict[tuple[str, str], Brand]
    attributes: dict[str, int]


def _fa(n) -> str:
    return to_persian_digits(n)


@transaction.atomic
def seed_structure() -> Refs:
    """Categories, brands and attributes (upserts)."""
    categories: dict[str, int] = {}
    for position, (slug, name, featured, children) in enumerate(CATEGORIES):
        root = Category.objects.filter(slug=slug).first() or category_create(
            name=name, slug=slug, is_featured=featured, position=position
        )
        categories[slug] = root.pk
        for child_position, (child_slug, child_name) in enumerate(children):
            child = Category.objects.filter(slug=child_slug).first() or category_create(
                name=child_name, slug=child_slug, parent=root, position=child_position
            )
            categories[child_slug] = child.pk
    attributes = {
        slug: attribute_upsert(name=name, slug=slug, is_filterable=filterable, position=i).pk
        for i, (slug, name, filterable) in enumerate(ATTRIBUTES)
    }
    brands: dict[tuple[str, str], Brand] = {}
    for items in BRANDS.values():
        for name, latin in items:
            if (name, latin) not in brands:
                brand = Brand.objects.filter(name=name).first() or brand_upsert(
                    name=name, name_latin=latin, slug=latin.lower().replace(" ", "-")
                )
                brands[(name, latin)] = brand
    return Refs(categories=categories, brands=brands, attributes=attributes)


def _price(rng: random.Random, low: int, high: int) -> int:
    """A whole-thousand-Toman price in Rials."""
    return rng.randrange(low // 10_000, high // 10_000 + 1) * 10_000


def _variants(
    rng: random.Random, sku: str, base: int, axes: list[tuple[str, list[str]]]
) -> list[VariantDraft]:
    combos: list[list[tuple[str, str]]] = [[]]
    for name, values in axes:
        combos = [[*c, (name, v)] for c in combos for v in values]
    drafts = []
    for i, options in enumerate(combos[:6]):
        price = base + i * _price(rng, 0, base // 5 if base > 50_000 else 0)
        discounted = rng.random() < 0.3
        drafts.append(
            VariantDraft(
                sku=f"{sku}-{i + 1}",
                price=price,
                compare_at_price=price + _price(rng, price // 20, price // 4)
                if discounted
                else None,
                on_hand=rng.choice([0, 0, 1, 2, 3, 5, 8, 12, 20, 40]),
                options=options,
            )
        )
    return drafts


def _pick_brand(rng: random.Random, refs: Refs, slug: str) -> Brand:
    name, latin = rng.choice(BRANDS[slug])
    return refs.brands[(name, latin)]


def _spec(refs: Refs, slug: str, value: str) -> tuple[int, str]:
    return refs.attributes[slug], value


def _make(rng: random.Random, refs: Refs, slug: str, n: int) -> ProductDraft:
    brand = _pick_brand(rng, refs, slug)
    latin = brand.name_latin
    colours = rng.sample(COLOURS, rng.randint(1, 3))
    specs: list[tuple[int, str]] = []
    axes: list[tuple[str, list[str]]] = [("رنگ", colours)]
    description = ""
    if slug == "mobile":
        model = rng.choice(MODELS.get(latin, ["X1"]))
        storage = rng.choice([64, 128, 256, 512])
        ram = rng.choice([4, 6, 8, 12])
        # Half the titles use Persian digits, half Latin: search must find both.
        digits = _fa if n % 2 else str
        title = (
            f"گوشی موبایل {brand.name} مدل {model} ظرفیت {digits(storage)} گیگابایت"
            f" رم {digits(ram)} گیگابایت"
        )
        specs = [
            _spec(refs, "storage", f"{storage} گیگابایت"),
            _spec(refs, "ram", f"{_fa(ram)} گیگابایت"),
            _spec(refs, "screen", f"{_fa(rng.choice(['6.1', '6.5', '6.7']))} اینچ"),
            # Spec values are read in a filter: Persian names, «اندروید» not "android".
            _spec(refs, "os", "آی‌اواس" if latin == "Apple" else "اندروید"),
            _spec(refs, "warranty", "۱۸ ماهه"),
        ]
        base = _price(rng, 60_000_000, 900_000_000)
        description = f"گوشی {model} از {brand.name} با {digits(storage)} گیگابایت حافظه."
    elif slug == "laptop":
        model = rng.choice(LAPTOPS.get(latin, ["Book"]))
        ram = rng.choice([8, 16, 32])
        ssd = rng.choice([256, 512, 1024])
        cpu = rng.choice(["Core i5", "Core i7", "Ryzen 5", "Ryzen 7", "M2"])
        title = f"لپ‌تاپ {brand.name} مدل {model} پردازنده {cpu} رم {_fa(ram)} گیگابایت"
        specs = [
            _spec(refs, "ram", f"{ram} گیگابایت"),
            _spec(refs, "storage", f"{ssd} گیگابایت"),
            _spec(refs, "cpu", cpu),
            _spec(refs, "os", "مک‌اواس" if latin == "Apple" else "ویندوز ۱۱"),
            _spec(refs, "screen", f"{_fa(rng.choice([14, 15.6, 16]))} اینچ"),
        ]
        axes = [("رنگ", colours[:2])]
        base = _price(rng, 250_000_000, 1_500_000_000)
    elif slug == "tablet":
        storage = rng.choice([64, 128, 256])
        title = f"تبلت {brand.name} مدل Tab {rng.randint(7, 11)} ظرفیت {storage} گیگابایت"
        specs = [_spec(refs, "storage", f"{storage} گیگابایت"), _spec(refs, "os", "اندروید")]
        base = _price(rng, 80_000_000, 500_000_000)
    elif slug == "headphones":
        kind = rng.choice(HEADPHONES)
        title = f"{kind} {brand.name} مدل {latin[:2].upper()}{rng.randint(100, 999)}"
        specs = [
            _spec(refs, "connection", rng.choice(["بلوتوث", "سیمی", "بلوتوث و سیمی"])),
            _spec(refs, "battery", f"{_fa(rng.choice([20, 30, 40]))} ساعت"),
        ]
        base = _price(rng, 5_000_000, 120_000_000)
    elif slug == "smartwatch":
        title = f"ساعت هوشمند {brand.name} مدل Watch {rng.randint(3, 9)}"
        specs = [_spec(refs, "battery", f"{_fa(rng.choice([2, 7, 14]))} روز")]
        base = _price(rng, 20_000_000, 300_000_000)
    elif slug in ("novels", "poetry", "kids-books"):
        if slug == "novels":
            name, author, translator = rng.choice(BOOKS)
        elif slug == "poetry":
            (name, author), translator = rng.choice(POETRY), ""
        else:
            name, author, translator = rng.choice(KIDS), "گروه نویسندگان", ""
        edition = rng.randint(1, 40)
        title = f"کتاب {name} اثر {author} چاپ {_fa(edition)}"
        specs = [
            _spec(refs, "author", author),
            _spec(refs, "publisher", brand.name),
            _spec(refs, "pages", _fa(rng.randint(80, 900))),
        ]
        if translator:
            specs.append(_spec(refs, "translator", translator))
            title += f" ترجمه {translator}"
        axes = [("جلد", rng.sample(["شومیز", "گالینگور"], rng.randint(1, 2)))]
        base = _price(rng, 1_000_000, 12_000_000)
        description = f"«{name}» نوشتهٔ {author}، از انتشارات {brand.name}."
    elif slug == "stationery":
        title = f"{rng.choice(STATIONERY)} {brand.name}"
        base = _price(rng, 200_000, 3_000_000)
    elif slug == "furniture":
        kind, material = rng.choice(FURNITURE)
        title = f"{kind} {brand.name} مدل {rng.choice(['آرام', 'نگین', 'ساحل', 'البرز', 'کویر'])}"
        specs = [
            _spec(refs, "material", material),
            _spec(refs, "size", f"{_fa(rng.choice([80, 120, 160]))} × {_fa(60)} سانتی‌متر"),
        ]
        base = _price(rng, 30_000_000, 400_000_000)
    elif slug == "kitchen":
        title = f"{rng.choice(KITCHEN)} {brand.name} مدل {latin[:2].upper()}-{rng.randint(10, 99)}"
        specs = [_spec(refs, "warranty", "۲۴ ماهه")]
        base = _price(rng, 5_000_000, 150_000_000)
    elif slug == "rugs":
        density = rng.choice([700, 1000, 1200, 1500])
        title = f"فرش ماشینی {brand.name} {_fa(density)} شانه طرح {rng.choice(['افشان', 'کاشان', 'هریس', 'تبریز'])}"
        specs = [_spec(refs, "material", rng.choice(["اکریلیک", "پشم", "پلی‌استر"]))]
        axes = [("اندازه", rng.sample(["۶ متری", "۹ متری", "۱۲ متری"], 2))]
        base = _price(rng, 40_000_000, 300_000_000)
    elif slug in CLOTHES:
        title = f"{rng.choice(CLOTHES[slug])} {brand.name} کد {rng.randint(100, 999)}"
        specs = [_spec(refs, "material", rng.choice(["نخ", "جین", "چرم", "پلی‌استر"]))]
        axes = [("رنگ", colours[:2]), ("سایز", rng.sample(SIZES, 3))]
        base = _price(rng, 3_000_000, 80_000_000)
    else:
        pool = {"sport": SPORT, "beauty": BEAUTY, "toys": TOYS}[slug]
        title = f"{rng.choice(pool)} {brand.name}"
        base = _price(rng, 1_000_000, 60_000_000)
    sku = f"{slug[:3].upper()}{n:06d}"
    return ProductDraft(
        title=title,
        slug=f"{slug}-{n}",
        category_id=refs.categories[slug],
        brand_id=brand.pk,
        description=description or f"{title}، ساخت {brand.name}.",
        specs=specs,
        variants=_variants(rng, sku, base, axes),
        sold_count=int(rng.paretovariate(1.2) * 10),
        is_featured=rng.random() < 0.04,
    )


LEAVES = [
    "mobile",
    "laptop",
    "tablet",
    "headphones",
    "smartwatch",
    "novels",
    "poetry",
    "kids-books",
    "stationery",
    "furniture",
    "kitchen",
    "rugs",
    "men",
    "women",
    "bags-shoes",
    "sport",
    "beauty",
    "toys",
]


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: a small bitmap font still works
        return ImageFont.load_default()


def draw_image(label: str, hue: float, shape: int) -> Image.Image:
    """A product picture: a soft background, a coloured shape and Latin initials.

    Latin only: Pillow does not shape Persian letters (they would come out unjoined)."""
    size = 600
    r, g, b = (int(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.12, 0.97))
    image = Image.new("RGB", (size, size), (r, g, b))
    draw = ImageDraw.Draw(image)
    fr, fg, fb = (int(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.65, 0.8))
    box = (120, 120, 480, 480)
    if shape % 3 == 0:
        draw.ellipse(box, fill=(fr, fg, fb))
    elif shape % 3 == 1:
        draw.rounded_rectangle(box, radius=60, fill=(fr, fg, fb))
    else:
        draw.polygon([(300, 105), (495, 465), (105, 465)], fill=(fr, fg, fb))
    draw.text((300, 315), label[:4], font=_font(128), fill=(255, 255, 255), anchor="mm")
    return image


def _initials(draft: ProductDraft, refs: Refs) -> str:
    latin = next((b.name_latin for b in refs.brands.values() if b.pk == draft.brand_id), "")
    words = [w for w in latin.replace("-", " ").split() if w]
    return "".join(w[0] for w in words[:2]).upper() or "MV"


def _with_images(draft: ProductDraft, refs: Refs, hue: float, n: int) -> ProductDraft:
    label = _initials(draft, refs)
    for k in range(2 if n % 3 == 0 else 1):
        renditions = renditions_of(draw_image(label, (hue + k * 0.08) % 1, n + k))
        large, thumb = store_renditions(renditions)
        draft.images.append((large, thumb, renditions["width"], renditions["height"]))
    return draft


def demo_drafts(refs: Refs, count: int, *, existing: set[str]) -> Iterator[ProductDraft]:
    """The first `count` products; those among the first DEMO_PRODUCTS get their own images,
    later ones share their category's images."""
    rng = random.Random(SEED)  # noqa: S311 - demo data, reproducible on purpose
    pools: dict[str, list[tuple[str, str, int, int]]] = {}
    for n in range(1, count + 1):
        slug = LEAVES[(n - 1) % len(LEAVES)]
        draft = _make(rng, refs, slug, n)
        if draft.slug in existing:
            continue
        hue = LEAVES.index(slug) / len(LEAVES)
        if n <= DEMO_PRODUCTS or len(pools.get(slug, [])) < IMAGES_PER_CATEGORY:
            _with_images(draft, refs, hue, n)
            pools.setdefault(slug, []).extend(draft.images)
        else:
            pool = pools[slug]
            draft.images = [pool[n % len(pool)]]
        yield draft


def seed_catalog(*, products: int | None = None) -> dict:
    refs = seed_structure()
    count = DEMO_PRODUCTS if products is None else max(0, products)
    existing = set(Product.objects.values_list("slug", flat=True))
    created = products_bulk_load(drafts=demo_drafts(refs, count, existing=existing))
    if existing and not SearchTerm.objects.exists():  # a catalog seeded before the vocabulary
        remember_terms(Product.objects.values_list("search_words", flat=True).iterator())
    seed_synonyms()
    return {
        "categories": len(refs.categories),
        "brands": len(refs.brands),
        "products_created": created,
        "products_total": Product.objects.count(),
    }
