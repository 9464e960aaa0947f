"""Amending a confirmed order in the browser: the processor changes a quantity,
the checks run again, they confirm it afresh, and the earlier revision stays
readable. axe-core checks the amend page (blank, with errors) and the revisions
page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import Communication, Order
from orders.services import order_confirm


@pytest.fixture
def confirmed_order(verified_order, processor, tomorrow):
    order = verified_order(quantity=2)
    return order_confirm(order=order, actor=processor, promised_date=tomorrow)


def test_processor_amends_a_confirmed_quantity_and_confirms_it_afresh(
    page, base, axe, sign_in, console, shot, processor, confirmed_order
):
    order = confirmed_order
    # Given a processor on the page of an order confirmed for 2
    sign_in(processor)
    page.goto(f"{base}/orders/{order.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmed")

    # When they choose to amend it
    page.get_by_role("link", name=re.compile("Amend the order")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Amend order {order.reference}"
    )
    line = page.get_by_role("group", name=re.compile(r"^Line 1"))
    expect(line.get_by_label("Quantity")).to_have_value("2")
    expect(line).to_contain_text("0 shipped so far")
    shot("amend-form")
    axe(page, context="amend page, as opened")

    # and submit a new quantity without a reason, they are told what is missing
    line.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Amend the order").click()
    problems = page.get_by_role("alert").filter(has_text="has not been amended")
    expect(problems).to_contain_text("Give the reason for the amendment.")
    expect(problems).to_contain_text("Say whether the customer has been told.")
    expect(page.get_by_label("Reason for the amendment")).to_have_attribute(
        "aria-invalid", "true"
    )
    shot("amend-form-errors")
    axe(page, context="amend page, with errors")

    # then, with the reason given and the customer told, the amendment goes through
    line = page.get_by_role("group", name=re.compile(r"^Line 1"))
    expect(line.get_by_label("Quantity")).to_have_value("3")  # kept as typed
    page.get_by_label("Reason for the amendment").fill(
        "Customer rang: they need three, not two."
    )
    page.get_by_role(
        "group", name="Has the customer been told of the change?"
    ).get_by_label("Yes").check()
    page.get_by_role("button", name="Amend the order").click()

    # The checks ran again (in the background, here inside the request): verified,
    # waiting to be confirmed afresh
    expect(page.get_by_text(re.compile(r"revision 1 is kept"))).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verified")
    lines = page.get_by_role("table", name=re.compile("^Lines on order"))
    expect(lines.get_by_role("row").nth(1)).to_contain_text("3")
    shot("amended-verified")
    axe(page, context="order page after the amendment")

    promised = timezone.localdate() + timedelta(days=2)
    page.get_by_label("Promised delivery date").fill(promised.isoformat())
    page.get_by_role("button", name="Confirm to the customer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmed")

    # And the earlier revision is readable as it was confirmed
    page.get_by_role("link", name="Earlier revisions of this order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Revisions of order {order.reference}"
    )
    revision = page.get_by_role("region", name="Revision 1")
    expect(revision).to_contain_text("Customer rang: they need three, not two.")
    expect(revision).to_contain_text(str(processor))
    changes = revision.get_by_role("table", name=re.compile("What changed"))
    expect(changes.get_by_role("row")).to_have_count(2)  # only the quantity
    expect(changes.get_by_role("row").nth(1)).to_contain_text("Quantity")
    kept_lines = revision.get_by_role("table", name="Lines at revision 1")
    expect(kept_lines.get_by_role("row").nth(1)).to_contain_text("2")
    shot("revisions")
    axe(page, context="revisions page")

    order = Order.objects.get(pk=order.pk)
    assert (order.status, order.revision) == (Order.Status.CONFIRMED, 2)
    assert order.promised_date == promised
    assert order.lines.get().quantity == 3
    confirmations = order.communications.filter(
        purpose=Communication.Purpose.CONFIRMATION
    )
    assert confirmations.count() == 2
    assert order.revisions.get().snapshot["lines"][0]["quantity"] == 2
    axe.assert_clean()
    console.assert_clean()
