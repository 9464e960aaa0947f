"""The order receipt page (orders:receive) and its htmx helpers."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from inventory.services import ReservationRequest, stock_pool_live, stock_reserve
from orders.models import Order, OrderLine, ReceiptSubmission
from orders.views import receipt as receipt_views
from tests.conftest import APPROVE_CARD

from ..factories import CustomerFactory

RECEIVE_URL = reverse("orders:receive")
LOOKUP_URL = reverse("orders:product_lookup")
SEARCH_URL = reverse("orders:customer_search")


def management(total: int) -> dict:
    return {
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
    }


def receipt_data(who=None, lines=(), **overrides) -> dict:
    """What the receipt form posts: an existing customer, card payment, by e-mail."""
    data = {
        "submission_token": str(uuid.uuid4()),
        "customer_source": "existing",
        "customer_query": "",
        "customer": str(who.pk) if who else "",
        "delivery_address": "",
        "delivery_postcode": "",
        "requested_date": "",
        "channel": "email",
        "customer_po_ref": "PO-77",
        "payment_method": "card",
        "card_number": APPROVE_CARD,
        **management(max(len(lines), 3)),
    }
    for index, line in enumerate(lines):
        code, quantity, *price = line
        data[f"lines-{index}-product_code"] = code
        data[f"lines-{index}-quantity"] = str(quantity)
        data[f"lines-{index}-agreed_price"] = str(price[0]) if price else ""
    data.update(overrides)
    return data


def new_customer_data(**overrides) -> dict:
    fields = {
        "name": "Priya Shah",
        "company": "Shah Stationers",
        "email": "priya@example.com",
        "phone": "0113 496 0000",
        "address_line1": "4 Park Row",
        "address_line2": "",
        "town": "Leeds",
        "postcode": "ls1 5ab",
        "preferred_channel": "phone",
        "accessibility_needs": "Large print",
        "consent_to_contact": "on",
    }
    fields.update(overrides)
    return {f"new_customer-{name}": value for name, value in fields.items()}


def counts() -> tuple[int, int, int, int]:
    return (
        Order.objects.count(),
        OrderLine.objects.count(),
        Customer.objects.count(),
        ReceiptSubmission.objects.count(),
    )


def page_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The page -------------------------------------------------------------------


def test_receive_page_shows_an_empty_form_with_a_fresh_token(client, processor):
    # given a processor
    client.force_login(processor)
    # when they open the receipt page twice
    first = client.get(RECEIVE_URL)
    second = client.get(RECEIVE_URL)
    # then it has one heading, three empty lines and a different token each time
    assert first.status_code == 200
    html = first.content.decode()
    assert html.count("<h1") == 1
    assert "Receive an order" in html
    assert first.context["formset"].total_form_count() == 3
    first_token = first.context["form"]["submission_token"].value()
    assert first_token != second.context["form"]["submission_token"].value()
    assert 'name="submission_token"' in html
    assert 'hx-get="/orders/receive/product-lookup/"' in html
    assert 'hx-trigger="keyup changed delay:300ms, change"' in html
    assert 'aria-live="polite"' in html


def test_receive_page_makes_a_fixed_number_of_queries(
    client, supervisor, django_assert_num_queries
):
    # given plenty of customers and products, which the empty page must not read
    CustomerFactory.create_batch(30)
    client.force_login(supervisor)
    # when a supervisor opens the page, then it costs session, user and roles only
    with django_assert_num_queries(3):
        response = client.get(RECEIVE_URL)
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["dispatcher", "learner", "assessor"])
def test_receive_page_refuses_other_roles(client, request, role):
    # given someone whose role does not take orders
    client.force_login(request.getfixturevalue(role))
    # when they open or post the page, then they are refused and nothing is made
    assert client.get(RECEIVE_URL).status_code == 403
    assert client.post(RECEIVE_URL, receipt_data()).status_code == 403
    assert Order.objects.count() == 0


def test_receive_page_sends_anonymous_visitors_to_sign_in(client):
    # when someone not signed in opens the page or a helper
    for url in (RECEIVE_URL, LOOKUP_URL + "?code=X", SEARCH_URL + "?q=ab"):
        response = client.get(url)
        # then they are sent to sign in
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


# --- Receiving ------------------------------------------------------------------


def test_receiving_an_order_creates_it_with_its_lines_and_redirects(
    client, processor, customer, stocked_product, django_capture_on_commit_callbacks
):
    # given two stocked products and an existing customer
    paper = stocked_product(50, unit_price=Decimal("4.50"))
    pens = stocked_product(50, unit_price=Decimal("2.00"))
    client.force_login(processor)
    # when a processor receives an order for them, one at an agreed price
    data = receipt_data(
        customer,
        [(paper.code.lower(), 3), (pens.code, 10, "1.80")],
        requested_date=(timezone.localdate() + timedelta(days=5)).isoformat(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RECEIVE_URL, data)
    # then one order exists with the lines and totals as given
    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("orders:detail", kwargs={"pk": order.pk})
    lines = list(order.lines.order_by("line_number"))
    assert [(line.product_code, line.quantity, line.unit_price) for line in lines] == [
        (paper.code, 3, Decimal("4.50")),
        (pens.code, 10, Decimal("1.80")),
    ]
    assert order.net_total == Decimal("31.50")
    assert order.vat_total == Decimal("6.30")
    assert order.gross_total == Decimal("37.80")
    assert order.customer == customer
    assert order.received_by == processor
    assert order.customer_po_ref == "PO-77"
    assert order.delivery_address == customer.postal_address
    assert order.delivery_postcode == customer.postcode
    # and only the card's last four digits are kept
    assert order.card_last4 == APPROVE_CARD[-4:]
    # and the message names the order and says the checks are running
    assert page_messages(response) == [
        f"Order {order.reference} received; checks are running."
    ]
    # and the checks were started
    assert order.checks.exists()


def test_receiving_an_order_for_a_new_customer_creates_both(
    client, processor, stocked_product
):
    # given a product and a customer who is not yet on file
    product = stocked_product(20)
    client.force_login(processor)
    before = Customer.objects.count()
    # when a processor adds the customer in place and receives the order on account
    data = receipt_data(
        None,
        [(product.code, 2)],
        customer_source="new",
        payment_method="account",
        card_number="",
        channel="phone",
        delivery_address="Unit 3, Mill Lane\nOtley",
        delivery_postcode="ls21 1aa",
        **new_customer_data(),
    )
    response = client.post(RECEIVE_URL, data)
    # then the customer and the order are both saved
    assert response.status_code == 302
    assert Customer.objects.count() == before + 1
    new = Customer.objects.get(name="Priya Shah")
    assert new.postcode == "LS1 5AB"
    assert new.preferred_channel == "phone"
    assert new.accessibility_needs == "Large print"
    assert new.consent_to_contact is True
    order = Order.objects.get()
    assert order.customer == new
    assert order.payment_method == "account"
    assert order.card_last4 == ""
    assert order.delivery_address == "Unit 3, Mill Lane\nOtley"
    assert order.delivery_postcode == "LS21 1AA"


@pytest.mark.parametrize(
    "same",
    [
        {"email": "PRIYA@example.com ", "name": "P. Shah", "postcode": "LS9 9ZZ"},
        {"email": "other@example.com", "name": " priya  shah", "postcode": "ls15ab"},
    ],
    ids=["same e-mail", "same name and postcode"],
)
def test_a_new_customer_already_on_file_is_queried_before_being_added_again(
    client, processor, stocked_product, same
):
    # given a customer on file
    product = stocked_product(20)
    on_file = CustomerFactory(
        name="Priya Shah", email="priya@example.com", postcode="LS1 5AB"
    )
    client.force_login(processor)
    before = counts()
    data = receipt_data(
        None, [(product.code, 2)], customer_source="new", **new_customer_data(**same)
    )
    # when the same person is typed in as a new customer
    response = client.post(RECEIVE_URL, data)
    # then nothing is saved, and the page names the customer on file at the box
    # that says this is someone else
    html = assert_refused(response, before)
    errors = response.context["new_customer_form"].errors["different_customer"]
    assert errors == [
        "Priya Shah (priya@example.com, LS1 5AB) is already a customer: find and "
        "choose them as an existing customer, or tick this box if this is someone "
        "else."
    ]
    assert 'href="#div_id_new_customer-different_customer"' in html
    # when the box is ticked, the new customer and the order are saved
    data["new_customer-different_customer"] = "on"
    assert client.post(RECEIVE_URL, data).status_code == 302
    assert Customer.objects.exclude(pk=on_file.pk).filter(email=same["email"].strip())


def test_a_practice_customer_with_the_same_details_is_not_a_duplicate(
    client, processor, stocked_product
):
    # given only a practice scenario's simulated customer with these details
    product = stocked_product(20)
    CustomerFactory(name="Priya Shah", email="priya@example.com", practice=True)
    client.force_login(processor)
    # when a real customer with them is added, it is saved at once
    response = client.post(
        RECEIVE_URL,
        receipt_data(
            None, [(product.code, 2)], customer_source="new", **new_customer_data()
        ),
    )
    assert response.status_code == 302


def test_posting_the_same_form_twice_makes_one_order(
    client, processor, customer, stocked_product
):
    # given a receipt form filled in once
    product = stocked_product(20)
    client.force_login(processor)
    data = receipt_data(customer, [(product.code, 1)])
    # when it is submitted twice (double click, or back and submit again)
    first = client.post(RECEIVE_URL, data)
    second = client.post(RECEIVE_URL, data)
    # then there is one order, and the second submit is sent to it
    order = Order.objects.get()
    assert first.url == second.url == reverse("orders:detail", kwargs={"pk": order.pk})
    # (the first message was never shown: the test does not follow redirects)
    assert page_messages(second)[-1] == (
        f"This order was already received as {order.reference}."
    )
    assert ReceiptSubmission.objects.get().order == order


def test_a_submit_racing_the_first_is_sent_to_its_order(
    client, processor, customer, stocked_product, monkeypatch
):
    # given a form whose first submit committed while the second was on its way
    # (the second passed the "already received?" look before the first committed)
    product = stocked_product(20)
    client.force_login(processor)
    data = receipt_data(customer, [(product.code, 1)])
    client.post(RECEIVE_URL, data)
    order = Order.objects.get()
    real = receipt_views._already_received
    calls = []

    def not_yet_committed(request, token):
        calls.append(token)
        return None if len(calls) == 1 else real(request, token)

    monkeypatch.setattr(receipt_views, "_already_received", not_yet_committed)
    # when the second submit reaches the token's unique constraint
    response = client.post(RECEIVE_URL, data)
    # then it is refused there, rolled back, and sent to the first order
    assert response.status_code == 302
    assert response.url == reverse("orders:detail", kwargs={"pk": order.pk})
    assert len(calls) == 2
    assert counts()[0] == 1
    assert OrderLine.objects.count() == 1


def test_a_new_form_token_makes_a_second_order(
    client, processor, customer, stocked_product
):
    # given an order already received
    product = stocked_product(20)
    client.force_login(processor)
    client.post(RECEIVE_URL, receipt_data(customer, [(product.code, 1)]))
    # when the same customer orders again on a new form
    client.post(RECEIVE_URL, receipt_data(customer, [(product.code, 1)]))
    # then that is a second order (the duplicate check, not the form, queries it)
    assert Order.objects.count() == 2


def test_another_persons_token_is_not_treated_as_theirs(
    client, processor, supervisor, customer, stocked_product
):
    # given a processor's order received with a token
    product = stocked_product(20)
    data = receipt_data(customer, [(product.code, 1)])
    client.force_login(processor)
    client.post(RECEIVE_URL, data)
    # when a supervisor posts a form carrying the same token
    client.force_login(supervisor)
    response = client.post(RECEIVE_URL, data)
    # then it is their own order, not a redirect to the processor's
    assert response.status_code == 302
    assert Order.objects.count() == 2


# --- Bad input: a message next to the field, nothing saved ------------------------


def assert_refused(response, before) -> str:
    assert response.status_code == 200
    assert counts() == before
    html = response.content.decode()
    assert "The order has not been saved" in html
    return html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"channel": ""}, "channel", "Choose how the order came in."),
        ({"channel": "pigeon"}, "channel", "Choose how the order came in."),
        (
            {"payment_method": ""},
            "payment_method",
            "Choose how the customer is paying.",
        ),
        (
            {"card_number": "1234 5678 9012 3456"},
            "card_number",
            "Enter a valid card number (12 to 19 digits).",
        ),
        (
            {"requested_date": "2001-01-01"},
            "requested_date",
            "The requested delivery date is in the past.",
        ),
        (
            {"requested_date": "31/02/2030"},
            "requested_date",
            "Enter a real date, for example 24/11/2026.",
        ),
        (
            {"requested_date": "9999-12-31"},
            "requested_date",
            "That is more than a year ahead: check the year.",
        ),
        (
            {
                "requested_date": (
                    timezone.localdate() + timedelta(days=367)
                ).isoformat()
            },
            "requested_date",
            "That is more than a year ahead: check the year.",
        ),
        (
            {"customer_po_ref": "P" * 41},
            "customer_po_ref",
            "A PO reference is at most 40 characters.",
        ),
        (
            {"customer": ""},
            "customer",
            "Choose the customer from the matches, or choose “A new customer”.",
        ),
        ({"customer": "999999"}, "customer", "That customer could not be found."),
        # A digit to str.isdigit() that int() refuses: a message, not a 500.
        ({"customer": "²"}, "customer", "That customer could not be found."),
    ],
)
def test_bad_order_details_are_refused_next_to_their_field(
    client, processor, customer, stocked_product, overrides, field, message
):
    # given a form with one bad value
    product = stocked_product(20)
    client.force_login(processor)
    before = counts()
    # when it is submitted
    response = client.post(
        RECEIVE_URL, receipt_data(customer, [(product.code, 1)], **overrides)
    )
    # then nothing is saved and the message is on that field
    assert_refused(response, before)
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field]), errors


def test_missing_delivery_address_is_reported_at_the_address(
    client, processor, stocked_product
):
    # given a customer with no address on file and no delivery address typed
    product = stocked_product(20)
    homeless = CustomerFactory(address_line1="", town="", postcode="")
    client.force_login(processor)
    before = counts()
    # when the order is submitted
    response = client.post(RECEIVE_URL, receipt_data(homeless, [(product.code, 1)]))
    # then the service's messages appear at the address and postcode, nothing saved
    html = assert_refused(response, before)
    errors = response.context["form"].errors
    assert errors["delivery_address"] == ["Enter the delivery address."]
    assert errors["delivery_postcode"] == ["Enter the delivery postcode."]
    # and the list of problems at the top links to each field
    assert (
        '<a class="alert-link" href="#div_id_delivery_address">'
        "Delivery address: Enter the delivery address.</a>"
    ) in html


def test_a_refused_order_does_not_echo_the_card_number(
    client, processor, customer, stocked_product
):
    # given a form with a good card number and no channel
    product = stocked_product(20)
    client.force_login(processor)
    data = receipt_data(customer, [(product.code, 1)], channel="")
    # when it is refused
    response = client.post(RECEIVE_URL, data)
    # then the card number is not written back into the page
    assert response.status_code == 200
    html = response.content.decode()
    assert APPROVE_CARD not in html
    assert APPROVE_CARD[-4:] not in html
    # but the other answers are kept
    assert 'value="PO-77"' in html
    assert product.code in html


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        (("", 3), "product_code", "Enter the product code."),
        (("PAP-0001", ""), "quantity", "Enter the quantity."),
        (("PAP-0001", 0), "quantity", "The quantity must be 1 or more."),
        (("PAP-0001", "two"), "quantity", "Enter the quantity as a whole number."),
        (("PAP-0001", 1, "-1"), "agreed_price", "The agreed price must be £0 or more."),
        (("PAP-0001", 1, "abc"), "agreed_price", "Enter the price as a number"),
        ((" " + "X" * 21, 1), "product_code", "at most 20 characters"),
    ],
)
def test_bad_lines_are_refused_next_to_the_line(
    client, processor, customer, line, field, message
):
    # given a form whose only line is wrong
    client.force_login(processor)
    before = counts()
    # when it is submitted
    response = client.post(RECEIVE_URL, receipt_data(customer, [line]))
    # then nothing is saved and the message is on that line's field
    html = assert_refused(response, before)
    assert f'href="#div_id_lines-0-{field}">Line 1: ' in html
    line_errors = response.context["formset"].forms[0].errors
    assert any(message in error for error in line_errors[field]), line_errors


def test_an_order_with_no_lines_is_refused(client, processor, customer):
    # given a form with every line left blank
    client.force_login(processor)
    before = counts()
    # when it is submitted
    response = client.post(RECEIVE_URL, receipt_data(customer, []))
    # then nothing is saved and the lines say why
    html = assert_refused(response, before)
    assert response.context["formset"].non_form_errors() == ["Add at least one line."]
    assert "Add at least one line." in html


def test_an_order_too_large_to_hold_is_refused_not_crashed(
    client, processor, customer, stocked_product
):
    # given lines each within the form's limits whose total is more than an order's
    # totals hold (£9,999,999,999.99): a million at just under £1bn
    product = stocked_product(10)
    client.force_login(processor)
    before = counts()
    # when it is submitted
    response = client.post(
        RECEIVE_URL, receipt_data(customer, [(product.code, 1_000_000, "999999999.99")])
    )
    # then nothing is saved and the lines say why
    html = assert_refused(response, before)
    assert "more than an order can hold" in html
    assert "check the quantities and prices" in html


def test_service_line_messages_are_mapped_to_fields():
    # given a bound formset with two filled lines
    from orders.forms.receipt import lines_formset

    data = management(2) | {
        "lines-0-product_code": "AAA-0001",
        "lines-0-quantity": "1",
        "lines-1-product_code": "AAA-0002",
        "lines-1-quantity": "1",
    }
    formset = lines_formset(data)
    assert formset.is_valid()
    # when the service's messages are added
    formset.add_line_error("Line 2: the quantity is too large to take.")
    formset.add_line_error("An order can have at most 200 lines.")
    # then the line message sits on line 2's quantity and the other on the lines
    assert formset.forms[1].errors["quantity"] == ["The quantity is too large to take."]
    assert formset.non_form_errors() == ["An order can have at most 200 lines."]


def test_new_customer_with_bad_details_is_refused_and_not_saved(
    client, processor, stocked_product
):
    # given a new customer with no name and a bad e-mail address
    product = stocked_product(20)
    client.force_login(processor)
    before = counts()
    data = receipt_data(
        None,
        [(product.code, 1)],
        customer_source="new",
        **new_customer_data(name="", email="not-an-address"),
    )
    # when the order is submitted
    response = client.post(RECEIVE_URL, data)
    # then neither customer nor order is saved, and each field says why
    html = assert_refused(response, before)
    errors = response.context["new_customer_form"].errors
    assert errors["name"] == ["Enter the customer's name."]
    assert errors["email"] == ["Enter an e-mail address like name@example.com."]
    assert "Enter the customer&#x27;s name." in html


def test_a_refused_order_leaves_no_new_customer_behind(
    client, processor, stocked_product
):
    # given a valid new customer but an order the service refuses (past date)
    product = stocked_product(20)
    client.force_login(processor)
    before = counts()
    data = receipt_data(
        None,
        [(product.code, 1)],
        customer_source="new",
        requested_date=(timezone.localdate() - timedelta(days=1)).isoformat(),
        **new_customer_data(),
    )
    # when it is submitted
    response = client.post(RECEIVE_URL, data)
    # then the customer made for it was rolled back with it
    assert_refused(response, before)
    assert not Customer.objects.filter(name="Priya Shah").exists()
    assert response.context["form"].errors["requested_date"] == [
        "The requested delivery date is in the past."
    ]


def test_an_expired_or_tampered_form_is_refused(client, processor, customer):
    # given a form whose token was lost
    client.force_login(processor)
    before = counts()
    # when it is submitted
    response = client.post(
        RECEIVE_URL, receipt_data(customer, [("ABC-0001", 1)], submission_token="x")
    )
    # then it is refused with a plain message
    html = assert_refused(response, before)
    assert "This form has expired" in html


def test_a_form_without_its_line_counts_is_refused_not_crashed(
    client, processor, customer
):
    # given a post missing the formset's management fields
    client.force_login(processor)
    before = counts()
    data = receipt_data(customer, [("ABC-0001", 1)])
    del data["lines-TOTAL_FORMS"]
    # when it is submitted, then it is refused with a message
    response = client.post(RECEIVE_URL, data)
    html = assert_refused(response, before)
    assert "The lines could not be read" in html


# --- Without JavaScript: find a customer, add a line ------------------------------


def test_find_customer_redisplays_the_form_with_matches(client, processor):
    # given customers, one in Leeds
    wanted = CustomerFactory(name="Olu Adeyemi", postcode="LS6 2QT")
    CustomerFactory(name="Someone Else", postcode="M1 1AA")
    client.force_login(processor)
    before = counts()
    # when the search is submitted with the form (no JavaScript)
    data = receipt_data(None, [("ABC-0001", 4)], customer_query="ls6 2qt")
    data["find_customer"] = "1"
    response = client.post(RECEIVE_URL, data)
    # then the page comes back with the match to choose, the lines kept, no errors
    assert response.status_code == 200
    assert counts() == before
    html = response.content.decode()
    assert response.context["matches"] == [wanted]
    assert f'value="{wanted.pk}"' in html
    assert "Someone Else" not in html
    assert 'value="ABC-0001"' in html
    assert "The order has not been saved" not in html
    assert APPROVE_CARD not in html
    # and the same token, so the order is still made once
    assert data["submission_token"] in html


def test_add_a_line_redisplays_the_form_with_one_more_line(client, processor):
    # given a form with three lines, two filled
    client.force_login(processor)
    data = receipt_data(None, [("ABC-0001", 1), ("ABC-0002", 2)])
    data["add_line"] = "1"
    # when "Add a line" is pressed
    response = client.post(RECEIVE_URL, data)
    # then the lines come back as typed with one more empty line, unchecked
    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.total_form_count() == 4
    assert formset.forms[1]["product_code"].value() == "ABC-0002"
    html = response.content.decode()
    assert 'name="lines-3-product_code"' in html
    assert 'name="lines-TOTAL_FORMS" value="4"' in html
    assert "The order has not been saved" not in html
    assert Order.objects.count() == 0


def test_add_a_line_with_htmx_returns_the_lines_section(client, processor):
    # given htmx posts the form when "Add a line" is pressed
    client.force_login(processor)
    data = receipt_data(None, [("ABC-0001", 1)])
    data["add_line"] = "1"
    # when it does
    response = client.post(RECEIVE_URL, data, headers={"HX-Request": "true"})
    # then the page holds the lines section it will swap in
    assert response.status_code == 200
    assert 'id="receipt-lines"' in response.content.decode()
    assert response.context["formset"].total_form_count() == 4


def test_a_line_added_and_then_submitted_is_saved(
    client, processor, customer, stocked_product
):
    # given a form redisplayed with an added line (its lines carried over)
    product = stocked_product(20)
    client.force_login(processor)
    data = receipt_data(customer, [(product.code, 1)])
    page = client.post(RECEIVE_URL, data | {"add_line": "1"})
    assert page.context["formset"].total_form_count() == 4
    # when the fourth line is filled and the form submitted
    data |= management(4) | {
        "lines-3-product_code": product.code,
        "lines-3-quantity": "5",
    }
    response = client.post(RECEIVE_URL, data)
    # then both lines are on the order
    assert response.status_code == 302
    assert sorted(OrderLine.objects.values_list("quantity", flat=True)) == [1, 5]


# --- Product lookup ------------------------------------------------------------


def test_product_lookup_shows_name_price_pack_and_available_stock(
    client, processor, stocked_product, customer
):
    # given a product with 40 on hand, 15 of them reserved
    product = stocked_product(
        40, name="A4 copier paper", unit_price=Decimal("4.75"), pack_size=5
    )
    stock_reserve(
        pool=stock_pool_live(),
        requests=[
            ReservationRequest(product_id=product.pk, quantity=15, reference="test")
        ],
    )
    client.force_login(processor)
    # when its code is typed (any case)
    response = client.get(LOOKUP_URL, {"code": product.code.lower()})
    # then the lookup shows its name, price, pack size and the 25 available
    html = response.content.decode()
    assert response.status_code == 200
    assert "A4 copier paper" in html
    assert "£4.75 each" in html
    assert "packs of 5" in html
    assert "25 available" in html


def test_product_lookup_reads_the_lines_own_input_name(
    client, processor, stocked_product
):
    # given htmx sends the line's input as it is named in the form
    product = stocked_product(3, name="Stapler")
    client.force_login(processor)
    # when the lookup is asked that way
    response = client.get(LOOKUP_URL, {"lines-2-product_code": product.code})
    # then it still finds the product
    assert "Stapler" in response.content.decode()
    assert "3 available" in response.content.decode()


def test_product_lookup_says_plainly_when_no_product_has_the_code(client, processor):
    # given a processor
    client.force_login(processor)
    # when a code nobody sells is typed
    response = client.get(LOOKUP_URL, {"code": "ZZZ-9999"})
    # then it says so
    assert response.status_code == 200
    assert "No product with that code" in response.content.decode()


def test_product_lookup_shows_out_of_stock_and_withdrawn_products(
    client, supervisor, stocked_product
):
    # given a withdrawn product with no stock
    product = stocked_product(0, active=False)
    client.force_login(supervisor)
    # when it is looked up
    html = client.get(LOOKUP_URL, {"code": product.code}).content.decode()
    # then both facts are shown in words
    assert "None available in stock" in html
    assert "no longer sold" in html


def test_product_lookup_copes_with_blank_and_silly_codes(client, processor):
    # given a processor
    client.force_login(processor)
    # when nothing, or far too much, is typed
    blank = client.get(LOOKUP_URL, {"code": ""})
    silly = client.get(LOOKUP_URL, {"code": "x" * 5000})
    # then there is no error: blank says nothing, the other finds nothing
    assert blank.status_code == silly.status_code == 200
    assert "No product" not in blank.content.decode()
    assert "No product with that code" in silly.content.decode()


@pytest.mark.parametrize("role", ["dispatcher", "learner", "assessor"])
def test_product_lookup_refuses_other_roles(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(LOOKUP_URL, {"code": "ABC-0001"}).status_code == 403


def test_receipt_page_shows_product_details_for_lines_after_an_error(
    client, processor, customer, stocked_product
):
    # given a form refused for its channel, with a known code on line 1
    product = stocked_product(12, name="Desk lamp")
    client.force_login(processor)
    response = client.post(
        RECEIVE_URL, receipt_data(customer, [(product.code, 1)], channel="")
    )
    # then the line still shows what the product is, without JavaScript
    assert "Desk lamp" in response.content.decode()
    assert "12 available" in response.content.decode()


# --- Customer search -------------------------------------------------------------


def test_customer_search_finds_by_name(client, processor):
    # given two customers
    wanted = CustomerFactory(name="Bethany Cole", company="Cole Joinery")
    CustomerFactory(name="Tom Price")
    client.force_login(processor)
    # when part of a name is searched for
    response = client.get(SEARCH_URL, {"customer_query": "bethany"})
    # then only the match is offered, as a radio button to pick
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="customer" value="{wanted.pk}"' in html
    assert 'type="radio"' in html
    assert "Cole Joinery" in html
    assert "Tom Price" not in html


def test_customer_search_finds_by_postcode_with_or_without_the_space(client, processor):
    # given a customer in LS1 4DY
    wanted = CustomerFactory(postcode="LS1 4DY")
    CustomerFactory(postcode="BD1 1AA")
    client.force_login(processor)
    # when the postcode is searched without its space, or in lower case
    for query in ("ls14dy", "LS1 4DY"):
        html = client.get(SEARCH_URL, {"customer_query": query}).content.decode()
        # then the customer is found
        assert f'value="{wanted.pk}"' in html
        assert "BD1 1AA" not in html


def test_customer_search_finds_by_company_and_email(client, processor):
    # given a customer
    wanted = CustomerFactory(company="Harrogate Print", email="orders@hgprint.test")
    client.force_login(processor)
    # when searched by company or by e-mail
    for query in ("harrogate", "hgprint"):
        html = client.get(SEARCH_URL, {"q": query}).content.decode()
        # then they are found
        assert f'value="{wanted.pk}"' in html


def test_customer_search_says_when_nothing_matches(client, processor):
    client.force_login(processor)
    short = client.get(SEARCH_URL, {"customer_query": "a"}).content.decode()
    none = client.get(SEARCH_URL, {"customer_query": "qqqqq"}).content.decode()
    assert "Type at least 2 characters" in short
    assert "No customer matches" in none


@pytest.mark.parametrize("role", ["dispatcher", "learner", "assessor"])
def test_customer_search_refuses_other_roles(db, client, request, role):
    # A surname no generated staff name has (a signed-in "Bethany" once matched).
    CustomerFactory(name="Bethany Quarrington-Vexley")
    client.force_login(request.getfixturevalue(role))
    response = client.get(SEARCH_URL, {"customer_query": "quarrington"})
    assert response.status_code == 403
    assert "Quarrington" not in response.content.decode()
