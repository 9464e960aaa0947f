"""The practice services: starting a scenario on its own data, the simulated
customer and warehouse, and finishing with a score that is kept as it was."""

import pytest
from django.db import connection

from inventory.models import StockLevel
from orders.models import Communication, Order, OrderEvent
from revision.exceptions import ContentFileError, RevisionError
from revision.models import (
    PracticeAttempt,
    PracticeResult,
    ReviewLog,
    Scenario,
)
from revision.scoring import score
from revision.services.content import SCENARIO_FILE, content_load
from revision.services.practice import (
    practice_customer_replies,
    practice_finish,
    practice_fulfil,
    practice_start,
    scenario_spec,
    trail_for,
)

from ..factories import UserFactory
from .practice_runs import Run, verdicts


@pytest.fixture
def loaded(db):
    content_load()


@pytest.fixture
def start(loaded, learner, django_capture_on_commit_callbacks):
    def start(identifier: str) -> Run:
        return Run.start(learner, identifier, django_capture_on_commit_callbacks)

    return start


def verdicts_now(run: Run) -> dict[str, str]:
    """How the attempt would score on its trail as it stands now."""
    judged = score(scenario_spec(run.scenario), trail_for(run.attempt))
    return {j.marking_point: j.verdict for j in judged}


def test_start_builds_the_scenarios_own_pool_customer_and_order(start, learner):
    run = start("PS-10")
    order = run.order
    scenario = run.scenario

    assert order.practice_learner == learner
    assert order.customer.practice
    assert order.customer.name == scenario.data["customer"]["name"]
    assert not order.stock_pool.is_live
    assert all(line.product.practice for line in order.lines.all())
    levels = {
        level.product.code: level.on_hand
        for level in StockLevel.objects.filter(pool=order.stock_pool)
    }
    assert levels == {item["code"]: item["on_hand"] for item in scenario.data["stock"]}
    # the earlier order on the same PO is there, hours before
    earlier = Order.objects.filter(customer=order.customer).exclude(pk=order.pk)
    assert earlier.count() == 1
    assert earlier.get().received_at < order.received_at
    assert earlier.get().practice_learner == learner


def test_start_sets_the_restock_date_the_scenario_gives(start):
    run = start("PS-01")
    level = StockLevel.objects.get(pool=run.order.stock_pool)
    assert level.on_hand == 0
    assert level.restock_date is not None


def test_start_refuses_a_second_attempt_in_progress(start, learner):
    run = start("PS-02")
    with pytest.raises(RevisionError, match="already working on this scenario"):
        practice_start(learner=learner, scenario=run.scenario)


def test_start_is_allowed_again_once_the_attempt_has_ended(start, learner):
    run = start("PS-02")
    run.finish(abandon=True)
    assert practice_start(learner=learner, scenario=run.scenario).pk != run.attempt.pk


def test_start_refuses_an_inactive_scenario(loaded, learner):
    scenario = Scenario.objects.get(identifier="PS-03")
    scenario.active = False
    scenario.save(update_fields=["active"])
    with pytest.raises(RevisionError, match="not available"):
        practice_start(learner=learner, scenario=scenario)
    assert not PracticeAttempt.objects.exists()


def test_replies_answer_each_message_once_on_its_channel(start):
    run = start("PS-04")
    run.tell("query", "Did you mean PEN-9001?")
    (reply,) = run.replies()
    assert reply.direction == Communication.Direction.INBOUND
    assert reply.channel == "email"
    assert "PEN-9001" in reply.content

    assert run.replies() == []  # answered already

    run.tell("query", "One more question.")
    assert len(run.replies()) == 1


def test_replies_ignore_a_purpose_the_scenario_has_no_answer_for(start):
    run = start("PS-04")
    run.tell("other", "Just so you know.")
    assert run.replies() == []


def test_fulfil_refuses_before_confirmation_and_delivers_after(start):
    run = start("PS-02")
    with pytest.raises(RevisionError, match="Confirm the order first"):
        run.fulfil()

    run.confirm()
    order = run.fulfil()

    assert order.status == Order.Status.DELIVERED
    assert order.shipments.get().delivered_at is not None


def test_fulfil_brings_in_backordered_stock(start):
    run = start("PS-01")
    message, reply = run.ask("backorder_notice", "Will you wait?")
    run.backorder(reply.content, communication=reply)
    run.confirm()
    assert run.fulfil().status == Order.Status.DELIVERED


def test_finish_scores_once_and_refuses_a_second_finish(start, learner):
    run = start("PS-02")
    result = run.finish()

    assert run.attempt.__class__.objects.get(pk=run.attempt.pk).status == "finished"
    assert result.met + result.partly + result.not_met == 8
    assert result.events
    with pytest.raises(RevisionError, match="has ended"):
        practice_finish(attempt=run.attempt, learner=learner)
    assert PracticeResult.objects.count() == 1


def test_finish_refuses_another_learner(start):
    run = start("PS-02")
    other = UserFactory(role="learner")
    with pytest.raises(RevisionError, match="someone else's"):
        practice_finish(attempt=run.attempt, learner=other)
    with pytest.raises(RevisionError, match="someone else's"):
        practice_customer_replies(attempt=run.attempt, learner=other)
    with pytest.raises(RevisionError, match="someone else's"):
        practice_fulfil(attempt=run.attempt, learner=other)
    assert not PracticeResult.objects.exists()


def test_result_stays_as_scored_when_the_trail_is_edited_afterwards(start):
    run = start("PS-02")
    run.confirm()
    run.fulfil()
    run.follow_up()
    result = run.finish()
    stored = (result.points, result.events, result.met)

    # someone with database access removes the follow-up from the trail afterwards
    # (the model refuses it: the trail is append-only)
    followed = OrderEvent.objects.get(order=run.order, kind="followed_up")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM orders_orderevent WHERE id = %s", [followed.pk])
    assert verdicts_now(run)["MP-04"] == "not met"

    kept = PracticeResult.objects.get(pk=result.pk)
    assert (kept.points, kept.events, kept.met) == stored
    assert verdicts(kept)["MP-04"] == "met"
    with pytest.raises(ValueError, match="append-only"):
        kept.save()
    with pytest.raises(ValueError, match="append-only"):
        PracticeResult.objects.filter(pk=kept.pk).update(met=0)


def test_abandon_scores_what_was_done(start):
    run = start("PS-01")
    result = run.finish(abandon=True)

    assert run.attempt.__class__.objects.get(pk=run.attempt.pk).status == "abandoned"
    assert verdicts(result)["MP-06"] == "not met"
    assert result.not_met > 0


def test_a_missed_point_puts_its_misconceptions_into_reviews(start, learner):
    run = start("PS-03")
    run.confirm()
    run.fulfil()
    run.finish()  # no follow-up: MP-04 and MP-05 missed (MC-03, MC-04)

    notes = ReviewLog.objects.filter(
        card__learner=learner, reason=ReviewLog.Reason.MISCONCEPTION
    )
    revisited = {log.card.item.identifier for log in notes}
    assert notes.exists()
    assert all("PS-03" in log.note for log in notes)
    assert revisited  # the quiz items that test MC-03 and MC-04


def test_a_fully_met_attempt_puts_nothing_into_reviews(start, learner):
    run = start("PS-02")
    run.confirm()
    run.give_confirmation()
    run.fulfil()
    run.follow_up()
    run.finish()
    assert not ReviewLog.objects.filter(card__learner=learner).exists()


def test_a_scenario_naming_a_customer_field_that_does_not_exist_is_refused(
    loaded, tmp_path
):
    # given the scenarios file with a customer's "email" misspelt
    text = SCENARIO_FILE.read_text()
    broken = tmp_path / "scenarios.toml"
    broken.write_text(text.replace("\nemail = ", "\nemial = ", 1))
    before = list(Scenario.objects.values_list("identifier", "data"))
    # when it is loaded, then it is refused, naming the field, and nothing changes
    with pytest.raises(ContentFileError, match="the customer has no field.*emial"):
        content_load(scenario_file=broken)
    assert list(Scenario.objects.values_list("identifier", "data")) == before
