"""What a review, question or answer may contain, and how often one may post.

Lengths are counted the way a Persian reader counts: ZWNJ, ZWJ and combining marks
(harakat) are not letters, so «می‌خواهم» is seven, not eight. Control characters and bidi
controls are refused (core.validators), ZWNJ is kept. Text is stored as typed, trimmed.

Rate limits are counters per fixed window in the cache, keyed by account (the shape of
orders.limits); if the cache is unreachable, posting goes on and the outage is logged:
moderation still stands between a flood and the page.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from metavast.core.text import to_persian_digits
from metavast.core.validators import plain_text_error
from metavast.reviews.errors import InvalidText, PostingTooFast

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Length:
    minimum: int
    maximum: int
    multiline: bool = False


TITLE = Length(3, 100)
BODY = Length(10, 2000, multiline=True)
POINT = Length(2, 100)
QUESTION = Length(5, 500, multiline=True)
ANSWER = Length(2, 1000, multiline=True)
EDIT_REASON = Length(5, 300)  # a moderator's reason for an edit; the column holds 300
MAX_POINTS = 5
MAX_PHOTOS = 5

# (attempts, window seconds) per account.
LIMITS = {
    "review": (5, 3600),
    "question": (10, 3600),
    "answer": (20, 3600),
    "vote": (120, 3600),
    "report": (20, 3600),
}


def persian_length(text: str) -> int:
    """Letters a reader sees: ZWNJ/ZWJ and combining marks do not count."""
    return sum(
        1 for ch in text if ch not in ("\u200c", "\u200d") and unicodedata.category(ch) != "Mn"
    )


def clean_text(value, rule: Length, field: str) -> str:
    text = str(value or "").strip()
    error = plain_text_error(text, multiline=rule.multiline)
    if error is not None:
        message = error.message % error.params if error.params else str(error.message)
        raise InvalidText(fields={field: [message]})
    size = persian_length(text)
    if size < rule.minimum or size > rule.maximum:
        raise InvalidText(
            fields={
                field: [
                    f"طول این متن باید بین {to_persian_digits(rule.minimum)} و "
                    f"{to_persian_digits(rule.maximum)} نویسه باشد "
                    f"(اکنون {to_persian_digits(size)})."
                ]
            }
        )
    return text


def clean_points(values, field: str) -> list[str]:
    items = [v for v in (values or []) if str(v or "").strip()]
    if len(items) > MAX_POINTS:
        raise InvalidText(fields={field: [f"حداکثر {to_persian_digits(MAX_POINTS)} مورد بنویسید."]})
    return [clean_text(v, POINT, field) for v in items]


def clean_rating(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        raise InvalidText(fields={"rating": ["امتیاز باید عددی از ۱ تا ۵ باشد."]})
    return value


def _count(key: str, window: int) -> int | None:
    full_key = f"reviews:limit:{key}"
    try:
        cache.add(full_key, 0, timeout=window)
        try:
            return cache.incr(full_key)
        except ValueError:
            cache.set(full_key, 1, timeout=window)
            return 1
    except Exception:
        logger.warning("reviews posting limit unavailable", exc_info=True)
        return None


def posting_allowed(*, kind: str, user_id: int) -> None:
    """Count one attempt of `kind`; raise PostingTooFast (429) past the limit."""
    limits = getattr(settings, "REVIEWS_LIMITS", None) or LIMITS
    limit, window = limits[kind]
    count = _count(f"{kind}:{user_id}", window)
    if count is not None and count > limit:
        raise PostingTooFast()
