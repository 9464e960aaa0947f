"""A learner takes a practice quiz of every kind in the browser, putting the
lifecycle stages in order with the keyboard alone; axe-core on every page."""

import re

from playwright.sync_api import expect

from revision.models import Answer, SelfAssessment
from tests.revision.factories import MATCH_DATA, ORDER_DATA, QuizFactory, every_kind

VERY_SURE = "Very sure (+3 if right, −6 if wrong)"


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
            return {id: el.id, tag: el.tagName, type: el.type || "", label: label};
        }"""
    )


def tab_to(page, predicate, *, most: int = 60) -> dict:
    """Press Tab until the focused element satisfies `predicate`."""
    for _ in range(most):
        page.keyboard.press("Tab")
        element = focused(page)
        if predicate(element):
            return element
    raise AssertionError(f"Tab never reached the element; last was {element}")


def answer_order_with_the_keyboard(page) -> None:
    """Each step's position chosen by typing it into its list, moving by Tab."""
    steps = ORDER_DATA["steps"]
    for _ in steps:
        select = tab_to(page, lambda el: el["tag"] == "SELECT")
        step = select["label"].removeprefix("Position of ").rstrip("* \n")
        page.keyboard.press(str(steps.index(step) + 1))
    chosen = page.evaluate(
        """() => [...document.querySelectorAll("select")].map(
            s => [s.labels[0].innerText.replace("*", "").trim(), s.value])"""
    )
    assert {label: int(value) for label, value in chosen} == {
        f"Position of {step}": n for n, step in enumerate(steps, start=1)
    }
    # How sure: Tab into the radio group, arrow to "Very sure"
    tab_to(page, lambda el: el["type"] == "radio")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert focused(page)["label"].strip().rstrip("*").strip() == VERY_SURE
    expect(page.get_by_label(VERY_SURE)).to_be_checked()
    tab_to(page, lambda el: el["tag"] == "BUTTON")
    assert page.evaluate("() => document.activeElement.innerText") == "Answer"
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_learner_takes_a_practice_quiz_of_every_kind(
    page, axe, sign_in, console, shot, base, learner
):
    # given a quiz with one question of each kind
    items = every_kind()
    quiz = QuizFactory(items=list(items.values()), title="Processing sales orders")
    sign_in(learner)

    # the list of quizzes
    page.goto(f"{base}/revision/quizzes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quizzes")
    section = page.get_by_role("region", name="Processing sales orders")
    expect(section).to_contain_text("5 questions")
    axe(page, context="quiz list")
    shot("quiz-list")
    section.get_by_label("Practice (feedback after each answer)").check()
    section.get_by_role("button", name="Start").click()

    # 1. judge: a blank answer is refused with the messages, then answered
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 1 of 5")
    page.get_by_role("button", name="Answer", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text(
        "There is a problem with your answer"
    )
    expect(page.get_by_text("Choose how sure you are.").first).to_be_visible()
    axe(page, context="judge question, errors shown")
    shot("judge-errors")
    page.get_by_label("A misconception", exact=True).check()
    page.get_by_label(VERY_SURE).check()
    page.get_by_role("button", name="Answer", exact=True).click()
    expect(page.locator("#verdict")).to_contain_text("Right.")
    expect(page.locator("#explanation")).to_have_text(items["judge"].explanation)
    expect(page.locator("#marks")).to_have_text("+3")
    axe(page, context="judge feedback")
    page.get_by_role("link", name="Next question").click()

    # 2. order, with the keyboard only: Tab to each list, type the position
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 2 of 5")
    axe(page, context="order question")
    shot("order-question")
    answer_order_with_the_keyboard(page)
    expect(page.locator("#verdict")).to_contain_text("Right.")
    expect(page.locator("#next-review")).to_contain_text(re.compile(r"Next review: "))
    expect(page.get_by_role("table")).to_contain_text("Position 5")
    axe(page, context="order feedback")
    shot("order-feedback")
    page.get_by_role("link", name="Next question").click()

    # 3. match: each term's definition from its list (one wrong, fairly sure)
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 3 of 5")
    axe(page, context="match question")
    pairs = MATCH_DATA["pairs"]
    page.get_by_label(pairs[0][0]).select_option(label=pairs[1][1])
    page.get_by_label(pairs[1][0]).select_option(label=pairs[0][1])
    page.get_by_label(pairs[2][0]).select_option(label=pairs[2][1])
    page.get_by_label("Fairly sure").check()
    page.get_by_role("button", name="Answer", exact=True).click()
    expect(page.locator("#verdict")).to_contain_text("1 of 3 parts are right.")
    expect(page.locator("#misconception")).to_contain_text(
        "You were sure and wrong: a misconception to revisit"
    )
    expect(page.locator("#marks")).to_have_text("−2")
    axe(page, context="match feedback")
    shot("match-feedback")
    page.get_by_role("link", name="Next question").click()

    # 4. check
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 4 of 5")
    axe(page, context="check question")
    page.get_by_label("Check stock", exact=True).check()
    page.get_by_label("Not sure").check()
    page.get_by_role("button", name="Answer", exact=True).click()
    expect(page.locator("#marks")).to_have_text("+1")
    axe(page, context="check feedback")
    page.get_by_role("link", name="Next question").click()

    # 5. scenario: the order as received, what to do first, the message
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 5 of 5")
    expect(page.locator("blockquote")).to_contain_text("12 boxes of A4 paper")
    axe(page, context="scenario question")
    shot("scenario-question")
    page.get_by_label("Check stock and tell her the restock date").check()
    page.get_by_label("What do you tell the customer, and how?").fill(
        "E-mail Ms Patel: the paper is out of stock until Friday. Send it then?"
    )
    page.get_by_label(VERY_SURE).check()
    page.get_by_role("button", name="Answer", exact=True).click()
    expect(page.locator("#model-message")).to_contain_text("her preferred channel")
    axe(page, context="scenario feedback")
    page.get_by_label(re.compile(r"MP-02:")).check()
    page.get_by_role("button", name="Save my check").click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    expect(page.locator("#self-assessment")).to_contain_text("✓ Met: MP-02")
    axe(page, context="scenario feedback, checked")
    shot("scenario-feedback")
    assert SelfAssessment.objects.count() == 2

    # the results
    page.get_by_role("link", name="See your results").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Results: Processing sales orders"
    )
    expect(page.locator("#total-marks")).to_have_text("+8 out of 15")
    expect(page.locator("#percent-right")).to_have_text("4 of 5 (80%)")
    expect(page.locator("#revisit")).to_contain_text("Question 3")
    axe(page, context="results")
    shot("results")
    assert Answer.objects.count() == 5

    # the history
    page.get_by_role("link", name="Your past attempts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your past attempts")
    expect(page.get_by_role("table")).to_contain_text("+8 of 15; 4 of 5 right")
    axe(page, context="history")
    shot("history")
    assert quiz.attempts.count() == 1

    axe.assert_clean()
    console.assert_clean()
