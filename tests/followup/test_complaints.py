"""Complaints: opening one (the 30-day short-term right to reject, the target date
in working days, the acknowledgement), the HEAT steps, the remedy, resolution."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from followup.complaints import (
    add_working_days,
    complaint_open,
    complaint_record_heat,
    complaint_resolve,
    complaint_set_remedy,
)
from followup.models import Complaint
from orders.exceptions import OrderPermissionError, OrderRuleError, StaleOrderError
from orders.models import Communication, Order, OrderEvent
from orders.services import (
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    shipment_record_delivery,
)

from ..factories import OrderFactory

LONDON = ZoneInfo("Europe/London")
E = OrderEvent.Kind
# A Monday, well after the tests' real "today", so every step can happen then.
DELIVERY_DAY = datetime(2027, 3, 1, 10, 0, tzinfo=LONDON)


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def confirmed(verified_order, processor):
    def make():
        order = verified_order()
        return order_confirm(
            order=order,
            actor=processor,
            promised_date=date.today() + timedelta(days=1),
        )

    return make


@pytest.fixture
def delivered(confirmed, dispatcher):
    """An order delivered at `when` (default: now)."""

    def make(when: datetime | None = None):
        def deliver():
            order = order_start_fulfilment(order=confirmed(), actor=dispatcher)
            shipment = order_dispatch(order=order, actor=dispatcher, carrier="DPD")
            shipment_record_delivery(shipment=shipment, actor=dispatcher)
            order = Order.objects.get(pk=order.pk)
            assert order.status == Order.Status.DELIVERED
            return order

        if when is None:
            return deliver()
        with at(when):
            return deliver()

    return make


def open_complaint(order, actor, **fields):
    fields.setdefault("customer_words", "The kettle arrived with a cracked lid.")
    fields.setdefault("category", Complaint.Category.DAMAGED)
    return complaint_open(order=order, actor=actor, **fields)


def complaint_events(order, kind):
    return list(order.events.filter(kind=kind).order_by("pk"))


# -- the 30-day short-term right to reject ------------------------------------------


@pytest.mark.parametrize(
    ("days_after", "applies"),
    [(0, True), (29, True), (30, True), (31, False), (90, False)],
)
def test_short_term_right_to_reject_lasts_thirty_days_from_delivery(
    delivered, processor, days_after, applies
):
    # Given an order delivered on 1 March
    order = delivered(DELIVERY_DAY)
    # When the customer complains `days_after` days later (late in the day)
    with at(DELIVERY_DAY.replace(hour=23, minute=30) + timedelta(days=days_after)):
        complaint = open_complaint(order, processor)
    # Then the right to reject applies up to and including day 30, not on day 31
    assert complaint.short_term_right_to_reject is applies


def test_day_thirty_counts_by_the_calendar_not_by_the_hour(delivered, processor):
    # Given an order delivered late on 1 March
    order = delivered(DELIVERY_DAY.replace(hour=23, minute=50))
    # When the customer complains early on 31 March (under 30 × 24 hours later)
    with at(datetime(2027, 3, 31, 0, 5, tzinfo=LONDON)):
        day_30 = open_complaint(order, processor)
    # and again early on 1 April
    with at(datetime(2027, 4, 1, 0, 5, tzinfo=LONDON)):
        day_31 = open_complaint(order, processor)
    # Then day 30 applies and day 31 does not
    assert day_30.short_term_right_to_reject is True
    assert day_31.short_term_right_to_reject is False


def test_dispatched_but_undelivered_order_has_no_right_to_reject_yet(
    confirmed, processor, dispatcher
):
    # Given an order dispatched but whose delivery is not recorded
    order = order_start_fulfilment(order=confirmed(), actor=dispatcher)
    order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    # When the customer complains (about lateness)
    order = Order.objects.get(pk=order.pk)
    complaint = open_complaint(order, processor, category=Complaint.Category.LATE)
    # Then the short-term right to reject is left empty, not claimed either way
    assert complaint.short_term_right_to_reject is None
    opened = complaint_events(order, E.COMPLAINT_OPENED)[0]
    assert opened.data["short_term_right_to_reject"] is None


@pytest.mark.parametrize(
    "status",
    [
        Order.Status.RECEIVED,
        Order.Status.VERIFIED,
        Order.Status.ON_HOLD,
        Order.Status.CONFIRMED,
        Order.Status.FULFILLING,
    ],
)
def test_opening_is_refused_before_the_order_is_dispatched(processor, status):
    # Given an order whose goods have not gone out
    order = OrderFactory(status=status)
    # When a complaint is recorded about it, then it is refused with what to do
    with pytest.raises(OrderRuleError) as refused:
        open_complaint(order, processor, category=Complaint.Category.LATE)
    assert str(refused.value) == (
        f"Order {order} has not been dispatched yet, so a complaint cannot be "
        "recorded about it. Record what the customer said as a call or a message "
        "on the order; a complaint can be recorded once it has been dispatched."
    )
    # And nothing is recorded or sent
    assert not Complaint.objects.exists()
    assert not complaint_events(order, E.COMPLAINT_OPENED)
    assert not order.communications.exists()


def test_opening_is_refused_for_a_cancelled_order(processor):
    order = OrderFactory(status=Order.Status.CANCELLED)
    with pytest.raises(OrderRuleError, match="was cancelled before it was dispatched"):
        open_complaint(order, processor)
    assert not Complaint.objects.exists()
    assert not order.communications.exists()


# -- target date in working days -----------------------------------------------------


@pytest.mark.parametrize(
    ("opened", "target"),
    [
        (datetime(2027, 3, 1, 9, 0, tzinfo=LONDON), date(2027, 3, 8)),  # Mon -> Mon
        (datetime(2027, 3, 3, 17, 0, tzinfo=LONDON), date(2027, 3, 10)),  # Wed -> Wed
        (datetime(2027, 3, 5, 16, 0, tzinfo=LONDON), date(2027, 3, 12)),  # Fri -> Fri
        (datetime(2027, 3, 6, 12, 0, tzinfo=LONDON), date(2027, 3, 12)),  # Sat -> Fri
        (datetime(2027, 3, 7, 12, 0, tzinfo=LONDON), date(2027, 3, 12)),  # Sun -> Fri
    ],
)
def test_target_date_is_five_working_days_after_opening(
    delivered, processor, opened, target
):
    # Given a delivered order; when a complaint is opened at `opened`
    order = delivered(DELIVERY_DAY)
    with at(opened):
        complaint = open_complaint(order, processor)
    # Then it is due five working days later, skipping the weekend
    assert complaint.target_date == target


def test_target_working_days_come_from_the_settings(delivered, processor, settings):
    # Given the target is set to 2 working days
    settings.ORDERDESK = {**settings.ORDERDESK, "COMPLAINT_TARGET_WORKING_DAYS": 2}
    order = delivered(DELIVERY_DAY)
    # When a complaint is opened on a Thursday
    with at(datetime(2027, 3, 4, 11, 0, tzinfo=LONDON)):
        complaint = open_complaint(order, processor)
    # Then it is due the Monday after
    assert complaint.target_date == date(2027, 3, 8)


def test_add_working_days_zero_is_the_same_day():
    assert add_working_days(date(2027, 3, 3), 0) == date(2027, 3, 3)


# -- opening -------------------------------------------------------------------------


def test_opening_acknowledges_the_complaint_and_records_the_event(delivered, processor):
    # Given a delivered order
    order = delivered()
    version = order.version
    # When a processor records a complaint in the customer's words
    complaint = open_complaint(
        order, processor, customer_words="  Two mugs were broken.  "
    )
    # Then it is open, in their words, opened by the processor
    assert complaint.status == Complaint.Status.OPEN
    assert complaint.customer_words == "Two mugs were broken."
    assert complaint.opened_by == processor
    # and the customer is sent a complaint acknowledgement with the target date
    ack = order.communications.get(purpose=Communication.Purpose.COMPLAINT_ACK)
    target = complaint.target_date
    assert f"{target.day} {target:%B %Y}" in ack.content
    assert "Two mugs were broken." in ack.content
    # and the order's trail records the complaint, and its version moved on
    (event,) = complaint_events(order, E.COMPLAINT_OPENED)
    assert event.actor == processor
    assert event.data == {
        "complaint_id": complaint.pk,
        "category": "damaged",
        "short_term_right_to_reject": True,
        "target_date": complaint.target_date.isoformat(),
    }
    assert Order.objects.get(pk=order.pk).version > version


def test_customer_feedback_opens_a_complaint_with_no_staff_actor(delivered):
    # Given a delivered order; when the customer's own feedback opens a complaint
    order = delivered()
    complaint = complaint_open(
        order=order,
        customer_words="Nobody told me it would be late.",
        category=Complaint.Category.SERVICE,
    )
    # Then it is open with nobody as its opener, and the trail says so
    assert complaint.opened_by is None
    assert complaint_events(order, E.COMPLAINT_OPENED)[0].actor is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"customer_words": "   "}, "what the customer said"),
        ({"category": "rude"}, "Choose what the complaint is about"),
        ({"category": ""}, "Choose what the complaint is about"),
    ],
)
def test_opening_refuses_blank_words_or_unknown_category(
    delivered, processor, fields, message
):
    # Given a delivered order
    order = delivered()
    # When a complaint is opened with blank words or an unknown category
    with pytest.raises(OrderRuleError, match=message):
        open_complaint(order, processor, **fields)
    # Then nothing is recorded and nothing sent
    assert not Complaint.objects.exists()
    assert not complaint_events(order, E.COMPLAINT_OPENED)
    assert not order.communications.filter(
        purpose=Communication.Purpose.COMPLAINT_ACK
    ).exists()


def test_opening_refuses_learners(delivered, learner):
    order = delivered()
    with pytest.raises(OrderPermissionError):
        open_complaint(order, learner)
    assert not Complaint.objects.exists()


def test_opening_from_a_stale_page_is_refused(delivered, processor):
    # Given an order page opened at one version, after which the order changed
    order = delivered()
    stale = order.version - 1
    with pytest.raises(StaleOrderError):
        open_complaint(order, processor, expected_version=stale)
    assert not Complaint.objects.exists()


# -- HEAT ----------------------------------------------------------------------------


@pytest.fixture
def complaint(delivered, processor):
    return open_complaint(delivered(), processor)


def heat(complaint, actor, **steps):
    steps.setdefault("heard", False)
    steps.setdefault("empathised", False)
    steps.setdefault("apologised", False)
    return complaint_record_heat(complaint=complaint, actor=actor, **steps)


def test_heat_steps_are_recorded_with_who_and_when(complaint, processor, supervisor):
    # Given an open complaint; when a processor records heard and empathised
    complaint = heat(complaint, processor, heard=True, empathised=True)
    assert complaint.heard_at
    assert complaint.empathised_at
    assert complaint.apologised_at is None
    assert complaint.heat_recorded_by == processor
    # and later a supervisor records the apology and takes ownership
    complaint = heat(
        complaint,
        supervisor,
        apologised=True,
        owner=supervisor,
        action_plan="Send a replacement lid by Friday.",
    )
    # Then all four steps are recorded, with the owner and the plan
    assert complaint.apologised_at
    assert complaint.ownership_at
    assert complaint.owner == supervisor
    assert complaint.action_plan == "Send a replacement lid by Friday."
    # and each step is an event on the order, by the person who recorded it
    steps = complaint_events(complaint.order, E.COMPLAINT_STEP)
    assert [(e.data["step"], e.actor) for e in steps] == [
        ("heard", processor),
        ("empathised", processor),
        ("apologised", supervisor),
        ("ownership", supervisor),
    ]
    assert steps[-1].data["owner_id"] == supervisor.pk


@pytest.mark.parametrize(
    ("steps", "missing"),
    [
        ({"empathised": True}, "heard the customer out"),
        ({"heard": True, "apologised": True}, "empathised"),
        ({"apologised": True}, "heard the customer out, empathised"),
    ],
)
def test_heat_steps_are_taken_in_order(complaint, processor, steps, missing):
    # Given an open complaint; when a later step is recorded before an earlier one
    with pytest.raises(OrderRuleError, match=f"record {missing} before"):
        heat(complaint, processor, **steps)
    # Then nothing is recorded
    complaint.refresh_from_db()
    assert complaint.heard_at is None
    assert complaint.empathised_at is None
    assert not complaint_events(complaint.order, E.COMPLAINT_STEP)


def test_ownership_comes_after_the_first_three_steps(complaint, processor):
    with pytest.raises(OrderRuleError, match="before “took ownership”"):
        heat(complaint, processor, heard=True, owner=processor, action_plan="Call")
    complaint.refresh_from_db()
    assert complaint.owner is None
    assert complaint.heard_at is None


@pytest.mark.parametrize(
    ("owner", "plan"), [(True, ""), (True, "   "), (False, "Refund the customer")]
)
def test_ownership_needs_an_owner_and_an_action_plan(complaint, processor, owner, plan):
    # Given heard, empathised and apologised are recorded
    complaint = heat(complaint, processor, heard=True, empathised=True, apologised=True)
    # When ownership is recorded without an owner or without a plan
    with pytest.raises(OrderRuleError, match="both who owns the complaint"):
        heat(
            complaint,
            processor,
            owner=processor if owner else None,
            action_plan=plan,
        )
    # Then it is refused and nobody owns it
    complaint.refresh_from_db()
    assert complaint.owner is None
    assert complaint.ownership_at is None


def test_only_staff_can_own_a_complaint(complaint, processor, learner):
    complaint = heat(complaint, processor, heard=True, empathised=True, apologised=True)
    with pytest.raises(OrderRuleError, match="must be a member of staff"):
        heat(complaint, processor, owner=learner, action_plan="Call them")


def test_recorded_steps_are_not_changed(complaint, processor, supervisor):
    # Given heard recorded by the processor
    complaint = heat(complaint, processor, heard=True)
    heard_at = complaint.heard_at
    # When heard is ticked again, with nothing new
    with pytest.raises(OrderRuleError, match="nothing new"):
        heat(complaint, supervisor, heard=True)
    # Then the first record stands
    complaint.refresh_from_db()
    assert complaint.heard_at == heard_at
    assert len(complaint_events(complaint.order, E.COMPLAINT_STEP)) == 1


def test_ownership_once_taken_is_not_reassigned(complaint, processor, supervisor):
    complaint = heat(
        complaint,
        processor,
        heard=True,
        empathised=True,
        apologised=True,
        owner=processor,
        action_plan="Replace it",
    )
    with pytest.raises(OrderRuleError, match="took ownership on"):
        heat(complaint, supervisor, owner=supervisor, action_plan="Refund it")
    complaint.refresh_from_db()
    assert complaint.owner == processor
    assert complaint.action_plan == "Replace it"


def test_heat_refuses_learners_and_assessors(complaint, learner, assessor):
    for person in (learner, assessor):
        with pytest.raises(OrderPermissionError):
            heat(complaint, person, heard=True)
    complaint.refresh_from_db()
    assert complaint.heard_at is None


# -- remedy --------------------------------------------------------------------------


def test_remedy_is_recorded_with_the_right_to_reject(complaint, processor):
    # Given a complaint within 30 days of delivery
    assert complaint.short_term_right_to_reject is True
    # When a refund is recorded as the remedy
    complaint = complaint_set_remedy(
        complaint=complaint, actor=processor, remedy=Complaint.Remedy.REFUND
    )
    # Then it is the remedy, and the step's event says the right applied
    assert complaint.remedy == Complaint.Remedy.REFUND
    (event,) = complaint_events(complaint.order, E.COMPLAINT_STEP)
    assert event.data["step"] == "remedy"
    assert event.data["remedy"] == "refund"
    assert event.data["short_term_right_to_reject"] is True


def test_changing_the_remedy_records_what_it_replaced(complaint, processor):
    complaint_set_remedy(complaint=complaint, actor=processor, remedy="repair")
    complaint = complaint_set_remedy(
        complaint=complaint,
        actor=processor,
        remedy="replacement",
        note="The repair failed",
    )
    assert complaint.remedy == "replacement"
    last = complaint_events(complaint.order, E.COMPLAINT_STEP)[-1]
    assert last.data["before"] == "repair"
    assert last.data["note"] == "The repair failed"


@pytest.mark.parametrize(
    ("remedy", "note", "message"),
    [
        ("voucher", "", "Choose the remedy"),
        ("none", "  ", "Say why no remedy is due"),
    ],
)
def test_remedy_refuses_unknown_or_unexplained(
    complaint, processor, remedy, note, message
):
    with pytest.raises(OrderRuleError, match=message):
        complaint_set_remedy(
            complaint=complaint, actor=processor, remedy=remedy, note=note
        )
    complaint.refresh_from_db()
    assert complaint.remedy == ""
    assert not complaint_events(complaint.order, E.COMPLAINT_STEP)


# -- resolve -------------------------------------------------------------------------


def ready(complaint, actor):
    complaint = heat(
        complaint,
        actor,
        heard=True,
        empathised=True,
        apologised=True,
        owner=actor,
        action_plan="Send a new lid",
    )
    return complaint_set_remedy(complaint=complaint, actor=actor, remedy="replacement")


def test_resolving_needs_every_heat_step_first(complaint, processor):
    # Given only heard and empathised recorded, and a remedy
    complaint = heat(complaint, processor, heard=True, empathised=True)
    complaint_set_remedy(complaint=complaint, actor=processor, remedy="refund")
    # When it is resolved, then it is refused naming the steps still to do
    with pytest.raises(OrderRuleError, match="still to do: apologised, took owner"):
        complaint_resolve(
            complaint=complaint,
            actor=processor,
            resolution="Refunded",
            customer_satisfied=True,
        )
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.OPEN
    assert not complaint_events(complaint.order, E.COMPLAINT_RESOLVED)


def test_resolving_needs_a_remedy_first(complaint, processor):
    complaint = heat(
        complaint,
        processor,
        heard=True,
        empathised=True,
        apologised=True,
        owner=processor,
        action_plan="Look into it",
    )
    with pytest.raises(OrderRuleError, match="Record the remedy"):
        complaint_resolve(
            complaint=complaint,
            actor=processor,
            resolution="Sorted",
            customer_satisfied=True,
        )
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.OPEN


def test_resolving_tells_the_customer_and_records_days_taken(delivered, processor):
    # Given a complaint opened on Monday 1 March with its steps and remedy done
    order = delivered(DELIVERY_DAY)
    with at(DELIVERY_DAY + timedelta(hours=2)):
        complaint = ready(open_complaint(order, processor), processor)
    # When it is resolved on Thursday 4 March
    with at(datetime(2027, 3, 4, 15, 0, tzinfo=LONDON)):
        complaint = complaint_resolve(
            complaint=complaint,
            actor=processor,
            resolution="A new lid was sent and arrived.",
            customer_satisfied=True,
        )
    # Then it is resolved by the processor, the customer satisfied
    assert complaint.status == Complaint.Status.RESOLVED
    assert complaint.resolved_by == processor
    assert complaint.customer_satisfied
    # and the customer was sent the resolution
    notice = order.communications.get(
        purpose=Communication.Purpose.COMPLAINT_RESOLUTION
    )
    assert "A new lid was sent and arrived." in notice.content
    # and the trail records three days to resolve
    (event,) = complaint_events(order, E.COMPLAINT_RESOLVED)
    assert event.data == {
        "complaint_id": complaint.pk,
        "days_to_resolve": 3,
        "customer_satisfied": True,
    }


def test_a_resolved_complaint_takes_no_more_steps(complaint, processor):
    complaint = ready(complaint, processor)
    complaint_resolve(
        complaint=complaint,
        actor=processor,
        resolution="Replaced",
        customer_satisfied=False,
    )
    with pytest.raises(OrderRuleError, match="resolved already"):
        complaint_set_remedy(complaint=complaint, actor=processor, remedy="refund")
    with pytest.raises(OrderRuleError, match="resolved already"):
        complaint_resolve(
            complaint=complaint,
            actor=processor,
            resolution="Again",
            customer_satisfied=True,
        )
    assert len(complaint_events(complaint.order, E.COMPLAINT_RESOLVED)) == 1


@pytest.mark.parametrize(
    ("resolution", "satisfied", "message"),
    [("  ", True, "Write how"), ("Done", None, "Say whether the customer")],
)
def test_resolving_refuses_missing_words_or_satisfaction(
    complaint, processor, resolution, satisfied, message
):
    complaint = ready(complaint, processor)
    with pytest.raises(OrderRuleError, match=message):
        complaint_resolve(
            complaint=complaint,
            actor=processor,
            resolution=resolution,
            customer_satisfied=satisfied,
        )
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.OPEN


def test_a_broken_saved_wording_does_not_stop_a_complaint(
    delivered, processor, monkeypatch
):
    # Given the supervisors' acknowledgement wording cannot be rendered
    from orders.services import messages

    def broken(**kwargs):
        raise OrderRuleError("The template has an unknown tag.")

    monkeypatch.setattr(messages, "message_render", broken)
    order = delivered()
    # When a complaint is opened, then it is still recorded and acknowledged,
    # in the plain built-in words with the target date
    complaint = open_complaint(order, processor)
    ack = order.communications.get(purpose=Communication.Purpose.COMPLAINT_ACK)
    target = complaint.target_date
    assert f"We aim to resolve it by {target:%A} {target.day}" in ack.content


# -- at the same moment (PostgreSQL) -------------------------------------------------


def _together(jobs):
    """Run each job in its own thread and database connection, all at once."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except OrderRuleError as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, job), daemon=True)
        for i, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_resolving_at_once_resolve_it_once(delivered, processor, supervisor):
    # Given a complaint ready to resolve
    complaint = ready(open_complaint(delivered(), processor), processor)

    def resolve(actor, words):
        return lambda: complaint_resolve(
            complaint=complaint,
            actor=actor,
            resolution=words,
            customer_satisfied=True,
        )

    # When a processor and a supervisor resolve it at the same moment
    results = _together(
        [resolve(processor, "Replaced"), resolve(supervisor, "Refunded")]
    )
    # Then one resolves it and the other is told it is resolved already
    refused = [r for r in results if isinstance(r, OrderRuleError)]
    assert len(refused) == 1
    assert "resolved already" in str(refused[0])
    order = complaint.order
    assert len(complaint_events(order, E.COMPLAINT_RESOLVED)) == 1
    assert (
        order.communications.filter(
            purpose=Communication.Purpose.COMPLAINT_RESOLUTION
        ).count()
        == 1
    )
