"""Contacting the customer from a template, and a supervisor's wording, in the
browser (issue 5): a processor previews the delivery check and records the call;
a supervisor edits a template with a preview. axe-core on every page."""

import re

import pytest
from playwright.sync_api import expect

from orders.models import Communication, MessageTemplate, Order
from orders.services import (
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    shipment_record_delivery,
)
from tests.factories import CustomerFactory


@pytest.fixture
def delivered_order(verified_order, processor, dispatcher, tomorrow):
    """A delivered order for a customer who prefers phone."""
    customer = CustomerFactory(name="Grace Hopper", preferred_channel="phone")
    order = verified_order(customer=customer)
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    order = order_start_fulfilment(order=order, actor=dispatcher)
    shipment = order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    shipment_record_delivery(
        shipment=shipment, actor=dispatcher, proof_of_delivery="Signed for"
    )
    return Order.objects.get(pk=order.pk)


def test_processor_previews_and_records_a_delivery_check_call(
    page, base, axe, sign_in, console, shot, delivered_order, processor
):
    # given a delivered order and a signed-in processor on the order page
    sign_in(processor)
    page.goto(f"{base}/orders/{delivered_order.pk}/")

    # when they follow the link to contact the customer
    page.get_by_role("link", name="Contact the customer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Contact Grace Hopper about order {delivered_order.reference}"
    )
    expect(page.locator("#recommended-channel")).to_have_text("Phone")
    axe(page, context="contact page, no purpose chosen")

    # and choose the delivery check
    page.get_by_label("What is the message about?").select_option("delivery_check")
    page.get_by_role("button", name="Show the message").click()
    expect(page.get_by_role("heading", name="2. Check the message")).to_contain_text(
        "call script"
    )
    expect(page.get_by_label("Subject")).to_have_value(
        f"Did your order {delivered_order.reference} arrive safely?"
    )
    expect(page.get_by_role("textbox", name="Message")).to_have_value(
        re.compile(r"^Dear Grace Hopper,")
    )
    shot("delivery-check-preview")
    axe(page, context="contact page, delivery check preview")

    # and record the call without its outcome: told next to the field
    page.get_by_role("button", name="Record it").click()
    expect(page.locator("#error_1_id_contact_call_outcome")).to_have_text(
        "Record how the call went."
    )
    axe(page, context="contact page, outcome missing")

    # then record it with the outcome
    page.get_by_label("How did the call go?").select_option("reached")
    page.get_by_role("button", name="Record it").click()

    # then they are back on the order page, with the call recorded
    expect(page.get_by_text("Call recorded: Spoke to the customer.")).to_be_visible()
    call = Communication.objects.get(
        order=delivered_order, purpose=Communication.Purpose.DELIVERY_CHECK
    )
    assert (call.channel, call.outcome, call.actor) == ("phone", "reached", processor)
    shot("call-recorded")
    axe.assert_clean()
    console.assert_clean()


def test_supervisor_edits_a_template_with_a_preview(
    page, base, axe, sign_in, console, shot, delivered_order, supervisor
):
    # given a signed-in supervisor
    sign_in(supervisor)

    # when they open the message templates from the menu
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Message templates"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Message templates")
    axe(page, context="message templates list")

    # and edit the standard delivery check
    page.get_by_role("link", name="Edit Delivery check, standard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery check")
    axe(page, context="template edit page")

    # a mistake in the template is shown next to the field, and not saved
    page.get_by_role("textbox", name="Message").fill("Hello {{ customer.name|shout }}")
    page.get_by_role("button", name="Save the wording").click()
    expect(page.locator("#error_1_id_body")).to_contain_text("template error")
    axe(page, context="template edit page, error")
    assert not MessageTemplate.objects.exists()

    # previewing corrected wording fills in the order's details
    page.get_by_role("textbox", name="Message").fill(
        "Hello {{ customer.name }}, all well?"
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-body")).to_have_text("Hello Grace Hopper, all well?")
    shot("template-preview")

    # then saving keeps the wording
    page.get_by_role("button", name="Save the wording").click()
    expect(page.get_by_text("Wording for “Delivery check” saved.")).to_be_visible()
    saved = MessageTemplate.objects.get()
    assert saved.body == "Hello {{ customer.name }}, all well?"

    # and restoring the built-in wording removes it
    page.get_by_role("button", name="Restore the built-in wording").click()
    expect(page.get_by_text("Built-in wording restored.")).to_be_visible()
    assert not MessageTemplate.objects.exists()
    axe.assert_clean()
    console.assert_clean()
