"""The out-of-stock page (orders:stock_exception): the customer's choice for a
short line, with their words and how they said it."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from inventory.services import stock_receive
from orders.models import Communication, Order, OrderLine
from orders.services import communication_record

from ..factories import ProductFactory

L = OrderLine.Status


def page_url(order, exception) -> str:
    return reverse("orders:stock_exception", args=[order.pk, exception.pk])


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def held(held_order):
    """(order, its open out-of-stock exception): line 1 short, line 2 reserved."""

    def make(restock=True):
        order = held_order(restock=restock)
        return order, order.exceptions.get(kind="out_of_stock")

    return make


def choose(client, order, exception, **data):
    payload = {
        "version": order.version,
        "option": "backorder",
        "agreement": "Happy to wait, thanks.",
        "said_by": "channel:phone",
        **data,
    }
    return client.post(page_url(order, exception), payload)


def nothing_changed(order, version) -> None:
    order = Order.objects.get(pk=order.pk)
    assert order.version == version
    assert order.exceptions.get(kind="out_of_stock").status == "open"
    assert order.lines.get(line_number=1).status == L.SHORT
    assert not order.communications.filter(direction="inbound").exists()


# --- the page ----------------------------------------------------------------------


def test_page_shows_the_line_the_stock_the_contacts_and_the_choices(
    client, processor, held
):
    # given an order held for a short line, more expected, and a call logged
    order, exception = held()
    communication_record(
        order=order,
        actor=processor,
        channel="phone",
        purpose="exception_notice",
        content="Left a message about the pens.",
        outcome="voicemail",
    )
    line = order.lines.get(line_number=1)
    client.force_login(processor)
    # when the processor opens the out-of-stock page
    response = client.get(page_url(order, exception))
    # then it shows the line, the stock, the restock date and the contacts so far
    assert response.status_code == 200
    page = response.content.decode()
    assert line.product_code in page
    assert '<dd id="available">0 available</dd>' in page
    level_date = response.context["restock_date"]
    assert f"Expected {level_date:%A %d %B %Y}" in page
    assert "Left a message about the pens." in page
    assert "(no answer from the customer)" in page
    # and one form with the four choices, the customer's words and how they said it
    for value in ("backorder", "substitute", "partial_shipment", "cancel_line"):
        assert f'value="{value}"' in page
    assert 'name="agreement"' in page
    assert 'value="channel:phone"' in page
    # and the voicemail is not offered as the customer's agreement
    voicemail = order.communications.get(outcome="voicemail")
    assert f'value="communication:{voicemail.pk}"' not in page
    # and products in stock with a similar name are suggested
    plenty = order.lines.get(line_number=2).product
    assert plenty.code in response.context["suggestions"][0].code


def test_page_offers_a_call_that_reached_the_customer_as_their_agreement(
    client, processor, held
):
    order, exception = held()
    call = communication_record(
        order=order,
        actor=processor,
        channel="phone",
        purpose="exception_notice",
        content="Customer will wait.",
        outcome="reached",
    )
    client.force_login(processor)
    page = client.get(page_url(order, exception)).content.decode()
    assert f'value="communication:{call.pk}"' in page


def test_page_says_so_when_the_exception_is_already_resolved(client, processor, held):
    order, exception = held()
    client.force_login(processor)
    choose(client, order, exception)
    response = client.get(page_url(order, exception))
    assert response.status_code == 200
    assert "This exception is resolved already." in response.content.decode()
    assert response.context["form"] is None


def test_another_orders_exception_is_not_found(client, processor, held):
    order, _ = held()
    _, other = held()
    client.force_login(processor)
    assert client.get(page_url(order, other)).status_code == 404


# --- roles -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["dispatcher", "learner", "assessor"])
def test_page_is_refused_to_other_roles(client, request, held, role):
    order, exception = held()
    version = order.version
    client.force_login(request.getfixturevalue(role))
    assert client.get(page_url(order, exception)).status_code == 403
    assert choose(client, order, exception).status_code == 403
    nothing_changed(order, version)


def test_page_sends_anonymous_visitors_to_sign_in(client, held):
    order, exception = held()
    response = client.get(page_url(order, exception))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_a_supervisor_can_record_the_choice(client, supervisor, held):
    order, exception = held()
    client.force_login(supervisor)
    assert choose(client, order, exception).status_code == 302


# --- recording the choice ---------------------------------------------------------


def test_backorder_agreed_on_the_phone_goes_back_to_the_order(client, processor, held):
    # given a held order with a restock date known
    order, exception = held()
    client.force_login(processor)
    # when the processor records that the customer agreed on the phone to wait
    response = choose(client, order, exception, agreement="We'll wait for the restock.")
    # then they are sent back to the order page, the line is backordered and the
    # customer's answer is on record
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("orders:detail", args=[order.pk]) + "#exceptions"
    )
    assert "with the customer's agreement" in said(response)
    assert order.lines.get(line_number=1).status == L.BACKORDERED
    exception.refresh_from_db()
    assert exception.customer_agreement == "We'll wait for the restock."
    assert exception.communication.direction == Communication.Direction.INBOUND
    assert Order.objects.get(pk=order.pk).status == Order.Status.VERIFIED


def test_substitute_by_code_adds_the_new_line(client, processor, held, live_pool):
    order, exception = held()
    substitute = ProductFactory(name="Red pen")
    stock_receive(pool=live_pool, product=substitute, quantity=10)
    client.force_login(processor)
    response = choose(
        client,
        order,
        exception,
        option="substitute",
        substitute_code=substitute.code.lower(),
        said_by="channel:email",
    )
    assert response.status_code == 302
    new = order.lines.get(line_number=3)
    assert (new.product, new.status) == (substitute, L.RESERVED)
    assert order.lines.get(line_number=1).status == L.SUBSTITUTED


def test_choice_can_rest_on_a_call_already_logged(client, processor, held):
    order, exception = held()
    call = communication_record(
        order=order,
        actor=processor,
        channel="phone",
        purpose="exception_notice",
        content="They said cancel it.",
        outcome="reached",
    )
    client.force_login(processor)
    response = choose(
        client,
        order,
        exception,
        option="cancel_line",
        said_by=f"communication:{call.pk}",
    )
    assert response.status_code == 302
    exception.refresh_from_db()
    assert (exception.handling, exception.communication) == ("cancel_line", call)
    assert order.lines.get(line_number=1).status == L.CANCELLED


# --- bad input: a message next to the field, nothing changed ----------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"option": ""}, "option", "Choose what the customer agreed to."),
        ({"option": "approved"}, "option", "Choose one of the four options."),
        ({"agreement": "  "}, "agreement", "Write what the customer agreed to."),
        ({"said_by": ""}, "said_by", "Say how the customer told you."),
        ({"said_by": "channel:sms"}, "said_by", "Choose a contact in which"),
        (
            {"option": "substitute", "substitute_code": ""},
            "substitute_code",
            "Enter the code of the substitute product.",
        ),
        (
            {"option": "substitute", "substitute_code": "zzz-9999"},
            "substitute_code",
            "No product has the code ZZZ-9999",
        ),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_changes_nothing(
    client, processor, held, data, field, message
):
    order, exception = held()
    version = order.version
    client.force_login(processor)
    response = choose(client, order, exception, **data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    page = response.content.decode()
    assert message.replace("'", "&#x27;") in page
    assert f'id="error_1_id_outofstock_{field}"' in page
    nothing_changed(order, version)


def test_a_voicemail_cannot_be_chosen_as_the_agreement(client, processor, held):
    order, exception = held()
    voicemail = communication_record(
        order=order,
        actor=processor,
        channel="phone",
        purpose="exception_notice",
        content="Left a message.",
        outcome="voicemail",
    )
    version = Order.objects.get(pk=order.pk).version
    client.force_login(processor)
    response = choose(client, order, exception, said_by=f"communication:{voicemail.pk}")
    assert response.status_code == 400
    assert response.context["form"].errors["said_by"]
    nothing_changed(order, version)


def test_a_refusal_keeps_what_was_typed_and_changes_nothing(client, processor, held):
    # given a short line with no restock date
    order, exception = held(restock=False)
    version = order.version
    client.force_login(processor)
    # when a backorder is recorded, then it is refused with the reason, the
    # customer's words kept in the form, and nothing changed
    response = choose(
        client, order, exception, agreement="Will wait as long as it takes"
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "No restock date is known" in page
    assert "Offer a substitute or cancel the line." in page
    assert "Will wait as long as it takes" in page
    nothing_changed(order, version)


def test_a_stale_page_is_refused_and_reloaded(client, processor, held):
    order, exception = held()
    version = order.version
    client.force_login(processor)
    response = choose(client, order, exception, version=version - 1)
    assert response.status_code == 302
    assert response["Location"] == page_url(order, exception)
    assert "changed since you opened it" in said(response)
    nothing_changed(order, version)


def test_the_order_page_links_a_short_line_to_this_page(client, processor, held):
    order, exception = held()
    client.force_login(processor)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert page.count(page_url(order, exception)) == 2  # the line and the exception
    assert "Customer's choice" in page


def test_the_order_page_shows_an_agreed_substitute(client, processor, held, live_pool):
    order, exception = held()
    substitute = ProductFactory()
    stock_receive(pool=live_pool, product=substitute, quantity=10)
    client.force_login(processor)
    choose(
        client,
        order,
        exception,
        option="substitute",
        substitute_code=substitute.code,
    )
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Replaced by a substitute" in page
    assert "substitute agreed for line 1" in page
