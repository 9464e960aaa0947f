"""The goods-in page (orders:goods_in): book a delivery in, see which orders it
freed to move on."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockMovement
from inventory.selectors import stock_level
from inventory.services import stock_set_restock_date
from orders.models import Order, OrderException
from orders.services import (
    order_confirm,
    out_of_stock_handle,
    verification_run,
)

from ..factories import CustomerFactory, ProductFactory

URL = reverse("orders:goods_in")


@pytest.fixture
def scarce(live_pool):
    product = ProductFactory()
    stock_set_restock_date(
        pool=live_pool,
        product=product,
        restock_date=timezone.localdate() + timedelta(days=5),
    )
    return product


@pytest.fixture
def waiting(receive):
    def make(product, quantity=2, hours_ago=1):
        order = receive(
            [(product.code, quantity)],
            customer=CustomerFactory(),
            received_at=timezone.now() - timedelta(hours=hours_ago),
        )
        return verification_run(order_id=order.pk, worker="w")

    return make


def book(client, **data):
    """Submit the goods-in form as a fresh page would (its own one-time token)."""
    token = str(uuid.uuid4())
    return client.post(
        URL, {"product_code": "", "quantity": "", "token": token, **data}
    )


# --- roles and navigation -------------------------------------------------------------


@pytest.mark.parametrize("role", ["dispatcher", "supervisor"])
def test_fulfilment_roles_open_goods_in_from_the_navigation(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Goods in</h1>" in page
    assert f'href="{URL}" aria-current="page"' in page


@pytest.mark.parametrize("role", ["processor", "learner", "assessor"])
def test_goods_in_is_refused_to_other_roles(client, request, role, scarce):
    client.force_login(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403
    response = book(client, product_code=scarce.code, quantity="5")
    assert response.status_code == 403
    assert not StockMovement.objects.filter(product=scarce).exists()


def test_processor_has_no_goods_in_link(client, processor):
    client.force_login(processor)
    page = client.get(reverse("orders:queues")).content.decode()
    assert f'href="{URL}"' not in page


def test_goods_in_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# --- booking in -----------------------------------------------------------------------


def test_booking_in_lists_the_orders_now_ready_with_links(
    client, dispatcher, processor, scarce, waiting, live_pool
):
    # given an order on hold for the product, and a confirmed backorder for it
    held = waiting(scarce, 2, hours_ago=5)
    backordered = waiting(scarce, 3, hours_ago=1)
    out_of_stock_handle(
        exception=backordered.exceptions.get(),
        actor=processor,
        option=OrderException.Handling.BACKORDER,
        agreement="We'll wait",
        agreement_channel="phone",
    )
    order_confirm(
        order=backordered,
        actor=processor,
        promised_date=timezone.localdate() + timedelta(days=5),
    )
    client.force_login(dispatcher)
    # when 6 units are booked in from the supplier's delivery
    response = book(
        client,
        product_code=scarce.code.lower(),
        quantity="6",
        reference="DN-4411",
        note="Two boxes, one dented",
    )
    # then the page reloads (no resubmit on refresh) and lists both orders, each
    # with what can be done now and a link to do it
    assert response.status_code == 302
    assert response["Location"] == URL
    page = client.get(URL).content.decode()
    assert f"Booked in: 6 × {scarce}" in page
    assert "5 reserved for waiting orders; 1 left available." in page
    detail = reverse("orders:detail", args=[held.pk])
    fulfil = reverse("orders:fulfil", args=[backordered.pk])
    assert f'<a href="{detail}">{held.reference}</a>' in page
    assert "can now be confirmed" in page
    assert f'<a href="{fulfil}">{backordered.reference}</a>' in page
    assert "can now be shipped" in page
    # and the delivery is in the ledger with its reference
    movement = StockMovement.objects.get(product=scarce, kind="received")
    assert (movement.quantity, movement.reference, movement.note) == (
        6,
        "DN-4411",
        "Two boxes, one dented",
    )
    assert Order.objects.get(pk=held.pk).status == Order.Status.VERIFIED
    # and the result is shown once only
    assert "Booked in:" not in client.get(URL).content.decode()


def test_booking_in_with_no_order_waiting_says_so(client, dispatcher, scarce):
    client.force_login(dispatcher)
    book(client, product_code=scarce.code, quantity="4")
    page = client.get(URL).content.decode()
    assert "No order was waiting for it: all 4 are available." in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"product_code": ""}, "product_code", "Enter the product code."),
        (
            {"product_code": "NOP-0000"},
            "product_code",
            "No product has the code NOP-0000",
        ),
        ({"quantity": ""}, "quantity", "Enter how many were received."),
        ({"quantity": "0"}, "quantity", "Enter a quantity received of at least 1."),
        ({"quantity": "two"}, "quantity", "Enter a whole number."),
        ({"quantity": "1000000"}, "quantity", "check the quantity"),
        ({"reference": "x" * 61}, "reference", "at most 60 characters"),
        ({"next_restock_date": "2001-01-01"}, "next_restock_date", "after today"),
        ({"next_restock_date": "31/02/2030"}, "next_restock_date", "Enter a date"),
        (
            {"next_restock_date": "9999-12-31"},
            "next_restock_date",
            "That is more than a year ahead: check the year.",
        ),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_books_nothing(
    client, dispatcher, scarce, live_pool, data, field, message
):
    client.force_login(dispatcher)
    response = book(client, **{"product_code": scarce.code, "quantity": "3", **data})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    page = response.content.decode()
    assert f'id="error_1_id_goods_in_{field}"' in page
    assert not StockMovement.objects.filter(product=scarce).exists()
    level = stock_level(pool=live_pool, product_id=scarce.pk)
    assert level is None or level.on_hand == 0


def test_the_same_form_sent_twice_books_the_delivery_in_once(
    client, dispatcher, scarce, live_pool
):
    # given the goods-in page as shown, with its one-time token
    client.force_login(dispatcher)
    token = client.get(URL).context["form"].initial["token"]
    data = {"product_code": scarce.code, "quantity": "5", "token": str(token)}
    # when it is submitted twice (a double click)
    first = client.post(URL, data)
    second = client.post(URL, data)
    # then the stock went up once, and the second submit says it was already done
    assert first.status_code == second.status_code == 302
    assert StockMovement.objects.filter(product=scarce, kind="received").count() == 1
    assert stock_level(pool=live_pool, product_id=scarce.pk).on_hand == 5
    assert "That delivery is already booked in." in client.get(URL).content.decode()


def test_a_form_without_its_token_is_refused_and_books_nothing(
    client, dispatcher, scarce
):
    client.force_login(dispatcher)
    response = client.post(URL, {"product_code": scarce.code, "quantity": "5"})
    assert response.status_code == 400
    assert "reload the page" in response.content.decode()
    assert not StockMovement.objects.filter(product=scarce).exists()
