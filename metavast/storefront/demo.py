"""Demo content for the embedded default. Idempotent: running it again changes nothing.

The privacy policy here states what this system actually does today; when a feature
that touches personal data lands, its paragraph is updated in the same change.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from metavast.storefront.services import page_upsert

PRIVACY_PRACTICE = """\
آنچه این سامانه امروز واقعاً انجام می‌دهد:

• گذرواژه‌ها با الگوریتم Argon2id درهم‌سازی می‌شوند و هرگز نمایش داده یا در گزارش‌ها ثبت نمی‌شوند. تلاش‌های پیاپی ناموفق برای ورود، کند و برای مدتی کوتاه قفل می‌شوند.
• شمارهٔ تلفن همراه و دیگر داده‌های شخصی حساس، رمزگذاری‌شده (AES با احراز اصالت) در پایگاه داده نگهداری می‌شوند و کلیدهای آن جدا از داده است.
• هر کار حساس کارکنان و کاربران (ورود، تغییر اطلاعات، دسترسی به داده‌ها) در دفتر رویدادنگاری غیرقابل‌تغییری ثبت می‌شود که با زنجیرهٔ درهم‌سازی مهروموم می‌شود.
• نشانی IP فقط برای رویدادهای امنیتی ثبت می‌شود و پس از {retention} روز پاک می‌شود.
• این سایت فقط کوکی‌های ضروری (نشست ورود و محافظت در برابر جعل درخواست) دارد؛ هیچ کوکی تبلیغاتی یا ابزار تحلیل شخص ثالث و هیچ اسکریپت یا قلمی از سرورهای دیگر بارگذاری نمی‌شود.
• گزارش‌های فنی سرور هیچ ایمیل، شماره تلفن یا کد ملی‌ای را نگه نمی‌دارند.
• تمام ارتباط با سایت از راه HTTPS است و کوکی‌ها فقط روی اتصال امن فرستاده می‌شوند.
• اطلاعات شخصی شما به هیچ شخص یا سازمانی داده نمی‌شود، مگر به حکم قانونی مراجع ذی‌صلاح.
"""

PAGES = [
    (
        "about",
        "دربارهٔ ما",
        "متاوست فروشگاهی اینترنتی است که می‌خواهد خریدی سریع، روشن و امن برای همهٔ ایرانیان فراهم کند.",
    ),
    (
        "terms",
        "قوانین و مقررات",
        "خرید از متاوست به معنای پذیرش این قوانین است. قیمت‌ها به تومان و شامل مالیات بر ارزش افزوده است. برای هر خرید فاکتور رسمی صادر می‌شود.",
    ),
    (
        "contact",
        "تماس با ما",
        "پشتیبانی متاوست: همه‌روزه ساعت ۹ تا ۲۱.\nتلفن: ۰۲۱-۹۱۰۰۰۰۰۰\nایمیل: support@metavast.ir",
    ),
]


def seed_pages() -> int:
    policy_path = (
        Path(settings.BASE_DIR) / "metavast" / "storefront" / "content" / "privacy-policy-fa.txt"
    )
    policy = policy_path.read_text(encoding="utf-8").strip()
    practice = PRIVACY_PRACTICE.format(retention=settings.IP_LOG_RETENTION_DAYS)
    page_upsert(slug="privacy", title="حریم خصوصی", body=f"{policy}\n\n{practice}")
    for slug, title, body in PAGES:
        page_upsert(slug=slug, title=title, body=body)
    return len(PAGES) + 1
