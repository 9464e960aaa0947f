"""The amend page (orders:amend) and the revisions page (orders:revisions)."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from orders.models import Order, OrderException, OrderLine, OrderRevision
from orders.services import (
    communication_record,
    exception_raise,
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    verification_run,
)
from orders.services.amendments import LineChange, order_amend

S = Order.Status


def amend_url(order, query: str = "") -> str:
    return reverse("orders:amend", args=[order.pk]) + query


def revisions_url(order) -> str:
    return reverse("orders:revisions", args=[order.pk])


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def form_data(order, *, lines=None, new=(), **overrides) -> dict:
    """What the amend page posts for the order as it stands, with changes applied.

    `lines` maps a line number to {field: value} for that line's row.
    """
    order = Order.objects.get(pk=order.pk)
    data = {
        "version": str(order.version),
        "exception": "",
        "delivery_address": order.delivery_address,
        "delivery_postcode": order.delivery_postcode,
        "requested_date": order.requested_date.isoformat()
        if order.requested_date
        else "",
        "reason": "Customer rang to change the order.",
        "customer_told": "yes",
        "communication": "",
        "new-TOTAL_FORMS": str(max(3, len(new))),
        "new-INITIAL_FORMS": "0",
        "new-MIN_NUM_FORMS": "0",
        "new-MAX_NUM_FORMS": "200",
    }
    for line in order.lines.all():
        if not line.is_active:
            continue
        row = {
            "product_code": line.product_code,
            "quantity": str(line.quantity),
            "unit_price": str(line.unit_price),
            **(lines or {}).get(line.line_number, {}),
        }
        data |= {f"line-{line.pk}-{name}": value for name, value in row.items()}
    for index, (code, quantity, price) in enumerate(new):
        data[f"new-{index}-product_code"] = code
        data[f"new-{index}-quantity"] = str(quantity)
        data[f"new-{index}-agreed_price"] = str(price)
    data.update(overrides)
    return data


def field_html(html: str, field_id: str) -> str:
    """The part of the page holding one field: its wrapper, label and messages."""
    start = html.index(f'id="div_{field_id}"')
    end = html.find('id="div_', start + 1)
    return html[start : end if end != -1 else len(html)]


def assert_unchanged(order, version: int) -> None:
    order.refresh_from_db()
    assert order.version == version
    assert order.revision == 1
    assert not OrderRevision.objects.filter(order=order).exists()


@pytest.fixture
def confirmed(verified_order, processor, tomorrow):
    def make(quantity: int = 2):
        order = verified_order(quantity=quantity)
        return order_confirm(order=order, actor=processor, promised_date=tomorrow)

    return make


@pytest.fixture
def part_shipped(confirmed, dispatcher):
    order = confirmed(quantity=5)
    order = order_start_fulfilment(order=order, actor=dispatcher)
    line = order.lines.get()
    order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", quantities={line.pk: 2}
    )
    return Order.objects.get(pk=order.pk)


# --- who may use the pages ---------------------------------------------------------


@pytest.mark.parametrize("role", ["processor", "supervisor"])
def test_processors_and_supervisors_see_the_amend_form(
    client, request, role, verified_order
):
    # Given a verified order
    order = verified_order(quantity=2)
    client.force_login(request.getfixturevalue(role))
    # When they open the amend page
    response = client.get(amend_url(order))
    # Then they see the form, with the line as it stands
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Amend order {order.reference}" in html
    line = order.lines.get()
    assert f'name="line-{line.pk}-quantity" value="2"' in html
    assert "0 shipped so far" in html
    assert 'name="new-0-product_code"' in html


@pytest.mark.parametrize("role", ["dispatcher", "learner", "assessor"])
def test_other_roles_cannot_amend(client, request, role, verified_order):
    # Given a verified order, and someone who does not process orders
    order = verified_order(quantity=2)
    version = order.version
    client.force_login(request.getfixturevalue(role))
    # When they open the amend page or post it
    assert client.get(amend_url(order)).status_code == 403
    response = client.post(
        amend_url(order), form_data(order, lines={1: {"quantity": "5"}})
    )
    # Then they are refused and nothing changes
    assert response.status_code == 403
    assert_unchanged(order, version)


def test_anonymous_visitors_are_sent_to_sign_in(client, verified_order):
    order = verified_order()
    for url in (amend_url(order), revisions_url(order)):
        response = client.get(url)
        assert response.status_code == 302
        assert "sign-in" in response["Location"]


@pytest.mark.parametrize("role", ["processor", "dispatcher", "supervisor"])
def test_every_staff_role_can_read_the_revisions(client, request, role, verified_order):
    order = verified_order()
    client.force_login(request.getfixturevalue(role))
    assert client.get(revisions_url(order)).status_code == 200


@pytest.mark.parametrize("role", ["learner", "assessor"])
def test_learners_and_assessors_cannot_read_the_revisions(
    client, request, role, verified_order
):
    order = verified_order()
    client.force_login(request.getfixturevalue(role))
    assert client.get(revisions_url(order)).status_code == 403


# --- amending --------------------------------------------------------------------


def test_a_quantity_change_keeps_the_revision_and_runs_the_checks_again(
    client, processor, confirmed, django_capture_on_commit_callbacks
):
    # Given a confirmed order for 2, open on a processor's screen
    order = confirmed(quantity=2)
    client.force_login(processor)
    # When they change the quantity to 3
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            amend_url(order), form_data(order, lines={1: {"quantity": "3"}})
        )
    # Then they are back on the order page, told what happens next
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[order.pk])
    assert "revision 1 is kept" in said(response)
    assert "confirm the order to the customer afresh" in said(response)
    # and the order was checked again and waits to be confirmed afresh
    order.refresh_from_db()
    assert (order.status, order.revision) == (S.VERIFIED, 2)
    assert order.lines.get().quantity == 3
    amended = order.events.get(kind="amended")
    assert amended.actor == processor
    assert amended.data["customer_told"] is True


def test_a_line_is_added_removed_and_the_address_changed_in_one_go(
    client, processor, receive, stocked_product, django_capture_on_commit_callbacks
):
    # Given a verified two-line order, and a third product
    paper, pens, ink = stocked_product(50), stocked_product(50), stocked_product(50)
    order = verification_run(order_id=receive([(paper.code, 2), (pens.code, 1)]).pk)
    client.force_login(processor)
    # When pens are removed, 4 ink added, and the delivery address changed
    data = form_data(
        order,
        lines={2: {"quantity": "0"}},
        new=[(ink.code.lower(), 4, "")],
        delivery_address="Unit 4, Canal Wharf\nLeeds",
        delivery_postcode="ls11 5pq",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(amend_url(order), data)
    # Then all of it is done, as one revision
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.revision == 2
    statuses = {line.product: line.status for line in order.lines.all()}
    assert statuses == {
        paper: OrderLine.Status.RESERVED,
        pens: OrderLine.Status.CANCELLED,
        ink: OrderLine.Status.RESERVED,
    }
    assert order.delivery_postcode == "LS11 5PQ"
    assert order.status == S.VERIFIED


def test_an_address_sent_back_with_browser_line_breaks_is_not_a_change(
    client, processor, verified_order, django_capture_on_commit_callbacks
):
    # Given a verified order whose address has several lines
    order = verified_order(quantity=2, delivery_address="1 High Street\nLeeds")
    client.force_login(processor)
    # When only the quantity is changed, the browser sending the address with CRLF
    data = form_data(
        order,
        lines={1: {"quantity": "3"}},
        delivery_address="1 High Street\r\nLeeds\r\n",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(amend_url(order), data).status_code == 302
    # Then only the quantity is recorded as changed, and the address check not rerun
    amended = order.events.get(kind="amended")
    assert [c["field"] for c in amended.data["changes"]] == ["quantity"]
    assert "customer" not in amended.data["checks"]


def test_the_exception_being_corrected_is_shown_and_recorded(
    client, processor, receive, stocked_product, django_capture_on_commit_callbacks
):
    # Given an order held because its code was mistyped
    product = stocked_product(30, code="ABC-1234")
    order = verification_run(order_id=receive([("ABC-1243", 2)]).pk)
    problem = order.exceptions.get(kind="unknown_product")
    client.force_login(processor)
    # When the processor follows the exception's "Correct the order" link
    response = client.get(amend_url(order, f"?exception={problem.pk}"))
    # Then the problem is shown at the top and the reason is pre-filled
    html = response.content.decode()
    assert "Correcting: Unknown or inactive product code" in html
    assert escape(problem.found) in html
    assert response.context["form"]["reason"].value().startswith("To correct:")
    assert response.context["form"]["exception"].value() == problem.pk
    # and when they correct the code and submit
    data = form_data(
        order,
        lines={1: {"product_code": "ABC-1234", "unit_price": "10.00"}},
        exception=str(problem.pk),
        reason="Customer confirmed the code.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(amend_url(order), data)
    # then the check passes and the exception is resolved, with the step recorded
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == OrderException.Status.RESOLVED
    assert problem.steps.count() == 1
    assert order.lines.get().product == product


def test_an_unknown_or_resolved_exception_in_the_address_is_ignored(
    client, processor, verified_order
):
    order = verified_order()
    client.force_login(processor)
    for query in ("?exception=abc", "?exception=999999", "?exception=", "?exception=²"):
        response = client.get(amend_url(order, query))
        assert response.status_code == 200
        assert "Correcting:" not in response.content.decode()


# --- bad input: a message next to the field, nothing changed ---------------------


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"reason": "  "}, "id_amend_reason", "Give the reason for the amendment."),
        (
            {"customer_told": ""},
            "id_amend_customer_told",
            "Say whether the customer has been told.",
        ),
        (
            {"customer_told": "maybe"},
            "id_amend_customer_told",
            "Say whether the customer has been told.",
        ),
        (
            {"communication": "999999"},
            "id_amend_communication",
            "Choose one of this order's communications.",
        ),
        (
            {"delivery_address": ""},
            "id_amend_delivery_address",
            "Enter the delivery address.",
        ),
        (
            {"delivery_postcode": ""},
            "id_amend_delivery_postcode",
            "Enter the delivery postcode.",
        ),
        (
            {"delivery_postcode": "LS1 1AA LS1 1AA"},
            "id_amend_delivery_postcode",
            "A postcode is at most 10 characters.",
        ),
        (
            {"requested_date": "31/02/2030"},
            "id_amend_requested_date",
            "Enter a real date, for example 24/11/2026.",
        ),
        (
            {"requested_date": "2001-01-01"},
            "id_amend_requested_date",
            "The requested delivery date is in the past.",
        ),
        (
            {"requested_date": "9999-12-31"},
            "id_amend_requested_date",
            "That is more than a year ahead: check the year.",
        ),
    ],
)
def test_bad_order_details_are_refused_next_to_their_field(
    client, processor, verified_order, overrides, field_id, message
):
    # Given a verified order, and a change that is fine in itself
    order = verified_order(quantity=2)
    version = order.version
    client.force_login(processor)
    data = form_data(order, lines={1: {"quantity": "3"}}, **overrides)
    # When the form is submitted with one bad value
    response = client.post(amend_url(order), data)
    # Then the page comes back with the message next to that field, and at the top
    assert response.status_code == 400
    html = response.content.decode()
    assert escape(message) in field_html(html, field_id)
    assert "The order has not been amended" in html
    # and nothing changed
    assert_unchanged(order, version)
    assert order.lines.get().quantity == 2


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (
            {"product_code": ""},
            "product_code",
            "Enter the product code (to remove the line, set its quantity to 0).",
        ),
        (
            {"product_code": "X" * 21},
            "product_code",
            "A product code is at most 20 characters.",
        ),
        (
            {"quantity": "-1"},
            "quantity",
            "The quantity must be 0 or more (0 removes the line).",
        ),
        (
            {"quantity": "lots"},
            "quantity",
            "Enter the quantity as a whole number (0 removes the line).",
        ),
        ({"quantity": ""}, "quantity", "Enter the quantity (0 removes the line)."),
        (
            {"unit_price": "cheap"},
            "unit_price",
            "Enter the price as a number, for example 12.50.",
        ),
        (
            {"unit_price": "9.995"},
            "unit_price",
            "Enter the price in pounds and pence, e.g. 12.50.",
        ),
        ({"unit_price": "-1"}, "unit_price", "The unit price must be £0 or more."),
    ],
)
def test_bad_line_values_are_refused_next_to_their_field(
    client, processor, verified_order, row, field, message
):
    # Given a verified order
    order = verified_order(quantity=2)
    version = order.version
    line = order.lines.get()
    client.force_login(processor)
    # When a line is given a bad value
    response = client.post(amend_url(order), form_data(order, lines={1: row}))
    # Then the message is next to that field of that line, and nothing changed
    assert response.status_code == 400
    html = response.content.decode()
    assert escape(message) in field_html(html, f"id_line-{line.pk}-{field}")
    assert "Line 1: " in html
    assert_unchanged(order, version)


def test_an_amendment_too_large_to_hold_is_refused_not_crashed(
    client, processor, verified_order
):
    # Given a verified order
    order = verified_order(quantity=2)
    version = order.version
    client.force_login(processor)
    # When its line becomes a million at just under £100m (each within the form's
    # limits, together more than an order's totals hold)
    response = client.post(
        amend_url(order),
        form_data(
            order, lines={1: {"quantity": "1000000", "unit_price": "99999999.99"}}
        ),
    )
    # Then it is refused with a message, and nothing changed
    assert response.status_code == 400
    assert "more than an order can hold" in response.content.decode()
    assert_unchanged(order, version)


def test_the_only_line_removed_is_refused_at_that_line(
    client, processor, verified_order
):
    order = verified_order(quantity=2)
    version = order.version
    client.force_login(processor)
    response = client.post(
        amend_url(order), form_data(order, lines={1: {"quantity": "0"}})
    )
    assert response.status_code == 400
    assert "cancel the order instead" in response.content.decode()
    assert_unchanged(order, version)


def test_a_quantity_below_what_was_shipped_is_refused_at_that_line(
    client, processor, part_shipped
):
    # Given a line of 5 with 2 dispatched
    order = part_shipped
    version = order.version
    line = order.lines.get()
    client.force_login(processor)
    # When it is amended to 1
    response = client.post(
        amend_url(order), form_data(order, lines={1: {"quantity": "1"}})
    )
    # Then the service's refusal is shown at the line's quantity
    assert response.status_code == 400
    html = response.content.decode()
    assert "2 already shipped, so the quantity cannot go below 2." in field_html(
        html, f"id_line-{line.pk}-quantity"
    )
    order.refresh_from_db()
    assert order.version == version
    assert not OrderRevision.objects.exists()


def test_a_shipped_line_shows_what_was_shipped_and_keeps_its_code(
    client, processor, part_shipped
):
    client.force_login(processor)
    line = part_shipped.lines.get()
    response = client.get(amend_url(part_shipped))
    html = response.content.decode()
    assert "2 shipped so far" in html
    assert "2 already shipped: it cannot go below that." in html
    code_input = re.search(
        rf'<input[^>]*name="line-{line.pk}-product_code"[^>]*>', html
    )
    assert "disabled" in code_input.group(0)


@pytest.mark.parametrize(
    ("new", "field", "message"),
    [
        (("", 3, ""), "product_code", "Enter the product code."),
        (("TST-9999", "", ""), "quantity", "Enter the quantity."),
        (("TST-9999", 0, ""), "quantity", "The quantity must be 1 or more."),
        (
            ("TST-9999", 1, "abc"),
            "agreed_price",
            "Enter the price as a number, for example 12.50.",
        ),
    ],
)
def test_bad_new_lines_are_refused_next_to_their_field(
    client, processor, verified_order, new, field, message
):
    order = verified_order(quantity=2)
    version = order.version
    client.force_login(processor)
    response = client.post(amend_url(order), form_data(order, new=[new]))
    assert response.status_code == 400
    html = response.content.decode()
    assert escape(message) in field_html(html, f"id_new-0-{field}")
    assert_unchanged(order, version)


def test_a_communication_chosen_with_the_customer_not_told_is_queried(
    client, processor, verified_order
):
    order = verified_order(quantity=2)
    call = communication_record(
        order=order,
        actor=processor,
        channel="phone",
        purpose="query",
        outcome="reached",
        content="Customer asked for 3.",
    )
    version = Order.objects.get(pk=order.pk).version
    client.force_login(processor)
    data = form_data(
        order,
        lines={1: {"quantity": "3"}},
        customer_told="no",
        communication=str(call.pk),
    )
    response = client.post(amend_url(order), data)
    assert response.status_code == 400
    assert "You chose the communication that told the customer" in field_html(
        response.content.decode(), "id_amend_communication"
    )
    assert_unchanged(order, version)


def test_nothing_changed_is_refused_with_a_message(client, processor, verified_order):
    # Given a verified order
    order = verified_order(quantity=2)
    version = order.version
    client.force_login(processor)
    # When the form is submitted as it was shown
    response = client.post(amend_url(order), form_data(order))
    # Then it says there is nothing to amend, and no revision is kept
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing to amend" in html
    assert_unchanged(order, version)


def test_a_stale_page_is_refused_and_reloaded(client, processor, verified_order):
    # Given the amend page opened, then the order changed by someone else
    order = verified_order(quantity=2)
    data = form_data(order, lines={1: {"quantity": "3"}})
    exception_raise(order=order, actor=processor, kind="other", found="Customer rang.")
    order.refresh_from_db()
    version = order.version
    client.force_login(processor)
    # When the page opened before the change is submitted
    response = client.post(amend_url(order), data)
    # Then it is refused and the page is shown again, fresh
    assert response.status_code == 302
    assert response["Location"] == amend_url(order)
    assert "changed since you opened it" in said(response)
    order.refresh_from_db()
    assert order.version == version
    assert order.lines.get().quantity == 2
    assert not OrderRevision.objects.exists()


def test_an_order_being_checked_or_dispatched_cannot_be_amended(
    client, processor, receive, stocked_product, confirmed, dispatcher
):
    # Given an order still being checked, and one already dispatched
    checking = receive([(stocked_product(10).code, 1)])
    dispatched = confirmed()
    dispatched = order_start_fulfilment(order=dispatched, actor=dispatcher)
    order_dispatch(order=dispatched, actor=dispatcher, carrier="DPD")
    client.force_login(processor)
    # When the amend page is opened, then it says why not, and shows no form
    html = client.get(amend_url(checking)).content.decode()
    assert "Checks are still running" in html
    assert "Amend the order</button>" not in html
    html = client.get(amend_url(dispatched)).content.decode()
    assert "is dispatched, so it can no longer be amended" in html
    # and a post is refused with the same words
    response = client.post(amend_url(dispatched), form_data(dispatched))
    assert response.status_code == 302
    assert "can no longer be amended" in said(response)


def test_the_amend_page_costs_the_same_queries_for_one_line_or_many(
    client, processor, receive, stocked_product
):
    def queries(order) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(amend_url(order)).status_code == 200
        return len(captured)

    client.force_login(processor)
    products = [stocked_product(50) for _ in range(4)]
    one = verification_run(order_id=receive([(products[0].code, 1)]).pk)
    many = verification_run(order_id=receive([(p.code, 2) for p in products]).pk)
    assert queries(one) == queries(many)


def test_the_order_page_links_to_the_amend_page(client, processor, verified_order):
    order = verified_order()
    client.force_login(processor)
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert amend_url(order) in html


# --- revisions ---------------------------------------------------------------------


def amend_service(order, actor, **changes):
    changes.setdefault("customer_told", True)
    changes.setdefault("reason", "Customer rang.")
    return order_amend(order=order, actor=actor, **changes)


def test_revisions_show_each_kept_revision_with_what_changed_who_and_why(
    client, processor, dispatcher, confirmed, tomorrow
):
    # Given a confirmed order for 2, amended to 3, then its requested date changed
    order = confirmed(quantity=2)
    line = order.lines.get()
    amend_service(
        order,
        processor,
        reason="Customer wants one more.",
        line_changes={line.pk: LineChange(quantity=3)},
    )
    verification_run(order_id=order.pk)
    amend_service(
        order,
        processor,
        reason="Customer needs it sooner.",
        requested_date=tomorrow + timedelta(days=1),
        customer_told=False,
    )
    # When a dispatcher opens the revisions page
    client.force_login(dispatcher)
    response = client.get(revisions_url(order))
    html = response.content.decode()
    # Then both earlier revisions are there, newest first
    assert html.index("Revision 2") < html.index("Revision 1")
    assert "The order is at revision 3 now" in html
    revision_1 = html[html.index('id="revision-1"') :]
    # with why and by whom, what changed, and the order as it stood (confirmed)
    assert "Customer wants one more." in revision_1
    assert escape(str(processor)) in revision_1
    assert "<td>Quantity</td><td>1</td><td>2</td><td>3</td>" in revision_1
    assert "Confirmed" in revision_1
    assert tomorrow.strftime("%d/%m/%Y") in revision_1  # the promised date
    revision_2 = html[html.index('id="revision-2"') : html.index('id="revision-1"')]
    assert "Customer needs it sooner." in revision_2
    assert "Requested delivery date" in revision_2
    assert "<dt>Customer told</dt><dd>No</dd>" in revision_2


def test_an_order_never_amended_has_no_revisions(client, processor, verified_order):
    order = verified_order()
    client.force_login(processor)
    html = client.get(revisions_url(order)).content.decode()
    assert "there are no earlier revisions" in html


def test_the_revisions_page_costs_the_same_queries_for_one_or_many(
    client, processor, verified_order
):
    def queries(order) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(revisions_url(order)).status_code == 200
        return len(captured)

    client.force_login(processor)
    once, thrice = verified_order(), verified_order()
    amend_service(once, processor, delivery_postcode="LS2 7AB")
    for postcode in ("LS2 7AB", "LS3 1AA", "LS4 2BB"):
        verification_run(order_id=thrice.pk)
        amend_service(thrice, processor, delivery_postcode=postcode)
    assert queries(once) == queries(thrice)


def test_revision_dates_read_as_dates(client, processor, verified_order, tomorrow):
    order = verified_order(requested_date=tomorrow)
    amend_service(order, processor, delivery_postcode="LS2 7AB")
    client.force_login(processor)
    html = client.get(revisions_url(order)).content.decode()
    assert tomorrow.strftime("%d/%m/%Y") in html
