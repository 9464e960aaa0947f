"""A processor handles a complaint in the browser: records it from the order page,
takes the HEAT steps, chooses the remedy and resolves it. axe-core on every page."""

import re

import pytest
from playwright.sync_api import expect

from followup.models import Complaint
from orders.models import Communication, Order, OrderEvent
from orders.services import (
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    shipment_record_delivery,
)


@pytest.fixture
def delivered_order(verified_order, processor, dispatcher, tomorrow):
    order = order_confirm(
        order=verified_order(quantity=3), actor=processor, promised_date=tomorrow
    )
    order = order_start_fulfilment(order=order, actor=dispatcher)
    shipment = order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    shipment_record_delivery(
        shipment=shipment, actor=dispatcher, proof_of_delivery="Signed for"
    )
    return Order.objects.get(pk=order.pk)


def test_processor_handles_a_complaint_from_start_to_resolution(
    page, axe, sign_in, console, shot, base, delivered_order, processor
):
    order = delivered_order
    # Given a delivered order and a signed-in processor on its page
    sign_in(processor)
    page.goto(f"{base}/orders/{order.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(order.reference)

    # When they follow "Record a complaint"
    page.get_by_role("link", name="Record a complaint").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Record a complaint about order {order.reference}"
    )
    expect(page.locator("#right-to-reject")).to_contain_text(
        "short-term right to reject applies"
    )
    axe(page, context="record a complaint")
    shot("complaint-open")

    # a blank submission is refused with the messages next to the fields
    page.get_by_role("button", name="Record the complaint").click()
    expect(page.get_by_text("Write down what the customer said")).to_be_visible()
    axe(page, context="record a complaint, errors shown")

    page.get_by_label("What the customer said, in their words").fill(
        "Two of the three reams were soaked through."
    )
    page.get_by_label("What the complaint is about").select_option("damaged")
    page.get_by_role("button", name="Record the complaint").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Complaint")
    expect(page.get_by_role("status")).to_contain_text("acknowledged")
    axe(page, context="complaint page, just opened")
    shot("complaint-opened")

    # the HEAT steps, with the processor taking ownership
    page.get_by_label("Heard: I let the customer explain").check()
    page.get_by_label("Empathised: I acknowledged").check()
    page.get_by_label("Apologised: I said sorry").check()
    page.get_by_label("Took ownership: who owns putting it right").select_option(
        str(processor.pk)
    )
    page.get_by_label("Action plan: what will be done, by when").fill(
        "Send two new reams by courier tomorrow."
    )
    page.get_by_role("button", name="Record HEAT steps").click()
    expect(page.get_by_role("status")).to_contain_text("HEAT steps recorded")
    expect(page.get_by_text("All four HEAT steps are recorded.")).to_be_visible()
    axe(page, context="complaint page, HEAT recorded")

    # the remedy
    page.get_by_label("Replacement").check()
    page.get_by_role("button", name="Record the remedy").click()
    expect(page.get_by_role("status")).to_contain_text("Remedy recorded")
    axe(page, context="complaint page, remedy recorded")

    # the resolution
    page.get_by_label("How the complaint was resolved").fill(
        "Two new reams delivered; the customer confirmed they are fine."
    )
    page.get_by_role("group", name=re.compile("customer satisfied")).get_by_label(
        "Yes"
    ).check()
    page.get_by_role("button", name="Resolve and tell the customer").click()
    expect(page.get_by_role("status")).to_contain_text("Complaint resolved")
    axe(page, context="complaint page, resolved")
    shot("complaint-resolved")

    # and the list shows it resolved
    page.goto(f"{base}/followup/complaints/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Complaints")
    axe(page, context="complaints list")

    # Then the complaint is resolved, with its steps, remedy and messages on record
    complaint = Complaint.objects.get(order=order)
    assert complaint.status == Complaint.Status.RESOLVED
    assert complaint.owner == processor
    assert complaint.remedy == "replacement"
    assert complaint.customer_satisfied is True
    purposes = set(order.communications.values_list("purpose", flat=True))
    assert {
        Communication.Purpose.COMPLAINT_ACK,
        Communication.Purpose.COMPLAINT_RESOLUTION,
    } <= purposes
    kinds = list(
        order.events.filter(kind__startswith="complaint").values_list("kind", flat=True)
    )
    assert kinds[0] == OrderEvent.Kind.COMPLAINT_OPENED
    assert kinds[-1] == OrderEvent.Kind.COMPLAINT_RESOLVED
    axe.assert_clean()
    console.assert_clean()
