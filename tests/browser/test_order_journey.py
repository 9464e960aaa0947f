"""An order from receipt to closed, in the browser, by the people who do each part
(issue 3): a processor receives it and sorts out its out-of-stock line, a
dispatcher picks, dispatches and records delivery, a processor follows up and
closes. Every step is screenshotted and every page checked with axe-core.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.models import StockLevel
from orders.models import Communication, Order, OrderLine
from orders.services import (
    lifecycle,
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    shipment_record_delivery,
    verification_run,
)
from tests.browser.receipt import take_by_email_paying_by_card
from tests.factories import CustomerFactory, UserFactory

WORKER = "browser-test-worker"


@pytest.fixture
def held_verification(monkeypatch):
    """Hold back the checks a receipt enqueues, so the test can play the worker.

    Without this the eager Celery of tests/conftest.py runs them inside the request
    that received the order, and there would be nothing to watch arrive.
    """
    held = []
    enqueue = lifecycle.enqueue_after_commit

    def hold(task, **kwargs):
        if task.name == "orders.tasks.order_verify_task":
            held.append(kwargs["order_id"])
        else:
            enqueue(task, **kwargs)

    monkeypatch.setattr(lifecycle, "enqueue_after_commit", hold)
    return held


@pytest.fixture
def shop(stocked_product):
    """A customer, paper in stock, and toner with 2 left (restock in a week)."""
    customer = CustomerFactory(name="Ada Lovelace", company="Analytical Engines Ltd")
    paper = stocked_product(50, code="PAP-A4", name="A4 copier paper")
    toner = stocked_product(2, code="TON-BLK", name="Black toner cartridge")
    StockLevel.objects.filter(product=toner).update(
        restock_date=timezone.localdate() + timedelta(days=7)
    )
    return customer, paper, toner


# --- (a) receipt, checks, the out-of-stock exception, confirmation ---------------


def receive_and_confirm(page, axe, shot, held, shop) -> Order:
    customer, paper, toner = shop

    # The processor opens a new order from the menu.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="New order"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Receive an order")
    shot("receipt-form")
    axe(page, context="empty receipt form")

    # Finds the customer as they type (htmx) and chooses them.
    page.get_by_label("Find a customer").press_sequentially("Lovelace")
    match = page.get_by_label(re.compile("Ada Lovelace"))
    expect(match).to_be_visible()
    match.check()

    # Two lines; each product's name and stock appear as the code is typed (htmx).
    for number, (product, quantity) in enumerate([(paper, 3), (toner, 5)], start=1):
        line = page.get_by_role("group", name=f"Line {number}", exact=True)
        line.get_by_label("Product code").press_sequentially(product.code)
        expect(line.get_by_text(product.name)).to_be_visible()
        line.get_by_label("Quantity").fill(str(quantity))
    expect(page.get_by_text("2 available in stock")).to_be_visible()

    take_by_email_paying_by_card(page)
    shot("receipt-filled")
    axe(page, context="filled receipt form, product and customer lookups shown")

    # On SQLite the live server shares this test's database connection, which two
    # threads must not use at once; so while the order page polls for its checks,
    # each poll goes through Playwright and completes inside a Playwright call,
    # never while the test itself reads or writes (here, playing the worker).
    polls = re.compile(r"/orders/\d+/checks/")
    page.route(polls, lambda route: route.fulfill(response=route.fetch()))
    page.get_by_role("button", name="Receive order").click()

    # The order page: received, its checks waiting for a worker.
    expect(page.get_by_text(re.compile(r"Order SO-\S+ received"))).to_be_visible()
    assert len(held) == 1, "receiving the order should have enqueued its checks"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Received")
    expect(page.locator("#checks-panel")).to_contain_text("Checks are running")
    shot("order-received")
    axe(page, context="order page, checks not yet run")

    # The worker runs the checks; the page shows them without a reload (htmx polls).
    order = verification_run(order_id=held[0], worker=WORKER)
    assert order.customer == customer
    panel = page.locator("#checks-panel")
    expect(panel.get_by_text("Checks finished")).to_be_visible(timeout=15_000)
    stock_check = panel.get_by_role("row").filter(has_text="Stock available")
    expect(stock_check).to_contain_text("Failed")
    expect(stock_check).to_contain_text(WORKER)
    expect(page.get_by_role("heading", level=1)).to_contain_text("On hold")
    page.unroute(polls)  # the checks are done: the page has stopped polling
    shot("checks-complete-on-hold")
    axe(page, context="order page, checks done, out-of-stock exception open")

    # Only 2 toner cartridges are left. The processor rings the customer, who asks
    # to drop the toner and have the paper sent, and records that choice on the
    # line's out-of-stock page (a backorder is offered too: a restock date is
    # known; cancelling lets the paper go without waiting for the toner).
    lines = page.get_by_role("table", name=re.compile("^Lines on order"))
    toner_row = lines.get_by_role("row").filter(has_text=toner.code)
    expect(toner_row).to_contain_text("Out of stock")
    toner_row.get_by_role("link", name="Customer's choice for line 2").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Out of stock")
    page.get_by_label("Cancel the line").check()
    page.get_by_label("What the customer said, in their words").fill(
        "Only 2 in stock: drop the toner, I'll order it again next month."
    )
    page.get_by_label("How the customer told you").select_option(
        label="On the phone (recorded now)"
    )
    shot("out-of-stock-choice")
    axe(page, context="out-of-stock page, cancelling the line")
    page.get_by_role("button", name="Record the customer's choice").click()

    # Back on the order page: the line is cancelled and the exception resolved
    # with the customer's words, so the order is verified again.
    expect(lines.get_by_role("row").filter(has_text=toner.code)).to_contain_text(
        "Cancelled"
    )
    expect(
        page.get_by_role("article", name=re.compile("Out of stock: Resolved"))
    ).to_contain_text("drop the toner")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verified")
    shot("exception-resolved")
    axe(page, context="order page, verified")

    # Confirms to the customer with a promised delivery date.
    promised = timezone.localdate() + timedelta(days=3)
    page.get_by_label("Promised delivery date").fill(promised.isoformat())
    page.get_by_role("button", name="Confirm to the customer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmed")
    shot("confirmed")
    axe(page, context="order page, confirmed")

    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    assert order.promised_date == promised
    assert order.lines.get(product=toner).status == OrderLine.Status.CANCELLED
    assert order.lines.get(product=paper).status == OrderLine.Status.RESERVED
    return order


# --- (b) picking, dispatch, delivery ---------------------------------------------


def open_from_queue(page, axe, shot, order, queue: str) -> None:
    """From the start page (the queues), open the queue, then the order in it."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Your queues")
    page.get_by_role("link", name=queue, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(queue)
    shot(f"queue-{queue}")
    axe(page, context=f"queue: {queue}")
    page.get_by_role("link", name=order.reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(order.reference)


def open_document(page, axe, shot, link: str, heading: str) -> None:
    """Open a printable document from the current page, check it, and come back."""
    page.get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    shot(heading)
    axe(page, context=f"document: {heading}")
    page.go_back()


def pick_dispatch_deliver(page, axe, shot, order) -> None:
    # The dispatcher finds the order in their "To fulfil" queue.
    open_from_queue(page, axe, shot, order, "To fulfil")
    shot("dispatcher-order-page")
    axe(page, context="order page as the dispatcher sees it, confirmed")

    page.get_by_role("link", name="Pick, pack and dispatch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Fulfil order {order}")
    shot("fulfil-confirmed")
    axe(page, context="fulfilment page, confirmed")
    open_document(page, axe, shot, "Confirmation slip", "Order confirmation")

    page.get_by_role("button", name="Start picking").click()
    expect(page.get_by_text(f"Picking started for {order}.")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Lines of order"))).to_be_visible()
    shot("picking")
    axe(page, context="fulfilment page, picking")
    open_document(page, axe, shot, "Picking list", "Picking list")

    page.get_by_label("Carrier").fill("DPD")
    page.get_by_label("Tracking reference").fill("DPD-15501234")
    page.get_by_role("button", name="Dispatch", exact=True).click()
    shipment = page.get_by_role(
        "heading", name=re.compile(r"Shipment 1: DPD, tracking DPD-15501234")
    )
    expect(shipment).to_be_visible()
    shot("dispatched")
    axe(page, context="fulfilment page, dispatched")
    open_document(page, axe, shot, "Delivery note", "Delivery note")

    page.get_by_label("Proof of delivery").fill("Signed for by A. Lovelace")
    page.get_by_role("button", name="Record delivery").click()
    expect(
        page.get_by_text(re.compile(r"is delivered: every shipment arrived"))
    ).to_be_visible()
    shot("delivered")
    axe(page, context="order page, delivered")


# --- (c) follow-up and closing ---------------------------------------------------


def follow_up_and_close(page, axe, shot, order) -> None:
    # The processor sees the order waiting in "To follow up" ...
    expect(page.get_by_role("heading", level=1)).to_have_text("Your queues")
    page.get_by_role("link", name="To follow up", exact=True).click()
    expect(page.get_by_role("table", name=re.compile("^To follow up"))).to_contain_text(
        order.reference
    )
    shot("queue-to-follow-up")
    axe(page, context="queue: To follow up")

    # ... and finds it in the order list by its reference.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Orders", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Orders")
    axe(page, context="order list")
    page.get_by_role("searchbox", name="Search").fill(order.reference)
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.get_by_role("table", name=re.compile("^Orders, sorted by"))
    expect(results.get_by_role("row")).to_have_count(2)  # heading and the one order
    shot("order-list-search")
    axe(page, context="order list, searched by reference")
    results.get_by_role("link", name=order.reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(order.reference)
    shot("follow-up-due")
    axe(page, context="order page, delivered, follow-up due")

    form = page.locator(
        "form", has=page.get_by_role("button", name="Record the follow-up")
    )
    form.get_by_label("How you contacted the customer").select_option("phone")
    form.get_by_label("Outcome").select_option("reached")
    form.get_by_label("What the customer said, or what you did").fill(
        "Customer happy with the paper; toner to be reordered next month."
    )
    form.get_by_label("Satisfaction").select_option("5")
    shot("follow-up-form")
    form.get_by_role("button", name="Record the follow-up").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Followed up")
    shot("followed-up")
    axe(page, context="order page, followed up")

    page.get_by_role("button", name="Close the order").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Closed")
    shot("closed")
    axe(page, context="order page, closed")


@pytest.fixture
def confirmed_order(verified_order, processor, tomorrow, customer):
    """An order checked and confirmed through the services (as (a) leaves it)."""
    order = verified_order(quantity=3)
    return order_confirm(order=order, actor=processor, promised_date=tomorrow)


@pytest.fixture
def delivered_order(confirmed_order, dispatcher):
    """An order picked, dispatched and delivered through the services."""
    order = order_start_fulfilment(order=confirmed_order, actor=dispatcher)
    shipment = order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    shipment_record_delivery(
        shipment=shipment, actor=dispatcher, proof_of_delivery="Signed for"
    )
    return Order.objects.get(pk=order.pk)


def test_dispatcher_picks_dispatches_and_records_delivery(
    page, axe, sign_in, console, shot, confirmed_order, dispatcher
):
    # given a confirmed order and a signed-in dispatcher
    sign_in(dispatcher)

    # when they pick, dispatch and record its delivery in the browser
    pick_dispatch_deliver(page, axe, shot, confirmed_order)

    # then the order is delivered, and the dispatch notice went to the customer
    # (its e-mail task ran eagerly inside the live server's request)
    order = Order.objects.get(pk=confirmed_order.pk)
    assert order.status == Order.Status.DELIVERED
    shipment = order.shipments.get()
    assert (shipment.carrier, shipment.tracking_reference) == ("DPD", "DPD-15501234")
    notice = order.communications.get(purpose=Communication.Purpose.DISPATCH_NOTICE)
    assert notice.outcome == Communication.Outcome.SENT
    axe.assert_clean()
    console.assert_clean()


def test_processor_records_the_follow_up_and_closes_the_order(
    page, axe, sign_in, console, shot, delivered_order, processor
):
    # given a delivered order and a signed-in processor
    sign_in(processor)

    # when they record the follow-up call and close the order
    follow_up_and_close(page, axe, shot, delivered_order)

    # then the order is closed with the follow-up on record
    order = Order.objects.get(pk=delivered_order.pk)
    assert order.status == Order.Status.CLOSED
    axe.assert_clean()
    console.assert_clean()


def test_an_order_goes_from_receipt_to_closed_in_the_browser(
    page, axe, sign_in, sign_out, console, shot, held_verification, shop
):
    # given a processor, a dispatcher, a customer and two products, one short
    processor = UserFactory(role="processor", first_name="Pat", last_name="Processor")
    dispatcher = UserFactory(role="dispatcher", first_name="Dev", last_name="Dispatch")

    # (a) the processor receives the order, sorts out the stock and confirms it
    sign_in(processor)
    order = receive_and_confirm(page, axe, shot, held_verification, shop)
    sign_out()

    # (b) the dispatcher picks, dispatches and records the delivery
    sign_in(dispatcher)
    pick_dispatch_deliver(page, axe, shot, order)
    sign_out()

    # (c) the processor follows up and closes it
    sign_in(processor)
    follow_up_and_close(page, axe, shot, order)

    # then the order is closed, and its trail names who did each step
    order.refresh_from_db()
    assert order.status == Order.Status.CLOSED
    actors = {event.kind: event.actor for event in order.events.all()}
    assert actors["confirmed"] == processor
    assert actors["dispatched"] == dispatcher
    axe.assert_clean()
    console.assert_clean()
