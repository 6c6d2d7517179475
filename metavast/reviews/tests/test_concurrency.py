"""20 parallel votes of one account count once; 20 accounts count 20."""

import threading

import pytest
from django.db import close_old_connections

from metavast.orders.tests.factories import make_customer
from metavast.reviews.models import Review, ReviewVote
from metavast.reviews.rules import LIMITS
from metavast.reviews.services import review_vote
from metavast.reviews.tests.factories import make_review

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


def _race(review, voters):
    barrier = threading.Barrier(len(voters))
    errors = []

    def vote(user):
        try:
            barrier.wait()
            review_vote(review=Review.objects.get(pk=review.pk), user=user, is_helpful=True)
        except Exception as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=vote, args=(u,)) for u in voters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_twenty_parallel_votes_of_one_account_count_once(shop, settings):
    settings.REVIEWS_LIMITS = {**LIMITS, "vote": (1000, 3600)}
    review = make_review()
    voter = make_customer()
    errors = _race(review, [voter] * THREADS)
    assert errors == []
    review.refresh_from_db()
    assert (review.helpful_count, review.unhelpful_count) == (1, 0)
    assert ReviewVote.objects.filter(review=review).count() == 1


def test_twenty_accounts_voting_at_once_count_twenty(shop, settings):
    settings.REVIEWS_LIMITS = {**LIMITS, "vote": (1000, 3600)}
    review = make_review()
    voters = [make_customer() for _ in range(THREADS)]
    errors = _race(review, voters)
    assert errors == []
    review.refresh_from_db()
    assert review.helpful_count == THREADS
    assert ReviewVote.objects.filter(review=review).count() == THREADS
