"""A learner works a whole practice scenario in the browser (issue 7): starts PS-01,
processes its order on OrderDesk's own order pages (contact the customer, the
simulated reply, the backorder, the confirmation), sends it to the simulated
warehouse, follows up, finishes and reads the result. axe-core on every page."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from orders.models import Communication, Order
from orders.selectors.detail import earliest_promise_date
from revision.models import PracticeAttempt
from revision.services.content import content_load

TITLE = "PS-01: Copier paper out of stock, more due this week"


def back_to_the_attempt(page) -> None:
    page.get_by_role("link", name="Back to your practice attempt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Practice {TITLE}")


def test_learner_practises_a_whole_scenario_and_reads_the_result(
    page, base, axe, sign_in, console, shot, learner
):
    # given the unit's content and scenarios, and a signed-in learner
    content_load()
    sign_in(learner)

    # the practice page, from the menu: an empty queue and the scenario library
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Practice"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Practice")
    expect(page.get_by_text("Your practice queue is empty")).to_be_visible()
    scenario = page.get_by_role("region", name=TITLE)
    expect(scenario).to_contain_text("How it arrives: E-mail")
    expect(scenario).not_to_contain_text("Planted problems")
    shot("practice-page")
    axe(page, context="practice page, nothing started")

    # starting PS-01 opens the attempt: the e-mail as the customer sent it
    scenario.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Practice {TITLE}")
    attempt = PracticeAttempt.objects.get(learner=learner)
    order = attempt.order
    expect(
        page.get_by_text(f"Scenario PS-01 started: order {order.reference}")
    ).to_be_visible()
    incoming = page.get_by_role("figure")
    expect(incoming).to_contain_text("E-mail received")
    expect(incoming).to_contain_text("Please could we order 10 boxes")
    # the checks ran when it arrived: the paper is out of stock
    expect(page.locator("#order-status")).to_have_text("Status now: On hold")
    shot("attempt-started")
    axe(page, context="attempt page, just started")

    # the order opens in OrderDesk, with the practice banner
    page.get_by_role("link", name=f"Open order {order.reference} in OrderDesk").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(order.reference)
    expect(page.get_by_role("heading", level=1)).to_contain_text("On hold")
    expect(page.get_by_role("note").filter(has_text="Practice order")).to_contain_text(
        "nothing you do here reaches a real customer"
    )
    shot("order-on-hold")
    axe(page, context="practice order page, on hold")

    # the learner e-mails the customer about the stock from the Contact page
    page.get_by_role("link", name="Contact the customer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"about order {order.reference}"
    )
    page.get_by_label("What is the message about?").select_option("backorder_notice")
    page.get_by_role("button", name="Show the message").click()
    expect(page.get_by_role("textbox", name="Message")).to_have_value(
        re.compile("Amina Patel")
    )
    axe(page, context="contact page, backorder notice preview")
    page.get_by_role("button", name="Send the e-mail").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(order.reference)
    shot("backorder-notice-sent")

    # back on the attempt, the customer's reply arrives
    back_to_the_attempt(page)
    page.get_by_role("button", name="Check for the customer's replies").click()
    expect(page.get_by_text("1 new reply from the customer.")).to_be_visible()
    conversation = page.get_by_role(
        "region", name="Your conversation with the customer"
    )
    expect(conversation).to_contain_text(
        "From the customer: Backorder notice, by e-mail"
    )
    expect(conversation).to_contain_text("please send the paper when the new stock")
    shot("reply-received")
    axe(page, context="attempt page, the customer's reply")

    # the learner records the backorder on the line's out-of-stock page
    page.get_by_role("link", name=f"Open order {order.reference} in OrderDesk").click()
    lines = page.get_by_role("table", name=re.compile("^Lines on order"))
    lines.get_by_role("row").filter(has_text="PAP-9001").get_by_role(
        "link", name="Customer's choice for line 1"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Out of stock")
    shot("out-of-stock-page")
    page.get_by_label("Backorder: wait for the restock").check()
    page.get_by_label("What the customer said, in their words").fill(
        "Yes, please send the paper when the new stock arrives."
    )
    told = page.get_by_label("How the customer told you")
    reply = Communication.objects.get(order=order, direction="inbound")
    told.select_option(value=f"communication:{reply.pk}")
    shot("backorder-choice")
    axe(page, context="out-of-stock page, backorder")
    page.get_by_role("button", name="Record the customer's choice").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verified")
    axe(page, context="practice order page, verified")

    # and confirms it, with the delivery date after the restock
    promised = earliest_promise_date(
        Order.objects.get(pk=order.pk), timezone.localdate()
    )
    page.get_by_label("Promised delivery date").fill(promised.isoformat())
    page.get_by_role("button", name="Confirm to the customer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmed")
    shot("confirmed")
    axe(page, context="practice order page, confirmed")

    # the warehouse is simulated: picked, dispatched and delivered
    back_to_the_attempt(page)
    page.get_by_role("button", name="Send it to the warehouse").click()
    expect(
        page.get_by_text(re.compile("picked, dispatched and delivered"))
    ).to_be_visible()
    expect(page.locator("#order-status")).to_have_text("Status now: Delivered")
    axe(page, context="attempt page, delivered")

    # the learner follows up by e-mail on the order page
    page.get_by_role("link", name=f"Open order {order.reference} in OrderDesk").click()
    form = page.locator(
        "form", has=page.get_by_role("button", name="Record the follow-up")
    )
    form.get_by_label("How you contacted the customer").select_option("email")
    form.get_by_label("Outcome").select_option("reached")
    form.get_by_label("What the customer said, or what you did").fill(
        "Mrs Patel replied: the paper arrived on Friday and all is well."
    )
    form.get_by_label("Satisfaction").select_option("5")
    axe(page, context="practice order page, follow-up due")
    form.get_by_role("button", name="Record the follow-up").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Followed up")
    shot("followed-up")
    axe(page, context="practice order page, followed up")

    # finishing scores the attempt
    back_to_the_attempt(page)
    page.get_by_role("button", name="Finish and see my score").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your result")
    expect(page.locator("#count-met")).to_have_text("8")
    expect(page.locator("#count-not-met")).to_have_text("0")
    expect(page.get_by_text("Planted in this scenario: Out of stock.")).to_be_visible()
    point = page.get_by_role("article", name="MP-03: Met")
    expect(point).to_contain_text("recorded, the steps documented, resolved")
    model = page.get_by_role("region", name="Compared with the model handling")
    expect(model).to_contain_text("E-mail Mrs Patel (her preferred channel)")
    expect(model).to_contain_text("Confirmed to customer")
    shot("result")
    axe(page, context="result page")

    # the practice page now lists it as a past attempt and names the problems
    page.get_by_role("link", name="Back to practice").click()
    past = page.get_by_role("region", name="Your past attempts")
    expect(past).to_contain_text("Finished")
    expect(page.get_by_role("region", name=TITLE)).to_contain_text(
        "Planted problems (you have seen a result for this one): Out of stock."
    )
    axe(page, context="practice page, one past attempt")

    attempt.refresh_from_db()
    assert attempt.status == PracticeAttempt.Status.FINISHED
    assert Order.objects.get(pk=order.pk).status == Order.Status.FOLLOWED_UP
    axe.assert_clean()
    console.assert_clean()


def test_learner_abandons_an_attempt_only_once_they_tick_the_box(
    page, base, axe, sign_in, console, shot, learner
):
    # given a learner working PS-01
    content_load()
    sign_in(learner)
    page.goto(f"{base}/revision/practice/")
    page.get_by_role("region", name=TITLE).get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Practice {TITLE}")

    # abandoning without the tick is refused, with the reason by the box
    page.get_by_role("button", name="Abandon this attempt").click()
    expect(page.get_by_role("alert")).to_contain_text("The attempt was not abandoned")
    box = page.get_by_label("I understand the attempt will be scored as it stands")
    expect(box).to_have_attribute("aria-invalid", "true")
    shot("abandon-refused")
    axe(page, context="attempt page, abandon refused")
    attempt = PracticeAttempt.objects.get(learner=learner)
    assert attempt.status == PracticeAttempt.Status.IN_PROGRESS

    # with the tick, the attempt ends and is scored as it stood
    box.check()
    page.get_by_role("button", name="Abandon this attempt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your result")
    expect(page.get_by_text("you abandoned the attempt")).to_be_visible()
    expect(page.get_by_role("article", name="MP-04: Not met")).to_contain_text(
        "What the seeds advise"
    )
    shot("abandoned-result")
    axe(page, context="result page, abandoned")

    attempt.refresh_from_db()
    assert attempt.status == PracticeAttempt.Status.ABANDONED
    axe.assert_clean()
    console.assert_clean()
