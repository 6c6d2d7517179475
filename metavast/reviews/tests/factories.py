"""Test data for reviews: products, authors, delivered orders, staff with a role."""

from __future__ import annotations

import itertools
import uuid

from django.utils import timezone

from metavast.accounts.models import User
from metavast.orders.models import Order, OrderStatus
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place
from metavast.reviews.models import Status
from metavast.reviews.services import ReviewInput, review_moderate, review_post
from metavast.staff.models import StaffRole
from metavast.staff.services import roles_sync

_numbers = itertools.count(1)


def make_product():
    return make_variant().product


def make_staff(role: str, *, first_name: str = "کارمند") -> User:
    roles_sync()
    n = next(_numbers)
    user = User.objects.create(
        email=f"staff{n}-{uuid.uuid4().hex[:6]}@example.com",
        first_name=first_name,
        last_name=f"نقش {n}",
        is_staff=True,
    )
    user.groups.add(StaffRole.objects.get(key=role).group)
    return User.objects.get(pk=user.pk)


def deliver(user, product) -> Order:
    """A delivered order of `product` for `user` (the shop fixture must be active)."""
    variant = product.variants.first()
    fill_cart(user, (variant, 1))
    order = place(user)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.DELIVERED)
    return order


def data(**overrides) -> ReviewInput:
    values = {
        "rating": 4,
        "title": "گوشی خوبی است",
        "body": "باتری‌اش یک روز کامل کار می‌کند و صفحه‌اش روشن است.",
        "pros": ["باتری خوب"],
        "cons": ["شارژر ندارد"],
    }
    values.update(overrides)
    return ReviewInput(**values)


def make_review(product=None, *, author=None, approved: bool = True, moderator=None, **fields):
    product = product or make_product()
    author = author or make_customer()
    review = review_post(
        product=product,
        author=author,
        data=data(**fields),
        ip="203.0.113.77",
        user_agent="Mozilla/5.0 (Linux; Android 14) TestPhone",
    )
    if approved:
        review = review_moderate(
            review=review, actor=moderator or make_staff("moderator"), to=Status.APPROVED
        )
    return review


def now():
    return timezone.now()
