"""The order list (orders:list): search, filters, sort and pages."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Order, OrderEvent, OrderException

from ..factories import CustomerFactory, OrderFactory, OrderLineFactory

S = Order.Status
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=LONDON)
LIST_URL = reverse("orders:list")
ORDER_LIST_MAX_QUERIES = 8


def make_order(*, total="12.00", lines=(), received=None, **fields):
    """An order with a gross total and lines of the given product codes."""
    gross = Decimal(total)
    order = OrderFactory(
        net_total=gross,
        vat_total=Decimal("0.00"),
        gross_total=gross,
        received_at=received or NOW - timedelta(days=1),
        **fields,
    )
    for number, code in enumerate(lines, start=1):
        OrderLineFactory(
            order=order,
            line_number=number,
            # As the customer gave it: the list searches the code on the line.
            product=None,
            description=f"Product {code}",
            product_code=code,
            quantity=number,
        )
    return order


def listed(response) -> list[int]:
    return [row["order"].pk for row in response.context["rows"]]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def signed_in(client, processor):
    client.force_login(processor)
    return client


# --- Happy path and roles ----------------------------------------------------------


def test_list_shows_orders_newest_first_with_customer_lines_and_total(
    signed_in, frozen
):
    # given two orders, one received yesterday and one today
    customer = CustomerFactory(name="Asha Patel", company="Patel Print Ltd")
    older = make_order(received=NOW - timedelta(days=1), lines=["PAP-A4"])
    newer = make_order(
        received=NOW - timedelta(hours=1),
        customer=customer,
        total="370.61",
        lines=["INK-BLK", "PAP-A3"],
    )
    # when the list is opened
    response = signed_in.get(LIST_URL)
    # then both are shown, newest first, with what a person needs to recognise them
    assert response.status_code == 200
    assert listed(response) == [newer.pk, older.pk]
    page = response.content.decode()
    assert reverse("orders:detail", args=[newer.pk]) in page
    assert "Asha Patel" in page
    assert "Patel Print Ltd" in page
    assert "INK-BLK × 1, PAP-A3 × 2" in page
    assert "£370.61" in page
    assert "2 orders, sorted by received, newest first." in page


@pytest.mark.parametrize("role", ["dispatcher", "supervisor"])
def test_list_is_open_to_every_staff_role(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(LIST_URL).status_code == 200


@pytest.mark.parametrize("role", ["learner", "assessor"])
def test_list_refuses_learners_and_assessors(client, request, role):
    user = request.getfixturevalue(role)
    order = make_order()
    client.force_login(user)
    response = client.get(LIST_URL)
    assert response.status_code == 403
    assert order.reference not in response.content.decode()


def test_list_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_list_refuses_a_post(signed_in):
    assert signed_in.post(LIST_URL).status_code == 405


# --- Search ------------------------------------------------------------------------


def test_searching_a_product_code_finds_only_orders_with_that_code(signed_in):
    # given orders with different product codes, one sharing a code's prefix
    wanted = make_order(lines=["INK-BLK", "PAP-A4"])
    also = make_order(lines=["ink-blk"])
    make_order(lines=["INK-BLK-XL"])
    make_order(lines=["PAP-A3"])
    # when the code is searched, in any case
    response = signed_in.get(LIST_URL, {"q": " Ink-Blk "})
    # then only the orders with exactly that code are listed
    assert sorted(listed(response)) == sorted([wanted.pk, also.pk])
    assert "2 orders match, sorted" in response.content.decode()


def test_search_finds_a_customer_by_name_or_company(signed_in):
    by_name = make_order(customer=CustomerFactory(name="Grace Okafor", company=""))
    by_company = make_order(
        customer=CustomerFactory(name="Tom Hill", company="Okafor Stationers")
    )
    make_order(customer=CustomerFactory(name="Li Wei", company="Wei Office"))
    response = signed_in.get(LIST_URL, {"q": "okafor"})
    assert sorted(listed(response)) == sorted([by_name.pk, by_company.pk])


def test_search_finds_an_order_by_reference(signed_in):
    wanted = make_order(reference="SO-40917")
    make_order(reference="SO-51000")
    response = signed_in.get(LIST_URL, {"q": "40917"})
    assert listed(response) == [wanted.pk]


def test_search_for_something_absent_says_nothing_matches(signed_in):
    make_order()
    response = signed_in.get(LIST_URL, {"q": "nothing like this"})
    assert listed(response) == []
    assert "No orders match" in response.content.decode()


def test_search_text_with_sql_wildcards_is_taken_literally(signed_in):
    make_order(customer=CustomerFactory(name="Ann Lee", company=""))
    response = signed_in.get(LIST_URL, {"q": "%_"})
    assert response.status_code == 200
    assert listed(response) == []


# --- Filters -----------------------------------------------------------------------


def test_filter_by_status_and_channel(signed_in):
    wanted = make_order(status=S.CONFIRMED, channel=Order.Channel.PHONE)
    make_order(status=S.CONFIRMED, channel=Order.Channel.EMAIL)
    make_order(status=S.VERIFIED, channel=Order.Channel.PHONE)
    response = signed_in.get(LIST_URL, {"status": "confirmed", "channel": "phone"})
    assert listed(response) == [wanted.pk]


def test_filter_by_received_date_range_includes_both_whole_days(signed_in):
    # given orders received just inside and just outside 10–12 November (local time)
    def at(day, hour, minute=0):
        return datetime(2026, 11, day, hour, minute, tzinfo=LONDON)

    first = make_order(received=at(10, 0, 1))
    last = make_order(received=at(12, 23, 59))
    make_order(received=at(9, 23, 59))
    make_order(received=at(13, 0, 0))
    response = signed_in.get(
        LIST_URL, {"received_from": "2026-11-10", "received_to": "2026-11-12"}
    )
    assert sorted(listed(response)) == sorted([first.pk, last.pk])


def test_filter_by_open_exception(signed_in):
    held = make_order(status=S.ON_HOLD)
    OrderException.objects.create(order=held, kind="out_of_stock", found="None left")
    resolved = make_order(status=S.VERIFIED)
    OrderException.objects.create(
        order=resolved, kind="price_mismatch", found="Old price", status="resolved"
    )
    clear = make_order(status=S.VERIFIED)
    with_open = signed_in.get(LIST_URL, {"open_exception": "yes"})
    without = signed_in.get(LIST_URL, {"open_exception": "no"})
    assert listed(with_open) == [held.pk]
    assert sorted(listed(without)) == sorted([resolved.pk, clear.pk])
    assert "Open exception" in with_open.content.decode()


def test_overdue_filter_lists_only_orders_past_their_queue_target(signed_in, frozen):
    # given a verified order waiting 5 h (target 4 h) and one waiting 1 h
    late = make_order(status=S.VERIFIED, received=NOW - timedelta(days=2))
    OrderEvent.objects.create(
        order=late,
        kind="verified",
        status_after="verified",
        at=NOW - timedelta(hours=5),
    )
    on_time = make_order(status=S.VERIFIED, received=NOW - timedelta(days=2))
    OrderEvent.objects.create(
        order=on_time,
        kind="verified",
        status_after="verified",
        at=NOW - timedelta(hours=1),
    )
    # and a received order 3 h old (target 2 h) and a closed order from last year
    received = make_order(status=S.RECEIVED, received=NOW - timedelta(hours=3))
    make_order(status=S.CLOSED, received=NOW - timedelta(days=365))
    # when only overdue orders are asked for
    response = signed_in.get(LIST_URL, {"overdue": "on"})
    # then the two late ones are listed, each saying how late in words
    assert sorted(listed(response)) == sorted([late.pk, received.pk])
    page = response.content.decode()
    assert "Overdue in ‘To confirm’: 1 h over target" in page
    assert "Overdue in ‘To verify’: 1 h over target" in page


def test_filters_combine_with_search_and_keep_their_values_on_the_page(signed_in):
    wanted = make_order(status=S.CONFIRMED, lines=["INK-BLK"])
    make_order(status=S.VERIFIED, lines=["INK-BLK"])
    response = signed_in.get(LIST_URL, {"q": "INK-BLK", "status": "confirmed"})
    assert listed(response) == [wanted.pk]
    page = response.content.decode()
    assert 'value="INK-BLK"' in page
    assert '<option value="confirmed" selected>' in page


# --- Sorting -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("total", ["small", "middle", "large"]),
        ("-total", ["large", "middle", "small"]),
        ("reference", ["small", "large", "middle"]),
        ("-reference", ["middle", "large", "small"]),
        ("customer", ["middle", "small", "large"]),
        ("-customer", ["large", "small", "middle"]),
        ("received", ["large", "middle", "small"]),
        ("-received", ["small", "middle", "large"]),
    ],
)
def test_sort_by_each_column_both_ways(signed_in, sort, expected):
    orders = {
        "small": make_order(
            total="5.00",
            reference="SO-00001",
            customer=CustomerFactory(name="Bea"),
            received=NOW - timedelta(days=1),
        ),
        "middle": make_order(
            total="50.00",
            reference="SO-00300",
            customer=CustomerFactory(name="Abe"),
            received=NOW - timedelta(days=2),
        ),
        "large": make_order(
            total="500.00",
            reference="SO-00020",
            customer=CustomerFactory(name="Cai"),
            received=NOW - timedelta(days=3),
        ),
    }
    response = signed_in.get(LIST_URL, {"sort": sort})
    assert listed(response) == [orders[name].pk for name in expected]


def test_sorted_column_heading_says_so_and_links_to_the_reverse(signed_in):
    make_order()
    page = signed_in.get(LIST_URL, {"sort": "total", "q": "SO"}).content.decode()
    assert 'aria-sort="ascending"' in page
    assert 'href="?sort=-total&amp;q=SO"' in page


def test_unknown_sort_falls_back_to_newest_first_and_says_why(signed_in):
    older = make_order(received=NOW - timedelta(days=2))
    newer = make_order(received=NOW - timedelta(days=1))
    response = signed_in.get(LIST_URL, {"sort": "password"})
    assert response.status_code == 200
    assert listed(response) == [newer.pk, older.pk]
    assert "Choose a sort order from the list." in response.content.decode()


# --- Pages -------------------------------------------------------------------------


def test_list_pages_fifty_orders_at_a_time_and_keeps_the_filters(signed_in):
    for minutes in range(51):
        make_order(status=S.CONFIRMED, received=NOW - timedelta(minutes=minutes))
    make_order(status=S.CLOSED)
    first = signed_in.get(LIST_URL, {"status": "confirmed"})
    second = signed_in.get(LIST_URL, {"status": "confirmed", "page": "2"})
    assert len(listed(first)) == 50
    assert len(listed(second)) == 1
    assert 'href="?status=confirmed&amp;page=2"' in first.content.decode()
    assert "51 orders match, sorted by received, newest first, page 2 of 2" in (
        second.content.decode()
    )


@pytest.mark.parametrize("page", ["abc", "0", "-3", "2.5", "99999", "", "1e9"])
def test_bad_page_number_shows_a_page_not_an_error(signed_in, page):
    make_order()
    response = signed_in.get(LIST_URL, {"page": page})
    assert response.status_code == 200
    assert len(listed(response)) == 1


# --- Bad input ---------------------------------------------------------------------


def test_impossible_date_is_reported_next_to_its_field_and_left_out(signed_in):
    # given two orders
    make_order(status=S.CONFIRMED)
    make_order(status=S.VERIFIED)
    count_before = Order.objects.count()
    # when the "from" date is impossible but the status is fine
    response = signed_in.get(
        LIST_URL, {"received_from": "2026-13-45", "status": "confirmed"}
    )
    # then the page says what is wrong beside the field and still filters by status
    assert response.status_code == 200
    assert response.context["form"].errors["received_from"] == [
        "Enter a real date, for example 2026-11-23."
    ]
    page = response.content.decode()
    assert 'id="error_1_id_received_from"' in page
    assert 'aria-invalid="true"' in page
    assert len(listed(response)) == 1
    assert Order.objects.count() == count_before


def test_unknown_status_is_reported_and_every_status_shown(signed_in):
    make_order(status=S.CONFIRMED)
    make_order(status=S.VERIFIED)
    response = signed_in.get(LIST_URL, {"status": "lost_in_post"})
    assert response.status_code == 200
    assert "Choose a status from the list." in response.content.decode()
    assert len(listed(response)) == 2


def test_to_date_before_from_date_is_reported(signed_in):
    make_order()
    response = signed_in.get(
        LIST_URL, {"received_from": "2026-11-20", "received_to": "2026-11-01"}
    )
    assert response.status_code == 200
    assert "must be on or after the" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("received_to", "9999-12-31"),
        ("received_from", "9999-12-31"),
        ("received_to", "0001-01-01"),
        ("received_from", "1999-12-31"),
        ("received_to", "2101-01-01"),
    ],
)
def test_a_date_outside_2000_to_2100_is_reported_next_to_its_field(
    signed_in, field, value
):
    # given an order
    make_order(status=S.CONFIRMED)
    # when a date is searched for whose day after is past the last date there is
    response = signed_in.get(LIST_URL, {field: value, "status": "confirmed"})
    # then the page says what is wrong beside the field, not an error page
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [
        "Enter a date between 2000 and 2100: check the year."
    ]
    assert f'id="error_1_id_{field}"' in response.content.decode()
    # and the other filters still apply
    assert len(listed(response)) == 1


def test_the_first_and_last_dates_of_the_range_still_filter(signed_in):
    make_order()
    response = signed_in.get(
        LIST_URL, {"received_from": "2000-01-01", "received_to": "2100-12-31"}
    )
    assert response.status_code == 200
    assert not response.context["form"].errors
    assert len(listed(response)) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 500},
        {"channel": "pigeon"},
        {"open_exception": "maybe"},
        {"received_to": "yesterday"},
        {"received_from": "0000-00-00"},
        {"overdue": "\x00"},
        {"q": "\x00"},
        {"status": ["confirmed", "verified"]},
    ],
)
def test_odd_input_gets_a_page_not_an_error(signed_in, params):
    make_order()
    assert signed_in.get(LIST_URL, params).status_code == 200


# --- htmx --------------------------------------------------------------------------


def test_htmx_search_returns_only_the_results_part(signed_in):
    wanted = make_order(lines=["INK-BLK"])
    make_order(lines=["PAP-A4"])
    response = signed_in.get(
        LIST_URL,
        {"q": "INK-BLK"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="order-list",
    )
    page = response.content.decode()
    assert listed(response) == [wanted.pk]
    assert page.lstrip().startswith('<div id="order-list"')
    assert "<h1>" not in page


# --- Fixed query count -------------------------------------------------------------


def queries_for(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL, params)
    assert response.status_code == 200
    return len(queries)


def add_orders(count: int):
    start = Order.objects.count()
    for index in range(start, start + count):
        order = make_order(
            status=[S.ON_HOLD, S.VERIFIED, S.DELIVERED][index % 3],
            lines=[f"QC-{index}-A", f"QC-{index}-B", f"QC-{index}-C"],
            customer=CustomerFactory(name=f"Quinn {index}"),
        )
        OrderException.objects.create(order=order, kind="other", found="Check")
        OrderEvent.objects.create(order=order, kind="verified", status_after="verified")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "quinn", "sort": "customer"},
        {"overdue": "on", "open_exception": "yes", "sort": "-total"},
        {"received_from": "2020-01-01", "received_to": "2030-12-31", "page": "1"},
    ],
)
def test_list_makes_the_same_few_queries_for_3_or_30_orders(signed_in, params):
    # given 3 orders with lines, exceptions and events
    add_orders(3)
    few = queries_for(signed_in, params)
    # when there are 30
    add_orders(27)
    many = queries_for(signed_in, params)
    # then the list makes the same number of queries, within the limit
    assert few == many
    assert many <= ORDER_LIST_MAX_QUERIES


def test_page_link_without_filters_keeps_the_search_form(signed_in):
    # given 51 orders
    for minutes in range(51):
        make_order(received=NOW - timedelta(minutes=minutes))
    # when the second page is opened with no search
    response = signed_in.get(LIST_URL, {"page": "2"})
    # then it shows the last order and the (blank) search form
    assert len(listed(response)) == 1
    page = response.content.decode()
    assert 'id="order-search"' in page
    assert 'name="q"' in page


def test_overdue_words_on_each_row_agree_with_the_overdue_filter(signed_in, frozen):
    # given orders in every queue, some past their target and some not
    def waiting(status, event, hours):
        order = make_order(status=status, received=NOW - timedelta(days=30))
        OrderEvent.objects.create(
            order=order,
            kind=event,
            status_after=status,
            at=NOW - timedelta(hours=hours),
        )
        if status == S.ON_HOLD:
            OrderException.objects.create(order=order, kind="other", found="Check")
        return order

    cases = [
        (S.ON_HOLD, "held", 3, True),
        (S.ON_HOLD, "held", 1, False),
        (S.VERIFIED, "released", 5, True),
        (S.VERIFIED, "verified", 3, False),
        (S.FULFILLING, "released", 30, True),
        (S.FULFILLING, "released", 2, False),
        (S.DISPATCHED, "dispatched", 80, True),
        (S.DISPATCHED, "dispatched", 60, False),
        (S.DELIVERED, "delivered", 49, True),
        (S.DELIVERED, "delivered", 47, False),
    ]
    expected = {
        waiting(status, event, hours).pk for status, event, hours, late in cases if late
    }
    # when the whole list and the overdue-only list are shown
    everything = signed_in.get(LIST_URL).context["rows"]
    overdue = signed_in.get(LIST_URL, {"overdue": "on"})
    # then the filter and the words name the same orders
    assert set(listed(overdue)) == expected
    assert {row["order"].pk for row in everything if row["late"]} == expected
