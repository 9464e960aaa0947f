"""Handling discrepancies: a supervisor keeps a price that differs from the list;
a processor corrects the customer's contact details. Each is recorded (before,
after, who, why, whether the customer was told) and nothing changes silently."""

from decimal import Decimal

import pytest

from customers.models import Customer
from orders.exceptions import (
    OrderInputError,
    OrderPermissionError,
    OrderRuleError,
    StaleOrderError,
)
from orders.models import Check, Order, OrderEvent, OrderException, OrderLine
from orders.services import (
    LineInput,
    check_rerun,
    communication_record,
    exception_raise,
    order_confirm,
    verification_run,
)
from orders.services.corrections import contact_correct, price_keep_approve
from tests.factories import CustomerFactory, OrderFactory

X = OrderException.Kind
H = OrderException.Handling


def verify(order: Order) -> Order:
    return verification_run(order_id=order.pk, worker="test-worker")


def open_exception(order: Order, kind: str) -> OrderException:
    return order.exceptions.get(kind=kind, status=OrderException.Status.OPEN)


@pytest.fixture
def price_held(receive, stocked_product):
    """An order on hold only because line 1's £8.00 differs from the list's £10.00."""

    def make(**fields):
        product = stocked_product(50)
        order = receive([LineInput(product.code, 3, Decimal("8.00"))], **fields)
        order = verify(order)
        assert order.status == Order.Status.ON_HOLD
        return order, open_exception(order, X.PRICE_MISMATCH)

    return make


# --- price_keep_approve ------------------------------------------------------------


def test_supervisor_keeps_a_price_and_the_order_comes_off_hold(price_held, supervisor):
    # given an order held for a price that differs from the list
    order, exception = price_held()
    # when a supervisor approves keeping it, with a note
    line = price_keep_approve(
        exception=exception,
        actor=supervisor,
        note="  Agreed 20% off for a regular customer.  ",
        expected_version=order.version,
    )
    # then the approval is on the line
    assert OrderLine.objects.get(pk=line.pk).price_approved_by == supervisor
    # and the exception is resolved as approved, by whom and why
    exception.refresh_from_db()
    assert exception.status == OrderException.Status.RESOLVED
    assert exception.handling == H.APPROVED
    assert exception.approved_by == supervisor
    assert exception.resolved_by == supervisor
    assert "£8.00 kept (list price £10.00)" in exception.resolution
    assert "Agreed 20% off for a regular customer." in exception.resolution
    # and the approval is in the event trail
    event = order.events.get(kind=OrderEvent.Kind.APPROVED)
    assert event.actor == supervisor
    assert event.data == {
        "exception_id": exception.pk,
        "what": "price",
        "line": 1,
        "unit_price": "8.00",
        "list_price": "10.00",
        "note": "Agreed 20% off for a regular customer.",
    }
    # and, nothing else being open, the order is verified again
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED
    assert order.events.filter(kind=OrderEvent.Kind.RELEASED).exists()


def test_a_later_prices_check_passes_for_the_approved_price(
    price_held, supervisor, processor
):
    # given a price kept with a supervisor's approval
    order, exception = price_held()
    price_keep_approve(exception=exception, actor=supervisor, note="Agreed.")
    # when the prices check runs again
    check = check_rerun(order=order, kind=Check.Kind.PRICES, actor=processor)
    # then it passes, saying whose approval keeps the price
    assert check.outcome == Check.Outcome.PASSED
    assert f"£8.00 kept (list £10.00) with {supervisor}'s approval" in check.detail
    assert not order.exceptions.filter(status="open").exists()


def test_order_stays_on_hold_while_another_exception_is_open(
    price_held, supervisor, processor
):
    # given a price exception and another problem raised by hand
    order, exception = price_held()
    exception_raise(order=order, actor=processor, kind=X.OTHER, found="Odd address.")
    # when the price is approved
    price_keep_approve(exception=exception, actor=supervisor, note="Agreed.")
    # then the order stays on hold for the other problem
    order.refresh_from_db()
    assert order.status == Order.Status.ON_HOLD


def test_processor_cannot_approve_a_price(price_held, processor):
    # given a price exception
    order, exception = price_held()
    # when a processor tries to approve it, then they are told who can
    with pytest.raises(OrderPermissionError, match="Only a supervisor can do this"):
        price_keep_approve(exception=exception, actor=processor, note="Fine by me.")
    # and nothing changed
    assert open_exception(order, X.PRICE_MISMATCH) == exception
    assert order.lines.get().price_approved_by is None
    assert not order.events.filter(kind=OrderEvent.Kind.APPROVED).exists()


def test_price_approval_needs_a_note(price_held, supervisor):
    # given a price exception
    order, exception = price_held()
    # when approved without saying why, then it is refused and nothing changes
    with pytest.raises(OrderRuleError, match="Say why the price can be kept"):
        price_keep_approve(exception=exception, actor=supervisor, note="   ")
    assert order.lines.get().price_approved_by is None
    assert open_exception(order, X.PRICE_MISMATCH) == exception


def test_price_approval_refuses_a_stale_page(price_held, supervisor):
    # given a page opened before the order changed
    order, exception = price_held()
    # when the approval is sent with the old version, then it is refused
    with pytest.raises(StaleOrderError):
        price_keep_approve(
            exception=exception,
            actor=supervisor,
            note="Agreed.",
            expected_version=order.version - 1,
        )
    assert order.lines.get().price_approved_by is None


def test_price_approval_refuses_a_resolved_exception(price_held, supervisor):
    # given a price already approved
    order, exception = price_held()
    price_keep_approve(exception=exception, actor=supervisor, note="Agreed.")
    # when it is approved again (a second submit), then it is refused
    with pytest.raises(OrderRuleError, match="already resolved"):
        price_keep_approve(exception=exception, actor=supervisor, note="Again.")
    assert order.events.filter(kind=OrderEvent.Kind.APPROVED).count() == 1


def test_only_a_price_difference_can_be_approved(receive, stocked_product, supervisor):
    # given an order held for an unknown product code
    order = verify(receive([("ZZZ-9999", 1)]))
    exception = open_exception(order, X.UNKNOWN_PRODUCT)
    # when a supervisor tries to approve it as a price, then it is refused
    with pytest.raises(OrderRuleError, match="Only a price difference on a line"):
        price_keep_approve(exception=exception, actor=supervisor, note="Agreed.")
    assert open_exception(order, X.UNKNOWN_PRODUCT) == exception


def test_price_approval_refuses_a_price_that_matches_again(price_held, supervisor):
    # given a line whose price was put back to the list price after the check
    order, exception = price_held()
    OrderLine.objects.filter(order=order).update(unit_price=Decimal("10.00"))
    # when the old difference is approved, then the person is sent to the check
    with pytest.raises(OrderRuleError, match="now matches the price list"):
        price_keep_approve(exception=exception, actor=supervisor, note="Agreed.")
    assert order.lines.get().price_approved_by is None


# --- contact_correct -----------------------------------------------------------


@pytest.fixture
def phone_missing(receive, stocked_product):
    """An order held because its customer prefers phone calls but has no number."""

    def make():
        customer = CustomerFactory(preferred_channel="phone", phone="")
        product = stocked_product(50)
        order = verify(receive([(product.code, 1)], customer=customer))
        assert order.status == Order.Status.ON_HOLD
        return order, open_exception(order, X.MISSING_CONTACT)

    return make


def corrected_events(order: Order) -> list[OrderEvent]:
    return list(order.events.filter(kind=OrderEvent.Kind.CORRECTED).order_by("pk"))


def test_processor_adds_a_missing_phone_number_and_the_check_passes(
    phone_missing, processor
):
    # given an order held for the customer's missing phone number, and the call in
    # which the customer gave it
    order, exception = phone_missing()
    call = communication_record(
        order=order,
        actor=processor,
        channel="phone",
        direction="inbound",
        purpose="query",
        outcome="received",
        content="Customer rang with their number.",
    )
    # when the processor corrects the customer's record
    correction = contact_correct(
        order=order,
        actor=processor,
        changes={"phone": " 0113 496 0000 "},
        reason="Customer rang with their number.",
        customer_told=True,
        communication=call,
        exception=exception,
        expected_version=Order.objects.get(pk=order.pk).version,
    )
    # then the record has the number
    assert Customer.objects.get(pk=order.customer_id).phone == "0113 496 0000"
    assert correction.changed == {"phone": ("", "0113 496 0000")}
    # and the correction is on the order's event trail: before, after, why, told
    (event,) = corrected_events(order)
    assert event.actor == processor
    assert event.data == {
        "field": "customer's phone number",
        "customer_field": "phone",
        "before": "",
        "after": "0113 496 0000",
        "reason": "Customer rang with their number.",
        "customer_told": True,
        "communication_id": call.pk,
        "exception_id": exception.pk,
    }
    # and the exception shows the step taken
    assert "Corrected the customer's phone number" in exception.steps.get().text
    # and the customer check ran again, passed, and resolved the exception
    assert correction.passed
    assert correction.check.rerun
    assert correction.check.run_by == processor
    exception.refresh_from_db()
    assert exception.status == OrderException.Status.RESOLVED
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED


def test_each_changed_detail_is_its_own_event_and_unchanged_ones_none(
    receive, stocked_product, processor
):
    # given a customer with a wrong postcode and no e-mail address, on hold
    customer = CustomerFactory(email="", postcode="LS1")
    product = stocked_product(50)
    order = verify(
        receive([(product.code, 1)], customer=customer, delivery_postcode="LS1 1AA")
    )
    exception = open_exception(order, X.MISSING_CONTACT)
    # when both are corrected, with the town sent unchanged and the postcode typed
    # in lower case
    correction = contact_correct(
        order=order,
        actor=processor,
        changes={"email": "ann@example.com", "postcode": "ls1 4ap", "town": "Leeds"},
        reason="Checked with the customer by phone.",
        customer_told=False,
        exception=exception,
    )
    # then one event for each detail that changed, the postcode as saved
    assert [
        (e.data["customer_field"], e.data["before"], e.data["after"])
        for e in (corrected_events(order))
    ] == [("email", "", "ann@example.com"), ("postcode", "LS1", "LS1 4AP")]
    assert all(e.data["customer_told"] is False for e in corrected_events(order))
    assert correction.passed


def test_a_correction_that_still_leaves_a_problem_keeps_the_exception_open(
    receive, stocked_product, processor
):
    # given a customer with neither e-mail nor phone, who prefers e-mail
    customer = CustomerFactory(email="", phone="")
    product = stocked_product(50)
    order = verify(receive([(product.code, 1)], customer=customer))
    exception = open_exception(order, X.MISSING_CONTACT)
    # when only their preferred channel is changed to letters
    correction = contact_correct(
        order=order,
        actor=processor,
        changes={"preferred_channel": "letter"},
        reason="Customer wrote: letters only.",
        customer_told=False,
        exception=exception,
    )
    # then the check runs again and still finds no way to phone or e-mail them
    assert not correction.passed
    assert "an e-mail address or phone number is missing" in correction.check.detail
    exception.refresh_from_db()
    assert exception.status == OrderException.Status.OPEN
    assert Order.objects.get(pk=order.pk).status == Order.Status.ON_HOLD


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "0113 496"}, "phone", "Enter a UK phone number"),
        ({"phone": "+33 1 23 45 67 89"}, "phone", "Enter a UK phone number"),
        ({"postcode": "LEEDS"}, "postcode", "Enter a UK postcode"),
        ({"email": "ann.example.com"}, "email", "valid email"),
        ({"preferred_channel": "pigeon"}, "preferred_channel", "not a valid choice"),
    ],
    ids=["short-phone", "french-phone", "bad-postcode", "bad-email", "bad-channel"],
)
def test_invalid_details_are_refused_and_nothing_changes(
    phone_missing, processor, changes, field, message
):
    # given an order held for a missing phone number
    order, exception = phone_missing()
    before = Customer.objects.get(pk=order.customer_id)
    # when a bad value is entered, then it is refused for that field
    with pytest.raises(OrderInputError) as refused:
        contact_correct(
            order=order,
            actor=processor,
            changes=changes,
            reason="Customer rang.",
            customer_told=True,
            exception=exception,
        )
    assert message in " ".join(refused.value.errors[field])
    # and nothing changed: record, events, exception
    after = Customer.objects.get(pk=order.customer_id)
    assert (after.phone, after.email, after.postcode, after.preferred_channel) == (
        before.phone,
        before.email,
        before.postcode,
        before.preferred_channel,
    )
    assert not corrected_events(order)
    assert open_exception(order, X.MISSING_CONTACT) == exception


def test_nothing_to_correct_is_refused(phone_missing, processor):
    # given an order held for a missing phone number
    order, exception = phone_missing()
    customer = order.customer
    # when the details are sent back as they are, then it is refused
    with pytest.raises(OrderRuleError, match="Nothing to correct"):
        contact_correct(
            order=order,
            actor=processor,
            changes={"email": customer.email, "town": f" {customer.town} "},
            reason="Checked.",
            customer_told=False,
            exception=exception,
        )
    assert not corrected_events(order)


def test_a_correction_needs_a_reason(phone_missing, processor):
    order, exception = phone_missing()
    with pytest.raises(OrderInputError) as refused:
        contact_correct(
            order=order,
            actor=processor,
            changes={"phone": "0113 496 0000"},
            reason="  ",
            customer_told=True,
            exception=exception,
        )
    assert refused.value.errors == {
        "reason": ["Say why the details are being corrected."]
    }
    assert Customer.objects.get(pk=order.customer_id).phone == ""


def test_dispatcher_cannot_correct_contact_details(phone_missing, dispatcher):
    order, exception = phone_missing()
    with pytest.raises(OrderPermissionError):
        contact_correct(
            order=order,
            actor=dispatcher,
            changes={"phone": "0113 496 0000"},
            reason="Customer rang.",
            customer_told=True,
            exception=exception,
        )
    assert Customer.objects.get(pk=order.customer_id).phone == ""


def test_only_contact_details_can_be_corrected(phone_missing, processor):
    order, exception = phone_missing()
    with pytest.raises(OrderRuleError, match="not: credit_limit"):
        contact_correct(
            order=order,
            actor=processor,
            changes={"credit_limit": "99999"},
            reason="Why not.",
            customer_told=False,
            exception=exception,
        )


def test_the_communication_must_be_this_orders_and_mean_the_customer_was_told(
    phone_missing, processor, verified_order
):
    # given a call recorded on another order
    order, exception = phone_missing()
    other = verified_order()
    call = communication_record(
        order=other,
        actor=processor,
        channel="phone",
        direction="outbound",
        purpose="query",
        outcome="reached",
        content="Spoke to them.",
    )
    kwargs = {
        "order": order,
        "actor": processor,
        "changes": {"phone": "0113 496 0000"},
        "reason": "Customer rang.",
        "exception": exception,
    }
    # when it is given as the communication, then it is refused
    with pytest.raises(OrderRuleError, match="different order"):
        contact_correct(customer_told=True, communication=call, **kwargs)
    # and a communication of this order with "not told" is refused as contradictory
    own = communication_record(
        order=order,
        actor=processor,
        channel="phone",
        direction="outbound",
        purpose="query",
        outcome="reached",
        content="Spoke to them.",
    )
    with pytest.raises(OrderRuleError, match="say that the customer was told"):
        contact_correct(customer_told=False, communication=own, **kwargs)
    assert Customer.objects.get(pk=order.customer_id).phone == ""


def test_contact_details_cannot_be_corrected_from_a_dispatched_order(processor):
    # given a dispatched order with a contact exception somebody left open
    order = OrderFactory(status=Order.Status.DISPATCHED)
    exception = OrderException.objects.create(
        order=order, kind=X.MISSING_CONTACT, found="No phone number."
    )
    # when its customer's details are corrected from it, then it is refused
    with pytest.raises(OrderRuleError, match="only until it is dispatched"):
        contact_correct(
            order=order,
            actor=processor,
            changes={"phone": "0113 496 0000"},
            reason="Customer rang.",
            customer_told=True,
            exception=exception,
        )


def test_a_price_exception_is_not_handled_by_a_contact_correction(
    price_held, processor
):
    order, exception = price_held()
    with pytest.raises(OrderRuleError, match="missing-contact or invalid-address"):
        contact_correct(
            order=order,
            actor=processor,
            changes={"phone": "0113 496 0000"},
            reason="Customer rang.",
            customer_told=True,
            exception=exception,
        )


def test_a_confirmed_order_is_corrected_without_rerunning_its_checks(
    verified_order, processor, tomorrow
):
    # given a confirmed order (its checks are over)
    order = order_confirm(
        order=verified_order(), actor=processor, promised_date=tomorrow
    )
    # when the customer's e-mail address is corrected from it
    correction = contact_correct(
        order=order,
        actor=processor,
        changes={"email": "new@example.com"},
        reason="Customer changed job.",
        customer_told=True,
    )
    # then it is recorded, and no check is run on a confirmed order
    assert correction.check is None
    (event,) = corrected_events(order)
    assert event.data["after"] == "new@example.com"
    assert event.data["exception_id"] is None
    assert Order.objects.get(pk=order.pk).status == Order.Status.CONFIRMED
