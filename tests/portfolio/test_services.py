"""The portfolio's services: eligible orders only, the assigned assessor only,
sign-off needs every criterion judged met and the declaration, a signed-off
portfolio is locked, an unlock is recorded with its reason, and reviews and
sign-offs are append-only."""

import pytest
from django.db import connection

from orders.models import Order
from portfolio.exceptions import PortfolioError
from portfolio.models import DECLARATION, Entry, Review, SignOff, Unlock
from portfolio.services import (
    criteria,
    current_sign_off,
    eligible_orders,
    entry_add,
    entry_remove,
    evidence_check,
    latest_reviews,
    portfolio_for,
    reflection_save,
    review_record,
    sign_off,
    sign_off_undo,
)
from tests.factories import UserFactory

from .helpers import judge_all, play_ps01, signed_off


@pytest.fixture
def portfolio(db, learner, assessor, django_capture_on_commit_callbacks):
    """The learner's portfolio with the model PS-01 run in it, assigned."""
    from revision.services.content import content_load

    content_load()
    run = play_ps01(learner, django_capture_on_commit_callbacks)
    entry_add(learner=learner, order=run.order)
    portfolio = portfolio_for(learner)
    portfolio.assessor = assessor
    portfolio.save()
    return portfolio


# -- entries -----------------------------------------------------------------------


def test_learner_adds_own_practice_order_with_reflection(portfolio, learner):
    entry = portfolio.entries.get()

    reflection_save(learner=learner, entry=entry, text="  I asked before promising. ")

    assert Entry.objects.get(pk=entry.pk).reflection == "I asked before promising."


def test_entry_add_refuses_another_learners_order(portfolio, learner):
    other = UserFactory(role="learner")

    with pytest.raises(PortfolioError, match="only orders you processed"):
        entry_add(learner=other, order=portfolio.entries.get().order)

    assert not Entry.objects.filter(portfolio__learner=other).exists()


def test_entry_add_refuses_a_live_order_the_learner_never_touched(
    portfolio, learner, delivered_order
):
    live = delivered_order()

    assert live not in eligible_orders(learner)
    with pytest.raises(PortfolioError, match="only orders you processed"):
        entry_add(learner=learner, order=live)


def test_entry_add_refuses_the_same_order_twice(portfolio, learner):
    order = portfolio.entries.get().order

    with pytest.raises(PortfolioError, match="already in your portfolio"):
        entry_add(learner=learner, order=order)

    assert portfolio.entries.count() == 1


def test_reflection_refuses_someone_elses_entry(portfolio):
    other = UserFactory(role="learner")

    with pytest.raises(PortfolioError, match="not in your portfolio"):
        reflection_save(learner=other, entry=portfolio.entries.get(), text="Mine")


def test_entry_remove_takes_the_order_out(portfolio, learner):
    entry_remove(learner=learner, entry=portfolio.entries.get())

    assert not portfolio.entries.exists()
    assert Order.objects.filter(practice_learner=learner).exists()


# -- reviews -----------------------------------------------------------------------


def test_review_keeps_history_and_latest_counts(portfolio, assessor):
    criterion = criteria()[0]
    review_record(
        portfolio=portfolio,
        assessor=assessor,
        criterion=criterion,
        verdict=Review.Verdict.MORE_EVIDENCE,
        comment="Show a second order.",
    )
    review_record(
        portfolio=portfolio,
        assessor=assessor,
        criterion=criterion,
        verdict=Review.Verdict.MET,
        comment="Now clear.",
    )

    assert Review.objects.filter(portfolio=portfolio).count() == 2
    assert latest_reviews(portfolio)[criterion.identifier].comment == "Now clear."


def test_only_the_assigned_assessor_reviews(portfolio):
    other = UserFactory(role="assessor")

    with pytest.raises(PortfolioError, match="assigned assessor"):
        review_record(
            portfolio=portfolio,
            assessor=other,
            criterion=criteria()[0],
            verdict=Review.Verdict.MET,
            comment="Fine.",
        )

    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("verdict", "comment", "message"),
    [
        ("excellent", "Fine.", "Choose met"),
        (Review.Verdict.MET, "   ", "Write a comment"),
    ],
)
def test_review_refuses_bad_input(portfolio, assessor, verdict, comment, message):
    with pytest.raises(PortfolioError, match=message):
        review_record(
            portfolio=portfolio,
            assessor=assessor,
            criterion=criteria()[0],
            verdict=verdict,
            comment=comment,
        )

    assert not Review.objects.exists()


def test_reviews_and_sign_offs_are_append_only(portfolio, assessor):
    row = signed_off(portfolio, assessor)
    review = Review.objects.first()

    review.comment = "Rewritten"
    with pytest.raises(ValueError, match="append-only"):
        review.save()
    with pytest.raises(ValueError, match="append-only"):
        Review.objects.filter(pk=review.pk).update(comment="Rewritten")
    with pytest.raises(ValueError, match="append-only"):
        row.delete()
    with pytest.raises(ValueError, match="append-only"):
        SignOff.objects.all().delete()


# -- sign-off ----------------------------------------------------------------------


def test_sign_off_stores_the_final_hash_and_declaration(portfolio, assessor):
    row = signed_off(portfolio, assessor)

    matches, now, count = evidence_check(portfolio)
    assert row.declaration == DECLARATION
    assert row.final_hash == now
    assert matches is True
    assert row.event_count == count
    assert row.orders == [portfolio.entries.get().order.reference]
    assert current_sign_off(portfolio) == row


def test_sign_off_needs_every_criterion_judged_met(portfolio, assessor):
    judge_all(portfolio, assessor)
    review_record(
        portfolio=portfolio,
        assessor=assessor,
        criterion=criteria()[4],
        verdict=Review.Verdict.NOT_YET_MET,
        comment="The follow-up needs the customer's words.",
    )

    with pytest.raises(PortfolioError, match="Judge every criterion met.*AC-05"):
        sign_off(portfolio=portfolio, assessor=assessor, declared=True)

    assert not SignOff.objects.exists()


def test_sign_off_needs_the_declaration(portfolio, assessor):
    judge_all(portfolio, assessor)

    with pytest.raises(PortfolioError, match="Tick the declaration"):
        sign_off(portfolio=portfolio, assessor=assessor, declared=False)

    assert not SignOff.objects.exists()


def test_sign_off_needs_evidence(db, assessor):
    from revision.services.content import content_load

    content_load()
    empty = portfolio_for(UserFactory(role="learner"))
    empty.assessor = assessor
    empty.save()
    judge_all(empty, assessor)

    with pytest.raises(PortfolioError, match="no evidence"):
        sign_off(portfolio=empty, assessor=assessor, declared=True)


def test_only_the_assigned_assessor_signs_off(portfolio, assessor):
    judge_all(portfolio, assessor)

    with pytest.raises(PortfolioError, match="assigned assessor"):
        sign_off(
            portfolio=portfolio, assessor=UserFactory(role="assessor"), declared=True
        )

    assert not SignOff.objects.exists()


def test_signed_off_portfolio_refuses_every_change(portfolio, learner, assessor):
    signed_off(portfolio, assessor)
    entry = portfolio.entries.get()

    with pytest.raises(PortfolioError, match="signed off and locked"):
        reflection_save(learner=learner, entry=entry, text="Changed my mind")
    with pytest.raises(PortfolioError, match="signed off and locked"):
        entry_remove(learner=learner, entry=entry)
    with pytest.raises(PortfolioError, match="signed off and locked"):
        entry_add(learner=learner, order=entry.order)
    with pytest.raises(PortfolioError, match="signed off and locked"):
        review_record(
            portfolio=portfolio,
            assessor=assessor,
            criterion=criteria()[0],
            verdict=Review.Verdict.NOT_YET_MET,
            comment="Second thoughts",
        )
    with pytest.raises(PortfolioError, match="signed off and locked"):
        sign_off(portfolio=portfolio, assessor=assessor, declared=True)

    assert Entry.objects.get(pk=entry.pk).reflection == ""
    assert Review.objects.count() == 5
    assert SignOff.objects.count() == 1


def test_unlock_is_recorded_with_its_reason_and_reopens(portfolio, learner, assessor):
    row = signed_off(portfolio, assessor)

    unlock = sign_off_undo(
        portfolio=portfolio, actor=assessor, reason="  Learner asked to add PS-02. "
    )

    assert unlock.sign_off == row
    assert unlock.by == assessor
    assert unlock.reason == "Learner asked to add PS-02."
    assert current_sign_off(portfolio) is None
    # the sign-off itself stays on the record
    assert SignOff.objects.filter(pk=row.pk).exists()
    reflection_save(learner=learner, entry=portfolio.entries.get(), text="Added")


def test_unlock_refuses_without_reason_or_by_another_assessor(portfolio, assessor):
    signed_off(portfolio, assessor)

    with pytest.raises(PortfolioError, match="Give the reason"):
        sign_off_undo(portfolio=portfolio, actor=assessor, reason="  ")
    with pytest.raises(PortfolioError, match="assigned assessor or a supervisor"):
        sign_off_undo(
            portfolio=portfolio, actor=UserFactory(role="assessor"), reason="Mine now"
        )

    assert not Unlock.objects.exists()
    assert current_sign_off(portfolio) is not None


def test_unlock_refuses_a_portfolio_not_signed_off(portfolio, assessor):
    with pytest.raises(PortfolioError, match="not signed off"):
        sign_off_undo(portfolio=portfolio, actor=assessor, reason="Just in case")


def test_evidence_check_detects_an_edited_event(portfolio, assessor):
    signed_off(portfolio, assessor)
    order = portfolio.entries.get().order
    event = order.events.filter(kind="check_recorded").first()

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_orderevent SET data = %s WHERE id = %s",
            ['{"kind": "products", "outcome": "passed"}', event.pk],
        )

    matches, _, _ = evidence_check(portfolio)
    assert matches is False
