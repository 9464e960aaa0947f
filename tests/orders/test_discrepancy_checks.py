"""Discrepancies the checks find: each opens the right exception with a message a
person can act on (close matches for a wrong code, which contact detail is wrong and
why), and a clean order opens none."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from orders.models import Check, Order, OrderEvent, OrderException
from orders.services import LineInput, check_rerun, verification_run
from tests.factories import CustomerFactory

X = OrderException.Kind
WORKER = "celery@test-worker"


def verify(order: Order) -> Order:
    return verification_run(order_id=order.pk, worker=WORKER)


def found(order: Order, check_kind: str) -> list[OrderException]:
    return list(order.exceptions.filter(check_record__kind=check_kind))


def customer_with(**fields) -> Customer:
    """A customer record as an old import left it: saved without validation."""
    return CustomerFactory(**fields)


@pytest.fixture
def pens(stocked_product):
    """Blue pens (ABC-1234) and red pens (ABC-1235) in stock, fax paper no longer
    sold, and an unrelated product."""
    return {
        "blue": stocked_product(50, code="ABC-1234", name="Blue pens, box of 10"),
        "red": stocked_product(50, code="ABC-1235", name="Red pens, box of 10"),
        "fax": stocked_product(
            0, code="FAX-0001", name="Thermal fax paper", active=False
        ),
        "stapler": stocked_product(50, code="STA-0100", name="Desk stapler"),
    }


# --- a clean order ---------------------------------------------------------------


def test_clean_order_opens_no_exception(receive, pens):
    # given an order with right codes, whole packs, list prices and a reachable
    # customer with a valid phone number and postcode
    order = receive([("ABC-1234", 2), ("STA-0100", 1)])
    # when its checks run
    order = verify(order)
    # then nothing is queried and the order is verified
    assert not order.exceptions.exists()
    assert order.status == Order.Status.VERIFIED
    customer_check = order.checks.get(kind=Check.Kind.CUSTOMER)
    assert "contact details complete and valid" in customer_check.detail
    assert "delivery postcode valid" in customer_check.detail


# --- product codes: close matches --------------------------------------------------


def test_unknown_code_suggests_the_code_with_two_digits_swapped(receive, pens):
    # given a code with two digits the wrong way round
    order = receive([("ABC-1243", 1)])
    # when the checks run
    order = verify(order)
    # then the exception names the product the customer probably meant
    (problem,) = found(order, "products")
    assert problem.kind == X.UNKNOWN_PRODUCT
    assert problem.found == (
        "Line 1: no product has the code 'ABC-1243'. Did you mean ABC-1234 "
        "(Blue pens, box of 10)?"
    )


def test_unknown_code_lists_every_close_match_best_first(receive, pens):
    # given a code one character away from two products
    order = receive([("ABC-1236", 1)])
    # when the checks run
    order = verify(order)
    # then both are offered, and the far-off products are not
    (problem,) = found(order, "products")
    assert problem.found.endswith(
        "Did you mean ABC-1234 (Blue pens, box of 10) or ABC-1235 "
        "(Red pens, box of 10)?"
    )
    assert "STA-0100" not in problem.found


def test_unknown_code_with_nothing_like_it_says_so(receive, pens):
    # given a code like none we sell
    order = verify(receive([("ZZZ-9999", 1)]))
    # then the person knows to ask the customer rather than guess
    (problem,) = found(order, "products")
    assert problem.found == (
        "Line 1: no product has the code 'ZZZ-9999'. No active product has a "
        "similar code."
    )


def test_inactive_product_suggests_an_active_one_with_a_similar_name(
    receive, pens, stocked_product
):
    # given a replacement for the fax paper we no longer sell
    stocked_product(20, code="FAX-0002", name="Thermal fax paper, 30 m roll")
    # when an order for the old fax paper is checked
    order = verify(receive([("FAX-0001", 1)]))
    # then the replacement is suggested by its name
    (problem,) = found(order, "products")
    assert problem.found == (
        "Line 1: FAX-0001 (Thermal fax paper) is no longer sold. Did you mean "
        "FAX-0002 (Thermal fax paper, 30 m roll)?"
    )


def test_inactive_products_are_never_suggested(receive, pens, stocked_product):
    # given another product no longer sold, one character from the code given
    stocked_product(0, code="ABC-1244", name="Green pens", active=False)
    # when a mistyped code is checked
    order = verify(receive([("ABC-1243", 1)]))
    # then only the active product is offered
    (problem,) = found(order, "products")
    assert "ABC-1244" not in problem.found
    assert "Did you mean ABC-1234 (Blue pens, box of 10)?" in problem.found


def test_suggestions_are_kept_in_the_check_event(receive, pens):
    # given an order with a mistyped code on line 2
    order = verify(receive([("STA-0100", 1), ("ABC-1243", 1)]))
    # then the products check's event holds the suggestions, line by line
    event = order.events.get(
        kind=OrderEvent.Kind.CHECK_RECORDED, data__kind=Check.Kind.PRODUCTS
    )
    assert event.data["suggestions"] == [
        {
            "line": 2,
            "code": "ABC-1243",
            "matches": [{"code": "ABC-1234", "name": "Blue pens, box of 10"}],
        }
    ]


def _product_list_queries(queries) -> int:
    # The suggestions' one query: every active code and name in the catalogue.
    names = '"inventory_product"."name" AS "name" FROM "inventory_product" WHERE'
    return sum(1 for q in queries if names in q["sql"])


@pytest.mark.parametrize("wrong_lines", [1, 6])
def test_suggestions_read_the_catalogue_once_however_many_lines(
    receive, pens, processor, wrong_lines
):
    # given an order with one or six wrong codes, held after its checks
    order = verify(receive([(f"ABC-12{n}9", 1) for n in range(wrong_lines)]))
    assert len(found(order, "products")) == wrong_lines
    # when the products check runs again
    with CaptureQueriesContext(connection) as queries:
        check_rerun(order=order, kind=Check.Kind.PRODUCTS, actor=processor)
    # then the active products were read in one query
    assert _product_list_queries(queries.captured_queries) == 1


def test_a_clean_products_check_reads_no_catalogue(receive, pens, processor):
    # given an order whose codes are all right
    order = verify(receive([("ABC-1234", 1)]))
    # when the products check runs again, then no suggestions are looked for
    with CaptureQueriesContext(connection) as queries:
        check_rerun(order=order, kind=Check.Kind.PRODUCTS, actor=processor)
    assert _product_list_queries(queries.captured_queries) == 0


# --- contact details ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"phone": "0113 496 000"},
            "The customer's phone number '0113 496 000' is not a valid UK phone "
            "number.",
        ),
        (
            {"phone": "+1 212 555 0100"},
            "The customer's phone number '+1 212 555 0100' is not a valid UK phone "
            "number.",
        ),
        (
            {"phone": "call after 6"},
            "The customer's phone number 'call after 6' is not a valid UK phone "
            "number.",
        ),
        (
            {"email": "priya.at.example.com"},
            "The customer's e-mail address 'priya.at.example.com' is not a valid "
            "e-mail address.",
        ),
        (
            {"postcode": "LEEDS"},
            "The customer's postcode 'LEEDS' is not a valid UK postcode.",
        ),
        (
            {"preferred_channel": "sms", "phone": ""},
            "The customer's phone number (their preferred channel) is missing.",
        ),
    ],
    ids=[
        "phone-too-short",
        "phone-not-uk",
        "phone-not-a-number",
        "bad-email",
        "bad-postcode",
        "no-phone-for-texts",
    ],
)
def test_wrong_contact_detail_opens_a_missing_contact_exception(
    receive, stocked_product, fields, message
):
    # given a customer record with one detail wrong or missing
    customer = customer_with(**fields)
    product = stocked_product(10)
    # when an order of theirs is checked
    order = verify(
        receive([(product.code, 1)], customer=customer, delivery_postcode="LS1 1AA")
    )
    # then a missing-contact exception says exactly what is wrong, and it is held
    (problem,) = found(order, "customer")
    assert problem.kind == X.MISSING_CONTACT
    assert problem.found == message
    assert order.status == Order.Status.ON_HOLD


def test_every_contact_problem_is_its_own_sentence_in_one_exception(
    receive, stocked_product
):
    # given a customer with a bad phone number, bad e-mail and bad postcode
    customer = customer_with(phone="12345", email="nobody@", postcode="XX")
    product = stocked_product(10)
    # when an order of theirs is checked
    order = verify(
        receive([(product.code, 1)], customer=customer, delivery_postcode="LS1 1AA")
    )
    # then one exception lists each problem, so all can be asked for in one call
    (problem,) = found(order, "customer")
    assert problem.found == (
        "The customer's e-mail address 'nobody@' is not a valid e-mail address. "
        "The customer's phone number '12345' is not a valid UK phone number. "
        "The customer's postcode 'XX' is not a valid UK postcode."
    )


@pytest.mark.parametrize(
    "phone",
    [
        "0113 496 0000",
        "(0113) 496 0000",
        "020 7946 0958",
        "+44 7700 900123",
        "+44 (0)113 496 0000",
        "07700900123",
        "0300 123 4567",
        "0800 123 4567",
    ],
)
def test_uk_phone_numbers_as_people_write_them_pass(receive, stocked_product, phone):
    # given a customer whose phone number is written one of the usual ways
    customer = customer_with(phone=phone, preferred_channel="phone")
    product = stocked_product(10)
    # when an order of theirs is checked, then the customer check passes
    order = verify(receive([(product.code, 1)], customer=customer))
    assert order.checks.get(kind=Check.Kind.CUSTOMER).outcome == Check.Outcome.PASSED


def test_delivery_postcode_in_lower_case_without_a_space_passes(
    receive, stocked_product
):
    # given an order to "ls11aa", as the customer typed it
    product = stocked_product(10)
    order = verify(receive([(product.code, 1)], delivery_postcode="ls11aa"))
    # then the postcode is accepted (case and spacing are not errors)
    assert not found(order, "customer")


def test_invalid_delivery_postcode_opens_an_invalid_address_exception(
    receive, stocked_product
):
    # given a valid customer and an order to a postcode that cannot exist
    product = stocked_product(10)
    order = verify(receive([(product.code, 1)], delivery_postcode="LS1"))
    # then the delivery address is queried, not the customer's record
    (problem,) = found(order, "customer")
    assert problem.kind == X.INVALID_ADDRESS
    assert problem.found == "The delivery postcode 'LS1' is not a valid UK postcode."


def test_missing_delivery_address_is_named(receive, stocked_product, processor):
    # given an order whose delivery address was lost (an old import)
    product = stocked_product(10)
    order = verify(receive([(product.code, 1)]))
    Order.objects.filter(pk=order.pk).update(delivery_address="  ")
    # when the customer check runs again
    check = check_rerun(order=order, kind=Check.Kind.CUSTOMER, actor=processor)
    # then it fails and the exception says the address is missing
    assert check.outcome == Check.Outcome.FAILED
    (problem,) = found(order, "customer")
    assert problem.kind == X.INVALID_ADDRESS
    assert problem.found == "The delivery address is missing."


def test_contact_and_delivery_problems_open_one_exception_each(
    receive, stocked_product
):
    # given a customer with a bad phone number ordering to a bad postcode
    customer = customer_with(phone="0113", preferred_channel="phone")
    product = stocked_product(10)
    order = verify(
        receive([(product.code, 1)], customer=customer, delivery_postcode="NOWHERE")
    )
    # then the customer's record and the delivery address are each queried
    exceptions = {e.kind: e.found for e in found(order, "customer")}
    assert exceptions == {
        X.MISSING_CONTACT: "The customer's phone number '0113' is not a valid UK "
        "phone number.",
        X.INVALID_ADDRESS: "The delivery postcode 'NOWHERE' is not a valid UK "
        "postcode.",
    }


# --- the other discrepancies still open theirs -----------------------------------


def test_price_different_from_the_list_opens_a_price_mismatch(receive, pens):
    # given a line at a price that differs from the price list
    order = verify(receive([LineInput("ABC-1234", 1, Decimal("8.00"))]))
    # then the prices check queries it for a supervisor to approve or correct
    (problem,) = found(order, "prices")
    assert problem.kind == X.PRICE_MISMATCH
    assert "order price £8.00 differs from the price list's £10.00" in problem.found
