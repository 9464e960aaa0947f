"""Out of stock in the browser: a processor agrees a substitute with the customer;
a dispatcher books goods in and sees which orders can now move on. Each page is
checked with axe-core, with and without errors showing."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.models import StockLevel
from orders.models import Order, OrderException, OrderLine
from orders.services import verification_run
from orders.tasks import exception_escalate_overdue_task
from tests.factories import CustomerFactory


@pytest.fixture
def held_for_toner(receive, stocked_product):
    """An order on hold: 4 black toner wanted, 1 in stock, more next week; paper
    reserved. A compatible toner (same words in its name) has 10 in stock."""
    paper = stocked_product(50, code="PAP-A401", name="A4 copier paper")
    toner = stocked_product(1, code="TON-0001", name="Black toner cartridge")
    StockLevel.objects.filter(product=toner).update(
        restock_date=timezone.localdate() + timedelta(days=7)
    )
    compatible = stocked_product(
        10, code="TON-0002", name="Compatible black toner cartridge"
    )
    order = receive(
        [(toner.code, 4), (paper.code, 2)],
        customer=CustomerFactory(name="Grace Hopper"),
    )
    order = verification_run(order_id=order.pk, worker="browser-worker")
    assert order.status == Order.Status.ON_HOLD
    return order, toner, compatible


def test_processor_agrees_a_substitute_for_an_out_of_stock_line(
    page, base, axe, sign_in, console, shot, processor, held_for_toner
):
    order, toner, compatible = held_for_toner
    sign_in(processor)

    # The processor opens the held order and goes to the short line's page.
    page.goto(f"{base}/orders/{order.pk}/")
    lines = page.get_by_role("table", name=re.compile("^Lines on order"))
    toner_row = lines.get_by_role("row").filter(has_text=toner.code)
    expect(toner_row).to_contain_text("Out of stock")
    toner_row.get_by_role("link", name="Customer's choice for line 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Out of stock: line 1 of order {order.reference}"
    )
    expect(page.locator("#available")).to_have_text("1 available")
    suggestions = page.locator("#suggestions")
    expect(suggestions).to_contain_text(compatible.code)
    shot("out-of-stock-page")
    axe(page, context="out-of-stock page")

    # A substitute chosen without its code: the error is next to the field.
    page.get_by_label("Substitute: take another product instead").check()
    page.get_by_label("What the customer said, in their words").fill(
        "The compatible cartridge is fine, send 4 of those."
    )
    page.get_by_label("How the customer told you").select_option(
        label="By e-mail (recorded now)"
    )
    page.get_by_role("button", name="Record the customer's choice").click()
    code = page.get_by_label("Substitute product code")
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error_1_id_outofstock_substitute_code")).to_have_text(
        "Enter the code of the substitute product."
    )
    # (what was typed is kept)
    expect(page.get_by_label("What the customer said, in their words")).to_have_value(
        "The compatible cartridge is fine, send 4 of those."
    )
    shot("substitute-code-missing")
    axe(page, context="out-of-stock page, an error showing")

    # With the code from the suggestions, the substitute is recorded.
    code.fill(compatible.code)
    page.get_by_role("button", name="Record the customer's choice").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verified")
    expect(page.get_by_text("with the customer's agreement")).to_be_visible()
    new_row = lines.get_by_role("row").filter(has_text=compatible.code)
    expect(new_row).to_contain_text("Reserved")
    expect(new_row).to_contain_text("substitute agreed for line 1")
    expect(lines.get_by_role("row").filter(has_text=toner.code)).to_contain_text(
        "Replaced by a substitute"
    )
    resolved = page.get_by_role("article", name=re.compile("Out of stock: Resolved"))
    expect(resolved).to_contain_text("Substitute product agreed")
    expect(resolved).to_contain_text("The compatible cartridge is fine")
    shot("substitute-agreed")
    axe(page, context="order page, substitute agreed")

    line = OrderLine.objects.get(order=order, line_number=3)
    assert (line.product, line.quantity, line.status) == (compatible, 4, "reserved")
    exception = order.exceptions.get(kind="out_of_stock")
    assert exception.handling == OrderException.Handling.SUBSTITUTE
    assert exception.communication.channel == "email"
    axe.assert_clean()
    console.assert_clean()


def test_dispatcher_books_goods_in_and_sees_the_orders_now_ready(
    page, base, axe, sign_in, console, shot, dispatcher, held_for_toner
):
    order, toner, _ = held_for_toner
    sign_in(dispatcher)

    # The dispatcher opens Goods in from the menu.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Goods in"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Goods in")
    shot("goods-in")
    axe(page, context="goods-in page")

    # A wrong code is shown next to the field, and nothing is booked.
    page.get_by_label("Product code").fill("TON-9999")
    page.get_by_label("Quantity received").fill("5")
    page.get_by_role("button", name="Book in").click()
    expect(page.locator("#error_1_id_goods_in_product_code")).to_contain_text(
        "No product has the code TON-9999"
    )
    shot("goods-in-error")
    axe(page, context="goods-in page, an error showing")

    # The right code books the delivery in; the held order is served.
    page.get_by_label("Product code").fill(toner.code)
    page.get_by_label("Supplier reference").fill("DN-20931")
    page.get_by_role("button", name="Book in").click()
    result = page.locator("#goods-in-result")
    expect(result).to_contain_text(f"Booked in: 5 × {toner.code}")
    expect(result).to_contain_text("can now be confirmed")
    shot("goods-in-result")
    axe(page, context="goods-in page, orders now ready")

    result.get_by_role("link", name=order.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verified")
    assert Order.objects.get(pk=order.pk).lines.get(line_number=1).status == "reserved"
    axe.assert_clean()
    console.assert_clean()


def test_supervisor_finds_an_escalated_out_of_stock_order_in_their_queue(
    page, base, axe, sign_in, console, shot, supervisor, held_for_toner
):
    # An out-of-stock problem left open past its target is escalated by beat.
    order, _, _ = held_for_toner
    OrderException.objects.filter(order=order).update(
        opened_at=timezone.now() - timedelta(hours=5)
    )
    assert exception_escalate_overdue_task() == 1
    sign_in(supervisor)

    # The supervisor's queues include Escalated, with the order in it.
    page.goto(f"{base}/orders/queues/escalated/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Escalated")
    row = page.get_by_role("row").filter(has_text=order.reference)
    expect(row).to_contain_text("Out of stock")
    expect(row).to_contain_text("escalated")
    shot("escalated-queue")
    axe(page, context="escalated queue")

    # The order page says when it was escalated.
    row.get_by_role("link", name=order.reference).click()
    expect(page.locator(".exception-open, .exception")).to_contain_text(
        "To a supervisor at"
    )
    axe(page, context="order page with an escalated exception")
    console.assert_clean()
