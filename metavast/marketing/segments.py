"""Segments: the customers a campaign reaches, as one queryset of users.

Every rule set on the campaign must hold. The result is always intersected with
`consenting_users(channel)` (opted in, contact confirmed, active), so a segment's size is the
number of people a campaign may actually reach. Staff only ever get `segment_size` (one
COUNT query); the queryset itself is used by the sender to queue messages.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from metavast.accounts.models import User
from metavast.cart.models import Cart
from metavast.catalog.models import Category
from metavast.consent.marketing import consenting_users
from metavast.core.jalali import TEHRAN
from metavast.orders.models import Order, OrderLine, OrderStatus

# "Bought": the money came in and the order was not undone.
BOUGHT_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.AWAITING_INFO,
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


def _start_of_day(day: dt.date) -> dt.datetime:
    """The first moment of `day` in Tehran (the shop's calendar day), as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=TEHRAN)


def segment_users(campaign, *, now: dt.datetime | None = None) -> QuerySet[User]:
    """The users `campaign` may reach now: its rules AND consent on its channel."""
    now = now or timezone.now()
    users = consenting_users(campaign.channel)
    if campaign.category_id:
        category = Category.objects.get(pk=campaign.category_id)
        subtree = Category.objects.filter(path__startswith=category.path).values("pk")
        bought = OrderLine.objects.filter(
            order__user=OuterRef("pk"),
            order__status__in=BOUGHT_STATUSES,
            product__category__in=subtree,
        )
        users = users.filter(Exists(bought))
    if campaign.province or campaign.city:
        place = Q(user=OuterRef("pk"))
        if campaign.province:
            place &= Q(province=campaign.province)
        if campaign.city:
            place &= Q(city=campaign.city)
        users = users.filter(Exists(Order.objects.filter(place)))
    if campaign.last_order_after or campaign.last_order_before:
        users = users.annotate(_last_order=Max("orders__placed_at"))
        if campaign.last_order_after:
            users = users.filter(_last_order__gte=_start_of_day(campaign.last_order_after))
        if campaign.last_order_before:
            users = users.filter(_last_order__lt=_start_of_day(campaign.last_order_before))
    if campaign.cart_abandoned_days:
        cutoff = now - dt.timedelta(days=campaign.cart_abandoned_days)
        ordered_since = Order.objects.filter(
            user=OuterRef("user"), placed_at__gte=OuterRef("updated_at")
        )
        abandoned = Cart.objects.filter(
            user=OuterRef("pk"), updated_at__lt=cutoff, lines__isnull=False
        ).exclude(Exists(ordered_since))
        users = users.filter(Exists(abandoned))
    return users


def segment_size(campaign, *, now: dt.datetime | None = None) -> int:
    """How many people `campaign` reaches: a COUNT, never a list."""
    return segment_users(campaign, now=now).count()
