"""Follow-ups in the browser: a processor records one from the queue; a customer
answers by their private link. axe-core on each page, with and without errors."""

import pytest
from playwright.sync_api import expect

from followup.models import FollowUp
from followup.services import feedback_link_create, follow_ups_schedule
from orders.models import Order
from tests.factories import CustomerFactory
from tests.followup.deliveries import at, deliver


@pytest.fixture
def due_follow_up(verified_order, processor, dispatcher):
    """An order delivered last March: its delivery check is long overdue."""
    order = deliver(
        lambda: verified_order(customer=CustomerFactory(name="Grace Hopper")),
        processor=processor,
        dispatcher=dispatcher,
        when=at(2026, 3, 5),
    )
    follow_ups_schedule()
    return order.follow_ups.get()


def test_processor_records_a_follow_up_from_the_queue(
    page, base, axe, sign_in, console, shot, processor, due_follow_up
):
    order = due_follow_up.order
    sign_in(processor)

    # The queue shows the overdue follow-up, with its owner.
    page.goto(f"{base}/followup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Follow-ups")
    row = page.get_by_role("row").filter(has_text=order.reference)
    expect(row).to_contain_text("Overdue since")
    expect(row).to_contain_text(str(processor))
    shot("queue")
    axe(page, context="follow-up queue")

    row.get_by_role("link", name=f"Record the follow-up for {order.reference}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Delivery check for order {order.reference}"
    )
    axe(page, context="record page")

    # Without the comments: the error is next to the field, nothing recorded.
    page.get_by_label("How you contacted the customer").select_option(
        label="Phone call"
    )
    page.get_by_label("Outcome").select_option(label="Spoke to the customer")
    page.get_by_label("Satisfaction (1 to 5)").select_option(label="4 - Good")
    page.get_by_role("button", name="Record follow-up").click()
    comments = page.get_by_label("What the customer said, or what you did")
    expect(comments).to_have_attribute("aria-invalid", "true")
    expect(
        page.get_by_text("Write what the customer said, or what you did.")
    ).to_be_visible()
    shot("comments-missing")
    axe(page, context="record page, an error showing")

    comments.fill("Arrived on time; happy with it.")
    page.get_by_role("button", name="Record follow-up").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Follow-up for order {order.reference} recorded."
    )
    expect(page.get_by_text("No follow-ups are due.")).to_be_visible()
    shot("recorded")
    due_follow_up.refresh_from_db()
    assert due_follow_up.status == FollowUp.Status.DONE
    assert Order.objects.get(pk=order.pk).status == Order.Status.FOLLOWED_UP

    # The order's follow-ups page shows what was recorded.
    page.goto(f"{base}/followup/order/{order.pk}/")
    expect(page.get_by_role("table", name="Follow-ups for this order")).to_contain_text(
        "Arrived on time"
    )
    axe(page, context="order follow-ups page")
    axe.assert_clean()
    console.assert_clean()


def test_customer_answers_by_their_private_link(
    page, base, axe, console, shot, due_follow_up
):
    order = due_follow_up.order
    token = feedback_link_create(follow_up=due_follow_up)
    url = f"{base}/followup/feedback/{token}/"

    # No sign-in: the page names the order and its first line, not the customer.
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("How was your order?")
    expect(page.get_by_text(order.reference)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Grace Hopper")
    shot("feedback-page")
    axe(page, context="feedback page")

    # Sent without a rating: told so, nothing recorded.
    page.get_by_role("button", name="Send my feedback").click()
    expect(page.get_by_text("Choose a rating from 1 to 5.")).to_be_visible()
    axe(page, context="feedback page, an error showing")

    page.get_by_label("5 - Very good", exact=True).check()
    page.get_by_label("Anything you would like to tell us (optional)").fill(
        "Thank you!"
    )
    page.get_by_role("button", name="Send my feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    axe(page, context="thank-you page")
    due_follow_up.refresh_from_db()
    assert due_follow_up.satisfaction == 5

    # Opening the link again: a clear page, and nothing more recorded.
    response = page.goto(url)
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This feedback link cannot be used"
    )
    expect(page.get_by_text("we already have your feedback")).to_be_visible()
    axe(page, context="used link page")
    shot("used-link")
    axe.assert_clean()
    console.assert_clean()
