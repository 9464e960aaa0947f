"""Out of stock: backorder, substitute, part shipment or cancel, each only with the
customer's agreement and the communication that carried it; and dispatching what
the customer agreed to."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.selectors import stock_level
from inventory.services import (
    ReservationRequest,
    stock_receive,
    stock_reserve,
    stock_set_restock_date,
)
from orders.exceptions import OrderPermissionError, OrderRuleError, StaleOrderError
from orders.models import (
    Communication,
    Order,
    OrderEvent,
    OrderException,
    OrderLine,
)
from orders.services import (
    communication_record,
    customer_notify,
    line_backorder,
    order_close,
    order_confirm,
    order_dispatch,
    order_record_follow_up,
    order_start_fulfilment,
    out_of_stock_handle,
    restock_receive,
    shipment_record_delivery,
    verification_run,
)

from .invariants import assert_stock_invariants

S = Order.Status
L = OrderLine.Status
E = OrderEvent.Kind
H = OrderException.Handling
IN_A_WEEK = 7


@pytest.fixture
def restock_in(live_pool):
    """Record that more of a product is expected this many days from today."""

    def make(product, days: int | None = IN_A_WEEK):
        day = timezone.localdate() + timedelta(days=days) if days is not None else None
        stock_set_restock_date(pool=live_pool, product=product, restock_date=day)
        return day

    return make


@pytest.fixture
def short_order(receive, stocked_product, restock_in):
    """An order on hold: line 1 wants 3 of a product with `on_hand` in stock
    (restock in a week unless restock_days=None); line 2 is reserved."""

    def make(on_hand: int = 1, quantity: int = 3, restock_days=IN_A_WEEK, **fields):
        short = stocked_product(on_hand, name="Blue ballpoint pen")
        restock_in(short, restock_days)
        plenty = stocked_product(50)
        order = receive([(short.code, quantity), (plenty.code, 1)], **fields)
        order = verification_run(order_id=order.pk, worker="test-worker")
        assert order.status == S.ON_HOLD
        return order

    return make


def problem_of(order: Order) -> OrderException:
    return order.exceptions.get(kind=OrderException.Kind.OUT_OF_STOCK)


def handle(order: Order, actor, option: str, **fields):
    fields.setdefault("agreement", "Yes, that is fine by me.")
    if "communication" not in fields:
        fields.setdefault("agreement_channel", "phone")
    return out_of_stock_handle(
        exception=problem_of(order), actor=actor, option=option, **fields
    )


def unchanged(order: Order, version: int) -> None:
    """The refusal left everything as it was."""
    order = Order.objects.get(pk=order.pk)
    assert order.version == version
    assert order.status == S.ON_HOLD
    assert problem_of(order).status == OrderException.Status.OPEN
    assert order.lines.get(line_number=1).status == L.SHORT
    assert not order.communications.filter(direction="inbound").exists()
    assert_stock_invariants()


# --- backorder -------------------------------------------------------------------


def test_backorder_with_agreement_by_phone_records_the_call_and_releases_the_order(
    short_order, processor
):
    # given an order held for a short line, more expected in a week
    order = short_order()
    restock = timezone.localdate() + timedelta(days=IN_A_WEEK)
    # when the processor records that the customer agreed on the phone to wait
    problem = handle(
        order, processor, H.BACKORDER, agreement="I'll wait for the blue ones."
    )
    # then the line is backordered until the restock date
    line = order.lines.get(line_number=1)
    assert (line.status, line.restock_date, line.ship_partial) == (
        L.BACKORDERED,
        restock,
        False,
    )
    # and the customer's answer is recorded as an inbound call that reached them
    call = order.communications.get(direction="inbound")
    assert (call.channel, call.purpose, call.outcome, call.content) == (
        "phone",
        "query",
        "reached",
        "I'll wait for the blue ones.",
    )
    # and the exception is resolved with how, their words and the call
    problem.refresh_from_db()
    assert problem.status == OrderException.Status.RESOLVED
    assert (problem.handling, problem.customer_agreement) == (
        H.BACKORDER,
        "I'll wait for the blue ones.",
    )
    assert (problem.communication, problem.customer_informed) == (call, True)
    # and the order is off hold, the event naming the exception and the call
    order.refresh_from_db()
    assert order.status == S.VERIFIED
    event = order.events.get(kind=E.LINE_BACKORDERED)
    assert event.data["exception_id"] == problem.pk
    assert event.data["communication_id"] == call.pk
    assert event.data["restock_date"] == restock.isoformat()
    assert_stock_invariants()


def test_backorder_agreed_by_letter_or_email_records_it_as_received(
    short_order, processor
):
    order = short_order()
    handle(order, processor, H.BACKORDER, agreement_channel="letter")
    letter = order.communications.get(direction="inbound")
    assert (letter.channel, letter.outcome) == ("letter", "received")


def test_backorder_needs_a_known_restock_date(short_order, processor):
    # given a short line whose restock date is not known
    order = short_order(restock_days=None)
    version = order.version
    # when it is backordered, then it is refused: offer a substitute or cancel
    with pytest.raises(OrderRuleError, match="Offer a substitute or cancel"):
        handle(order, processor, H.BACKORDER)
    unchanged(order, version)


def test_backorder_refuses_a_restock_date_that_has_passed(short_order, processor):
    order = short_order(restock_days=-1)
    version = order.version
    with pytest.raises(OrderRuleError, match="has passed"):
        handle(order, processor, H.BACKORDER)
    unchanged(order, version)


def test_line_backorder_is_the_backorder_choice_with_the_agreement(
    short_order, processor
):
    # given a short line; when it is backordered through line_backorder
    order = short_order()
    line = line_backorder(
        line=order.lines.get(line_number=1),
        actor=processor,
        agreement="Fine, next week.",
        agreement_channel="email",
    )
    # then it is the same as choosing backorder: the exception is resolved
    assert line.status == L.BACKORDERED
    assert problem_of(order).handling == H.BACKORDER


# --- the customer's agreement --------------------------------------------------------


@pytest.mark.parametrize("agreement", ["", "   "])
def test_every_option_needs_the_customers_words(short_order, processor, agreement):
    order = short_order()
    version = order.version
    with pytest.raises(OrderRuleError, match="what the customer agreed"):
        handle(order, processor, H.BACKORDER, agreement=agreement)
    unchanged(order, version)


def test_agreement_needs_a_communication_or_a_channel(short_order, processor):
    order = short_order()
    version = order.version
    with pytest.raises(OrderRuleError, match="Say how the customer told you"):
        handle(order, processor, H.BACKORDER, agreement_channel="")
    with pytest.raises(OrderRuleError, match="phone, e-mail, letter or in person"):
        handle(order, processor, H.BACKORDER, agreement_channel="sms")
    unchanged(order, version)


def test_a_voicemail_carries_no_agreement(short_order, processor):
    # given a voicemail left for the customer about the short line
    order = short_order()
    voicemail = communication_record(
        order=order,
        actor=processor,
        channel="phone",
        purpose="exception_notice",
        content="Left a message offering a backorder.",
        outcome="voicemail",
    )
    version = Order.objects.get(pk=order.pk).version
    # when it is given as the customer's agreement, then it is refused
    with pytest.raises(OrderRuleError, match="carries no answer from the customer"):
        handle(order, processor, H.BACKORDER, communication=voicemail)
    unchanged(order, version)


def test_an_unsent_email_carries_no_agreement(short_order, processor):
    # given an e-mail to the customer still waiting to be sent
    order = short_order()
    email = customer_notify(
        order=order,
        actor=processor,
        purpose="exception_notice",
        subject="Out of stock",
        content="Would you like to wait?",
    )
    assert email.outcome == Communication.Outcome.QUEUED
    version = Order.objects.get(pk=order.pk).version
    with pytest.raises(OrderRuleError, match="carries no answer"):
        handle(order, processor, H.BACKORDER, communication=email)
    unchanged(order, version)


def test_a_call_that_reached_the_customer_carries_their_agreement(
    short_order, processor
):
    # given a call in which the customer agreed
    order = short_order()
    call = communication_record(
        order=order,
        actor=processor,
        channel="phone",
        purpose="exception_notice",
        content="Customer happy to wait a week.",
        outcome="reached",
    )
    # when it is given as the agreement, then it is linked and no other is recorded
    problem = handle(
        order, processor, H.BACKORDER, communication=call, agreement="Happy to wait"
    )
    assert problem.communication == call
    assert order.communications.count() == 2  # acknowledgement and the call


def test_a_communication_about_another_order_is_refused(
    short_order, processor, verified_order
):
    order = short_order()
    other = verified_order()
    call = communication_record(
        order=other,
        actor=processor,
        channel="phone",
        purpose="query",
        content="Yes",
        outcome="reached",
    )
    version = Order.objects.get(pk=order.pk).version
    with pytest.raises(OrderRuleError, match="different order"):
        handle(order, processor, H.BACKORDER, communication=call)
    unchanged(order, version)


# --- substitute ------------------------------------------------------------------


def test_substitute_replaces_the_line_reserves_it_and_recomputes_the_totals(
    short_order, processor, stocked_product, live_pool
):
    # given a short line for 3 pens at £10, and a black pen at £12.50, 20 in stock
    order = short_order()
    black = stocked_product(20, name="Black ballpoint pen", unit_price=Decimal("12.50"))
    # when the customer agrees to the black pens instead
    problem = handle(
        order,
        processor,
        H.SUBSTITUTE,
        substitute_product=black,
        agreement="Black will do.",
        agreement_channel="email",
    )
    # then the original line is replaced and a new line 3 holds 3 black pens
    original = order.lines.get(line_number=1)
    new = order.lines.get(line_number=3)
    assert original.status == L.SUBSTITUTED
    assert (new.product, new.quantity, new.status, new.quantity_reserved) == (
        black,
        3,
        L.RESERVED,
        3,
    )
    assert (new.unit_price, new.list_price, new.vat_rate) == (
        Decimal("12.50"),
        Decimal("12.50"),
        black.vat_rate,
    )
    assert new.substitute_for == original
    assert stock_level(pool=live_pool, product_id=black.pk).reserved == 3
    # and the totals are the black pens' and line 2's: 37.50 + 10.00, plus VAT
    order.refresh_from_db()
    assert (order.net_total, order.vat_total, order.gross_total) == (
        Decimal("47.50"),
        Decimal("9.50"),
        Decimal("57.00"),
    )
    # and the event and the exception record the agreement
    event = order.events.get(kind=E.LINE_SUBSTITUTED)
    assert {k: event.data[k] for k in ("line", "new_line", "from", "to")} == {
        "line": 1,
        "new_line": 3,
        "from": original.product_code,
        "to": black.code,
    }
    assert event.data["exception_id"] == problem.pk
    assert event.data["communication_id"] == problem.communication_id
    assert problem.handling == H.SUBSTITUTE
    assert order.status == S.VERIFIED
    assert_stock_invariants()


def test_a_pricier_substitute_has_the_card_authorised_for_the_new_total(
    short_order, processor, stocked_product
):
    # given a card order authorised for its total, with a short line of pens
    order = short_order()
    authorised = order.payments.get(operation="authorise")
    assert authorised.amount == order.gross_total
    black = stocked_product(20, name="Black ballpoint pen", unit_price=Decimal("12.50"))
    # when the customer agrees to dearer black pens instead
    handle(order, processor, H.SUBSTITUTE, substitute_product=black)
    # then the old authorisation is voided and the new total authorised, so the
    # capture at dispatch is within what the card holds
    order.refresh_from_db()
    voids = order.payments.filter(operation="void", status="voided")
    assert [v.amount for v in voids] == [authorised.amount]
    latest = order.payments.filter(operation="authorise").latest("pk")
    assert (latest.status, latest.amount) == ("authorised", order.gross_total)
    assert order.gross_total > authorised.amount
    assert order.status == S.VERIFIED


def test_a_substitute_at_the_same_price_keeps_the_authorisation(
    short_order, processor, stocked_product
):
    order = short_order()
    black = stocked_product(20, name="Black ballpoint pen", unit_price=Decimal("10.00"))
    handle(order, processor, H.SUBSTITUTE, substitute_product=black)
    assert order.payments.filter(operation="authorise").count() == 1
    assert not order.payments.filter(operation="void").exists()


def test_substitute_gives_back_stock_held_for_the_original(
    short_order, processor, stocked_product, live_pool
):
    # given a short line for 3 that holds 1 already (the rest is missing)
    order = short_order(on_hand=1)
    line = order.lines.get(line_number=1)
    stock_reserve(
        pool=live_pool,
        requests=[ReservationRequest(line.product_id, 1, f"order-line:{line.pk}")],
    )
    OrderLine.objects.filter(pk=line.pk).update(quantity_reserved=1)
    other = stocked_product(10)
    # when a substitute is agreed
    handle(order, processor, H.SUBSTITUTE, substitute_product=other)
    # then the unit held for the original is free again
    assert stock_level(pool=live_pool, product_id=line.product_id).reserved == 0
    assert OrderLine.objects.get(pk=line.pk).quantity_reserved == 0
    assert_stock_invariants()


def test_substitute_must_be_in_stock_for_the_whole_line(
    short_order, processor, stocked_product
):
    order = short_order(quantity=3)
    version = order.version
    scarce = stocked_product(2)
    with pytest.raises(OrderRuleError, match="Only 2 of .* are available"):
        handle(order, processor, H.SUBSTITUTE, substitute_product=scarce)
    unchanged(order, version)
    assert order.lines.count() == 2


def test_substitute_must_be_an_active_product(short_order, processor, stocked_product):
    order = short_order()
    version = order.version
    withdrawn = stocked_product(10, active=False)
    with pytest.raises(OrderRuleError, match="no longer sold"):
        handle(order, processor, H.SUBSTITUTE, substitute_product=withdrawn)
    unchanged(order, version)


def test_substitute_must_be_another_product(short_order, processor):
    order = short_order()
    version = order.version
    same = order.lines.get(line_number=1).product
    with pytest.raises(OrderRuleError, match="choose a different one"):
        handle(order, processor, H.SUBSTITUTE, substitute_product=same)
    with pytest.raises(OrderRuleError, match="Choose the substitute product"):
        handle(order, processor, H.SUBSTITUTE, substitute_product=None)
    unchanged(order, version)


# --- part shipment ----------------------------------------------------------------


def test_part_shipment_reserves_what_is_in_stock_and_backorders_the_rest(
    short_order, processor, live_pool
):
    # given a short line for 3 with 1 in stock and more in a week
    order = short_order(on_hand=1, quantity=3)
    # when the customer agrees to have the 1 now and the rest later
    handle(order, processor, H.PARTIAL_SHIPMENT, agreement="Send what you have.")
    # then the 1 is reserved and the line waits, agreed to go in parts
    line = order.lines.get(line_number=1)
    assert (line.status, line.ship_partial, line.quantity_reserved) == (
        L.BACKORDERED,
        True,
        1,
    )
    assert stock_level(pool=live_pool, product_id=line.product_id).available == 0
    event = order.events.get(kind=E.LINE_BACKORDERED)
    assert (event.data["partial"], event.data["reserved"], event.data["waiting"]) == (
        True,
        1,
        2,
    )
    assert problem_of(order).handling == H.PARTIAL_SHIPMENT
    assert Order.objects.get(pk=order.pk).status == S.VERIFIED
    assert_stock_invariants()


def test_part_shipment_needs_something_in_stock_now(short_order, processor):
    order = short_order(on_hand=0)
    version = order.version
    with pytest.raises(OrderRuleError, match="nothing to send first"):
        handle(order, processor, H.PARTIAL_SHIPMENT)
    unchanged(order, version)


def test_part_shipment_needs_a_known_restock_date(short_order, processor):
    order = short_order(restock_days=None)
    version = order.version
    with pytest.raises(OrderRuleError, match="No restock date is known"):
        handle(order, processor, H.PARTIAL_SHIPMENT)
    unchanged(order, version)


def test_part_shipment_is_not_needed_when_the_whole_line_is_in_stock(
    short_order, processor, live_pool
):
    # given a short line whose stock has since arrived in full
    order = short_order(on_hand=1, quantity=3)
    product = order.lines.get(line_number=1).product
    stock_receive(pool=live_pool, product=product, quantity=5)
    version = order.version
    with pytest.raises(OrderRuleError, match="re-run the stock check"):
        handle(order, processor, H.PARTIAL_SHIPMENT)
    unchanged(order, version)


# --- cancel the line ---------------------------------------------------------------


def test_cancel_line_with_agreement_cancels_it_and_recomputes_the_totals(
    short_order, processor
):
    order = short_order()
    problem = handle(order, processor, H.CANCEL_LINE, agreement="Just drop them.")
    line = order.lines.get(line_number=1)
    assert line.status == L.CANCELLED
    order.refresh_from_db()
    assert order.gross_total == Decimal("12.00")  # line 2 only
    event = order.events.get(kind=E.LINE_CANCELLED)
    assert event.data["exception_id"] == problem.pk
    assert "Just drop them." in event.data["reason"]
    assert problem.handling == H.CANCEL_LINE
    assert order.status == S.VERIFIED
    assert_stock_invariants()


def test_cancel_line_refuses_the_orders_only_line(
    receive, stocked_product, processor, restock_in
):
    product = stocked_product(0)
    restock_in(product)
    order = receive([(product.code, 2)])
    order = verification_run(order_id=order.pk, worker="w")
    version = order.version
    with pytest.raises(OrderRuleError, match="cancel the order instead"):
        handle(order, processor, H.CANCEL_LINE)
    assert Order.objects.get(pk=order.pk).version == version
    assert problem_of(order).status == OrderException.Status.OPEN


# --- who, when and what ------------------------------------------------------------


def test_a_dispatcher_cannot_handle_an_out_of_stock_line(short_order, dispatcher):
    order = short_order()
    version = order.version
    with pytest.raises(OrderPermissionError):
        handle(order, dispatcher, H.BACKORDER)
    unchanged(order, version)


def test_a_supervisor_can_handle_an_out_of_stock_line(short_order, supervisor):
    order = short_order()
    assert handle(order, supervisor, H.BACKORDER).resolved_by == supervisor


def test_a_stale_page_is_refused(short_order, processor):
    order = short_order()
    version = order.version
    with pytest.raises(StaleOrderError):
        handle(order, processor, H.BACKORDER, expected_version=version - 1)
    unchanged(order, version)


def test_an_unknown_option_is_refused(short_order, processor):
    order = short_order()
    version = order.version
    with pytest.raises(OrderRuleError, match="Choose what the customer agreed to"):
        handle(order, processor, "approved")
    unchanged(order, version)


def test_a_resolved_exception_cannot_be_handled_again(short_order, processor):
    order = short_order()
    handle(order, processor, H.BACKORDER)
    with pytest.raises(OrderRuleError, match="already resolved"):
        handle(order, processor, H.CANCEL_LINE)


def test_only_an_out_of_stock_exception_on_a_short_line_is_handled_here(
    short_order, processor
):
    # given an out-of-stock exception raised by hand on a reserved line
    order = short_order()
    reserved = order.lines.get(line_number=2)
    other = OrderException.objects.create(
        order=order,
        kind="out_of_stock",
        found="Damaged in the warehouse",
        line=reserved,
    )
    with pytest.raises(OrderRuleError, match="not out of stock"):
        out_of_stock_handle(
            exception=other,
            actor=processor,
            option=H.BACKORDER,
            agreement="ok",
            agreement_channel="phone",
        )


# --- dispatch: what the customer agreed to ----------------------------------------


@pytest.fixture
def fulfilling(processor, dispatcher):
    """Confirm an order for its earliest date and start picking it."""

    def make(order: Order) -> Order:
        order = Order.objects.get(pk=order.pk)
        earliest = max(
            [timezone.localdate()]
            + [x.restock_date for x in order.lines.all() if x.restock_date]
        )
        order = order_confirm(order=order, actor=processor, promised_date=earliest)
        return order_start_fulfilment(order=order, actor=dispatcher)

    return make


def test_a_backordered_order_cannot_be_dispatched_until_its_stock_arrives(
    short_order, processor, dispatcher, fulfilling
):
    # given an order whose customer agreed to wait for line 1 and have it all together
    order = short_order()
    handle(order, processor, H.BACKORDER)
    order = fulfilling(order)
    # when the dispatcher sends the reserved line 2, then it is refused, naming the
    # waiting line and the customer's wish
    with pytest.raises(OrderRuleError) as refused:
        order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    assert "line 1" in str(refused.value)
    assert "agreed to receive it all together" in str(refused.value)
    assert not Order.objects.get(pk=order.pk).shipments.exists()


def test_backordered_order_ships_and_closes_after_a_restock(
    short_order, processor, dispatcher, fulfilling, live_pool
):
    # given a backordered order being picked
    order = short_order()
    handle(order, processor, H.BACKORDER)
    order = fulfilling(order)
    product = order.lines.get(line_number=1).product
    # when the stock arrives
    result = restock_receive(
        pool=live_pool, product=product, quantity=10, actor=dispatcher
    )
    # then the order can now be shipped, and goes whole, to the end of its life
    assert [(o.order.pk, o.next_step) for o in result.orders] == [(order.pk, "ship")]
    shipment = order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    assert {(x.line.line_number, x.quantity) for x in shipment.lines.all()} == {
        (1, 3),
        (2, 1),
    }
    shipment_record_delivery(shipment=shipment, actor=dispatcher)
    order_record_follow_up(
        order=order,
        actor=processor,
        channel="phone",
        outcome="reached",
        notes="All arrived, thank you.",
    )
    order = order_close(order=order, actor=processor)
    assert order.status == S.CLOSED
    assert_stock_invariants()


def test_part_shipment_sends_the_reserved_part_then_the_rest_after_a_restock(
    short_order, processor, dispatcher, fulfilling, live_pool
):
    # given an order whose customer agreed to have 1 of 3 now, the rest later
    order = short_order(on_hand=1, quantity=3)
    handle(order, processor, H.PARTIAL_SHIPMENT)
    order = fulfilling(order)
    # when it is dispatched: the 1 reserved and line 2 go, the order stays open
    first = order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    assert {(x.line.line_number, x.quantity) for x in first.lines.all()} == {
        (1, 1),
        (2, 1),
    }
    line = order.lines.get(line_number=1)
    assert (line.status, line.quantity_dispatched) == (L.BACKORDERED, 1)
    assert Order.objects.get(pk=order.pk).status == S.FULFILLING
    # and nothing more can go until the rest arrives
    with pytest.raises(OrderRuleError, match="No line has reserved stock"):
        order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    assert_stock_invariants()
    # when the rest arrives, it is reserved and can be shipped
    result = restock_receive(
        pool=live_pool, product=line.product, quantity=5, actor=dispatcher
    )
    assert result.orders[0].next_step == "ship"
    second = order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    assert [(x.line.line_number, x.quantity) for x in second.lines.all()] == [(1, 2)]
    order.refresh_from_db()
    assert order.status == S.DISPATCHED
    for shipment in order.shipments.all():
        shipment_record_delivery(shipment=shipment, actor=dispatcher)
    order_record_follow_up(
        order=order, actor=processor, channel="phone", outcome="reached", notes="Ok"
    )
    assert order_close(order=order, actor=processor).status == S.CLOSED
    assert_stock_invariants()
