"""What the shop holds about one customer, read for the «حریم خصوصی من» page.

The registry (`metavast.privacy.registry`) says what each kind of data is, why we hold it
and for how long; this module counts the customer's own rows of each kind, so the page
shows which kinds actually hold something about them. It reads a fixed number of queries
whatever the customer has (one per kind), and never returns a sensitive value: the page
shows kinds and counts, and links to the account pages that already show the values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from metavast.accounts.models import Address, UserSession
from metavast.audit.models import AuditEvent
from metavast.consent.models import ConsentRecord, CookieCategory, MarketingConsent
from metavast.invoices.models import Invoice
from metavast.notifications.models import OutboxMessage
from metavast.orders.models import Order, OrderStatus
from metavast.payments.models import Payment
from metavast.privacy import registry
from metavast.privacy.registry import Category
from metavast.reviews.models import Answer, Question, Review

# When an order counts as closed, for the receiver's erasure (as in orders' retention).
_CLOSED_AT = {
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.CANCELLED: "cancelled_at",
    OrderStatus.REFUNDED: "refunded_at",
}


@dataclass(frozen=True)
class ReceiverOrder:
    """An order that still holds another person's name, phone and address (P4)."""

    number: str
    status_label: str
    placed_at: dt.datetime
    erase_on: dt.datetime | None  # None while the order is open
    url: str


@dataclass(frozen=True)
class CategoryHolding:
    summary: registry.CategorySummary
    count: int  # the customer's rows of this kind (1 for data on the account itself)
    link: str = ""  # URL name of the account page that shows the values


@dataclass
class Holdings:
    categories: list[CategoryHolding] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    receiver_orders: list[ReceiverOrder] = field(default_factory=list)
    active_sessions: int = 0
    latest_consent: ConsentRecord | None = None
    receiver_retention: dt.timedelta | None = None
    # P5: the history of marketing consent per channel, newest first.
    marketing_consents: list[MarketingConsent] = field(default_factory=list)


def receiver_retention() -> dt.timedelta:
    """How long after an order closes another person's details are erased: the engine's rule."""
    rule = registry.retention_rules().get(registry.RULE_ORDER_RECEIVER)
    if rule is not None and rule.age is not None:
        return rule.age
    return dt.timedelta(days=settings.ORDER_RECEIVER_RETENTION_DAYS)


def _receiver_orders(user, retention: dt.timedelta) -> list[ReceiverOrder]:
    rows = (
        Order.objects.for_user(user)
        .filter(receiver_is_self=False, receiver_erased_at__isnull=True)
        .newest_first()
        .only(
            "number",
            "status",
            "placed_at",
            "delivered_at",
            "cancelled_at",
            "refunded_at",
        )
    )
    result = []
    for order in rows:
        closed_field = _CLOSED_AT.get(order.status)
        closed_at = getattr(order, closed_field) if closed_field else None
        result.append(
            ReceiverOrder(
                number=order.number,
                status_label=order.get_status_display(),
                placed_at=order.placed_at,
                erase_on=closed_at + retention if closed_at else None,
                url=order.get_absolute_url(),
            )
        )
    return result


def customer_holdings(user) -> Holdings:
    summaries = {s.category: s for s in registry.summaries()}
    retention = receiver_retention()

    has_identity = bool(user.first_name or user.last_name or user.national_code)
    contacts = sum(bool(v) for v in (user.email, user.mobile, user.landline))
    addresses = list(Address.objects.of(user))
    orders = Order.objects.for_user(user).count()
    receiver_orders = _receiver_orders(user, retention)
    invoices = Invoice.objects.for_user(user).count()
    payments = Payment.objects.filter(order__user=user).count()
    sessions = UserSession.objects.of(user).count()
    active_sessions = UserSession.objects.of(user).active().count()
    messages = OutboxMessage.objects.filter(user=user).count()
    security = AuditEvent.objects.filter(
        Q(actor_id=user.pk) | Q(subject_type="accounts.user", subject_id=str(user.pk))
    ).count()
    reviews = (
        Review.objects.filter(author=user).count()
        + Question.objects.filter(author=user).count()
        + Answer.objects.filter(author=user).count()
    )
    latest_consent = ConsentRecord.objects.for_user(user).latest_first().first()

    counts = {
        Category.IDENTITY: (int(has_identity), "accounts:profile"),
        Category.CONTACT: (contacts, "accounts:home"),
        Category.ADDRESSES: (len(addresses), "accounts:addresses"),
        Category.ORDERS: (orders, "orders:list"),
        Category.INVOICES: (invoices + payments, "orders:list"),
        Category.SESSIONS: (sessions, "accounts:sessions"),
        Category.MESSAGES: (messages, ""),
        Category.SECURITY: (security, ""),
        Category.REVIEWS: (reviews, ""),
    }
    categories = [
        CategoryHolding(summary=summaries[category], count=count, link=link)
        for category, (count, link) in counts.items()
        if category in summaries
    ]
    return Holdings(
        categories=categories,
        addresses=addresses,
        receiver_orders=receiver_orders,
        active_sessions=active_sessions,
        latest_consent=latest_consent,
        receiver_retention=retention,
        marketing_consents=list(MarketingConsent.objects.for_user(user).latest_first()[:50]),
    )


def consent_labels(record: ConsentRecord | None) -> list[tuple[str, bool]]:
    """Each cookie category with whether the customer's latest choice grants it."""
    granted = set(record.granted) if record else set()
    return [(c.label, c == CookieCategory.NECESSARY or c.value in granted) for c in CookieCategory]
