"""Discrepancies handled in the browser: a supervisor approves keeping a price that
differs from the list; a processor adds a customer's missing phone number. Both
pages, and their error states, are checked with axe-core."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from customers.models import Customer
from orders.models import Order, OrderEvent, OrderException
from orders.services import LineInput, verification_run
from tests.factories import CustomerFactory

X = OrderException.Kind


@pytest.fixture
def price_held(receive, stocked_product):
    product = stocked_product(50, code="PEN-0010", name="Blue pens, box of 10")
    order = receive([LineInput(product.code, 3, Decimal("8.00"))])
    return verification_run(order_id=order.pk, worker="browser-worker")


@pytest.fixture
def phone_held(receive, stocked_product):
    customer = CustomerFactory(name="Ann Lee", preferred_channel="phone", phone="")
    product = stocked_product(50)
    order = receive([(product.code, 1)], customer=customer)
    return verification_run(order_id=order.pk, worker="browser-worker")


def test_supervisor_approves_keeping_a_price(
    page, base, sign_in, supervisor, price_held, axe, shot, console
):
    order = price_held
    assert order.status == Order.Status.ON_HOLD
    # The supervisor opens the order and follows the exception's link.
    sign_in(supervisor)
    page.goto(f"{base}/orders/{order.pk}/")
    exception = page.get_by_role(
        "article", name=re.compile("Price differs from price list: Open")
    )
    exception.get_by_role("link", name=re.compile("Approve keeping this price")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Approve keeping a price on order {order.reference}"
    )
    expect(page.get_by_role("cell", name="£2.00 below the list")).to_be_visible()
    shot("price-approve")
    axe(page, context="price approval page")

    # Approving without a note is refused, with the message at the field.
    page.get_by_role("button", name="Approve keeping £8.00").click()
    note = page.get_by_label("Why the price can be kept")
    expect(page.get_by_text("Say why the price can be kept.")).to_be_visible()
    expect(note).to_have_attribute("aria-invalid", "true")
    shot("price-approve-no-note")
    axe(page, context="price approval page, note missing")

    # With a note, the price is kept and the order is verified again.
    note.fill("Agreed 20% discount for a regular customer.")
    page.get_by_role("button", name="Approve keeping £8.00").click()
    expect(page.get_by_text("kept with your approval")).to_be_visible()
    resolved = page.get_by_role(
        "article", name=re.compile("Price differs from price list: Resolved")
    )
    expect(resolved).to_contain_text("Approved by a supervisor")
    expect(resolved).to_contain_text(str(supervisor))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verified")
    shot("price-approved")
    axe(page, context="order page after approval")
    axe.assert_clean()
    console.assert_clean()
    assert order.lines.get().price_approved_by == supervisor


def test_processor_adds_a_missing_phone_number(
    page, base, sign_in, processor, phone_held, axe, shot, console
):
    order = phone_held
    assert order.status == Order.Status.ON_HOLD
    sign_in(processor)
    page.goto(f"{base}/orders/{order.pk}/")
    exception = page.get_by_role(
        "article", name=re.compile("Missing contact detail: Open")
    )
    expect(exception).to_contain_text("phone number (their preferred channel)")
    exception.get_by_role(
        "link", name=re.compile("Correct the customer's contact details")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Correct Ann Lee's contact details"
    )
    shot("contact-correct")
    axe(page, context="contact correction page")

    # A number that is not a UK one is refused, next to the field.
    phone = page.get_by_label("Phone number")
    phone.fill("0113 496")
    page.get_by_label("Why you are correcting the details").fill(
        "Ann rang with her number."
    )
    page.get_by_role(
        "group", name="Was the customer told about the correction?"
    ).get_by_label("Yes").check()
    page.get_by_role("button", name="Save the corrected details").click()
    expect(page.get_by_text("Enter a UK phone number")).to_be_visible()
    expect(phone).to_have_attribute("aria-invalid", "true")
    assert Customer.objects.get(pk=order.customer_id).phone == ""
    shot("contact-correct-bad-phone")
    axe(page, context="contact correction page, bad phone number")

    # The right number is saved; the customer check passes and the order is freed.
    page.get_by_label("Phone number").fill("07700 900123")
    page.get_by_role(
        "group", name="Was the customer told about the correction?"
    ).get_by_label("Yes").check()
    page.get_by_role("button", name="Save the corrected details").click()
    expect(page.locator(".messages")).to_contain_text(
        "Corrected the customer's phone number. The customer check passed again"
    )
    expect(
        page.get_by_role("article", name=re.compile("Missing contact detail: Resolved"))
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verified")
    expect(page.locator("#timeline")).to_contain_text("07700 900123")
    shot("contact-corrected")
    axe(page, context="order page after the correction")
    axe.assert_clean()
    console.assert_clean()
    assert Customer.objects.get(pk=order.customer_id).phone == "07700 900123"
    assert order.events.filter(kind=OrderEvent.Kind.CORRECTED).count() == 1
