"""The purpose registry: every field that holds personal data, declared once, in code.

Each entry names one model field (with the fields derived from it: its blind index, the
time it was confirmed), says in Persian what it is, why we hold it (purposes), on what legal
basis, how long we keep it and which staff roles see it. The retention of an entry is
either a rule key of the retention engine (`metavast.privacy.retention.RULES`), so that the
sentence the customer reads is the one the engine's rule produces, or a fixed statement for
data whose lifetime is the account's or the law's.

Three readers, one source: the «حریم خصوصی من» page and the privacy policy page render
from it, and `tests/test_registry.py` fails when any installed model (third-party included)
gains a field whose name looks personal and neither `FIELDS` nor `NOT_PERSONAL` covers it.
A product's "name" is not personal: `NOT_PERSONAL` says so, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import models

from metavast.core.text import to_persian_digits


class Purpose(models.TextChoices):
    # Signing in, the profile, confirmed contacts.
    ACCOUNT = "account", "حساب کاربری"
    # Packing, shipping and delivering an order.
    SHIPPING = "shipping", "ارسال سفارش"
    # Issuing the legal invoice of a purchase.
    INVOICE = "invoice", "صدور فاکتور"
    # Protecting accounts: sign-in, sessions, lockout, the audit trail.
    SECURITY = "security", "امنیت"
    # Marketing messages, only with the customer's consent (issue 13).
    MARKETING = "marketing", "بازاریابی"
    # What a law or a court order requires us to keep.
    LEGAL = "legal", "الزام قانونی"


class Basis(models.TextChoices):
    CONTRACT = "contract", "قرارداد (انجام خرید و خدمات حساب)"
    LAW = "law", "الزام قانونی"
    CONSENT = "consent", "رضایت"
    SECURITY = "security", "منفعت مشروع امنیتی"
    LEGITIMATE = "legitimate", "منفعت مشروع (بهبود کالاهای فروشگاه، به‌صورت آمار کلی)"


class Category(models.TextChoices):
    """How the customer's page groups the fields: one heading per kind of data."""

    IDENTITY = "identity", "نام و کد ملی"
    CONTACT = "contact", "ایمیل و تلفن"
    ADDRESSES = "addresses", "دفترچهٔ نشانی"
    ORDERS = "orders", "سفارش‌ها و گیرندگان آن‌ها"
    INVOICES = "invoices", "فاکتورها و پرداخت‌ها"
    SESSIONS = "sessions", "نشست‌ها و ورود به حساب"
    MESSAGES = "messages", "پیام‌های فرستاده‌شده به شما"
    SECURITY = "security", "رویدادهای امنیتی"
    REVIEWS = "reviews", "دیدگاه‌ها و پرسش‌ها"
    SEARCH = "search", "آمار جست‌وجو"
    LEGAL = "legal", "سوابق حقوقی"


@dataclass(frozen=True)
class Retention:
    """How long: a retention engine rule (by key), or a fixed statement (a callable when it
    quotes a setting, so the sentence follows the setting)."""

    rule: str = ""
    statement: str | Callable[[], str] = ""

    def sentence(self) -> str:
        if self.rule:
            return rule_sentence(self.rule)
        return self.statement() if callable(self.statement) else self.statement


def account_lifetime() -> Retention:
    return Retention(
        statement="تا وقتی حساب شما باز است؛ با حذف حساب پاک یا ناشناس می‌شود.",
    )


def _tax_period_sentence() -> str:
    years = settings.INVOICE_RETENTION_YEARS
    return (
        f"تا پایان دورهٔ قانونی نگهداری سوابق مالیاتی ({to_persian_digits(years)} سال پس از "
        "صدور)، حتی پس از حذف حساب؛ فقط آنچه قانون می‌خواهد."
    )


def tax_period() -> Retention:
    return Retention(statement=_tax_period_sentence)


def hold_lifetime() -> Retention:
    return Retention(statement="تا پایان پیگیری قانونی و برداشتن نگهداشت توسط مسئول حقوقی.")


@dataclass(frozen=True)
class PersonalField:
    model: str  # "app_label.ModelName"
    field: str
    label: str  # what it is, in Persian
    category: Category
    purposes: tuple[Purpose, ...]
    basis: Basis
    retention: Retention
    roles: tuple[str, ...]  # keys of metavast.staff.roles.ROLES that may see it
    # Fields derived from this one (blind index, confirmation time): covered by this entry.
    companions: tuple[str, ...] = ()
    # Another person's data (P4), not the customer's own.
    is_third_party: bool = False
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.model}.{self.field}"

    def covers(self) -> tuple[str, ...]:
        return (self.field, *self.companions)

    def purpose_labels(self) -> list[str]:
        return [Purpose(p).label for p in self.purposes]


A, S, INV, SEC, L = (
    Purpose.ACCOUNT,
    Purpose.SHIPPING,
    Purpose.INVOICE,
    Purpose.SECURITY,
    Purpose.LEGAL,
)

# Retention engine rule keys (metavast/privacy/retention.py). A key named here that the
# engine does not define fails tests/test_registry.py.
RULE_ORDER_RECEIVER = "order_receivers"
RULE_CHECKOUT_DRAFTS = "checkout_drafts"
RULE_SESSIONS = "user_sessions"
RULE_DJANGO_SESSIONS = "django_sessions"
RULE_CODES = "one_time_codes"
RULE_AXES = {
    "AccessAttempt": "axes_attempts",
    "AccessFailureLog": "axes_failure_logs",
    "AccessLog": "axes_logs",
}
RULE_AUDIT_IP = "audit_ip"
RULE_OUTBOX = "outbox"
RULE_MARKETING_CONSENT_IP = "marketing_consent_ip"
RULE_REVIEWS_IP = {"Review": "review_ip", "Question": "question_ip", "Answer": "answer_ip"}
RULE_ZERO_RESULTS = "zero_result_stale"
RULE_INVOICE_BUYERS = "invoice_buyers"
RULE_OFFICIAL_BUYERS = "official_buyers"
RULE_PAYMENT_CARDS = "payment_cards"


def _p(model: str, name: str, label: str, category: Category, *rest, **kw) -> PersonalField:
    purposes, basis, retention, roles = rest
    return PersonalField(model, name, label, category, purposes, basis, retention, roles, **kw)


def _rule(key: str) -> Retention:
    return Retention(rule=key)


# fmt: off
FIELDS: tuple[PersonalField, ...] = (
    # The customer's account.
    _p("accounts.User", "first_name", "نام", Category.IDENTITY,
       (A, S, INV), Basis.CONTRACT, account_lifetime(), ("support", "admin"),
       companions=("name_index",)),
    _p("accounts.User", "last_name", "نام خانوادگی", Category.IDENTITY,
       (A, S, INV), Basis.CONTRACT, account_lifetime(), ("support", "admin")),
    _p("accounts.User", "national_code", "کد ملی (اختیاری، فقط برای فاکتور)", Category.IDENTITY,
       (INV, L), Basis.LAW, account_lifetime(), ("admin",),
       companions=("national_code_index",)),
    _p("accounts.User", "email", "نشانی ایمیل", Category.CONTACT,
       (A,), Basis.CONTRACT, account_lifetime(), ("support", "admin"),
       companions=("email_index", "email_confirmed_at")),
    _p("accounts.User", "email_pending", "ایمیل تازه در انتظار تأیید", Category.CONTACT,
       (A,), Basis.CONTRACT,
       Retention(statement="تا تأیید یا پایان مهلت پیوند تأیید؛ سپس جایگزین یا پاک می‌شود."),
       ("admin",), companions=("email_pending_at",)),
    _p("accounts.User", "mobile", "تلفن همراه", Category.CONTACT,
       (A, S, SEC), Basis.CONTRACT, account_lifetime(), ("support", "admin"),
       companions=("mobile_index", "mobile_confirmed_at")),
    _p("accounts.User", "mobile_pending", "تلفن همراه تازه در انتظار تأیید", Category.CONTACT,
       (A,), Basis.CONTRACT,
       Retention(statement="تا تأیید یا پایان مهلت کد پیامکی؛ سپس جایگزین یا پاک می‌شود."),
       ("admin",), companions=("mobile_pending_at",)),
    _p("accounts.User", "landline", "تلفن ثابت", Category.CONTACT,
       (A, S), Basis.CONTRACT, account_lifetime(), ("support", "admin"),
       companions=("landline_declared_at",)),
    _p("accounts.OneTimeCode", "mobile_index", "نمایهٔ رمزشدهٔ تلفن همراه برای کد یک‌بارمصرف",
       Category.SECURITY, (SEC,), Basis.SECURITY, _rule(RULE_CODES), ()),
    # The address book.
    _p("accounts.Address", "province", "استان", Category.ADDRESSES,
       (S, INV), Basis.CONTRACT, account_lifetime(), ()),
    _p("accounts.Address", "city", "شهر", Category.ADDRESSES,
       (S, INV), Basis.CONTRACT, account_lifetime(), ()),
    _p("accounts.Address", "street", "خیابان", Category.ADDRESSES,
       (S, INV), Basis.CONTRACT, account_lifetime(), ()),
    _p("accounts.Address", "alley", "کوچه", Category.ADDRESSES,
       (S,), Basis.CONTRACT, account_lifetime(), ()),
    _p("accounts.Address", "plaque", "پلاک", Category.ADDRESSES,
       (S,), Basis.CONTRACT, account_lifetime(), ()),
    _p("accounts.Address", "unit", "واحد", Category.ADDRESSES,
       (S,), Basis.CONTRACT, account_lifetime(), ()),
    _p("accounts.Address", "postal_code", "کد پستی", Category.ADDRESSES,
       (S, INV), Basis.CONTRACT, account_lifetime(), ()),
    _p("accounts.Address", "receiver_first_name", "نام گیرندهٔ دیگر", Category.ADDRESSES,
       (S,), Basis.CONTRACT, account_lifetime(), (), is_third_party=True),
    _p("accounts.Address", "receiver_last_name", "نام خانوادگی گیرندهٔ دیگر",
       Category.ADDRESSES, (S,), Basis.CONTRACT, account_lifetime(), (), is_third_party=True),
    _p("accounts.Address", "receiver_mobile", "تلفن همراه گیرندهٔ دیگر", Category.ADDRESSES,
       (S,), Basis.CONTRACT, account_lifetime(), (), is_third_party=True),
    # Sessions and sign-in.
    _p("accounts.UserSession", "ip", "نشانی IP نشست", Category.SESSIONS,
       (SEC,), Basis.SECURITY, _rule(RULE_SESSIONS), ("admin",)),
    _p("accounts.UserSession", "user_agent", "نوع دستگاه و مرورگر نشست", Category.SESSIONS,
       (SEC,), Basis.SECURITY, _rule(RULE_SESSIONS), ("admin",)),
    _p("sessions.Session", "session_data", "دادهٔ نشست وب (شناسهٔ حساب)", Category.SESSIONS,
       (A, SEC), Basis.CONTRACT, _rule(RULE_DJANGO_SESSIONS), ()),
    *(
        _p(f"axes.{model}", name, label, Category.SECURITY,
           (SEC,), Basis.SECURITY, _rule(rule), ("admin",))
        for model, rule in RULE_AXES.items()
        for name, label in (
            ("ip_address", "نشانی IP تلاش برای ورود"),
            ("user_agent", "مرورگر تلاش برای ورود"),
            ("username", "نام کاربری واردشده در تلاش برای ورود"),
        )
    ),
    _p("audit.AuditEvent", "client_ip", "نشانی IP در دفتر رویدادها", Category.SECURITY,
       (SEC, L), Basis.SECURITY, _rule(RULE_AUDIT_IP), ("admin",)),
    _p("audit.AuditEvent", "user_agent", "مرورگر در دفتر رویدادها", Category.SECURITY,
       (SEC, L), Basis.SECURITY, _rule(RULE_AUDIT_IP), ("admin",)),
    # Messages we sent.
    _p("notifications.OutboxMessage", "address", "نشانی گیرندهٔ پیام (ایمیل یا تلفن)",
       Category.MESSAGES, (A, S), Basis.CONTRACT, _rule(RULE_OUTBOX), ("admin",)),
    _p("notifications.OutboxMessage", "body", "متن پیام", Category.MESSAGES,
       (A, S), Basis.CONTRACT, _rule(RULE_OUTBOX), ("admin",)),
    # Subjects come from our templates, but name the order, or say that an account was
    # erased or its data disclosed: beside the account they say something about it.
    _p("notifications.OutboxMessage", "subject", "موضوع پیام", Category.MESSAGES,
       (A, S), Basis.CONTRACT, _rule(RULE_OUTBOX), ("admin",)),
    _p("notifications.OutboxMessage", "provider_token", "مقدار جای‌گذاری‌شده در پیامک",
       Category.MESSAGES, (A, S), Basis.CONTRACT, _rule(RULE_OUTBOX), ()),
    _p("notifications.OutboxMessage", "html_body", "متن HTML پیام تبلیغاتی", Category.MESSAGES,
       (Purpose.MARKETING,), Basis.CONSENT, _rule(RULE_OUTBOX), ("admin",)),
    _p("notifications.OutboxMessage", "email_headers", "پیوند لغو اشتراک در سرآیند ایمیل تبلیغاتی",
       Category.MESSAGES, (Purpose.MARKETING,), Basis.CONSENT, _rule("outbox_rows"), ()),
    # Marketing consent (P5): the IP a consent was given or withdrawn from.
    _p("consent.MarketingConsent", "ip", "نشانی IP هنگام دادن یا لغو اجازهٔ پیام تبلیغاتی",
       Category.SECURITY, (Purpose.MARKETING,), Basis.CONSENT, _rule(RULE_MARKETING_CONSENT_IP), ("admin",)),
    # Orders: the address copied at placement, and the receiver (P4).
    *(
        _p("orders.Order", name, label, Category.ORDERS,
           (S, INV), Basis.CONTRACT, _rule(RULE_ORDER_RECEIVER), ("warehouse", "admin"),
           note="اگر گیرنده خود شما باشید، با حساب شما نگه داشته می‌شود.")
        for name, label in (
            ("street", "خیابان نشانی سفارش"),
            ("alley", "کوچهٔ نشانی سفارش"),
            ("plaque", "پلاک نشانی سفارش"),
            ("unit", "واحد نشانی سفارش"),
            ("postal_code", "کد پستی نشانی سفارش"),
        )
    ),
    _p("orders.Order", "province", "استان ارسال", Category.ORDERS,
       (S, INV), Basis.CONTRACT, tax_period(), ("support", "warehouse", "finance", "admin")),
    _p("orders.Order", "city", "شهر ارسال", Category.ORDERS,
       (S, INV), Basis.CONTRACT, tax_period(), ("support", "warehouse", "finance", "admin")),
    *(
        _p("orders.Order", name, label, Category.ORDERS,
           (S,), Basis.CONTRACT, _rule(RULE_ORDER_RECEIVER), ("warehouse", "admin"),
           is_third_party=True)
        for name, label in (
            ("receiver_first_name", "نام گیرندهٔ سفارش"),
            ("receiver_last_name", "نام خانوادگی گیرندهٔ سفارش"),
            ("receiver_mobile", "تلفن همراه گیرندهٔ سفارش"),
        )
    ),
    _p("orders.InfoRequest", "message", "درخواست اطلاعات تکمیلی کارکنان", Category.ORDERS,
       (S,), Basis.CONTRACT, account_lifetime(), ("support", "admin")),
    _p("orders.InfoRequest", "answer_note", "پاسخ شما به درخواست اطلاعات", Category.ORDERS,
       (S,), Basis.CONTRACT, account_lifetime(), ("support", "admin")),
    *(
        _p("checkout.CheckoutDraft", name, label, Category.ORDERS,
           (S,), Basis.CONTRACT, _rule(RULE_CHECKOUT_DRAFTS), (), is_third_party=True)
        for name, label in (
            ("receiver_first_name", "نام گیرنده در خرید نیمه‌تمام"),
            ("receiver_last_name", "نام خانوادگی گیرنده در خرید نیمه‌تمام"),
            ("receiver_mobile", "تلفن همراه گیرنده در خرید نیمه‌تمام"),
        )
    ),
    # Invoices and payments: the law keeps these for the tax period, then they are cut back.
    _p("invoices.Invoice", "buyer_json", "مشخصات خریدار روی فاکتور", Category.INVOICES,
       (INV, L), Basis.LAW, Retention(rule=RULE_INVOICE_BUYERS), ("finance", "admin")),
    _p("invoices.Invoice", "payload_json", "دادهٔ فاکتور فرستاده‌شده به سامانهٔ مودیان",
       Category.INVOICES, (INV, L), Basis.LAW, Retention(rule=RULE_INVOICE_BUYERS),
       ("finance", "admin")),
    *(
        _p("invoices.OfficialBuyer", name, label, Category.INVOICES,
           (INV, L), Basis.LAW, Retention(rule=RULE_OFFICIAL_BUYERS), ("finance", "admin"))
        for name, label in (
            ("company_name", "نام خریدار حقوقی"),
            ("national_id", "شناسهٔ ملی خریدار حقوقی"),
            ("postal_code", "کد پستی خریدار حقوقی"),
            ("address", "نشانی خریدار حقوقی"),
            ("phone", "تلفن خریدار حقوقی"),
        )
    ),
    _p("payments.Payment", "card_pan", "چند رقم پوشیدهٔ کارت که درگاه برمی‌گرداند",
       Category.INVOICES, (INV, L), Basis.LAW, Retention(rule=RULE_PAYMENT_CARDS),
       ("finance", "admin")),
    # Reviews and questions: text the customer chose to publish, and where it was posted
    # from, kept for legal follow-up only (P6).
    _p("reviews.Review", "body", "متن دیدگاه شما", Category.REVIEWS,
       (A,), Basis.CONSENT,
       Retention(statement="تا وقتی دیدگاه را حذف نکرده‌اید یا حساب باز است؛ با حذف حساب بی‌نام می‌شود."),
       ("moderator", "admin")),
    *(
        _p(f"reviews.{model}", name, label, Category.REVIEWS,
           (SEC, L), Basis.SECURITY, _rule(rule), ("legal_officer",))
        for model, rule in RULE_REVIEWS_IP.items()
        for name, label in (
            ("posted_ip", "نشانی IP هنگام ثبت دیدگاه یا پرسش"),
            ("posted_user_agent", "مرورگر هنگام ثبت دیدگاه یا پرسش"),
        )
    ),
    # Search misses: counts with no link to a person, but the free text may hold a name.
    _p("catalog.ZeroResultQuery", "query", "متن جست‌وجوهای بی‌نتیجه (بی پیوند با کاربر)",
       Category.SEARCH, (Purpose.MARKETING,), Basis.LEGITIMATE, _rule(RULE_ZERO_RESULTS),
       ("catalog", "marketing", "admin")),
    # Legal records (P6, P8).
    _p("legal.LegalHold", "reason", "دلیل نگهداشت قانونی", Category.LEGAL,
       (L,), Basis.LAW, hold_lifetime(), ("legal_officer",), companions=("user_id",)),
    _p("legal.DisclosureRequest", "customer_ids_sealed", "مشتریان نام‌برده در حکم قانونی",
       Category.LEGAL, (L,), Basis.LAW, tax_period(), ("legal_officer",)),
)
# fmt: on

# Fields whose names look personal but hold nothing about a person, with the reason.
NOT_PERSONAL: dict[str, str] = {
    "auth.Permission.name": "نام یک مجوز",
    "auth.Permission.codename": "کد یک مجوز",
    "auth.Group.name": "نام یک نقش کارکنان",
    "marketing.Campaign.name": "نامی که کارکنان بر یک کارزار تبلیغاتی می‌گذارند",
    "otp_totp.TOTPDevice.name": "برچسبی که برنامه به دستگاه ورود دومرحله‌ای کارکنان می‌دهد",
    "otp_static.StaticDevice.name": "برچسب ثابت کدهای پشتیبان کارکنان",
    "catalog.Category.name": "نام دستهٔ کالا",
    "catalog.Brand.name": "نام برند",
    "catalog.Brand.name_latin": "نام لاتین برند",
    "catalog.Attribute.name": "نام ویژگی کالا",
    "catalog.Product.brand_name": "نام برند کالا",
    "checkout.ShippingMethod.name": "نام روش ارسال",
    "checkout.CheckoutDraft.address": "ارجاع به دفترچهٔ نشانی؛ خود نشانی در accounts.Address است",
    "checkout.CheckoutDraft.receiver_is_self": "فقط می‌گوید گیرنده خود مشتری است یا نه",
    "accounts.Address.receiver_is_self": "فقط می‌گوید گیرنده خود مشتری است یا نه",
    "orders.Order.receiver_is_self": "فقط می‌گوید گیرنده خود مشتری است یا نه",
    "orders.Order.receiver_erased_at": "زمان پاک شدن اطلاعات گیرنده",
    "orders.Order.shipping_method_name": "نام روش ارسال",
    "invoices.Invoice.pdf_name": "نام پروندهٔ PDF فاکتور (شماره‌ای، بدون نام اشخاص)",
    "legal.DisclosureRequest.authority_name": "نام مرجع قضایی یا قانونی، نه یک شخص",
    "legal.DisclosureRequest.package_name": "نام پروندهٔ بستهٔ افشا",
    "staff.StaffRole.name": "نام یک نقش کارکنان",
    "privacy.DataCopy.file_name": "نام تصادفی پروندهٔ بستهٔ داده‌ها، بدون نام اشخاص",
}

# A field whose name contains one of these looks personal. "ip" only as a whole word, so
# that "shipping" and "description" do not match.
PERSONAL_NAME = re.compile(
    r"name|phone|mobile|email|address|postal|national|(?:^|_)ip(?:_|$)|user_agent|agent"
    r"|birth|street|plaque|receiver"
)


def covered_keys() -> set[str]:
    keys = {f"{entry.model}.{name}" for entry in FIELDS for name in entry.covers()}
    return keys | set(NOT_PERSONAL)


def personal_looking_fields(models_: Iterable[type[models.Model]] | None = None) -> Iterator[str]:
    """Every concrete field of every installed model (or of `models_`) whose name looks
    personal, as "app_label.ModelName.field"."""
    if models_ is None:
        models_ = apps.get_models(include_auto_created=True)
    for model in models_:
        for model_field in model._meta.concrete_fields:
            if PERSONAL_NAME.search(model_field.name):
                yield f"{model._meta.label}.{model_field.name}"


def uncovered_fields(models_: Iterable[type[models.Model]] | None = None) -> list[str]:
    """Fields that look personal and that neither FIELDS nor NOT_PERSONAL declares."""
    covered = covered_keys()
    return sorted(key for key in personal_looking_fields(models_) if key not in covered)


def by_category() -> dict[Category, list[PersonalField]]:
    grouped: dict[Category, list[PersonalField]] = {c: [] for c in Category}
    for entry in FIELDS:
        grouped[entry.category].append(entry)
    return grouped


# The retention engine, read by key. Part of the privacy app; imported on first use so
# that reading the registry never depends on the engine's import order.
def retention_rules() -> dict[str, object]:
    from metavast.privacy.retention import RULES

    return {rule.key: rule for rule in RULES}


def rule_sentence(key: str) -> str:
    return retention_rules()[key].describe_fa()


@dataclass(frozen=True)
class CategorySummary:
    category: Category
    entries: list[PersonalField] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.category.label

    def field_labels(self) -> list[str]:
        seen: list[str] = []
        for e in self.entries:
            if e.label not in seen:
                seen.append(e.label)
        return seen

    def purpose_labels(self) -> list[str]:
        seen: list[str] = []
        for e in self.entries:
            for label in e.purpose_labels():
                if label not in seen:
                    seen.append(label)
        return seen

    def basis_labels(self) -> list[str]:
        seen: list[str] = []
        for e in self.entries:
            if Basis(e.basis).label not in seen:
                seen.append(Basis(e.basis).label)
        return seen

    def retention_sentences(self) -> list[str]:
        seen: list[str] = []
        for e in self.entries:
            sentence = e.retention.sentence()
            if sentence not in seen:
                seen.append(sentence)
        return seen


def summaries(categories: list[Category] | None = None) -> list[CategorySummary]:
    grouped = by_category()
    return [CategorySummary(c, grouped[c]) for c in (categories or list(Category)) if grouped[c]]
