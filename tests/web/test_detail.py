"""The order page (orders:detail) and its verification panel (orders:checks_panel)."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from orders.models import Check, Order
from orders.services import (
    communication_record,
    exception_add_step,
    exception_raise,
    exception_resolve,
    order_cancel,
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    verification_run,
)

from ..factories import CustomerFactory


def detail_url(order) -> str:
    return reverse("orders:detail", args=[order.pk])


def panel_url(order) -> str:
    return reverse("orders:checks_panel", args=[order.pk])


# -- who may see it --------------------------------------------------------------


@pytest.mark.parametrize("role", ["processor", "dispatcher", "supervisor"])
def test_order_page_shows_the_order_to_each_staff_role(
    client, request, role, verified_order
):
    # Given a verified order and a member of staff
    order = verified_order()
    client.force_login(request.getfixturevalue(role))
    # When they open its page
    response = client.get(detail_url(order))
    # Then they see its reference, customer, status in words, totals and checks
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Order {order.reference}" in html
    assert escape(order.customer.name) in html
    assert "Status: Verified" in html
    assert f"£{order.gross_total}" in html
    assert "Stock available and reserved" in html
    assert "worker test-worker" in html
    assert "ending 4242" in html


@pytest.mark.parametrize("role", ["learner", "assessor"])
def test_order_page_refuses_learners_and_assessors(
    client, request, role, verified_order
):
    # Given a live order and a learner or assessor
    order = verified_order()
    client.force_login(request.getfixturevalue(role))
    # When they open the order page or its panel
    # Then both are refused
    assert client.get(detail_url(order)).status_code == 403
    assert client.get(panel_url(order)).status_code == 403


def test_order_page_sends_anonymous_visitors_to_sign_in(client, verified_order):
    # Given nobody signed in
    order = verified_order()
    # When the order page is asked for
    response = client.get(detail_url(order))
    # Then the visitor is sent to sign in
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_order_page_is_404_for_an_unknown_order(client, processor):
    # Given a processor
    client.force_login(processor)
    # When they ask for an order that does not exist
    # Then it is not found (page and panel)
    assert client.get(reverse("orders:detail", args=[999999])).status_code == 404
    assert client.get(reverse("orders:checks_panel", args=[999999])).status_code == 404


# -- what it shows ---------------------------------------------------------------


def test_order_page_shows_customer_accessibility_needs_and_contact(
    client, processor, receive, stocked_product
):
    # Given a customer who needs large print and prefers the phone
    customer = CustomerFactory(
        accessibility_needs="Large print, please.", preferred_channel="phone"
    )
    order = receive([(stocked_product(10).code, 1)], customer=customer)
    client.force_login(processor)
    # When the order page is opened
    html = client.get(detail_url(order)).content.decode()
    # Then the needs are shown prominently, with the preferred channel
    assert "Accessibility needs:" in html
    assert "Large print, please." in html
    assert "Preferred channel</dt><dd>Phone" in html
    # And the e-mail form says the customer prefers the phone
    assert "prefers phone, not e-mail" in html


def test_order_page_shows_short_line_actions_to_a_processor(
    client, processor, held_order
):
    # Given an order on hold with a short line
    order = held_order()
    short = order.lines.get(line_number=1)
    client.force_login(processor)
    # When a processor opens it
    html = client.get(detail_url(order)).content.decode()
    # Then the line says it is out of stock, with a link to offer the customer a
    # choice (not a plain backorder or cancel button, which would skip their say)
    assert "Out of stock" in html
    exception = order.exceptions.get()
    assert reverse("orders:stock_exception", args=[order.pk, exception.pk]) in html
    assert reverse("orders:line_cancel", args=[order.pk, short.pk]) not in html
    # And the open exception is shown, with a form to add a step; it is resolved
    # by the customer's choice, not by a note, so no plain resolve form is offered
    assert "1 open exception" in html
    assert reverse("orders:exception_add_step", args=[order.pk, exception.pk]) in html
    assert (
        reverse("orders:exception_resolve", args=[order.pk, exception.pk]) not in html
    )
    assert "To resolve it, record the customer&#x27;s choice" in html


def test_order_page_hides_processing_buttons_from_a_dispatcher(
    client, dispatcher, held_order
):
    # Given an order on hold with a short line
    order = held_order()
    short = order.lines.get(line_number=1)
    client.force_login(dispatcher)
    # When a dispatcher opens it
    html = client.get(detail_url(order)).content.decode()
    # Then no processing action is offered to them
    exception = order.exceptions.get()
    assert reverse("orders:stock_exception", args=[order.pk, exception.pk]) not in html
    assert reverse("orders:line_cancel", args=[order.pk, short.pk]) not in html
    assert reverse("orders:cancel", args=[order.pk]) not in html
    assert reverse("orders:check_rerun", args=[order.pk]) not in html


def test_order_page_offers_confirm_with_earliest_date_only_to_processing_roles(
    client, processor, dispatcher, verified_order
):
    # Given a verified order
    order = verified_order()
    confirm_url = reverse("orders:confirm", args=[order.pk])
    # When a processor opens it, then confirming is offered with a hint
    client.force_login(processor)
    html = client.get(detail_url(order)).content.decode()
    assert confirm_url in html
    assert "The earliest delivery date you can promise is" in html
    assert f'min="{timezone.localdate().isoformat()}"' in html
    assert f'name="version" value="{order.version}"' in html
    # When a dispatcher opens it, then it is not
    client.force_login(dispatcher)
    assert confirm_url not in client.get(detail_url(order)).content.decode()


def test_order_page_links_dispatchers_to_fulfilment_and_documents(
    client, dispatcher, processor, verified_order, tomorrow
):
    # Given a confirmed order
    order = verified_order()
    order_confirm(order=order, actor=processor, promised_date=tomorrow)
    client.force_login(dispatcher)
    # When a dispatcher opens it
    html = client.get(detail_url(order)).content.decode()
    # Then it links to the fulfilment page and the documents
    assert reverse("orders:fulfil", args=[order.pk]) in html
    assert reverse("orders:document", args=[order.pk, "picking-list"]) in html


def test_order_page_timeline_lists_events_oldest_first_with_who(
    client, processor, verified_order
):
    # Given a verified order (received by a person, checked by a worker)
    order = verified_order()
    client.force_login(processor)
    # When its page is opened
    html = client.get(detail_url(order)).content.decode()
    timeline = html[html.index('id="timeline"') :]
    # Then the timeline starts with receipt and ends with verification
    assert timeline.index("Order received") < timeline.index("Checks started")
    assert timeline.index("Checks started") < timeline.index("All checks passed")
    assert "worker test-worker" in timeline
    assert escape(str(order.received_by)) in timeline


def test_order_page_prefills_the_chosen_email_template(client, processor, held_order):
    # Given an order with a problem
    order = held_order()
    client.force_login(processor)
    # When the "problem with the order" template is chosen
    html = client.get(detail_url(order), {"template": "exception_notice"}).content
    # Then the subject and message are filled in from the order's data
    html = html.decode()
    assert f"A problem with your order {order.reference}" in html
    assert "Out of stock" in html
    # And an unknown template falls back to the acknowledgement
    html = client.get(detail_url(order), {"template": "nonsense"}).content.decode()
    assert f"We have received your order {order.reference}" in html


# -- the verification panel ------------------------------------------------------


def test_checks_panel_polls_while_checks_run(
    client, processor, receive, stocked_product
):
    # Given an order whose checks have not finished
    order = receive([(stocked_product(10).code, 1)])
    assert order.status == Order.Status.RECEIVED
    client.force_login(processor)
    # When the page and the panel are fetched
    page = client.get(detail_url(order)).content.decode()
    panel = client.get(panel_url(order), headers={"HX-Request": "true"})
    # Then both ask htmx to fetch the panel again every 2 seconds
    for html in (page, panel.content.decode()):
        assert 'hx-trigger="every 2s"' in html
        assert f'hx-get="{panel_url(order)}?polling=1"' in html
        assert 'hx-swap="outerHTML"' in html
    assert "HX-Refresh" not in panel


def test_checks_panel_stops_polling_once_verified(
    client, processor, receive, stocked_product
):
    # Given an order being polled while its checks ran, and now verified
    order = receive([(stocked_product(10).code, 1)])
    verification_run(order_id=order.pk, worker="worker-7")
    client.force_login(processor)
    # When the panel polls again
    panel = client.get(
        panel_url(order), {"polling": "1"}, headers={"HX-Request": "true"}
    )
    # Then it shows every check with its worker and no longer polls
    html = panel.content.decode()
    assert panel.status_code == 200
    assert "hx-trigger" not in html
    assert "worker worker-7" in html
    assert html.count("Passed") == len(Check.Kind)
    # And the page reloads to show the actions now allowed
    assert panel["HX-Refresh"] == "true"
    # And a plain reload of the order page shows the results without polling
    page = client.get(detail_url(order)).content.decode()
    assert "every 2s" not in page
    assert "worker worker-7" in page


def test_checks_panel_offers_rerun_to_processors_only(
    client, processor, dispatcher, verified_order
):
    # Given a verified order
    order = verified_order()
    rerun_url = reverse("orders:check_rerun", args=[order.pk])
    # Then a processor may re-run each check
    client.force_login(processor)
    assert client.get(panel_url(order)).content.decode().count(rerun_url) == len(
        Check.Kind
    )
    # And a dispatcher may not
    client.force_login(dispatcher)
    assert rerun_url not in client.get(panel_url(order)).content.decode()


# -- queries ---------------------------------------------------------------------


def _order_with_history(
    receive, stocked_product, processor, dispatcher, tomorrow, *, lines, problems
):
    """An order with lines, resolved exceptions with steps, calls, two shipments."""
    products = [stocked_product(100) for _ in range(lines)]
    order = receive([(p.code, 2) for p in products])
    order = verification_run(order_id=order.pk, worker="w")
    for n in range(problems):
        order.refresh_from_db()
        exception = exception_raise(
            order=order, actor=processor, kind="other", found=f"Problem {n}"
        )
        for step in range(3):
            exception_add_step(exception=exception, actor=processor, text=f"s{step}")
        call = communication_record(
            order=order,
            actor=processor,
            channel="phone",
            purpose="query",
            content="Spoke to them",
            outcome="reached",
        )
        exception_resolve(
            exception=exception,
            actor=processor,
            resolution="Sorted",
            customer_informed=True,
            communication=call,
        )
    order.refresh_from_db()
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    order = order_start_fulfilment(order=order, actor=dispatcher)
    first = list(order.lines.all())[: max(1, lines // 2)]
    order_dispatch(
        order=order,
        actor=dispatcher,
        carrier="Royal Mail",
        quantities={line.pk: 1 for line in first},
    )
    order.refresh_from_db()
    order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    order.refresh_from_db()
    return order


def test_order_page_makes_the_same_few_queries_for_a_small_and_a_large_order(
    client,
    processor,
    dispatcher,
    supervisor,
    receive,
    stocked_product,
    tomorrow,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    # Given a 2-line order with a short history and a 20-line order with a long one
    make = (receive, stocked_product, processor, dispatcher, tomorrow)
    small = _order_with_history(*make, lines=2, problems=1)
    large = _order_with_history(*make, lines=20, problems=8)
    assert large.lines.count() == 20
    assert large.events.count() > 2 * small.events.count() > 0
    assert large.exceptions.count() == 8
    assert large.shipments.count() == 2
    client.force_login(supervisor)
    # When each page is rendered
    # Then each takes the same number of queries: 12 at most (the order is read
    # once, for whose it is and for the page)
    with django_assert_max_num_queries(12) as small_queries:
        assert client.get(detail_url(small)).status_code == 200
    with django_assert_num_queries(len(small_queries.captured_queries)):
        response = client.get(detail_url(large))
    assert response.status_code == 200
    assert "Royal Mail" in response.content.decode()


def test_order_page_without_history_takes_no_more_queries(
    client, supervisor, verified_order, django_assert_max_num_queries
):
    # Given a freshly verified order (no exceptions, no shipments)
    order = verified_order()
    client.force_login(supervisor)
    # When its page is rendered
    # Then it stays within the page's budget
    with django_assert_max_num_queries(11):
        assert client.get(detail_url(order)).status_code == 200


def test_checks_panel_makes_a_fixed_number_of_queries(
    client, processor, verified_order, django_assert_max_num_queries
):
    # Given a verified order with its eight checks
    order = verified_order()
    client.force_login(processor)
    # When the panel is polled
    # Then it takes at most 6 queries (session, user, whose practice order it is,
    # roles, order, checks)
    with django_assert_max_num_queries(6):
        assert client.get(panel_url(order)).status_code == 200


def test_order_page_for_a_cancelled_order_shows_the_reason_and_no_actions(
    client, processor, verified_order
):
    # Given a cancelled order
    order = order_cancel(
        order=verified_order(), actor=processor, reason="Ordered by mistake"
    )
    client.force_login(processor)
    # When its page is opened
    html = client.get(detail_url(order)).content.decode()
    # Then the reason is shown and nothing more can be done
    assert "Status: Cancelled" in html
    assert "Ordered by mistake" in html
    assert reverse("orders:confirm", args=[order.pk]) not in html
    assert reverse("orders:exception_raise", args=[order.pk]) not in html
    assert "Nothing to do on this order" in html
