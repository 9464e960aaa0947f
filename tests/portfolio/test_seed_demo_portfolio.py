"""The demo learner's portfolio: one practised order, reviewed by the demo assessor."""

import pytest
from django.core.management import CommandError, call_command

from accounts.services import user_create
from orders.models import Order
from portfolio.evidence import read_portfolio
from portfolio.models import Portfolio
from revision.models import PracticeAttempt
from revision.services.content import content_load


@pytest.fixture
def demo_people(db):
    learner = user_create(username="learner", password="Long-pass-123", role="learner")
    assessor = user_create(
        username="assessor", password="Long-pass-123", role="assessor"
    )
    return learner, assessor


def test_seed_gives_the_demo_learner_a_portfolio_meeting_every_criterion(demo_people):
    learner, assessor = demo_people
    content_load()

    call_command("seed_demo_portfolio")
    call_command("seed_demo_portfolio")  # again: nothing more

    portfolio = Portfolio.objects.get(learner=learner)
    assert portfolio.assessor == assessor
    (entry,) = portfolio.entries.all()
    assert entry.reflection
    attempt = PracticeAttempt.objects.get(order=entry.order)
    assert attempt.status == PracticeAttempt.Status.FINISHED
    assert (attempt.result.partly, attempt.result.not_met) == (0, 0)
    assert entry.order.status == Order.Status.FOLLOWED_UP
    _orders, overall = read_portfolio(portfolio)
    assert all(overall.values())
    assert Order.objects.filter(practice_learner__isnull=True).count() == 0


def test_seed_asks_for_the_demo_accounts_first(db):
    content_load()
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_portfolio")
