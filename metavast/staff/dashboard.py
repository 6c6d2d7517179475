"""The staff home: the admin's index page opens on today's queues, each shown by permission.

Each card is a queue someone must empty, with a count and a link to the filtered admin list:

- *Orders to ship* (orders.view_order): `processing` (being packed) and `paid` (paid, nobody
  has started on it yet), with the date of the oldest paid one still waiting.
- *Waiting for the customer* (orders.view_order): `awaiting_info`, and how many of those have
  an open information request past its deadline (the lapse task will cancel them).
- *Payments to reconcile* (payments.view_payment): money we hold that must go back
  (`refund_due` on an order not yet refunded) and attempts still `pending` longer than
  STAFF_PAYMENT_STUCK_AFTER_SECONDS (the reconciliation task retries every few minutes; one
  still pending that long means the gateway does not answer and someone must ask the bank).
  `failed` and `cancelled` attempts are not listed: no money reached us, or the task would
  have found it and made the attempt `paid` or `refund_due`.
- *Low stock* (catalog.view_variant): active variants whose available stock (on hand minus
  reserved) is at or below STAFF_LOW_STOCK_THRESHOLD, the lowest first.
- *Legal requests to approve* (legal.approve_disclosurerequest): requests awaiting a second
  officer, not counting the viewer's own (four eyes: nobody approves their own request).
- *Sales* (staff.view_sales_aggregates): today's and this Jalali month's paid orders and
  their total in Toman (counts and sums only: marketing never sees a list of people). An
  order counts on the day it was paid, unless it was later cancelled or refunded.
- *Backup codes* (every staff member): how many of their own are left.

Whatever the roles, the page reads a fixed number of queries: one aggregate over orders, one
over payments, one window query for low stock, one count for the register, one for the
backup codes (tests/test_dashboard.py counts them). Numbers are Persian, dates Jalali, money
Toman: the template only prints the strings built here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import wraps
from urllib.parse import urlencode

import jdatetime
from django.conf import settings
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum, Window
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken

from metavast.accounts.services.backup_codes import DEVICE_NAME as BACKUP_DEVICE_NAME
from metavast.catalog.models import Variant
from metavast.core import jalali
from metavast.core.money import THOUSANDS_SEPARATOR, format_toman
from metavast.core.text import to_persian_digits
from metavast.orders.models import InfoRequest, InfoRequestStatus, Order, OrderStatus
from metavast.payments.models import Payment, PaymentStatus

INDEX_TEMPLATE = "admin/staff_index.html"
LOW_STOCK_ROWS = 8
LOW_STOCK_LINKED = 50


@dataclass
class Line:
    label: str
    value: str
    url: str = ""
    # "alert" draws the eye (overdue, money to return); "" is a plain count.
    tone: str = ""


@dataclass
class Card:
    key: str
    title: str
    lines: list[Line] = field(default_factory=list)
    note: str = ""


def _fa(n) -> str:
    return to_persian_digits(f"{int(n or 0):,}".replace(",", THOUSANDS_SEPARATOR))


def _changelist(name: str, **params) -> str:
    try:
        url = reverse(f"admin:{name}_changelist")
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(params)}" if params else url


def _change(name: str, pk) -> str:
    try:
        return reverse(f"admin:{name}_change", args=[pk])
    except NoReverseMatch:
        return ""


def low_stock_threshold() -> int:
    return int(getattr(settings, "STAFF_LOW_STOCK_THRESHOLD", 3))


def payment_stuck_after() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "STAFF_PAYMENT_STUCK_AFTER_SECONDS", 1800)))


def jalali_month_start(now: dt.datetime) -> dt.datetime:
    """Midnight (Tehran) of the first day of `now`'s Jalali month, as an aware datetime."""
    today = jalali.to_jalali(now).date()
    first = jdatetime.date(today.year, today.month, 1).togregorian()
    return dt.datetime.combine(first, dt.time.min, tzinfo=jalali.TEHRAN)


def _day_start(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(jalali.TEHRAN)
    return dt.datetime.combine(local.date(), dt.time.min, tzinfo=jalali.TEHRAN)


def _order_cards(user, now, *, orders: bool, sales: bool) -> list[Card]:
    """One aggregate over orders for both the queues and the sales figures."""
    if not (orders or sales):
        return []
    S = OrderStatus
    aggregates = {}
    if orders:
        overdue = InfoRequest.objects.filter(
            order=OuterRef("pk"), status=InfoRequestStatus.OPEN, deadline_at__lt=now
        )
        aggregates.update(
            processing=Count("pk", filter=Q(status=S.PROCESSING)),
            paid=Count("pk", filter=Q(status=S.PAID)),
            oldest_paid=Min("paid_at", filter=Q(status=S.PAID)),
            awaiting_info=Count("pk", filter=Q(status=S.AWAITING_INFO)),
            overdue=Count("pk", filter=Q(Exists(overdue), status=S.AWAITING_INFO)),
        )
    if sales:
        counted = Q(paid_at__isnull=False) & ~Q(status__in=[S.CANCELLED, S.REFUNDED])
        today = counted & Q(paid_at__gte=_day_start(now))
        month = counted & Q(paid_at__gte=jalali_month_start(now))
        aggregates.update(
            today_count=Count("pk", filter=today),
            today_total=Sum("total", filter=today),
            month_count=Count("pk", filter=month),
            month_total=Sum("total", filter=month),
        )
    row = Order.objects.aggregate(**aggregates)
    cards = []
    if orders:
        ship = Card("to_ship", "سفارش‌های آمادهٔ ارسال")
        ship.lines.append(
            Line(
                "در حال آماده‌سازی",
                _fa(row["processing"]),
                _changelist("orders_order", status__exact=S.PROCESSING),
            )
        )
        ship.lines.append(
            Line(
                "پرداخت‌شده، هنوز شروع نشده",
                _fa(row["paid"]),
                _changelist("orders_order", status__exact=S.PAID),
                "alert" if row["paid"] else "",
            )
        )
        if row["oldest_paid"]:
            ship.note = f"قدیمی‌ترین سفارش منتظر: پرداخت در {jalali.format_jalali_datetime(row['oldest_paid'])}"
        info = Card("awaiting_info", "در انتظار اطلاعات مشتری")
        info.lines.append(
            Line(
                "منتظر پاسخ مشتری",
                _fa(row["awaiting_info"]),
                _changelist("orders_order", status__exact=S.AWAITING_INFO),
            )
        )
        info.lines.append(
            Line(
                "گذشته از مهلت پاسخ",
                _fa(row["overdue"]),
                _changelist("orders_order", status__exact=S.AWAITING_INFO),
                "alert" if row["overdue"] else "",
            )
        )
        cards += [ship, info]
    if sales:
        month_name = jalali.MONTH_NAMES[jalali.to_jalali(now).month - 1]
        card = Card("sales", "فروش (آمار جمعی)")
        card.lines.append(Line("سفارش‌های پرداخت‌شدهٔ امروز", _fa(row["today_count"])))
        card.lines.append(Line("فروش امروز", format_toman(int(row["today_total"] or 0))))
        card.lines.append(Line(f"سفارش‌های پرداخت‌شدهٔ {month_name}", _fa(row["month_count"])))
        card.lines.append(Line(f"فروش {month_name}", format_toman(int(row["month_total"] or 0))))
        # Issue 13: the charts (metavast.analytics), for the same permission.
        card.lines.append(
            Line("نمودار فروش، قیف خرید و جست‌وجوها", "", _changelist("analytics_dailycount"))
        )
        card.note = "سفارش‌های لغو یا بازپرداخت‌شده شمرده نمی‌شوند."
        cards.append(card)
    return cards


def _payments_card(now) -> Card:
    stuck_before = now - payment_stuck_after()
    row = Payment.objects.aggregate(
        refund_due=Count(
            "pk", filter=Q(status=PaymentStatus.REFUND_DUE, order__refunded_at__isnull=True)
        ),
        stuck=Count("pk", filter=Q(status=PaymentStatus.PENDING, created_at__lt=stuck_before)),
    )
    card = Card("payments", "پرداخت‌های نیازمند تطبیق")
    card.lines.append(
        Line(
            "وجه رسیده که باید بازگردد",
            _fa(row["refund_due"]),
            _changelist("payments_payment", status__exact=PaymentStatus.REFUND_DUE),
            "alert" if row["refund_due"] else "",
        )
    )
    local_cutoff = stuck_before.astimezone(timezone.get_current_timezone())
    card.lines.append(
        Line(
            "بی‌پاسخ از بانک",
            _fa(row["stuck"]),
            _changelist(
                "payments_payment",
                status__exact=PaymentStatus.PENDING,
                created_at__lt=local_cutoff.isoformat(timespec="seconds"),
            ),
            "alert" if row["stuck"] else "",
        )
    )
    minutes = int(payment_stuck_after().total_seconds() // 60)
    card.note = f"«بی‌پاسخ»: بیش از {_fa(minutes)} دقیقه در انتظار بانک مانده است."
    return card


def _variant_label(title: str, options) -> str:
    """«لیوان (رنگ: سفید، اندازه: بزرگ)»: the SKU is on the change page the line links to."""
    parts = [f"{name}: {value}" for name, value in (options or []) if name and value]
    return f"{title} ({'، '.join(parts)})" if parts else title


def _low_stock_card() -> Card:
    threshold = low_stock_threshold()
    rows = list(
        Variant.objects.active()
        .annotate(left=F("on_hand") - F("reserved"), how_many=Window(Count("pk")))
        .filter(left__lte=threshold)
        .order_by("left", "pk")
        .values("pk", "options", "product__title", "left", "how_many")[:LOW_STOCK_LINKED]
    )
    total = rows[0]["how_many"] if rows else 0
    card = Card("low_stock", "موجودی رو به پایان")
    ids = ",".join(str(r["pk"]) for r in rows)
    card.lines.append(
        Line(
            f"مدل‌هایی با موجودی {_fa(threshold)} یا کمتر",
            _fa(total),
            _changelist("catalog_variant", id__in=ids) if ids else "",
            "alert" if total else "",
        )
    )
    for r in rows[:LOW_STOCK_ROWS]:
        card.lines.append(
            Line(
                _variant_label(r["product__title"], r["options"]),
                _fa(max(r["left"], 0)),
                _change("catalog_variant", r["pk"]),
            )
        )
    if total > LOW_STOCK_LINKED:
        card.note = f"پیوند بالا {_fa(LOW_STOCK_LINKED)} مورد کم‌موجودتر را باز می‌کند."
    return card


def _legal_card(user) -> Card | None:
    try:
        from metavast.legal.models import DisclosureRequest, DisclosureStatus
    except ImportError:  # the register not built yet
        return None
    awaiting = getattr(DisclosureStatus, "AWAITING_APPROVAL", None)
    if awaiting is None:
        return None
    rows = DisclosureRequest.objects.filter(status=awaiting)
    if any(f.name == "requested_by" for f in DisclosureRequest._meta.get_fields()):
        rows = rows.exclude(requested_by=user)
    card = Card("legal", "درخواست‌های افشای قانونی")
    card.lines.append(
        Line(
            "در انتظار تأیید شما (افسر دوم)",
            _fa(rows.count()),
            _changelist("legal_disclosurerequest", status__exact=awaiting),
        )
    )
    return card


def _backup_codes_card(user) -> Card:
    left = StaticToken.objects.filter(
        device__user=user, device__name=BACKUP_DEVICE_NAME, device__confirmed=True
    ).count()
    card = Card("backup_codes", "حساب شما: کدهای پشتیبان و سابقهٔ دسترسی")
    card.lines.append(
        Line(
            "کدهای به‌کارنرفته",
            _fa(left),
            reverse("accounts:staff_backup_codes"),
            "alert" if left < 3 else "",
        )
    )
    # Every staff member may read their own access history (P8); the admin role, everyone's.
    card.lines.append(
        Line("سابقهٔ دسترسی شما به داده‌های شخصی", "", reverse("admin:staff_access_history"))
    )
    if left == 0:
        card.note = "کدی ندارید: اگر گوشی‌تان گم شود، راهی به پیشخوان نمی‌ماند. کد بسازید."
    return card


def staff_home_cards(user, *, now: dt.datetime | None = None) -> list[Card]:
    """The cards `user` may see, in the order of the day's work."""
    now = now or timezone.now()
    cards = _order_cards(
        user,
        now,
        orders=user.has_perm("orders.view_order"),
        sales=user.has_perm("staff.view_sales_aggregates"),
    )
    # The sales card goes last: it is a figure to read, not a queue to empty.
    sales = [c for c in cards if c.key == "sales"]
    cards = [c for c in cards if c.key != "sales"]
    if user.has_perm("payments.view_payment"):
        cards.append(_payments_card(now))
    if user.has_perm("catalog.view_variant"):
        cards.append(_low_stock_card())
    if user.has_perm("legal.approve_disclosurerequest"):
        legal = _legal_card(user)
        if legal is not None:
            cards.append(legal)
    cards += sales
    cards.append(_backup_codes_card(user))
    return cards


def install_staff_home(site) -> None:
    """Make `site`'s index the staff home (before `site.urls` is read, like protect_admin)."""
    base_index = site.index

    @wraps(base_index)
    def index(request, extra_context=None):
        now = timezone.now()
        context = {
            "staff_cards": staff_home_cards(request.user, now=now),
            "staff_today": jalali.format_jalali_date(now),
            **(extra_context or {}),
        }
        return base_index(request, extra_context=context)

    site.index_template = INDEX_TEMPLATE
    site.index = index
