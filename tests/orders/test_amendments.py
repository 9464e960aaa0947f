"""Amending an order until dispatch: the earlier revision is kept, stock and payment
follow the change, the affected checks run again, and it is confirmed afresh."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.selectors import stock_ledger_mismatches, stock_level
from inventory.services import stock_set_restock_date
from orders.exceptions import (
    OrderInputError,
    OrderPermissionError,
    OrderRuleError,
    StaleOrderError,
)
from orders.models import (
    Check,
    Communication,
    Order,
    OrderEvent,
    OrderException,
    OrderLine,
    OrderRevision,
    Payment,
)
from orders.services import (
    LineInput,
    communication_record,
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    verification_run,
)
from orders.services.amendments import LineChange, order_amend
from tests.factories import CustomerFactory
from tests.orders.invariants import assert_stock_invariants

S = Order.Status
L = OrderLine.Status
E = OrderEvent.Kind


@pytest.fixture
def amend(processor, django_capture_on_commit_callbacks):
    """Amend through the service and let the new round of checks run (as on commit)."""

    def go(order, *, by=None, reason="Customer rang to change the order.", **changes):
        changes.setdefault("customer_told", True)
        with django_capture_on_commit_callbacks(execute=True):
            amended = order_amend(
                order=order, actor=by or processor, reason=reason, **changes
            )
        return Order.objects.get(pk=amended.pk)

    return go


@pytest.fixture(autouse=True)
def _stock_agrees(db):
    """After every test, stock levels agree with the ledger, and what is reserved is
    exactly what the active lines hold unsent."""
    yield
    assert stock_ledger_mismatches() == []
    assert_stock_invariants()


def only_line(order) -> OrderLine:
    return order.lines.get()


def open_exceptions(order, kind=None):
    found = order.exceptions.filter(status=OrderException.Status.OPEN)
    return list(found.filter(kind=kind) if kind else found)


def reserved_in_stock(order, line) -> int:
    return stock_level(pool=order.stock_pool, product_id=line.product_id).reserved


def round_checks(order) -> list[str]:
    return list(
        order.checks.filter(round=order.verification_round).values_list(
            "kind", flat=True
        )
    )


# --- quantities ------------------------------------------------------------------


def test_raising_a_quantity_with_stock_reserves_the_extra_and_verifies_again(
    verified_order, amend
):
    # given a verified order for 2
    order = verified_order(quantity=2)
    line = only_line(order)
    # when the customer wants 5
    order = amend(order, line_changes={line.pk: LineChange(quantity=5)})
    # then the other 3 are reserved and the order is verified again, as revision 2
    line.refresh_from_db()
    assert (line.quantity, line.quantity_reserved, line.status) == (5, 5, L.RESERVED)
    assert reserved_in_stock(order, line) == 5
    assert order.status == S.VERIFIED
    assert order.revision == 2
    assert order.gross_total == Decimal("60.00")
    # and revision 1 is kept as it stood
    kept = order.revisions.get()
    assert kept.number == 1
    assert kept.snapshot["lines"][0]["quantity"] == 2
    assert kept.snapshot["gross_total"] == "24.00"


def test_raising_a_quantity_without_stock_holds_the_order_keeping_what_is_held(
    receive, stocked_product, amend
):
    # given a verified order for 2 of a product with 5 in stock
    product = stocked_product(5)
    order = verification_run(order_id=receive([(product.code, 2)]).pk)
    line = only_line(order)
    # when the customer wants 10
    order = amend(order, line_changes={line.pk: LineChange(quantity=10)})
    # then the line is short, the 2 already held stay held, and the order is on hold
    line.refresh_from_db()
    assert (line.status, line.quantity_reserved) == (L.SHORT, 2)
    assert reserved_in_stock(order, line) == 2
    assert order.status == S.ON_HOLD
    (problem,) = open_exceptions(order, "out_of_stock")
    assert "10 ordered, 2 held, 8 more needed, 3 available" in problem.found


def test_lowering_a_quantity_releases_the_surplus_at_once(verified_order, processor):
    # given a verified order for 5, all reserved
    order = verified_order(quantity=5)
    line = only_line(order)
    # when it is amended down to 2 (the checks not yet run)
    order_amend(
        order=order,
        actor=processor,
        reason="Customer only needs two.",
        line_changes={line.pk: LineChange(quantity=2)},
        customer_told=True,
    )
    # then 3 go back to stock straight away, and the release is recorded
    line.refresh_from_db()
    assert (line.quantity, line.quantity_reserved, line.status) == (2, 2, L.RESERVED)
    assert reserved_in_stock(order, line) == 2
    order.refresh_from_db()
    assert order.status == S.VERIFYING
    released = order.events.get(kind=E.STOCK_RELEASED)
    assert released.data["lines"] == [{"line": 1, "quantity": 3}]
    amended = order.events.get(kind=E.AMENDED)
    assert amended.data["changes"] == [
        {"field": "quantity", "line": 1, "before": 5, "after": 2}
    ]
    assert amended.data["released"] == [{"line": 1, "quantity": 3}]


def test_lowering_a_quantity_runs_only_the_checks_lines_affect(verified_order, amend):
    # given a verified order for 5
    order = verified_order(quantity=5)
    line = only_line(order)
    # when it is amended down to 2
    order = amend(order, line_changes={line.pk: LineChange(quantity=2)})
    # then round 2 ran the line checks and the payment check, not the customer check
    assert order.verification_round == 2
    assert round_checks(order) == [
        "products",
        "quantities",
        "prices",
        "duplicate",
        "stock",
        "date",
        "payment",
    ]
    assert order.status == S.VERIFIED


# --- removing and adding lines ----------------------------------------------------


def test_removing_a_line_cancels_it_releases_its_stock_and_recomputes_totals(
    receive, stocked_product, amend
):
    # given a verified two-line order
    paper, pens = stocked_product(50), stocked_product(50)
    order = verification_run(order_id=receive([(paper.code, 2), (pens.code, 3)]).pk)
    pens_line = order.lines.get(product=pens)
    # when the pens are removed (quantity 0)
    order = amend(order, line_changes={pens_line.pk: LineChange(quantity=0)})
    # then the line is cancelled (kept in the record), its stock is free again, and
    # the order totals only the paper
    pens_line.refresh_from_db()
    assert (pens_line.status, pens_line.quantity_reserved) == (L.CANCELLED, 0)
    assert pens_line.quantity == 3
    assert reserved_in_stock(order, pens_line) == 0
    assert order.gross_total == Decimal("24.00")
    assert order.status == S.VERIFIED
    assert order.revisions.get().snapshot["lines"][1]["status"] == "reserved"


def test_removing_every_line_is_refused(verified_order, processor):
    # given a one-line order
    order = verified_order()
    line = only_line(order)
    # when the only line is removed, then it is refused: cancel the order instead
    with pytest.raises(OrderInputError, match="cancel the order instead") as refused:
        order_amend(
            order=order,
            actor=processor,
            reason="No longer wanted.",
            line_changes={line.pk: LineChange(quantity=0)},
            customer_told=True,
        )
    assert "lines" in refused.value.errors
    assert not OrderRevision.objects.exists()


def test_removing_a_short_line_settles_its_out_of_stock_exception(
    receive, stocked_product, amend
):
    # given an order on hold because one of its two lines is short
    short, plenty = stocked_product(0), stocked_product(50)
    order = verification_run(order_id=receive([(short.code, 3), (plenty.code, 1)]).pk)
    assert order.status == S.ON_HOLD
    short_line = order.lines.get(product=short)
    # when the customer agrees to drop it
    order = amend(
        order,
        reason="Customer will buy it elsewhere.",
        line_changes={short_line.pk: LineChange(quantity=0)},
    )
    # then the exception is resolved as corrected, and the order is verified
    (problem,) = order.exceptions.all()
    assert problem.status == OrderException.Status.RESOLVED
    assert problem.handling == OrderException.Handling.CORRECTED
    assert problem.customer_informed
    assert "Line 1 removed from the order" in problem.resolution
    assert order.status == S.VERIFIED


def test_adding_a_line_numbers_it_next_and_reserves_it(
    verified_order, stocked_product, amend
):
    # given a verified one-line order, and another product in stock
    order = verified_order(quantity=2)
    extra = stocked_product(20, unit_price=Decimal("5.00"))
    # when a line for 4 of it is added
    order = amend(order, new_lines=[LineInput(extra.code.lower(), 4)])
    # then it is line 2 at the list price, reserved, and in the totals
    added = order.lines.get(line_number=2)
    assert (added.product, added.unit_price, added.status) == (
        extra,
        Decimal("5.00"),
        L.RESERVED,
    )
    assert order.gross_total == Decimal("48.00")
    assert order.status == S.VERIFIED
    (amended,) = order.events.filter(kind=E.AMENDED)
    assert amended.data["changes"] == [
        {
            "field": "new_line",
            "line": 2,
            "before": None,
            "after": f"{extra.code} × 4 at £5.00",
        }
    ]


def test_a_new_line_with_bad_input_is_refused_field_by_field(verified_order, processor):
    # given a verified order
    order = verified_order()
    # when a new line has no code and a quantity of 0
    with pytest.raises(OrderInputError) as refused:
        order_amend(
            order=order,
            actor=processor,
            reason="Adding a line.",
            new_lines=[LineInput("  ", 0, Decimal("-1"))],
            customer_told=False,
        )
    # then each problem is named on the new line, and nothing changed
    assert refused.value.errors["new_lines"] == [
        "New line 1: enter the product code.",
        "New line 1: the quantity must be a whole number of 1 or more.",
        "New line 1: the agreed price must be £0 or more.",
    ]
    assert order.lines.count() == 1
    assert not OrderRevision.objects.exists()


# --- corrections while an exception is open --------------------------------------


def test_correcting_an_unknown_code_resolves_the_unknown_product_exception(
    receive, stocked_product, amend
):
    # given an order held because a code was mistyped
    product = stocked_product(30, code="ABC-1234", unit_price=Decimal("7.50"))
    order = verification_run(order_id=receive([("ABC-1243", 2)]).pk)
    (problem,) = open_exceptions(order, "unknown_product")
    line = only_line(order)
    # when the processor corrects the code while handling that exception
    order = amend(
        order,
        reason="Customer confirmed the code is ABC-1234.",
        line_changes={line.pk: LineChange(product_code="abc-1234")},
        exception=problem,
    )
    # then the line is that product at its list price, stock is reserved, the
    # products check passed and resolved the exception, and the order is verified
    line.refresh_from_db()
    assert (line.product, line.description, line.unit_price) == (
        product,
        product.name,
        Decimal("7.50"),
    )
    assert (line.status, line.quantity_reserved) == (L.RESERVED, 2)
    problem.refresh_from_db()
    assert problem.status == OrderException.Status.RESOLVED
    assert problem.resolution == (
        "Corrected by amendment (revision 2): Customer confirmed the code is ABC-1234."
    )
    assert problem.handling == OrderException.Handling.CORRECTED
    assert problem.customer_informed is True  # as the amendment recorded
    assert order.status == S.VERIFIED
    # and the correction is noted on the exception, and in the trail
    (step,) = problem.steps.all()
    assert "Order amended (revision 2" in step.text
    amended = order.events.get(kind=E.AMENDED)
    assert amended.data["exception_id"] == problem.pk
    assert {"field": "product_code", "line": 1, "before": "ABC-1243"}.items() <= (
        amended.data["changes"][0].items()
    )


def test_a_changed_price_clears_an_approval_and_the_mismatch_is_raised_again(
    verified_order, supervisor, amend
):
    # given a verified line whose different price a supervisor had approved
    order = verified_order(quantity=2)
    line = only_line(order)
    OrderLine.objects.filter(pk=line.pk).update(
        unit_price=Decimal("9.00"), price_approved_by=supervisor
    )
    # when its price is amended again, to £8
    order = amend(order, line_changes={line.pk: LineChange(unit_price=Decimal("8"))})
    # then the approval no longer applies and the mismatch is open again
    line.refresh_from_db()
    assert (line.unit_price, line.price_approved_by) == (Decimal("8.00"), None)
    (problem,) = open_exceptions(order, "price_mismatch")
    assert "order price £8.00 differs from the price list's £10.00" in problem.found
    assert order.status == S.ON_HOLD


def test_a_price_with_fractions_of_a_penny_is_refused(verified_order, processor):
    order = verified_order()
    line = only_line(order)
    with pytest.raises(OrderInputError, match="pounds and pence"):
        order_amend(
            order=order,
            actor=processor,
            reason="Discount.",
            line_changes={line.pk: LineChange(unit_price=Decimal("9.995"))},
            customer_told=False,
        )


def test_amending_the_address_reruns_only_the_customer_check(verified_order, amend):
    # given a verified order
    order = verified_order()
    # when the delivery address and postcode change
    order = amend(
        order,
        delivery_address="  Unit 4, Canal Wharf\nLeeds ",
        delivery_postcode="ls11 5pq",
    )
    # then they are saved as given (tidied), and only the customer check ran again
    assert order.delivery_address == "Unit 4, Canal Wharf\nLeeds"
    assert order.delivery_postcode == "LS11 5PQ"
    assert round_checks(order) == ["customer"]
    assert order.status == S.VERIFIED
    amended = order.events.get(kind=E.AMENDED)
    assert [c["field"] for c in amended.data["changes"]] == [
        "delivery_address",
        "delivery_postcode",
    ]
    assert amended.data["checks"] == ["customer"]


def test_an_invalid_postcode_amended_in_is_caught_by_the_customer_check(
    verified_order, amend
):
    order = verified_order()
    order = amend(order, delivery_postcode="NOT A CODE")
    (problem,) = open_exceptions(order, "invalid_address")
    assert "'NOT A CODE' is not a valid UK postcode" in problem.found
    assert order.status == S.ON_HOLD


def test_amending_the_requested_date_reruns_the_date_check(
    verified_order, amend, tomorrow
):
    # given a verified order with no date requested
    order = verified_order()
    # when the customer asks for delivery by tomorrow
    order = amend(order, requested_date=tomorrow)
    # then the date is saved, and the date check ran and passed
    assert order.requested_date == tomorrow
    assert round_checks(order) == ["date"]
    assert order.checks.get(round=2).outcome == Check.Outcome.PASSED
    assert order.status == S.VERIFIED


def test_a_requested_date_in_the_past_is_refused(verified_order, processor):
    order = verified_order()
    with pytest.raises(OrderInputError) as refused:
        order_amend(
            order=order,
            actor=processor,
            reason="Customer asked.",
            requested_date=timezone.localdate() - timedelta(days=1),
            customer_told=True,
        )
    assert refused.value.errors == {
        "requested_date": ["The requested delivery date is in the past."]
    }


def test_a_requested_date_more_than_a_year_ahead_is_refused(verified_order, processor):
    order = verified_order()
    with pytest.raises(OrderInputError) as refused:
        order_amend(
            order=order,
            actor=processor,
            reason="Customer asked.",
            requested_date=timezone.localdate() + timedelta(days=367),
            customer_told=True,
        )
    assert refused.value.errors == {
        "requested_date": ["That is more than a year ahead: check the year."]
    }
    order.refresh_from_db()
    assert order.requested_date is None


def test_a_requested_date_before_restock_is_queried(
    receive, stocked_product, live_pool, amend, tomorrow
):
    # given an order waiting for a restock in ten days' time
    short = stocked_product(0)
    stock_set_restock_date(
        pool=live_pool, product=short, restock_date=tomorrow + timedelta(days=9)
    )
    order = verification_run(order_id=receive([(short.code, 2)]).pk)
    # when the customer asks for tomorrow
    order = amend(order, requested_date=tomorrow)
    # then the date check queries it, saying when the earliest is
    (problem,) = open_exceptions(order, "delivery_date")
    assert "the earliest possible is" in problem.found
    assert order.status == S.ON_HOLD


# --- confirmed, part-shipped and dispatched orders --------------------------------


def test_a_confirmed_order_amended_is_checked_and_confirmed_afresh(
    verified_order, processor, amend, tomorrow
):
    # given an order confirmed to the customer for 2
    order = verified_order(quantity=2)
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    line = only_line(order)
    call = communication_record(
        order=order,
        actor=processor,
        channel=Communication.Channel.PHONE,
        direction=Communication.Direction.INBOUND,
        purpose=Communication.Purpose.QUERY,
        outcome=Communication.Outcome.REACHED,
        content="Customer asked for 3 instead of 2.",
    )
    # when it is amended to 3, the customer having asked on the phone
    order = amend(
        order,
        line_changes={line.pk: LineChange(quantity=3)},
        customer_told=False,
        communication=call,
    )
    # then it went back through the checks and now waits to be confirmed again
    assert order.status == S.VERIFIED
    assert order.promised_date == tomorrow  # kept, but no longer confirmed
    amended = order.events.get(kind=E.AMENDED)
    assert amended.status_after == S.VERIFYING
    assert (amended.data["customer_told"], amended.data["communication_id"]) == (
        True,
        call.pk,
    )
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    assert order.status == S.CONFIRMED
    confirmations = order.communications.filter(
        purpose=Communication.Purpose.CONFIRMATION
    )
    assert confirmations.count() == 2
    assert "3 ×" in confirmations.last().content
    # and revision 1 still reads as it was confirmed, and cannot be changed
    kept = order.revisions.get(number=1)
    assert kept.snapshot["status"] == "confirmed"
    assert kept.snapshot["promised_date"] == tomorrow.isoformat()
    assert kept.snapshot["lines"][0]["quantity"] == 2
    assert kept.snapshot["customer"]["name"] == order.customer.name
    assert kept.replaced_by == processor
    kept.replaced_by_reason = "changed"
    with pytest.raises(ValueError, match="cannot be changed"):
        kept.save()


def test_a_second_amendment_keeps_both_earlier_revisions(verified_order, amend):
    order = verified_order(quantity=2)
    line = only_line(order)
    order = amend(order, line_changes={line.pk: LineChange(quantity=3)})
    order = amend(order, line_changes={line.pk: LineChange(quantity=4)})
    assert order.revision == 3
    kept = {r.number: r.snapshot["lines"][0]["quantity"] for r in order.revisions.all()}
    assert kept == {1: 2, 2: 3}


@pytest.fixture
def part_shipped(verified_order, processor, dispatcher, tomorrow):
    """An order for 5, confirmed, with 2 dispatched and 3 still to send."""
    order = verified_order(quantity=5)
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    order = order_start_fulfilment(order=order, actor=dispatcher)
    line = only_line(order)
    order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", quantities={line.pk: 2}
    )
    order.refresh_from_db()
    assert order.status == S.FULFILLING
    return order


def test_a_line_cannot_go_below_what_has_been_shipped(part_shipped, processor):
    # given a line with 2 of 5 dispatched
    line = only_line(part_shipped)
    # when it is amended to 1 or removed, then it is refused, saying why
    for quantity in (1, 0):
        with pytest.raises(OrderInputError) as refused:
            order_amend(
                order=part_shipped,
                actor=processor,
                reason="Customer wants fewer.",
                line_changes={line.pk: LineChange(quantity=quantity)},
                customer_told=True,
            )
        assert (
            "Line 1: 2 already shipped, so the quantity cannot go below 2."
            in refused.value.errors["lines"]
        )
    # and nothing changed
    line.refresh_from_db()
    assert (line.quantity, line.quantity_reserved) == (5, 5)
    assert not OrderRevision.objects.exists()


def test_a_code_cannot_change_on_a_line_with_anything_shipped(
    part_shipped, processor, stocked_product
):
    line = only_line(part_shipped)
    other = stocked_product(10)
    with pytest.raises(OrderInputError, match="its product code cannot change"):
        order_amend(
            order=part_shipped,
            actor=processor,
            reason="Wrong product.",
            line_changes={line.pk: LineChange(product_code=other.code)},
            customer_told=True,
        )


def test_a_part_shipped_line_can_come_down_to_what_is_shipped_and_more(
    part_shipped, amend, processor, dispatcher, tomorrow
):
    # given 2 of 5 dispatched
    line = only_line(part_shipped)
    # when it is amended to 3
    order = amend(part_shipped, line_changes={line.pk: LineChange(quantity=3)})
    # then 2 of the 3 unsent units are released and 1 is still to send
    line.refresh_from_db()
    assert (line.quantity, line.quantity_reserved, line.quantity_dispatched) == (
        3,
        3,
        2,
    )
    assert reserved_in_stock(order, line) == 1  # reserved and not yet dispatched
    assert order.status == S.VERIFIED
    # and once confirmed again, the last unit ships and the order is dispatched
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    order = order_start_fulfilment(order=order, actor=dispatcher)
    order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    order.refresh_from_db()
    assert order.status == S.DISPATCHED


def test_the_unsent_rest_removed_dispatches_the_order_and_charges_what_was_sent(
    part_shipped, processor
):
    # given 2 of 5 dispatched, and the customer no longer wanting the other 3
    line = only_line(part_shipped)
    # when the line is amended down to what was shipped
    order_amend(
        order=part_shipped,
        actor=processor,
        reason="Customer does not need the other three.",
        line_changes={line.pk: LineChange(quantity=2)},
        customer_told=True,
    )
    # then the 3 unsent units go back to stock, and with nothing left to check or
    # send the order is dispatched, its card charged for the 2 sent (£24)
    order = Order.objects.get(pk=part_shipped.pk)
    line.refresh_from_db()
    assert (line.quantity, line.quantity_reserved, line.status) == (2, 2, L.DISPATCHED)
    assert reserved_in_stock(order, line) == 0
    assert order.status == S.DISPATCHED
    assert order.revision == 2
    capture = order.payments.get(operation=Payment.Operation.CAPTURE)
    assert capture.amount == Decimal("24.00")
    amended = order.events.get(kind=E.AMENDED)
    assert amended.data["checks"] == []
    assert amended.status_after == S.FULFILLING


def test_the_unsent_rest_of_a_held_order_cannot_be_removed(part_shipped, processor):
    # given a part-shipped order put on hold
    from orders.services import exception_raise

    exception_raise(
        order=part_shipped, actor=processor, kind="other", found="Customer rang."
    )
    line = only_line(part_shipped)
    # when the rest is removed, then it is refused until the exception is settled
    with pytest.raises(OrderRuleError, match="resolve its open exceptions first"):
        order_amend(
            order=part_shipped,
            actor=processor,
            reason="No longer wanted.",
            line_changes={line.pk: LineChange(quantity=2)},
            customer_told=True,
        )
    assert not OrderRevision.objects.exists()
    line.refresh_from_db()
    assert line.quantity_reserved == 5


def test_the_price_of_goods_all_shipped_cannot_be_changed(part_shipped, processor):
    line = only_line(part_shipped)
    with pytest.raises(OrderRuleError, match="refund the difference"):
        order_amend(
            order=part_shipped,
            actor=processor,
            reason="Goodwill.",
            line_changes={line.pk: LineChange(quantity=2, unit_price=Decimal("8"))},
            customer_told=True,
        )
    assert not OrderRevision.objects.exists()


def test_a_dispatched_order_cannot_be_amended(verified_order, processor, dispatcher):
    order = verified_order()
    order = order_confirm(
        order=order, actor=processor, promised_date=timezone.localdate()
    )
    order = order_start_fulfilment(order=order, actor=dispatcher)
    order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    line = only_line(order)
    with pytest.raises(OrderRuleError, match="it can be amended only when"):
        order_amend(
            order=order,
            actor=processor,
            reason="Too late.",
            line_changes={line.pk: LineChange(quantity=1)},
            customer_told=True,
        )
    assert not OrderRevision.objects.exists()


def test_an_order_still_being_checked_cannot_be_amended(
    receive, stocked_product, processor
):
    # given an order whose checks have not finished
    order = receive([(stocked_product(10).code, 1)])
    # when it is amended, then it is refused until they have
    with pytest.raises(OrderRuleError, match="Checks are still running"):
        order_amend(
            order=order,
            actor=processor,
            reason="Customer rang.",
            delivery_postcode="LS2 7AB",
            customer_told=True,
        )


# --- payment ------------------------------------------------------------------------


def test_a_card_total_change_voids_the_authorisation_and_authorises_the_new_total(
    verified_order, amend, processor, dispatcher, tomorrow
):
    # given a card order authorised for £24
    order = verified_order(quantity=2)
    (first,) = order.payments.all()
    assert (first.status, first.amount) == (Payment.Status.AUTHORISED, Decimal("24.00"))
    line = only_line(order)
    # when it is amended to 3 (£36)
    order = amend(order, line_changes={line.pk: LineChange(quantity=3)})
    # then the £24 hold is voided and £36 authorised by the new round
    void = order.payments.get(operation=Payment.Operation.VOID)
    assert (void.status, void.amount) == (Payment.Status.VOIDED, Decimal("24.00"))
    second = order.payments.filter(operation=Payment.Operation.AUTHORISE).last()
    assert (second.status, second.amount) == (
        Payment.Status.AUTHORISED,
        Decimal("36.00"),
    )
    assert second.idempotency_key.endswith("-r2")
    assert order.events.get(kind=E.AMENDED).data["payment_voided"] == void.pk
    # and dispatch captures the new total
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    order = order_start_fulfilment(order=order, actor=dispatcher)
    order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    capture = order.payments.get(operation=Payment.Operation.CAPTURE)
    assert capture.amount == Decimal("36.00")


def test_an_address_change_leaves_the_card_authorisation_alone(verified_order, amend):
    order = verified_order()
    order = amend(order, delivery_address="2 Mill Lane\nLeeds")
    assert list(order.payments.values_list("operation", flat=True)) == ["authorise"]


def test_an_account_order_over_its_limit_after_amendment_is_held(
    receive, stocked_product, amend
):
    # given an account order for £24 on a £100 limit
    customer = CustomerFactory(terms="account_30", credit_limit=Decimal("100.00"))
    product = stocked_product(50)
    order = verification_run(
        order_id=receive(
            [(product.code, 2)], customer=customer, payment_method="account"
        ).pk
    )
    assert order.status == S.VERIFIED
    # when it is amended to 10 (£120)
    order = amend(order, line_changes={only_line(order).pk: LineChange(quantity=10)})
    # then the credit check fails and the order waits for a person
    (problem,) = open_exceptions(order, "credit_limit")
    assert "would exceed the credit limit" in problem.found
    assert order.status == S.ON_HOLD


# --- refusals ------------------------------------------------------------------------


def test_a_dispatcher_cannot_amend(verified_order, dispatcher):
    order = verified_order()
    with pytest.raises(OrderPermissionError):
        order_amend(
            order=order,
            actor=dispatcher,
            reason="x",
            delivery_postcode="LS2 7AB",
            customer_told=True,
        )


def test_nothing_changed_is_refused_and_no_revision_kept(verified_order, processor):
    # given a verified order
    order = verified_order(quantity=2)
    line = only_line(order)
    # when the "changes" are the values it already has
    with pytest.raises(OrderRuleError, match="Nothing to amend"):
        order_amend(
            order=order,
            actor=processor,
            reason="Checking.",
            line_changes={
                line.pk: LineChange(
                    product_code=line.product_code.lower(),
                    quantity=2,
                    unit_price=Decimal("10.00"),
                )
            },
            delivery_address=order.delivery_address,
            delivery_postcode=order.delivery_postcode.lower(),
            requested_date=None,
            customer_told=False,
        )
    # then nothing is kept and the order is as it was
    order.refresh_from_db()
    assert (order.revision, order.status) == (1, S.VERIFIED)
    assert not OrderRevision.objects.exists()


def test_a_reason_is_required(verified_order, processor):
    order = verified_order()
    with pytest.raises(OrderInputError) as refused:
        order_amend(
            order=order,
            actor=processor,
            reason="   ",
            delivery_postcode="LS2 7AB",
            customer_told=True,
        )
    assert refused.value.errors == {"reason": ["Give the reason for the amendment."]}


def test_a_stale_page_is_refused(verified_order, processor):
    order = verified_order()
    with pytest.raises(StaleOrderError):
        order_amend(
            order=order,
            actor=processor,
            reason="Customer rang.",
            delivery_postcode="LS2 7AB",
            customer_told=True,
            expected_version=order.version - 1,
        )


def test_a_line_or_communication_of_another_order_is_refused(verified_order, processor):
    order, other = verified_order(), verified_order()
    their_line = only_line(other)
    their_call = other.communications.first()
    with pytest.raises(OrderInputError) as refused:
        order_amend(
            order=order,
            actor=processor,
            reason="Customer rang.",
            line_changes={their_line.pk: LineChange(quantity=3)},
            customer_told=True,
            communication=their_call,
        )
    assert refused.value.errors["lines"] == ["That line is not on this order."]
    assert refused.value.errors["communication"] == [
        "That communication is about a different order."
    ]


def test_a_cancelled_line_cannot_be_changed(receive, stocked_product, amend, processor):
    paper, pens = stocked_product(50), stocked_product(50)
    order = verification_run(order_id=receive([(paper.code, 2), (pens.code, 3)]).pk)
    pens_line = order.lines.get(product=pens)
    order = amend(order, line_changes={pens_line.pk: LineChange(quantity=0)})
    with pytest.raises(OrderInputError, match="Line 2 is cancelled"):
        order_amend(
            order=order,
            actor=processor,
            reason="Back again.",
            line_changes={pens_line.pk: LineChange(quantity=4)},
            customer_told=True,
        )
