"""Pages added for things left to do and things refused, in the browser: a letter
marked as posted from the order page, a customer already on file queried at
receipt, and the pages that say why a picking list or a complaint is not offered.
axe-core on every page."""

import re

import pytest
from playwright.sync_api import expect

from orders.models import Communication, Order
from orders.services import order_confirm
from tests.browser.receipt import take_by_email_paying_by_card
from tests.factories import CustomerFactory


@pytest.fixture
def letter_order(verified_order, processor, tomorrow):
    """A confirmed order whose customer takes letters: its confirmation is to do."""
    customer = CustomerFactory(
        name="Mary Somerville", preferred_channel="letter", accessibility_needs=""
    )
    order = verified_order(customer=customer)
    return order_confirm(order=order, actor=processor, promised_date=tomorrow)


def test_processor_marks_a_confirmation_letter_as_posted(
    page, base, axe, sign_in, console, letter_order, processor
):
    # given the order page, with the confirmation letter still to do
    sign_in(processor)
    page.goto(f"{base}/orders/{letter_order.pk}/")
    letter = letter_order.communications.get(purpose="confirmation")
    row = page.locator(f"#communication-{letter.pk}")
    expect(row).to_contain_text("To do")
    axe(page, context="order page, a letter to post")

    # when they mark it as posted
    row.get_by_role("button", name=re.compile("^Mark as posted")).click()

    # then it is recorded, and no longer offered
    expect(page.get_by_text("Recorded as sent.")).to_be_visible()
    row = page.locator(f"#communication-{letter.pk}")
    expect(row).to_contain_text("Sent")
    expect(row.get_by_role("button")).to_have_count(0)
    letter.refresh_from_db()
    assert letter.outcome == Communication.Outcome.SENT
    axe(page, context="order page, letter posted")
    axe.assert_clean()
    console.assert_clean()


def test_a_customer_already_on_file_is_queried_at_receipt(
    page, base, axe, sign_in, console, stocked_product, processor
):
    # given a customer on file
    product = stocked_product(20)
    CustomerFactory(name="Mary Somerville", email="mary@example.com")
    sign_in(processor)
    page.goto(f"{base}/orders/receive/")

    # when the processor types her in again as a new customer
    page.get_by_label("A new customer").check()
    page.locator("#id_new_customer-name").fill("Mary Somerville")
    page.locator("#id_new_customer-email").fill("mary@example.com")
    page.locator("#id_new_customer-phone").fill("0113 496 0000")
    page.locator("#id_new_customer-address_line1").fill("1 Kelso Road")
    page.locator("#id_new_customer-town").fill("Leeds")
    page.locator("#id_new_customer-postcode").fill("LS2 9PE")
    line = page.get_by_role("group", name="Line 1", exact=True)
    line.get_by_label("Product code").fill(product.code)
    line.get_by_label("Quantity").fill("1")
    take_by_email_paying_by_card(page)
    page.get_by_role("button", name="Receive order").click()

    # then nothing is saved and the page names the customer on file at the box
    box = page.get_by_label("This is a different customer from the one already on file")
    expect(box).to_be_visible()
    expect(page.get_by_text(re.compile("is already a customer")).first).to_be_visible()
    assert not Order.objects.exists()
    axe(page, context="receipt form, customer already on file")
    axe.assert_clean()
    console.assert_clean()


def test_the_picking_list_of_an_order_not_confirmed_says_why(
    page, base, axe, sign_in, receive, stocked_product, dispatcher
):
    # (answered 409, which the browser logs as a failed load: no console check)
    # given an order received but not yet confirmed: nothing to pick yet
    order = receive([(stocked_product(10).code, 1)])
    sign_in(dispatcher)

    # its picking list says it is not ready to pick, and lists nothing
    page.goto(f"{base}/orders/{order.pk}/documents/picking-list/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"No picking list for order {order.reference}"
    )
    expect(page.locator("#picking-refusal")).to_contain_text("not ready to pick")
    axe(page, context="picking list refused")
    axe.assert_clean()


def test_the_complaint_page_of_an_order_not_dispatched_says_why(
    page, base, axe, sign_in, console, receive, stocked_product, processor
):
    # given an order received but not yet dispatched
    order = receive([(stocked_product(10).code, 1)])
    sign_in(processor)

    # its complaint page says a complaint waits for dispatch, with no form
    page.goto(f"{base}/followup/order/{order.pk}/complaint/")
    expect(page.get_by_text(re.compile("has not been dispatched yet"))).to_be_visible()
    expect(page.locator("main form")).to_have_count(0)
    axe(page, context="complaint refused")
    axe.assert_clean()
    console.assert_clean()
