"""Signing in and out, what each role is shown, and what a learner is refused."""

import re

from playwright.sync_api import expect

from tests.factories import UserFactory


def test_sign_in_page_is_accessible_and_sent_with_a_content_security_policy(
    page, axe, base, console, shot
):
    # when someone opens the sign-in page
    response = page.goto(f"{base}/accounts/sign-in/")

    # then it is sent with a policy that allows scripts only from our own files
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy, policy
    assert "'unsafe-inline'" not in policy, policy
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    shot("sign-in")
    axe(page)
    axe.assert_clean()
    console.assert_clean()


def test_injected_inline_script_is_blocked_and_reported(page, base, console):
    # given the sign-in page
    page.goto(f"{base}/accounts/sign-in/")

    # when markup smuggled into the page tries to run an inline script
    with page.expect_console_message(
        lambda message: "Content Security Policy" in message.text
    ) as report:
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.injected = true";
                document.body.append(script);
            }"""
        )

    # then the browser refuses to run it and reports the violation (the report
    # console.assert_clean() looks for on every other page)
    assert "script-src" in report.value.text
    assert page.evaluate("() => window.injected") is None
    assert console.csp_violations()


def test_wrong_password_is_refused_with_a_message(page, axe, base, console, shot):
    # given a processor
    user = UserFactory(role="processor")

    # when they sign in with the wrong password
    page.goto(f"{base}/accounts/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("not-my-password")
    page.get_by_role("button", name="Sign in").click()

    # then they stay on the sign-in page and are told why
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))
    expect(
        page.get_by_text("Please enter a correct username and password")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    shot("wrong-password")
    axe(page, context="sign-in with an error")
    axe.assert_clean()
    console.assert_clean()


def test_processor_sees_new_order_in_the_navigation(page, axe, sign_in, console, shot):
    # given a processor
    user = UserFactory(role="processor")

    # when they sign in
    sign_in(user)

    # then they land on their queues, and the menu offers a new order
    expect(page).to_have_url(re.compile(r"/orders/"))
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Queues")).to_be_visible()
    expect(menu.get_by_role("link", name="Orders", exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="New order")).to_be_visible()
    expect(menu.get_by_role("link", name="Administration")).to_have_count(0)
    expect(page.get_by_text(f"Signed in as {user}")).to_be_visible()
    shot("processor-start")
    axe(page, context="processor's start page")
    axe.assert_clean()
    console.assert_clean()


def test_dispatcher_is_not_offered_a_new_order(page, axe, sign_in, console, shot):
    # given a dispatcher
    user = UserFactory(role="dispatcher")

    # when they sign in
    sign_in(user)

    # then the menu has their queues and the orders, but no new order
    expect(page).to_have_url(re.compile(r"/orders/"))
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Queues")).to_be_visible()
    expect(menu.get_by_role("link", name="Orders", exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="New order")).to_have_count(0)
    shot("dispatcher-start")
    axe(page, context="dispatcher's start page")
    axe.assert_clean()
    console.assert_clean()


def test_sign_out_returns_to_the_sign_in_page(
    page, axe, base, sign_in, sign_out, console
):
    # given a signed-in processor
    sign_in(UserFactory(role="processor"))

    # when they sign out
    sign_out()

    # then they are back at the sign-in page, and the orders need signing in again
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.goto(f"{base}/orders/")
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/\?next=/orders/"))
    axe(page, context="sign-in after signing out")
    axe.assert_clean()
    console.assert_clean()


def test_learner_opening_the_orders_gets_the_not_available_page(
    page, axe, base, sign_in, console, shot
):
    # given a signed-in learner, who lands on the unit without order links
    sign_in(UserFactory(role="learner"))
    expect(page).to_have_url(f"{base}/revision/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Processing sales orders")
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Orders", exact=True)).to_have_count(0)
    expect(menu.get_by_role("link", name="Quizzes", exact=True)).to_be_visible()
    shot("learner-home")
    axe(page, context="learner's starting page: the unit")

    # when they open the order list directly
    response = page.goto(f"{base}/orders/")

    # then they are refused with the 403 page
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not available to you")
    shot("learner-refused")
    axe(page, context="403 page")
    axe.assert_clean()
    console.assert_clean()
