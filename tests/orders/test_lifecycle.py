"""The order lifecycle: every transition, its guards, and who may take it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from inventory.selectors import stock_ledger_mismatches, stock_level
from orders.exceptions import (
    OrderInputError,
    OrderPermissionError,
    OrderRuleError,
    StaleOrderError,
)
from orders.models import (
    Communication,
    Order,
    OrderEvent,
    OrderException,
    OrderLine,
    Payment,
    Shipment,
)
from orders.services import (
    TRANSITIONS,
    exception_raise,
    exception_resolve,
    order_cancel,
    order_close,
    order_confirm,
    order_dispatch,
    order_record_follow_up,
    order_start_fulfilment,
    shipment_record_delivery,
    verification_run,
)
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory

S = Order.Status
E = OrderEvent.Kind


def _in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def fulfilling_order(verified_order, processor, dispatcher, tomorrow):
    """A verified order of 4 units, confirmed and handed to the warehouse."""

    def make(quantity: int = 4, **fields):
        order = verified_order(quantity=quantity, **fields)
        order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
        return order_start_fulfilment(order=order, actor=dispatcher)

    return make


@pytest.fixture
def delivered_order(fulfilling_order, dispatcher):
    def make(**fields):
        order = fulfilling_order(**fields)
        shipment = order_dispatch(order=order, actor=dispatcher, carrier="DPD")
        shipment_record_delivery(shipment=shipment, actor=dispatcher)
        return Order.objects.get(pk=order.pk)

    return make


# --- the happy path --------------------------------------------------------------


def test_an_order_goes_from_receipt_to_close_leaving_its_trail(
    receive,
    stocked_product,
    processor,
    dispatcher,
    tomorrow,
    django_capture_on_commit_callbacks,
):
    # given a product in stock
    product = stocked_product(10)
    # when an order for it is taken through every stage by the right people
    with django_capture_on_commit_callbacks(execute=True):
        order = receive([(product.code, 2)])
    order = Order.objects.get(pk=order.pk)
    assert order.status == S.VERIFIED
    with django_capture_on_commit_callbacks(execute=True):
        order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
        order = order_start_fulfilment(order=order, actor=dispatcher)
        shipment = order_dispatch(
            order=order, actor=dispatcher, carrier="DPD", tracking_reference="TRK1"
        )
        shipment_record_delivery(
            shipment=shipment, actor=dispatcher, proof_of_delivery="Signed: J. Smith"
        )
        order_record_follow_up(
            order=order,
            actor=processor,
            channel="phone",
            outcome="reached",
            notes="Arrived safely; very happy.",
            satisfaction=5,
        )
        order = order_close(order=order, actor=processor)
    # then it is closed, and its trail shows each stage in order with who did it
    assert order.status == S.CLOSED
    milestones = [
        E.RECEIVED,
        E.VERIFICATION_STARTED,
        E.VERIFIED,
        E.CONFIRMED,
        E.FULFILMENT_STARTED,
        E.DISPATCHED,
        E.DELIVERED,
        E.FOLLOWED_UP,
        E.CLOSED,
    ]
    trail = list(order.events.filter(kind__in=milestones).order_by("pk"))
    assert [event.kind for event in trail] == milestones
    assert [event.status_after for event in trail] == [
        S.RECEIVED,
        S.VERIFYING,
        S.VERIFIED,
        S.CONFIRMED,
        S.FULFILLING,
        S.DISPATCHED,
        S.DELIVERED,
        S.FOLLOWED_UP,
        S.CLOSED,
    ]
    by = {event.kind: event.actor for event in trail}
    assert by[E.CONFIRMED] == by[E.CLOSED] == processor
    assert by[E.DISPATCHED] == by[E.DELIVERED] == dispatcher
    # and the customer heard at each stage: acknowledgement, confirmation, dispatch
    assert [m.subject for m in mail.outbox] == [
        f"We have received your order {order.reference}",
        f"Order {order.reference} confirmed",
        f"Order {order.reference} dispatched",
    ]
    # and the card was authorised at verification and captured at dispatch
    assert list(order.payments.values_list("operation", "status")) == [
        ("authorise", "authorised"),
        ("capture", "captured"),
    ]


def test_confirm_tells_the_customer_the_lines_total_and_date(
    verified_order, processor, django_capture_on_commit_callbacks
):
    # given a verified order
    order = verified_order(quantity=2)
    promised = _in_days(5)
    # when it is confirmed
    with django_capture_on_commit_callbacks(execute=True):
        order = order_confirm(order=order, actor=processor, promised_date=promised)
    # then the confirmation states the lines, total and the promised date
    (message,) = mail.outbox
    line = order.lines.get()
    assert f"2 × {line.description} ({line.product_code}) at £10.00" in message.body
    assert "Total £24.00 including VAT of £4.00" in message.body
    assert f"Delivery by {promised:%A %d %B %Y}" in message.body
    confirmation = order.communications.get(purpose="confirmation")
    assert confirmation.outcome == Communication.Outcome.SENT
    assert order.promised_date == promised


# --- every transition refused from every wrong status ----------------------------


def _confirm(order, actor):
    return order_confirm(order=order, actor=actor, promised_date=_in_days(1))


def _start_fulfilment(order, actor):
    return order_start_fulfilment(order=order, actor=actor)


def _dispatch(order, actor):
    return order_dispatch(order=order, actor=actor, carrier="DPD")


def _record_delivery(order, actor):
    shipment = order.shipments.first()
    return shipment_record_delivery(shipment=shipment, actor=actor)


def _record_follow_up(order, actor):
    return order_record_follow_up(
        order=order, actor=actor, channel="phone", outcome="reached", notes="Fine."
    )


def _close(order, actor):
    return order_close(order=order, actor=actor)


def _cancel(order, actor):
    return order_cancel(order=order, actor=actor, reason="Customer changed mind.")


ACTIONS = {
    "confirm": _confirm,
    "start_fulfilment": _start_fulfilment,
    "dispatch": _dispatch,
    "record_delivery": _record_delivery,
    "record_follow_up": _record_follow_up,
    "close": _close,
    "cancel": _cancel,
}
WRONG_STATUS = [
    pytest.param(action, status, id=f"{action}-from-{status}")
    for action in ACTIONS
    for status in S.values
    if status not in TRANSITIONS[action].sources
]


@pytest.mark.parametrize(("action", "status"), WRONG_STATUS)
def test_transition_is_refused_from_a_wrong_status_and_changes_nothing(
    supervisor, action, status
):
    # given an order in a status the action cannot start from (and a supervisor,
    # who may take every action)
    order = OrderFactory(status=status)
    OrderLineFactory(order=order, status=OrderLine.Status.RESERVED, quantity_reserved=1)
    Shipment.objects.create(order=order, carrier="DPD", dispatched_by=supervisor)
    before = Order.objects.get(pk=order.pk)
    # when the action is tried
    with pytest.raises(OrderRuleError) as refused:
        ACTIONS[action](order, supervisor)
    # then the message names the order's status and nothing changed
    assert not isinstance(refused.value, OrderPermissionError)
    assert f"is {S(status).label.lower()};" in str(refused.value)
    after = Order.objects.get(pk=order.pk)
    assert (after.status, after.version) == (before.status, before.version)
    assert not order.events.exists()
    assert not order.communications.exists()


def test_refusal_message_says_when_the_action_is_possible(supervisor):
    # given a confirmed order
    order = OrderFactory(status=S.CONFIRMED)
    # when it is closed
    with pytest.raises(OrderRuleError) as refused:
        order_close(order=order, actor=supervisor)
    # then the message says what it is now and when it could be closed
    assert str(refused.value) == (
        f"Order {order.reference} is confirmed; it can be closed only when it is "
        "delivered or followed up."
    )


# --- roles -----------------------------------------------------------------------

ROLES = ["processor", "dispatcher", "supervisor", "learner", "assessor"]
WRONG_ROLE = [
    pytest.param(action, role, id=f"{role}-cannot-{action}")
    for action in ACTIONS
    for role in ROLES
    if role not in TRANSITIONS[action].roles
]


@pytest.mark.parametrize(("action", "role"), WRONG_ROLE)
def test_transition_is_refused_to_a_role_that_may_not_take_it(
    request, action, role, dispatcher
):
    # given an order ready for the action, and a person whose job is something else
    person = request.getfixturevalue(role)
    status = sorted(TRANSITIONS[action].sources)[0]
    order = OrderFactory(status=status)
    OrderLineFactory(order=order, status=OrderLine.Status.RESERVED, quantity_reserved=1)
    Shipment.objects.create(order=order, carrier="DPD", dispatched_by=dispatcher)
    # when they try it
    with pytest.raises(OrderPermissionError, match="Only a"):
        ACTIONS[action](order, person)
    # then nothing changed
    assert Order.objects.get(pk=order.pk).status == status
    assert not order.events.exists()


def test_role_rules_match_the_separation_of_processing_and_fulfilment():
    # the people who confirm an order are not the people who send it
    processing = {"confirm", "record_follow_up", "close", "cancel"}
    fulfilment = {"start_fulfilment", "dispatch", "record_delivery"}
    for action in processing:
        assert "dispatcher" not in TRANSITIONS[action].roles
        assert "processor" in TRANSITIONS[action].roles
    for action in fulfilment:
        assert "processor" not in TRANSITIONS[action].roles
        assert "dispatcher" in TRANSITIONS[action].roles


def test_dispatcher_cannot_confirm(verified_order, dispatcher, tomorrow):
    # given a verified order
    order = verified_order()
    # when a dispatcher confirms it, then they are refused
    with pytest.raises(OrderPermissionError, match="order processor or supervisor"):
        order_confirm(order=order, actor=dispatcher, promised_date=tomorrow)
    assert Order.objects.get(pk=order.pk).status == S.VERIFIED


def test_processor_cannot_dispatch(fulfilling_order, processor):
    # given an order being fulfilled
    order = fulfilling_order()
    # when a processor dispatches it, then they are refused
    with pytest.raises(OrderPermissionError, match="dispatcher or supervisor"):
        order_dispatch(order=order, actor=processor, carrier="DPD")
    assert not order.shipments.exists()


# --- confirm ---------------------------------------------------------------------


def test_confirm_refuses_order_with_open_exception(verified_order, processor, tomorrow):
    # given a verified order with a problem still open on it
    order = verified_order()
    OrderException.objects.create(order=order, kind="other", found="Query on address")
    # when it is confirmed, then it is refused and nothing changes
    with pytest.raises(OrderRuleError, match="Resolve the order's open exceptions"):
        order_confirm(order=order, actor=processor, promised_date=tomorrow)
    order.refresh_from_db()
    assert (order.status, order.promised_date) == (S.VERIFIED, None)
    assert not order.communications.filter(purpose="confirmation").exists()


@pytest.mark.parametrize(
    ("line_status", "restock_days"),
    [
        (OrderLine.Status.PENDING, None),
        (OrderLine.Status.SHORT, None),
        (OrderLine.Status.SHORT, 10),
        (OrderLine.Status.BACKORDERED, None),
    ],
)
def test_confirm_refuses_without_confirmed_stock(
    processor, tomorrow, line_status, restock_days
):
    # given a verified order with one line that holds no stock and no dated backorder
    order = OrderFactory(status=S.VERIFIED)
    OrderLineFactory(order=order, line_number=1, status=OrderLine.Status.RESERVED)
    short = OrderLineFactory(
        order=order,
        line_number=2,
        status=line_status,
        restock_date=_in_days(restock_days) if restock_days else None,
    )
    # when it is confirmed
    with pytest.raises(OrderRuleError) as refused:
        order_confirm(order=order, actor=processor, promised_date=_in_days(30))
    # then it is refused, naming the line, and nothing changes
    assert str(refused.value).startswith(
        "Confirm stock before promising a delivery date"
    )
    assert f"line 2 ({short.product_code})" in str(refused.value)
    assert "line 1" not in str(refused.value)
    order.refresh_from_db()
    assert (order.status, order.promised_date) == (S.VERIFIED, None)


def test_confirm_refuses_a_date_in_the_past_as_in_the_past(verified_order, processor):
    # given a verified order with its stock reserved
    order = verified_order()
    yesterday = _in_days(-1)
    # when it is confirmed for yesterday, then it is refused for being past (not
    # for stock, which is there), as an error on the promised date
    with pytest.raises(OrderInputError) as refused:
        order_confirm(order=order, actor=processor, promised_date=yesterday)
    assert refused.value.errors == {
        "promised_date": ["The promised date cannot be in the past."]
    }
    assert Order.objects.get(pk=order.pk).status == S.VERIFIED


@pytest.mark.parametrize("promised", [date(9999, 12, 31), _in_days(367)])
def test_confirm_refuses_a_date_more_than_a_year_ahead(
    verified_order, processor, promised
):
    # given a verified order
    order = verified_order()
    # when it is promised for a mistyped year, then it is refused and nothing is sent
    with pytest.raises(OrderInputError) as refused:
        order_confirm(order=order, actor=processor, promised_date=promised)
    assert refused.value.errors == {
        "promised_date": ["That is more than a year ahead: check the year."]
    }
    order.refresh_from_db()
    assert (order.status, order.promised_date) == (S.VERIFIED, None)
    assert not order.communications.filter(
        purpose=Communication.Purpose.CONFIRMATION
    ).exists()


def test_confirm_accepts_a_date_366_days_ahead(verified_order, processor):
    order = verified_order()
    order = order_confirm(order=order, actor=processor, promised_date=_in_days(366))
    assert (order.status, order.promised_date) == (S.CONFIRMED, _in_days(366))


def test_confirm_accepts_today(verified_order, processor):
    # given a verified order with its stock reserved
    order = verified_order()
    # when it is confirmed for delivery today, then that is accepted
    order = order_confirm(
        order=order, actor=processor, promised_date=timezone.localdate()
    )
    assert order.status == S.CONFIRMED


def test_confirm_refuses_a_date_before_a_backordered_lines_restock(processor):
    # given a verified order with a line backordered until ten days from now
    restock = _in_days(10)
    order = OrderFactory(status=S.VERIFIED)
    OrderLineFactory(order=order, line_number=1, status=OrderLine.Status.RESERVED)
    OrderLineFactory(
        order=order,
        line_number=2,
        status=OrderLine.Status.BACKORDERED,
        restock_date=restock,
    )
    # when it is confirmed for the day before, then it is refused with the date
    with pytest.raises(OrderRuleError) as refused:
        order_confirm(order=order, actor=processor, promised_date=_in_days(9))
    assert f"earliest delivery date you can promise is {restock:%d %B %Y}" in str(
        refused.value
    )
    assert Order.objects.get(pk=order.pk).status == S.VERIFIED


def test_confirm_accepts_a_backordered_line_with_a_known_restock_date(processor):
    # given a verified order with a line backordered until ten days from now
    restock = _in_days(10)
    order = OrderFactory(status=S.VERIFIED)
    OrderLineFactory(
        order=order,
        line_number=1,
        status=OrderLine.Status.BACKORDERED,
        restock_date=restock,
    )
    # when it is confirmed for that date
    order = order_confirm(order=order, actor=processor, promised_date=restock)
    # then it is confirmed, and the event records the backordered line
    assert order.status == S.CONFIRMED
    assert order.promised_date == restock
    event = order.events.get(kind=E.CONFIRMED)
    assert event.data["backordered_lines"] == [1]
    assert event.data["promised_date"] == restock.isoformat()


def test_confirm_refuses_a_stale_page(verified_order, processor, tomorrow):
    # given a processor who opened a verified order
    order = verified_order()
    opened_version = order.version
    # and meanwhile someone raised and resolved a problem on it
    problem = exception_raise(
        order=order, actor=processor, kind="other", found="Phone to check address"
    )
    exception_resolve(
        exception=problem,
        actor=processor,
        resolution="Address confirmed",
        customer_informed=True,
    )
    # when the first processor confirms from their old page, then it is refused
    with pytest.raises(StaleOrderError, match="changed since you opened it"):
        order_confirm(
            order=order,
            actor=processor,
            promised_date=tomorrow,
            expected_version=opened_version,
        )
    assert Order.objects.get(pk=order.pk).status == S.VERIFIED
    # and from a freshly opened page it works
    current = Order.objects.get(pk=order.pk)
    order = order_confirm(
        order=current,
        actor=processor,
        promised_date=tomorrow,
        expected_version=current.version,
    )
    assert order.status == S.CONFIRMED


def test_every_transition_bumps_the_version(verified_order, processor, tomorrow):
    # given a verified order
    order = verified_order()
    before = order.version
    # when it is confirmed
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    # then its version moved on, so pages opened earlier are stale
    assert order.version == before + 1
    with pytest.raises(StaleOrderError):
        order_start_fulfilment(order=order, actor=processor, expected_version=before)


# --- fulfilment ------------------------------------------------------------------


def test_partial_dispatch_leaves_the_order_being_fulfilled(
    fulfilling_order, dispatcher, live_pool, django_capture_on_commit_callbacks
):
    # given an order for 4 being fulfilled
    order = fulfilling_order(quantity=4)
    line = order.lines.get()
    # when 1 is dispatched
    with django_capture_on_commit_callbacks(execute=True):
        shipment = order_dispatch(
            order=order, actor=dispatcher, carrier="DPD", quantities={line.pk: 1}
        )
    # then the order is still being fulfilled and the customer knows more will follow
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == S.FULFILLING
    assert (line.status, line.quantity_dispatched) == (OrderLine.Status.RESERVED, 1)
    assert list(shipment.lines.values_list("line", "quantity")) == [(line.pk, 1)]
    level = stock_level(pool=live_pool, product_id=line.product_id)
    assert (level.on_hand, level.reserved) == (99, 3)
    assert "The rest will follow." in mail.outbox[-1].body
    assert order.events.get(kind=E.DISPATCHED).data["partial"] is True


def test_the_last_shipment_dispatches_the_order_and_payment_is_captured_once(
    fulfilling_order, dispatcher
):
    # given an order for 4 with 1 already sent
    order = fulfilling_order(quantity=4)
    line = order.lines.get()
    order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", quantities={line.pk: 1}
    )
    # when the rest is dispatched
    shipment = order_dispatch(order=order, actor=dispatcher, carrier="Royal Mail")
    # then the order is dispatched, and the card was captured only once
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == S.DISPATCHED
    assert (line.status, line.quantity_dispatched) == (OrderLine.Status.DISPATCHED, 4)
    assert shipment.lines.get().quantity == 3
    captures = order.payments.filter(operation=Payment.Operation.CAPTURE)
    assert captures.count() == 1
    assert captures.get().amount == order.gross_total


def test_dispatch_refuses_more_than_is_reserved(fulfilling_order, dispatcher):
    # given an order for 4 being fulfilled
    order = fulfilling_order(quantity=4)
    line = order.lines.get()
    # when 5 are dispatched, then it is refused and nothing is sent
    with pytest.raises(OrderRuleError, match="you can dispatch between 1 and 4"):
        order_dispatch(
            order=order, actor=dispatcher, carrier="DPD", quantities={line.pk: 5}
        )
    assert not order.shipments.exists()
    assert OrderLine.objects.get(pk=line.pk).quantity_dispatched == 0


def test_dispatch_refuses_more_than_is_left_after_a_partial_shipment(
    fulfilling_order, dispatcher
):
    # given an order for 4 with 3 already sent
    order = fulfilling_order(quantity=4)
    line = order.lines.get()
    order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", quantities={line.pk: 3}
    )
    # when 2 more are dispatched, then it is refused: only 1 is left
    with pytest.raises(OrderRuleError, match="between 1 and 1"):
        order_dispatch(
            order=order, actor=dispatcher, carrier="DPD", quantities={line.pk: 2}
        )
    assert order.shipments.count() == 1


def test_dispatch_refuses_without_a_carrier(fulfilling_order, dispatcher):
    # given an order being fulfilled
    order = fulfilling_order()
    # when it is dispatched with no carrier, then it is refused
    with pytest.raises(OrderRuleError, match="Enter the carrier"):
        order_dispatch(order=order, actor=dispatcher, carrier="  ")
    assert not order.shipments.exists()


def test_dispatch_refuses_a_line_from_another_order(fulfilling_order, dispatcher):
    # given two orders being fulfilled
    order, other = fulfilling_order(), fulfilling_order(quantity=6)
    # when one's line is sent on the other's shipment, then it is refused
    with pytest.raises(OrderRuleError, match="not on this order"):
        order_dispatch(
            order=order,
            actor=dispatcher,
            carrier="DPD",
            quantities={other.lines.get().pk: 1},
        )
    assert not Shipment.objects.exists()


def test_delivery_of_every_shipment_makes_the_order_delivered(
    fulfilling_order, dispatcher
):
    # given an order sent in two shipments
    order = fulfilling_order(quantity=4)
    line = order.lines.get()
    first = order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", quantities={line.pk: 1}
    )
    second = order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    # when the first arrives, then the order is still only dispatched
    shipment_record_delivery(shipment=first, actor=dispatcher, proof_of_delivery="A")
    order.refresh_from_db()
    assert order.status == S.DISPATCHED
    assert OrderLine.objects.get(pk=line.pk).quantity_delivered == 1
    # when the second arrives, then the order is delivered
    shipment_record_delivery(shipment=second, actor=dispatcher, proof_of_delivery="B")
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == S.DELIVERED
    assert (line.status, line.quantity_delivered) == (OrderLine.Status.DELIVERED, 4)
    events = order.events.filter(kind=E.DELIVERED).order_by("pk")
    assert [e.data["order_delivered"] for e in events] == [False, True]


def test_delivery_of_an_early_shipment_while_fulfilling_keeps_it_fulfilling(
    fulfilling_order, dispatcher
):
    # given an order for 4 with 1 sent
    order = fulfilling_order(quantity=4)
    line = order.lines.get()
    first = order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", quantities={line.pk: 1}
    )
    # when that shipment arrives
    shipment_record_delivery(shipment=first, actor=dispatcher)
    # then the order is still being fulfilled: 3 are still to send
    assert Order.objects.get(pk=order.pk).status == S.FULFILLING


def test_delivery_cannot_be_recorded_twice(fulfilling_order, dispatcher):
    # given a shipment whose delivery is recorded
    order = fulfilling_order(quantity=4)
    line = order.lines.get()
    shipment = order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", quantities={line.pk: 1}
    )
    shipment_record_delivery(shipment=shipment, actor=dispatcher)
    # when it is recorded again, then it is refused
    with pytest.raises(OrderRuleError, match="already recorded"):
        shipment_record_delivery(shipment=shipment, actor=dispatcher)
    assert OrderLine.objects.get(pk=line.pk).quantity_delivered == 1


def test_delivery_cannot_be_before_dispatch(fulfilling_order, dispatcher):
    # given a shipment sent now
    order = fulfilling_order()
    shipment = order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    # when its delivery is dated yesterday, then it is refused
    with pytest.raises(OrderRuleError, match="before the shipment was dispatched"):
        shipment_record_delivery(
            shipment=shipment,
            actor=dispatcher,
            delivered_at=timezone.now() - timedelta(days=1),
        )
    assert Order.objects.get(pk=order.pk).status == S.DISPATCHED


# --- follow-up and close ---------------------------------------------------------


def test_follow_up_with_no_answer_is_recorded_but_the_order_stays_delivered(
    delivered_order, processor
):
    # given a delivered order
    order = delivered_order()
    # when the processor rings and nobody answers
    attempt = order_record_follow_up(
        order=order,
        actor=processor,
        channel="phone",
        outcome="no_answer",
        notes="Rang at 10:00, no answer.",
    )
    # then the attempt is kept, but the order still waits for a follow-up
    order.refresh_from_db()
    assert order.status == S.DELIVERED
    assert attempt.outcome == Communication.Outcome.NO_ANSWER
    assert attempt.purpose == Communication.Purpose.FOLLOW_UP
    event = order.events.filter(kind=E.COMMUNICATION).latest("pk")
    assert event.data["outcome"] == "no_answer"
    assert event.actor == processor
    assert not order.events.filter(kind=E.FOLLOWED_UP).exists()


def test_follow_up_that_reaches_the_customer_moves_the_order_on(
    delivered_order, processor
):
    # given a delivered order
    order = delivered_order()
    # when the processor speaks to the customer
    order_record_follow_up(
        order=order,
        actor=processor,
        channel="phone",
        outcome="reached",
        notes="All arrived; happy.",
        satisfaction=4,
    )
    # then it is followed up, with the satisfaction score recorded
    order.refresh_from_db()
    assert order.status == S.FOLLOWED_UP
    assert order.events.get(kind=E.FOLLOWED_UP).data["satisfaction"] == 4


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"notes": "  "}, "Write what the customer said"),
        ({"satisfaction": 6}, "score from 1 to 5"),
        ({"satisfaction": 0}, "score from 1 to 5"),
        ({"outcome": "maybe"}, "Choose the outcome"),
        ({"channel": "telepathy"}, "Choose how you contacted"),
    ],
)
def test_follow_up_refuses_bad_input(delivered_order, processor, changes, message):
    # given a delivered order
    order = delivered_order()
    fields = {"channel": "phone", "outcome": "reached", "notes": "Happy.", **changes}
    # when the follow-up is recorded with something wrong, then it is refused
    with pytest.raises(OrderRuleError, match=message):
        order_record_follow_up(order=order, actor=processor, **fields)
    assert Order.objects.get(pk=order.pk).status == S.DELIVERED
    assert not order.communications.filter(purpose="follow_up").exists()


def test_close_refuses_without_a_recorded_follow_up(processor):
    # given an order marked followed up whose only follow-up got no answer
    order = OrderFactory(status=S.FOLLOWED_UP)
    Communication.objects.create(
        order=order,
        channel="phone",
        purpose="follow_up",
        content="No answer.",
        outcome="no_answer",
        actor=processor,
    )
    # when it is closed, then it is refused and stays open
    with pytest.raises(OrderRuleError, match="Record a follow-up"):
        order_close(order=order, actor=processor)
    assert Order.objects.get(pk=order.pk).status == S.FOLLOWED_UP


def test_a_delivered_order_closes_without_follow_up_only_without_consent(
    delivered_order, processor
):
    # given two delivered orders: one customer agreed to courtesy contact, one not
    agreed = delivered_order(customer=CustomerFactory(consent_to_contact=True))
    refused = delivered_order(customer=CustomerFactory(consent_to_contact=False))
    # when each is closed without a follow-up
    with pytest.raises(OrderRuleError, match="Record a follow-up"):
        order_close(order=agreed, actor=processor)
    closed = order_close(order=refused, actor=processor)
    # then only the one whose follow-up is not needed closes, and the trail says why
    assert Order.objects.get(pk=agreed.pk).status == S.DELIVERED
    assert closed.status == S.CLOSED
    event = closed.events.get(kind=E.CLOSED)
    assert event.data == {
        "no_follow_up": "The customer has not agreed to courtesy contact."
    }


# --- cancel ----------------------------------------------------------------------


def test_cancel_before_dispatch_releases_stock_voids_payment_and_tells_customer(
    verified_order, processor, live_pool, django_capture_on_commit_callbacks
):
    # given a verified order holding 2 of 100 units and a card authorisation
    order = verified_order(quantity=2)
    line = order.lines.get()
    assert stock_level(pool=live_pool, product_id=line.product_id).reserved == 2
    # when it is cancelled with a reason
    with django_capture_on_commit_callbacks(execute=True):
        order = order_cancel(
            order=order, actor=processor, reason="  Customer found it cheaper.  "
        )
    # then it is cancelled with the reason, and the stock is free again
    assert order.status == S.CANCELLED
    assert order.cancellation_reason == "Customer found it cheaper."
    line.refresh_from_db()
    assert (line.status, line.quantity_reserved) == (OrderLine.Status.CANCELLED, 0)
    level = stock_level(pool=live_pool, product_id=line.product_id)
    assert (level.on_hand, level.reserved, level.available) == (100, 0, 100)
    assert stock_ledger_mismatches() == []
    # and the authorisation is voided
    void = order.payments.get(operation=Payment.Operation.VOID)
    assert void.status == Payment.Status.VOIDED
    # and the customer is told why, and the event records it all
    (message,) = mail.outbox
    assert "Customer found it cheaper." in message.body
    event = order.events.get(kind=E.CANCELLED)
    assert event.actor == processor
    assert event.data["reason"] == "Customer found it cheaper."
    assert event.data["released"] == [{"line": 1, "quantity": 2}]


def test_cancel_resolves_open_exceptions_with_the_reason(
    receive, stocked_product, processor
):
    # given an order held for a short line
    product = stocked_product(1)
    order = verification_run(order_id=receive([(product.code, 3)]).pk)
    assert order.status == S.ON_HOLD
    # when it is cancelled
    order_cancel(order=order, actor=processor, reason="Cannot wait for stock.")
    # then nothing is left open on it
    problem = order.exceptions.get()
    assert problem.status == OrderException.Status.RESOLVED
    assert problem.resolution == "Order cancelled: Cannot wait for stock."
    assert problem.resolved_by == processor
    assert Order.objects.get(pk=order.pk).held_from == ""


def test_cancel_refuses_without_a_reason(verified_order, processor, live_pool):
    # given a verified order
    order = verified_order(quantity=2)
    # when it is cancelled without a reason, then it is refused and nothing changes
    with pytest.raises(OrderRuleError, match="Give the reason"):
        order_cancel(order=order, actor=processor, reason="   ")
    order.refresh_from_db()
    assert order.status == S.VERIFIED
    line = order.lines.get()
    assert stock_level(pool=live_pool, product_id=line.product_id).reserved == 2
    assert not order.payments.filter(operation="void").exists()


def test_cancel_refuses_after_dispatch(delivered_order, processor):
    # given an order already delivered
    order = delivered_order()
    # when it is cancelled, then it is refused
    with pytest.raises(OrderRuleError, match="is delivered"):
        order_cancel(order=order, actor=processor, reason="Changed mind.")
    assert Order.objects.get(pk=order.pk).status == S.DELIVERED


def test_cancel_refuses_once_part_is_dispatched(
    fulfilling_order, dispatcher, processor, live_pool
):
    # given an order for 4 with 1 sent
    order = fulfilling_order(quantity=4)
    line = order.lines.get()
    order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", quantities={line.pk: 1}
    )
    # when it is cancelled, then it is refused: cancel the remaining lines instead
    with pytest.raises(OrderRuleError, match="Part of this order has been dispatched"):
        order_cancel(order=order, actor=processor, reason="Changed mind.")
    assert Order.objects.get(pk=order.pk).status == S.FULFILLING
    assert stock_level(pool=live_pool, product_id=line.product_id).reserved == 3


def test_cancel_of_an_account_order_makes_no_payment_call(
    receive, stocked_product, processor
):
    # given an account order (nothing authorised on a card)
    customer = CustomerFactory(terms="account_30", credit_limit=Decimal("500"))
    product = stocked_product(10)
    order = receive([(product.code, 2)], customer=customer, payment_method="account")
    # when it is cancelled
    order = order_cancel(order=order, actor=processor, reason="Ordered in error.")
    # then there is nothing to void
    assert order.status == S.CANCELLED
    assert not order.payments.exists()
