"""Exceptions: problems on an order, the steps taken, and what resolving them does."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.selectors import stock_ledger_mismatches, stock_level
from inventory.services import stock_receive, stock_set_restock_date
from orders.exceptions import OrderPermissionError, OrderRuleError
from orders.models import (
    Check,
    Order,
    OrderEvent,
    OrderException,
    OrderLine,
)
from orders.services import (
    check_rerun,
    communication_record,
    exception_add_step,
    exception_raise,
    exception_resolve,
    line_backorder,
    line_cancel,
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    shipment_record_delivery,
    verification_run,
)
from tests.conftest import DECLINE_CARD
from tests.factories import OrderFactory

S = Order.Status
E = OrderEvent.Kind


AGREED = {"agreement": "Yes, we can wait for it.", "agreement_channel": "phone"}


def _resolve(exception, actor, resolution="Sorted with the customer."):
    return exception_resolve(
        exception=exception,
        actor=actor,
        resolution=resolution,
        customer_informed=False,
    )


@pytest.fixture
def short_order(receive, stocked_product):
    """An order for 3 of a product with 1 in stock, checked: on hold, line short."""

    def make(on_hand: int = 1, quantity: int = 3, extra_lines=()):
        product = stocked_product(on_hand)
        order = receive([(product.code, quantity), *extra_lines])
        return verification_run(order_id=order.pk, worker="test-worker")

    return make


# --- raising ---------------------------------------------------------------------


def test_raise_on_a_verified_order_puts_it_on_hold(verified_order, processor):
    # given a verified order
    order = verified_order()
    # when a processor records a problem
    problem = exception_raise(
        order=order,
        actor=processor,
        kind="invalid_address",
        found="  Customer says the flat number is missing.  ",
    )
    # then the order is on hold from verified, and the problem is open and recorded
    order.refresh_from_db()
    assert (order.status, order.held_from) == (S.ON_HOLD, S.VERIFIED)
    assert problem.status == OrderException.Status.OPEN
    assert problem.found == "Customer says the flat number is missing."
    assert problem.opened_by == processor
    opened, held = order.events.filter(kind__in=[E.EXCEPTION_OPENED, E.HELD])
    assert (opened.kind, opened.actor, opened.status_after) == (
        E.EXCEPTION_OPENED,
        processor,
        S.VERIFIED,
    )
    assert opened.data["exception_id"] == problem.pk
    assert (held.kind, held.actor, held.status_after) == (E.HELD, processor, S.ON_HOLD)


def test_raise_on_a_confirmed_order_holds_it_and_resolving_returns_it(
    verified_order, processor, tomorrow
):
    # given a confirmed order
    order = order_confirm(
        order=verified_order(), actor=processor, promised_date=tomorrow
    )
    # when a problem is raised, then it is on hold
    problem = exception_raise(order=order, actor=processor, kind="other", found="Query")
    assert Order.objects.get(pk=order.pk).status == S.ON_HOLD
    # when it is resolved, then it is confirmed again
    _resolve(problem, processor)
    order.refresh_from_db()
    assert (order.status, order.held_from) == (S.CONFIRMED, "")


def test_raise_on_a_fulfilling_order_stops_dispatch_until_resolved(
    verified_order, processor, dispatcher, tomorrow
):
    # given an order being fulfilled
    order = order_confirm(
        order=verified_order(), actor=processor, promised_date=tomorrow
    )
    order = order_start_fulfilment(order=order, actor=dispatcher)
    # when the warehouse finds damaged stock
    problem = exception_raise(
        order=order, actor=dispatcher, kind="other", found="Box crushed"
    )
    # then it cannot be dispatched while the problem is open
    with pytest.raises(OrderRuleError, match="is on hold"):
        order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    # and once resolved it can
    _resolve(problem, dispatcher, "Picked a fresh box.")
    assert Order.objects.get(pk=order.pk).status == S.FULFILLING
    order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    assert Order.objects.get(pk=order.pk).status == S.DISPATCHED


def test_raise_while_checks_are_pending_holds_the_order_when_they_finish(
    receive, stocked_product, processor
):
    # given an order whose checks have not run
    product = stocked_product(10)
    order = receive([(product.code, 2)])
    # when a processor raises a problem, then the order waits for its checks
    exception_raise(order=order, actor=processor, kind="other", found="Odd request")
    assert Order.objects.get(pk=order.pk).status == S.RECEIVED
    # when the checks pass, then it still ends on hold for the open problem
    order = verification_run(order_id=order.pk, worker="w")
    assert (order.status, order.held_from) == (S.ON_HOLD, S.VERIFYING)


@pytest.mark.parametrize(
    ("kind", "found", "message"),
    [
        ("gremlins", "Something", "Choose what kind"),
        ("other", "   ", "Describe what you found"),
    ],
)
def test_raise_refuses_bad_input(verified_order, processor, kind, found, message):
    # given a verified order
    order = verified_order()
    # when a problem is recorded badly, then it is refused and nothing changes
    with pytest.raises(OrderRuleError, match=message):
        exception_raise(order=order, actor=processor, kind=kind, found=found)
    assert Order.objects.get(pk=order.pk).status == S.VERIFIED
    assert not order.exceptions.exists()


def test_raise_refuses_a_line_from_another_order(verified_order, processor):
    # given two orders
    order, other = verified_order(), verified_order(quantity=3)
    # when a problem on one is pinned to the other's line, then it is refused
    with pytest.raises(OrderRuleError, match="not on this order"):
        exception_raise(
            order=order,
            actor=processor,
            kind="quantity",
            found="Wrong",
            line=other.lines.get(),
        )
    assert not OrderException.objects.exists()


@pytest.mark.parametrize(
    "status",
    [S.DISPATCHED, S.DELIVERED, S.FOLLOWED_UP, S.CLOSED, S.CANCELLED],
)
def test_raise_refuses_an_order_past_dispatch(processor, status):
    # given an order already sent (or finished)
    order = OrderFactory(status=status)
    # when a problem is raised, then it is refused: that is a complaint now
    with pytest.raises(OrderRuleError, match="raise a complaint or a new order"):
        exception_raise(order=order, actor=processor, kind="other", found="Late")
    assert not order.exceptions.exists()


@pytest.mark.parametrize("role", ["learner", "assessor"])
def test_only_staff_can_raise_or_resolve_exceptions(
    request, verified_order, processor, role
):
    # given an order with an open problem, and someone who is not staff
    person = request.getfixturevalue(role)
    order = verified_order()
    problem = exception_raise(order=order, actor=processor, kind="other", found="Q")
    # when they try to raise, add a step or resolve, then each is refused
    with pytest.raises(OrderPermissionError):
        exception_raise(order=order, actor=person, kind="other", found="Q2")
    with pytest.raises(OrderPermissionError):
        exception_add_step(exception=problem, actor=person, text="Rang them")
    with pytest.raises(OrderPermissionError):
        _resolve(problem, person)
    assert order.exceptions.get().status == OrderException.Status.OPEN
    assert not problem.steps.exists()


# --- steps and resolution --------------------------------------------------------


def test_steps_are_recorded_with_who_took_them(verified_order, processor, supervisor):
    # given an open problem
    order = verified_order()
    problem = exception_raise(order=order, actor=processor, kind="other", found="Q")
    # when two people record the steps they took
    exception_add_step(exception=problem, actor=processor, text="Rang the customer.")
    exception_add_step(exception=problem, actor=supervisor, text=" Agreed a refund. ")
    # then each step is kept, in order, with who took it, and the trail shows them
    assert list(problem.steps.values_list("text", "actor")) == [
        ("Rang the customer.", processor.pk),
        ("Agreed a refund.", supervisor.pk),
    ]
    events = order.events.filter(kind=E.EXCEPTION_STEP).order_by("pk")
    assert [e.actor for e in events] == [processor, supervisor]


def test_a_step_needs_text(verified_order, processor):
    # given an open problem
    problem = exception_raise(
        order=verified_order(), actor=processor, kind="other", found="Q"
    )
    # when an empty step is recorded, then it is refused
    with pytest.raises(OrderRuleError, match="Describe the step"):
        exception_add_step(exception=problem, actor=processor, text="  ")
    assert not problem.steps.exists()


def test_resolve_needs_a_resolution(verified_order, processor):
    # given an open problem
    order = verified_order()
    problem = exception_raise(order=order, actor=processor, kind="other", found="Q")
    # when it is resolved without saying how, then it is refused and stays open
    with pytest.raises(OrderRuleError, match="Say how the problem was resolved"):
        _resolve(problem, processor, resolution="  ")
    problem.refresh_from_db()
    assert problem.status == OrderException.Status.OPEN
    assert Order.objects.get(pk=order.pk).status == S.ON_HOLD


def test_resolve_records_who_and_how_and_releases_the_hold(verified_order, processor):
    # given a verified order held for one problem
    order = verified_order()
    problem = exception_raise(order=order, actor=processor, kind="other", found="Q")
    # when it is resolved
    _resolve(problem, processor, "Customer confirmed by phone.")
    # then the resolution is recorded and the order is verified again
    problem.refresh_from_db()
    assert problem.status == OrderException.Status.RESOLVED
    assert problem.resolution == "Customer confirmed by phone."
    assert problem.resolved_by == processor
    assert problem.resolved_at is not None
    order.refresh_from_db()
    assert order.status == S.VERIFIED
    released = order.events.get(kind=E.RELEASED)
    assert (released.actor, released.status_after) == (processor, S.VERIFIED)


def test_a_resolved_exception_cannot_be_resolved_or_stepped_again(
    verified_order, processor
):
    # given a resolved problem
    problem = exception_raise(
        order=verified_order(), actor=processor, kind="other", found="Q"
    )
    _resolve(problem, processor)
    # when it is resolved again or a step is added, then each is refused
    with pytest.raises(OrderRuleError, match="already resolved"):
        _resolve(problem, processor, "Again")
    with pytest.raises(OrderRuleError, match="already resolved"):
        exception_add_step(exception=problem, actor=processor, text="More")


def test_order_held_during_verification_is_verified_when_the_last_is_resolved(
    receive, stocked_product, processor
):
    # given an order held by its checks for two problems
    product = stocked_product(50, pack_size=5)
    order = receive([(product.code, 3, Decimal("9.00"))])
    order = verification_run(order_id=order.pk, worker="w")
    assert (order.status, order.held_from) == (S.ON_HOLD, S.VERIFYING)
    first, second = order.exceptions.order_by("pk")
    # when one is resolved, then the order is still held
    _resolve(first, processor, "Customer wants 5.")
    assert Order.objects.get(pk=order.pk).status == S.ON_HOLD
    # when the last is resolved, then it is verified (not sent back to checking)
    _resolve(second, processor, "Discount agreed by sales.")
    order.refresh_from_db()
    assert (order.status, order.held_from) == (S.VERIFIED, "")


def test_resolve_with_a_communication_marks_the_customer_informed(
    verified_order, processor
):
    # given an open problem and a call to the customer about it
    order = verified_order()
    problem = exception_raise(order=order, actor=processor, kind="other", found="Q")
    call = communication_record(
        order=order,
        actor=processor,
        channel="phone",
        purpose="exception_notice",
        content="Explained the delay.",
        outcome="reached",
    )
    # when it is resolved, citing the call
    exception_resolve(
        exception=problem,
        actor=processor,
        resolution="Customer happy to wait.",
        customer_informed=False,
        communication=call,
    )
    # then the record says how the customer was told
    problem.refresh_from_db()
    assert problem.customer_informed is True
    assert problem.communication == call


def test_resolve_refuses_a_communication_from_another_order(verified_order, processor):
    # given an open problem, and a call about a different order
    order, other = verified_order(), verified_order(quantity=3)
    problem = exception_raise(order=order, actor=processor, kind="other", found="Q")
    call = communication_record(
        order=other,
        actor=processor,
        channel="phone",
        purpose="query",
        content="Other matter.",
        outcome="reached",
    )
    # when it is cited to resolve this order's problem, then it is refused
    with pytest.raises(OrderRuleError, match="about a different order"):
        exception_resolve(
            exception=problem,
            actor=processor,
            resolution="Told them",
            customer_informed=True,
            communication=call,
        )
    problem.refresh_from_db()
    assert problem.status == OrderException.Status.OPEN
    assert Order.objects.get(pk=order.pk).status == S.ON_HOLD


# --- backorders ------------------------------------------------------------------


def test_backorder_needs_a_known_restock_date(short_order, processor):
    # given a short line with no restock date known
    order = short_order()
    line = order.lines.get()
    # when it is backordered, then it is refused: the promise would not be honest
    with pytest.raises(OrderRuleError, match="No restock date is known"):
        line_backorder(line=line, actor=processor, **AGREED)
    assert OrderLine.objects.get(pk=line.pk).status == OrderLine.Status.SHORT


def test_backorder_needs_a_short_line(verified_order, processor):
    # given a line whose stock is reserved
    line = verified_order().lines.get()
    # when it is backordered, then it is refused
    with pytest.raises(OrderRuleError, match="Only a line that is out of stock"):
        line_backorder(line=line, actor=processor, **AGREED)
    assert OrderLine.objects.get(pk=line.pk).status == OrderLine.Status.RESERVED


def test_backordered_line_with_restock_date_lets_the_order_be_confirmed(
    short_order, processor, live_pool
):
    # given a short line and a restock date now known
    order = short_order()
    line = order.lines.get()
    restock = timezone.localdate() + timedelta(days=7)
    stock_set_restock_date(pool=live_pool, product=line.product, restock_date=restock)
    # when the line is backordered with the customer's agreement
    line = line_backorder(line=line, actor=processor, **AGREED)
    # then the line carries the restock date, the out-of-stock problem is resolved
    # with the agreement, and the order can be confirmed for that date
    assert (line.status, line.restock_date) == (OrderLine.Status.BACKORDERED, restock)
    problem = order.exceptions.get()
    assert (problem.status, problem.handling) == ("resolved", "backorder")
    assert problem.customer_agreement == AGREED["agreement"]
    event = order.events.get(kind=E.LINE_BACKORDERED)
    assert (event.actor, event.data["restock_date"]) == (processor, restock.isoformat())
    order = order_confirm(order=order, actor=processor, promised_date=restock)
    assert order.status == S.CONFIRMED


def test_only_a_processor_or_supervisor_can_backorder(short_order, dispatcher):
    # given a short line
    line = short_order().lines.get()
    # when a dispatcher backorders it, then they are refused
    with pytest.raises(OrderPermissionError):
        line_backorder(line=line, actor=dispatcher, **AGREED)


def test_backorder_needs_the_customers_agreement(short_order, processor, live_pool):
    # given a short line with a known restock date
    order = short_order()
    line = order.lines.get()
    stock_set_restock_date(
        pool=live_pool,
        product=line.product,
        restock_date=timezone.localdate() + timedelta(days=7),
    )
    # when it is backordered with no agreement recorded, then it is refused
    with pytest.raises(OrderRuleError, match="what the customer agreed"):
        line_backorder(line=line, actor=processor, agreement="  ")
    assert OrderLine.objects.get(pk=line.pk).status == OrderLine.Status.SHORT


# --- cancelling a line -----------------------------------------------------------


def test_line_cancel_releases_its_stock_and_recomputes_totals(
    receive, stocked_product, processor, live_pool
):
    # given a verified order of two lines, each holding stock
    keep = stocked_product(10, unit_price=Decimal("5.00"))
    drop = stocked_product(10, unit_price=Decimal("7.50"))
    order = receive([(keep.code, 2), (drop.code, 2)])
    order = verification_run(order_id=order.pk, worker="w")
    assert order.gross_total == Decimal("30.00")
    # when the second line is cancelled
    line = line_cancel(
        line=order.lines.get(line_number=2), actor=processor, reason="Not needed"
    )
    # then its stock is free again and the totals cover only the first line
    assert (line.status, line.quantity_reserved) == (OrderLine.Status.CANCELLED, 0)
    assert stock_level(pool=live_pool, product_id=drop.pk).reserved == 0
    assert stock_level(pool=live_pool, product_id=keep.pk).reserved == 2
    assert stock_ledger_mismatches() == []
    order.refresh_from_db()
    assert (order.net_total, order.vat_total, order.gross_total) == (
        Decimal("10.00"),
        Decimal("2.00"),
        Decimal("12.00"),
    )
    event = order.events.get(kind=E.LINE_CANCELLED)
    assert event.data == {
        "line": 2,
        "reason": "Not needed",
        "released": 2,
        "gross_total": "12.00",
    }


def test_line_cancel_refuses_the_only_line(verified_order, processor, live_pool):
    # given an order of one line
    order = verified_order()
    line = order.lines.get()
    # when that line is cancelled, then it is refused: cancel the order instead
    with pytest.raises(OrderRuleError, match="only line: cancel the order instead"):
        line_cancel(line=line, actor=processor, reason="Not needed")
    assert OrderLine.objects.get(pk=line.pk).status == OrderLine.Status.RESERVED
    assert stock_level(pool=live_pool, product_id=line.product_id).reserved == 2


def test_line_cancel_needs_a_reason(short_order, stocked_product, processor):
    # given an order of two lines
    other = stocked_product(10)
    order = short_order(extra_lines=[(other.code, 1)])
    # when a line is cancelled without a reason, then it is refused
    with pytest.raises(OrderRuleError, match="Give the reason"):
        line_cancel(line=order.lines.get(line_number=1), actor=processor, reason=" ")
    assert order.lines.filter(status="cancelled").count() == 0


def test_cancelling_a_short_line_lets_the_rest_go_ahead(
    short_order, stocked_product, processor
):
    # given an order held because one of its two lines is short
    other = stocked_product(10)
    order = short_order(extra_lines=[(other.code, 1)])
    short = order.lines.get(line_number=1)
    # when the short line is cancelled and its problem resolved
    line_cancel(line=short, actor=processor, reason="Customer will buy elsewhere")
    _resolve(order.exceptions.get(), processor, "Line cancelled with their consent.")
    # then the order is verified with only the other line charged
    order.refresh_from_db()
    assert order.status == S.VERIFIED
    assert order.gross_total == Decimal("12.00")


def test_line_cancel_refuses_a_dispatched_line(
    receive, stocked_product, processor, dispatcher, tomorrow
):
    # given an order whose first line has been sent
    first, second = stocked_product(10), stocked_product(10)
    order = receive([(first.code, 1), (second.code, 1)])
    order = verification_run(order_id=order.pk, worker="w")
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    order = order_start_fulfilment(order=order, actor=dispatcher)
    sent = order.lines.get(line_number=1)
    order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", quantities={sent.pk: 1}
    )
    # when that line is cancelled, then it is refused
    with pytest.raises(OrderRuleError, match="not yet dispatched"):
        line_cancel(line=sent, actor=processor, reason="Too late")
    assert OrderLine.objects.get(pk=sent.pk).status == OrderLine.Status.DISPATCHED


def test_cancelling_the_unsent_rest_lets_a_part_sent_order_be_delivered(
    receive, stocked_product, processor, dispatcher, tomorrow
):
    # given an order of two lines where the first has been sent
    first, second = stocked_product(10), stocked_product(10)
    order = receive([(first.code, 1), (second.code, 1)])
    order = verification_run(order_id=order.pk, worker="w")
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    order = order_start_fulfilment(order=order, actor=dispatcher)
    sent = order.lines.get(line_number=1)
    shipment = order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", quantities={sent.pk: 1}
    )
    # when the customer no longer wants the second line and it is cancelled
    line_cancel(line=order.lines.get(line_number=2), actor=processor, reason="Gone")
    # then everything left has been sent, so the order is dispatched
    assert Order.objects.get(pk=order.pk).status == S.DISPATCHED
    # and when the shipment arrives the order is delivered
    shipment_record_delivery(shipment=shipment, actor=dispatcher)
    assert Order.objects.get(pk=order.pk).status == S.DELIVERED


def test_cancelling_the_unsent_rest_after_delivery_makes_the_order_delivered(
    receive, stocked_product, processor, dispatcher, tomorrow
):
    # given an order of two lines whose first line has already arrived
    first, second = stocked_product(10), stocked_product(10)
    order = receive([(first.code, 1), (second.code, 1)])
    order = verification_run(order_id=order.pk, worker="w")
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    order = order_start_fulfilment(order=order, actor=dispatcher)
    sent = order.lines.get(line_number=1)
    shipment = order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", quantities={sent.pk: 1}
    )
    shipment_record_delivery(shipment=shipment, actor=dispatcher)
    assert Order.objects.get(pk=order.pk).status == S.FULFILLING
    # when the second line is cancelled
    line_cancel(line=order.lines.get(line_number=2), actor=processor, reason="Gone")
    # then nothing is left to send or deliver: the order is delivered
    order.refresh_from_db()
    assert order.status == S.DELIVERED
    cancelled, dispatched, delivered = order.events.filter(
        kind__in=[E.LINE_CANCELLED, E.DISPATCHED, E.DELIVERED]
    ).order_by("-pk")[:3][::-1]
    assert [cancelled.kind, dispatched.kind, delivered.kind] == [
        E.LINE_CANCELLED,
        E.DISPATCHED,
        E.DELIVERED,
    ]
    assert delivered.status_after == S.DELIVERED


# --- re-running a check ----------------------------------------------------------


def test_stock_check_rerun_after_a_restock_reserves_and_releases_the_hold(
    short_order, processor, live_pool
):
    # given an order held because 3 were ordered and 1 was in stock
    order = short_order(on_hand=1, quantity=3)
    line = order.lines.get()
    problem = order.exceptions.get()
    # when stock arrives and a processor re-runs the stock check
    stock_receive(pool=live_pool, product=line.product, quantity=5)
    check = check_rerun(order=order, kind=Check.Kind.STOCK, actor=processor)
    # then the line is reserved, the problem resolved, and the order verified
    assert (check.outcome, check.rerun, check.run_by) == ("passed", True, processor)
    line.refresh_from_db()
    assert (line.status, line.quantity_reserved) == (OrderLine.Status.RESERVED, 3)
    assert stock_level(pool=live_pool, product_id=line.product_id).reserved == 3
    problem.refresh_from_db()
    assert problem.status == OrderException.Status.RESOLVED
    assert problem.resolved_by == processor
    assert "re-run passed" in problem.resolution
    order.refresh_from_db()
    assert order.status == S.VERIFIED
    assert stock_ledger_mismatches() == []


def test_stock_check_rerun_without_a_restock_keeps_the_order_held(
    short_order, processor
):
    # given an order held for a short line
    order = short_order(on_hand=1, quantity=3)
    # when the stock check is re-run before any stock arrives
    check = check_rerun(order=order, kind=Check.Kind.STOCK, actor=processor)
    # then it fails again, the order stays on hold, and there is still only one
    # open problem to resolve for that line
    assert check.outcome == Check.Outcome.FAILED
    assert Order.objects.get(pk=order.pk).status == S.ON_HOLD
    assert order.exceptions.filter(status="open").count() == 1


def test_a_failing_rerun_on_a_verified_order_puts_it_on_hold(
    verified_order, processor, customer
):
    # given a verified order, and then the customer's only contact details removed
    order = verified_order()
    customer.email = ""
    customer.phone = ""
    customer.save()
    # when the customer check is re-run
    check = check_rerun(order=order, kind=Check.Kind.CUSTOMER, actor=processor)
    # then it fails and the order is on hold until the problem is resolved
    assert check.outcome == Check.Outcome.FAILED
    order.refresh_from_db()
    assert (order.status, order.held_from) == (S.ON_HOLD, S.VERIFIED)
    assert order.exceptions.filter(status="open").exists()


def test_check_rerun_is_refused_after_confirmation(verified_order, processor, tomorrow):
    # given a confirmed order
    order = order_confirm(
        order=verified_order(), actor=processor, promised_date=tomorrow
    )
    # when a check is re-run, then it is refused
    with pytest.raises(OrderRuleError, match="only before the order is confirmed"):
        check_rerun(order=order, kind=Check.Kind.STOCK, actor=processor)
    assert not order.checks.filter(rerun=True).exists()


def test_check_rerun_refuses_an_unknown_check_and_a_dispatcher(
    short_order, processor, dispatcher
):
    # given a held order
    order = short_order()
    # when an unknown check is asked for, or a dispatcher asks, each is refused
    with pytest.raises(OrderRuleError, match="Choose a check"):
        check_rerun(order=order, kind="horoscope", actor=processor)
    with pytest.raises(OrderPermissionError):
        check_rerun(order=order, kind=Check.Kind.STOCK, actor=dispatcher)
    assert not order.checks.filter(rerun=True).exists()


@pytest.mark.parametrize(
    ("card", "kind", "where"),
    [
        (None, OrderException.Kind.OUT_OF_STOCK, "record the customer's choice"),
        (DECLINE_CARD, OrderException.Kind.PAYMENT_DECLINED, "payment page"),
    ],
)
def test_an_exception_with_its_own_steps_cannot_be_closed_with_a_note(
    receive, stocked_product, processor, card, kind, where
):
    # given an order held by a short line, or by a declined card
    product = stocked_product(0 if kind == OrderException.Kind.OUT_OF_STOCK else 5)
    extra = {"card": card} if card else {}
    order = verification_run(
        order_id=receive([(product.code, 2)], **extra).pk, worker="w"
    )
    problem = order.exceptions.get(kind=kind)
    # when someone tries to resolve it with only a note
    with pytest.raises(OrderRuleError, match=where):
        exception_resolve(
            exception=problem,
            actor=processor,
            resolution="Sorted it",
            customer_informed=True,
        )
    # then it is still open and the order still held
    assert OrderException.objects.get(pk=problem.pk).status == "open"
    assert Order.objects.get(pk=order.pk).status == Order.Status.ON_HOLD


def test_a_short_line_dealt_with_another_way_lets_a_note_close_its_exception(
    receive, stocked_product, processor
):
    # given a short line the processor cancelled (the rest of the order stays)
    short, plenty = stocked_product(0), stocked_product(10)
    order = verification_run(
        order_id=receive([(short.code, 2), (plenty.code, 1)]).pk, worker="w"
    )
    line_cancel(line=order.lines.get(line_number=1), actor=processor, reason="Gone")
    # when its out-of-stock exception is resolved with a note
    problem = order.exceptions.get(kind=OrderException.Kind.OUT_OF_STOCK)
    exception_resolve(
        exception=problem,
        actor=processor,
        resolution="Line cancelled",
        customer_informed=True,
    )
    # then it is resolved and the order can go ahead
    assert Order.objects.get(pk=order.pk).status == Order.Status.VERIFIED
