"""A learner's practice order in the staff screens: its learner processes it on the
same pages as an order processor; nobody else sees it; it is on no staff page."""

import pytest
from django.core import mail
from django.urls import reverse

from inventory.models import StockPool
from inventory.services import stock_receive
from orders.models import Communication, Order, OrderException
from orders.services import (
    exception_raise,
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    shipment_record_delivery,
    verification_run,
)

from ..factories import CustomerFactory, ProductFactory, UserFactory
from .test_receipt import receipt_data

# Pages of one order, by URL name (and extra arguments after the order's pk).
ORDER_PAGES = [
    ("orders:detail", ()),
    ("orders:checks_panel", ()),
    ("orders:fulfil", ()),
    ("orders:payment", ()),
    ("orders:contact", ()),
    ("orders:amend", ()),
    ("orders:revisions", ()),
    ("orders:document", ("confirmation",)),
    ("orders:order_product_lookup", ()),
]


@pytest.fixture
def practice_pool(db):
    return StockPool.objects.create(code="practice-t", name="Practice", is_live=False)


@pytest.fixture
def practice_order(receive, practice_pool, learner):
    """A verified practice order of the learner's (or `owner`'s)."""

    def make(*, owner=None, **fields):
        owner = owner or learner
        product = ProductFactory(practice=True, name="Practice stapler")
        stock_receive(pool=practice_pool, product=product, quantity=50)
        fields.setdefault("customer", CustomerFactory(practice=True))
        order = receive(
            [(product.code, 2)],
            by=owner,
            stock_pool=practice_pool,
            practice_learner=owner,
            **fields,
        )
        return verification_run(order_id=order.pk, worker="test-worker")

    return make


def url(name: str, order: Order, *args) -> str:
    return reverse(name, args=[order.pk, *args])


def post(client, name, order, data=None):
    order.refresh_from_db()
    return client.post(url(name, order), {"version": order.version, **(data or {})})


def deliver(order: Order) -> Order:
    """Fulfil a confirmed practice order as the practice simulation does (no actor)."""
    order = order_start_fulfilment(order=order, actor=None)
    shipment = order_dispatch(order=order, actor=None, carrier="DPD")
    shipment_record_delivery(shipment=shipment, actor=None)
    order.refresh_from_db()
    return order


# -- the learner works on their own practice order ----------------------------------


def test_the_learner_processes_their_practice_order_through_the_pages(
    client, practice_order, learner, tomorrow, django_capture_on_commit_callbacks
):
    # given the learner's verified practice order
    order = practice_order()
    client.force_login(learner)
    # when they open its page, then they see it, marked as practice, with the
    # processor's actions and no link to the staff's order list
    response = client.get(url("orders:detail", order))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Practice order" in page
    assert "Confirm to the customer" in page
    assert f'href="{reverse("orders:list")}"' not in page
    assert reverse("orders:payment", args=[order.pk]) in page
    assert reverse("orders:fulfil", args=[order.pk]) not in page
    # when they confirm it
    response = post(
        client, "orders:confirm", order, {"promised_date": tomorrow.isoformat()}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    # and contact the customer from the contact page (an e-mail, simulated)
    assert client.get(url("orders:contact", order)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            "orders:contact",
            order,
            {
                "purpose": Communication.Purpose.QUERY,
                "channel": "email",
                "subject": "Your order",
                "body": "A question about your order.",
            },
        )
    assert response.status_code == 302
    query = order.communications.get(purpose=Communication.Purpose.QUERY)
    assert query.outcome == Communication.Outcome.SENT
    assert mail.outbox == []
    # and once the simulation has delivered it, they record the follow-up
    order = deliver(order)
    assert order.status == Order.Status.DELIVERED
    response = post(
        client,
        "orders:record_follow_up",
        order,
        {"channel": "phone", "outcome": "reached", "notes": "All arrived"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.FOLLOWED_UP


def test_the_learner_sees_fulfilment_read_only(
    client, practice_order, learner, tomorrow
):
    # given the learner's confirmed practice order
    order = practice_order()
    order_confirm(order=order, actor=learner, promised_date=tomorrow)
    client.force_login(learner)
    # when they open its fulfilment page, then they can follow it but not act,
    # and there is no link to the staff's fulfilment queue
    response = client.get(url("orders:fulfil", order))
    page = response.content.decode()
    assert response.status_code == 200
    assert "simulated for you" in page
    assert reverse("orders:start_fulfilment", args=[order.pk]) not in page
    assert reverse("orders:queue", args=["to-fulfil"]) not in page
    # and a fulfilment action is refused
    response = post(client, "orders:start_fulfilment", order)
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED


def test_the_learner_is_refused_supervisor_pages_on_their_practice_order(
    client, practice_order, learner
):
    # given a price difference on the learner's practice order
    order = practice_order()
    exception = exception_raise(
        order=order,
        actor=learner,
        kind=OrderException.Kind.PRICE_MISMATCH,
        found="Customer says £9",
        line=order.lines.first(),
    )
    client.force_login(learner)
    # then the order page offers no approval, and the supervisor's pages refuse them
    page = client.get(url("orders:detail", order)).content.decode()
    approve = reverse("orders:price_approve", args=[order.pk, exception.pk])
    assert approve not in page
    assert client.get(approve).status_code == 403
    assert client.post(approve, {"note": "Fine"}).status_code == 403
    credit = reverse("orders:credit_limit_approve", args=[order.pk, exception.pk])
    assert client.post(credit, {"note": "Fine"}).status_code == 403
    assert client.get(url("orders:document", order, "picking-list")).status_code == 403
    exception.refresh_from_db()
    assert exception.status == OrderException.Status.OPEN


# -- nobody else --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["processor", "dispatcher", "supervisor", "learner"])
@pytest.mark.parametrize(("name", "args"), ORDER_PAGES)
def test_everyone_else_gets_404_on_a_practice_orders_pages(
    client, practice_order, role, name, args
):
    # given a learner's practice order, and someone else (staff, another learner)
    order = practice_order()
    client.force_login(UserFactory(role=role))
    # when they open one of its pages, then it is not found
    assert client.get(url(name, order, *args)).status_code == 404


@pytest.mark.parametrize("role", ["processor", "supervisor"])
def test_staff_actions_on_a_practice_order_are_404_and_change_nothing(
    client, practice_order, role, tomorrow
):
    order = practice_order()
    client.force_login(UserFactory(role=role))
    response = post(
        client, "orders:confirm", order, {"promised_date": tomorrow.isoformat()}
    )
    assert response.status_code == 404
    response = post(client, "orders:exception_raise", order, {"kind": "other"})
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED


def test_staff_get_404_on_a_practice_orders_shipment(
    client, practice_order, learner, dispatcher, tomorrow
):
    # given a practice order dispatched by the simulation
    order = practice_order()
    order_confirm(order=order, actor=learner, promised_date=tomorrow)
    order = order_start_fulfilment(order=order, actor=None)
    shipment = order_dispatch(order=order, actor=None, carrier="DPD")
    client.force_login(dispatcher)
    # then its delivery note and its delivery are not found
    note = reverse("orders:delivery_note", args=[shipment.pk])
    assert client.get(note).status_code == 404
    delivery = reverse("orders:record_delivery", args=[shipment.pk])
    response = client.post(delivery, {"version": order.version, "proof": "Signed"})
    assert response.status_code == 404
    shipment.refresh_from_db()
    assert shipment.delivered_at is None


def test_the_learner_still_gets_403_on_a_live_order(client, verified_order, learner):
    order = verified_order()
    client.force_login(learner)
    assert client.get(url("orders:detail", order)).status_code == 403
    assert client.get(url("orders:contact", order)).status_code == 403


# -- on no staff page ---------------------------------------------------------------


def test_queues_and_the_order_list_show_live_orders_only(
    client, practice_order, verified_order, processor
):
    live = verified_order()
    practice = practice_order()
    client.force_login(processor)
    summaries = {
        s.queue.slug: s
        for s in client.get(reverse("orders:queues")).context["summaries"]
    }
    assert summaries["to-confirm"].count == 1
    page = client.get(reverse("orders:queue", args=["to-confirm"])).content.decode()
    assert live.reference in page
    assert practice.reference not in page
    page = client.get(reverse("orders:list")).content.decode()
    assert live.reference in page
    assert practice.reference not in page


def test_receipt_look_ups_find_live_customers_and_products_only(client, processor):
    CustomerFactory(name="Ada Practice", practice=True)
    CustomerFactory(name="Ada Lovelace")
    practice_product = ProductFactory(practice=True)
    client.force_login(processor)
    found = client.get(reverse("orders:customer_search"), {"q": "Ada"}).context
    assert [c.name for c in found["matches"]] == ["Ada Lovelace"]
    response = client.get(
        reverse("orders:product_lookup"), {"code": practice_product.code}
    )
    assert "No product with that code" in response.content.decode()


def test_amending_a_practice_order_looks_codes_up_in_its_own_catalogue(
    client, learner, practice_order, practice_pool
):
    # given the learner's practice order, a practice product with 7 in the scenario's
    # stock, and a live product
    order = practice_order()
    practice = ProductFactory(practice=True, name="Practice toner")
    stock_receive(pool=practice_pool, product=practice, quantity=7)
    live = ProductFactory(name="Live toner")
    client.force_login(learner)
    # when the amend page is opened, its new lines look codes up for this order
    page = client.get(url("orders:amend", order)).content.decode()
    lookup = url("orders:order_product_lookup", order)
    assert f'hx-get="{lookup}"' in page
    # and a typed practice code shows that product and the scenario's stock
    shown = client.get(lookup, {"new-0-product_code": practice.code.lower()})
    assert shown.status_code == 200
    assert "Practice toner" in shown.content.decode()
    assert "7 available in stock" in shown.content.decode()
    # while a live product's code is not in this order's world
    hidden = client.get(lookup, {"code": live.code}).content.decode()
    assert "No product with that code" in hidden
    assert "Live toner" not in hidden


def test_the_order_lookup_serves_a_live_order_from_the_live_catalogue(
    client, processor, receive, stocked_product
):
    product = stocked_product(12, name="Live stapler")
    order = receive([(product.code, 1)])
    client.force_login(processor)
    response = client.get(
        url("orders:order_product_lookup", order), {"code": product.code}
    )
    assert "Live stapler" in response.content.decode()
    assert "12 available in stock" in response.content.decode()
    # blank and silly codes say nothing, and a missing order is not found
    for silly in ("", " ", "x" * 500, "<script>"):
        response = client.get(
            url("orders:order_product_lookup", order), {"code": silly}
        )
        assert response.status_code == 200
    missing = reverse("orders:order_product_lookup", args=[order.pk + 1000])
    assert client.get(missing, {"code": product.code}).status_code == 404


@pytest.mark.parametrize("role", ["dispatcher", "assessor", "learner"])
def test_the_order_lookup_refuses_who_may_not_amend_a_live_order(
    client, request, receive, stocked_product, role
):
    product = stocked_product(12)
    order = receive([(product.code, 1)])
    client.force_login(request.getfixturevalue(role))
    response = client.get(
        url("orders:order_product_lookup", order), {"code": product.code}
    )
    assert response.status_code == 403
    assert product.name not in response.content.decode()


def test_the_receipt_form_refuses_a_practice_customer(client, processor, live_pool):
    # given a practice customer and a live product, on the receipt form
    customer = CustomerFactory(practice=True)
    product = ProductFactory()
    stock_receive(pool=live_pool, product=product, quantity=5)
    client.force_login(processor)
    # when a processor picks the practice customer (by their id), then it is
    # refused as a customer who cannot be found, and no order is made
    response = client.post(
        reverse("orders:receive"),
        receipt_data(customer, [(product.code, 1)]),
    )
    errors = response.context["form"].errors["customer"]
    assert any("could not be found" in error for error in errors)
    assert not Order.objects.exists()


def test_message_template_previews_use_live_orders_only(
    client, practice_order, verified_order, supervisor
):
    live = verified_order()
    practice = practice_order()
    client.force_login(supervisor)
    page = client.get(
        reverse("orders:message_template_edit", args=["confirmation", "standard"])
    ).content.decode()
    assert live.reference in page
    assert practice.reference not in page


@pytest.mark.parametrize("page", ["contact", "payment", "amend", "revisions"])
def test_every_page_of_a_practice_order_leads_back_to_the_attempt(
    client, practice_order, learner, page
):
    # given the learner's practice order
    order = practice_order()
    client.force_login(learner)
    # when they open one of its pages, then it says it is practice and links back
    response = client.get(url(f"orders:{page}", order))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Practice order" in body
    assert reverse("revision:practice_order", args=[order.pk]) in body


def test_a_live_orders_pages_carry_no_practice_banner(
    client, verified_order, processor
):
    order = verified_order()
    client.force_login(processor)
    response = client.get(url("orders:contact", order))
    assert response.status_code == 200
    assert "Practice order" not in response.content.decode()
