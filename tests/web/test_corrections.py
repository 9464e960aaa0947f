"""The pages for handling a discrepancy: a supervisor approves keeping a price, a
processor corrects the customer's contact details. Who may use them, what they
show, and that bad input gets a message next to the field and changes nothing."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from customers.models import Customer
from orders.models import Order, OrderEvent, OrderException
from orders.services import LineInput, communication_record, verification_run

from ..factories import CustomerFactory

X = OrderException.Kind


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def page_url(name: str, exception: OrderException) -> str:
    return reverse(name, args=[exception.order_id, exception.pk])


def back_to_exception(response, exception) -> bool:
    return response.status_code == 302 and response["Location"] == (
        reverse("orders:detail", args=[exception.order_id])
        + f"#exception-{exception.pk}"
    )


@pytest.fixture
def price_exception(receive, stocked_product):
    """An order held because line 1 is at £8.00 against the list's £10.00."""
    product = stocked_product(50, name="Blue pens, box of 10")
    order = receive([LineInput(product.code, 3, Decimal("8.00"))])
    order = verification_run(order_id=order.pk, worker="w")
    return order.exceptions.get(kind=X.PRICE_MISMATCH)


@pytest.fixture
def contact_exception(receive, stocked_product):
    """An order held because its customer prefers phone calls but has no number."""
    customer = CustomerFactory(
        name="Ann Lee", preferred_channel="phone", phone="", email="ann@example.com"
    )
    product = stocked_product(50)
    order = receive([(product.code, 1)], customer=customer)
    order = verification_run(order_id=order.pk, worker="w")
    return order.exceptions.get(kind=X.MISSING_CONTACT)


def version(exception) -> int:
    return Order.objects.get(pk=exception.order_id).version


# --- approve a price -------------------------------------------------------------


def test_supervisor_sees_the_price_difference_and_the_form(
    client, supervisor, price_exception
):
    client.force_login(supervisor)
    response = client.get(page_url("orders:price_approve", price_exception))
    assert response.status_code == 200
    html = response.content.decode()
    # the exception, the line's prices and the difference, and the form
    assert escape(price_exception.found) in html
    assert "Blue pens, box of 10" in html
    assert "<td>£8.00</td>" in html
    assert "<td>£10.00</td>" in html
    assert "£2.00 below the list" in html  # each
    assert "£6.00 below the list" in html  # on the line of 3
    assert 'name="note"' in html
    assert f'value="{version(price_exception)}"' in html


def test_supervisor_approves_and_goes_back_to_the_order(
    client, supervisor, price_exception
):
    client.force_login(supervisor)
    response = client.post(
        page_url("orders:price_approve", price_exception),
        {"version": version(price_exception), "note": "Agreed discount."},
    )
    assert back_to_exception(response, price_exception)
    assert "kept with your approval" in said(response)
    price_exception.refresh_from_db()
    assert price_exception.status == OrderException.Status.RESOLVED
    assert price_exception.approved_by == supervisor
    assert Order.objects.get(pk=price_exception.order_id).status == "verified"


def test_order_page_links_the_supervisor_to_the_approval(
    client, supervisor, processor, price_exception
):
    url = page_url("orders:price_approve", price_exception)
    detail = reverse("orders:detail", args=[price_exception.order_id])
    client.force_login(supervisor)
    assert url in client.get(detail).content.decode()
    # a processor is not offered it
    client.force_login(processor)
    assert url not in client.get(detail).content.decode()


@pytest.mark.parametrize("role", ["processor", "dispatcher", "learner", "assessor"])
def test_price_approval_is_refused_to_everyone_but_supervisors(
    client, request, role, price_exception
):
    client.force_login(request.getfixturevalue(role))
    url = page_url("orders:price_approve", price_exception)
    assert client.get(url).status_code == 403
    response = client.post(url, {"version": version(price_exception), "note": "OK"})
    assert response.status_code == 403
    price_exception.refresh_from_db()
    assert price_exception.status == OrderException.Status.OPEN


def test_price_approval_sends_anonymous_visitors_to_sign_in(client, price_exception):
    response = client.get(page_url("orders:price_approve", price_exception))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_price_approval_without_a_note_says_so_next_to_the_field(
    client, supervisor, price_exception
):
    client.force_login(supervisor)
    response = client.post(
        page_url("orders:price_approve", price_exception),
        {"version": version(price_exception), "note": "   "},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["note"] == ["Say why the price can be kept."]
    assert 'id="error_1_id_priceapprove_note"' in response.content.decode()
    price_exception.refresh_from_db()
    assert price_exception.status == OrderException.Status.OPEN


def test_price_approval_from_a_stale_page_is_refused(
    client, supervisor, price_exception
):
    client.force_login(supervisor)
    response = client.post(
        page_url("orders:price_approve", price_exception),
        {"version": version(price_exception) - 1, "note": "Agreed."},
    )
    assert response.status_code == 400
    assert "changed since you opened it" in response.content.decode()
    price_exception.refresh_from_db()
    assert price_exception.status == OrderException.Status.OPEN


def test_price_page_for_a_resolved_exception_goes_back_to_the_order(
    client, supervisor, price_exception
):
    client.force_login(supervisor)
    url = page_url("orders:price_approve", price_exception)
    client.post(url, {"version": version(price_exception), "note": "Agreed."})
    response = client.get(url)
    assert back_to_exception(response, price_exception)
    assert "already resolved" in said(response)


def test_price_page_is_not_found_for_another_kind_of_exception(
    client, supervisor, contact_exception
):
    client.force_login(supervisor)
    url = page_url("orders:price_approve", contact_exception)
    assert client.get(url).status_code == 404


def test_price_page_is_not_found_under_another_order(
    client, supervisor, price_exception, verified_order
):
    client.force_login(supervisor)
    other = verified_order()
    url = reverse("orders:price_approve", args=[other.pk, price_exception.pk])
    assert client.get(url).status_code == 404


# --- correct contact details -------------------------------------------------------


def contact_data(exception, **changes) -> dict:
    customer = Customer.objects.get(orders__exceptions=exception)
    return {
        "version": version(exception),
        "email": customer.email,
        "phone": customer.phone,
        "address_line1": customer.address_line1,
        "address_line2": customer.address_line2,
        "town": customer.town,
        "postcode": customer.postcode,
        "preferred_channel": customer.preferred_channel,
        "reason": "Customer rang with their number.",
        "customer_told": "yes",
        "communication": "",
        **changes,
    }


def test_processor_sees_the_record_the_exception_and_the_communications(
    client, processor, contact_exception
):
    order = contact_exception.order
    communication_record(
        order=order,
        actor=processor,
        channel="phone",
        direction="inbound",
        purpose="query",
        outcome="received",
        content="Ann rang to give her mobile number.",
    )
    client.force_login(processor)
    response = client.get(page_url("orders:contact_correct", contact_exception))
    assert response.status_code == 200
    html = response.content.decode()
    assert "phone number (their preferred channel) is missing" in html
    assert "ann@example.com" in html  # the record as it stands, and in the form
    assert "Ann rang to give her mobile number." in html
    assert "Query about the order by Phone" in html  # to choose in the form
    assert 'name="phone"' in html


def test_processor_corrects_the_phone_number_and_the_exception_closes(
    client, processor, contact_exception
):
    order = contact_exception.order
    call = communication_record(
        order=order,
        actor=processor,
        channel="phone",
        direction="inbound",
        purpose="query",
        outcome="received",
        content="Ann rang.",
    )
    client.force_login(processor)
    response = client.post(
        page_url("orders:contact_correct", contact_exception),
        contact_data(contact_exception, phone="07700 900123", communication=call.pk),
    )
    assert back_to_exception(response, contact_exception)
    assert "Corrected the customer's phone number" in said(response)
    assert "passed again" in said(response)
    assert Customer.objects.get(pk=order.customer_id).phone == "07700 900123"
    event = order.events.get(kind=OrderEvent.Kind.CORRECTED)
    assert event.data["communication_id"] == call.pk
    assert event.data["customer_told"] is True
    contact_exception.refresh_from_db()
    assert contact_exception.status == OrderException.Status.RESOLVED


def test_order_page_links_processors_to_the_correction(
    client, processor, contact_exception
):
    client.force_login(processor)
    detail = reverse("orders:detail", args=[contact_exception.order_id])
    html = client.get(detail).content.decode()
    assert page_url("orders:contact_correct", contact_exception) in html


@pytest.mark.parametrize("role", ["dispatcher", "learner", "assessor"])
def test_contact_correction_is_refused_to_other_roles(
    client, request, role, contact_exception
):
    client.force_login(request.getfixturevalue(role))
    url = page_url("orders:contact_correct", contact_exception)
    assert client.get(url).status_code == 403
    response = client.post(url, contact_data(contact_exception, phone="07700 900123"))
    assert response.status_code == 403
    assert Customer.objects.get(orders__exceptions=contact_exception).phone == ""


def test_supervisor_may_correct_contact_details(client, supervisor, contact_exception):
    client.force_login(supervisor)
    url = page_url("orders:contact_correct", contact_exception)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "0113 496"}, "phone", "Enter a UK phone number"),
        ({"phone": "+1 212 555 0100"}, "phone", "Enter a UK phone number"),
        ({"postcode": "LEEDS"}, "postcode", "Enter a UK postcode"),
        ({"email": "ann.example.com"}, "email", "Enter an e-mail address like"),
        ({"phone": "07700 900123", "reason": ""}, "reason", "Say why the details"),
        ({"phone": "07700 900123", "customer_told": ""}, "customer_told", "Say wh"),
        ({"phone": "07700 900123", "communication": "999999"}, "communication", "Ch"),
        ({"phone": "07700 900123", "version": "x"}, "version", "out of date"),
    ],
    ids=[
        "short-phone",
        "foreign-phone",
        "bad-postcode",
        "bad-email",
        "no-reason",
        "told-not-said",
        "unknown-communication",
        "no-version",
    ],
)
def test_bad_contact_input_is_shown_next_to_the_field_and_changes_nothing(
    client, processor, contact_exception, changes, field, message
):
    client.force_login(processor)
    response = client.post(
        page_url("orders:contact_correct", contact_exception),
        contact_data(contact_exception, **changes),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    if field != "version":  # hidden: its message shows above the form
        assert f'id="error_1_id_contactcorrect_{field}"' in response.content.decode()
    assert Customer.objects.get(orders__exceptions=contact_exception).phone == ""
    assert not contact_exception.order.events.filter(kind="corrected").exists()


def test_sending_the_details_unchanged_is_refused(client, processor, contact_exception):
    client.force_login(processor)
    response = client.post(
        page_url("orders:contact_correct", contact_exception),
        contact_data(contact_exception),
    )
    assert response.status_code == 400
    assert "Nothing to correct" in response.content.decode()
    assert not contact_exception.order.events.filter(kind="corrected").exists()


def test_a_communication_with_customer_not_told_is_refused(
    client, processor, contact_exception
):
    call = communication_record(
        order=contact_exception.order,
        actor=processor,
        channel="phone",
        purpose="query",
        outcome="reached",
        content="Spoke to Ann.",
    )
    client.force_login(processor)
    response = client.post(
        page_url("orders:contact_correct", contact_exception),
        contact_data(
            contact_exception,
            phone="07700 900123",
            communication=call.pk,
            customer_told="no",
        ),
    )
    assert response.status_code == 400
    assert "answer yes" in " ".join(response.context["form"].errors["customer_told"])
    assert Customer.objects.get(orders__exceptions=contact_exception).phone == ""


def test_contact_correction_from_a_stale_page_is_refused(
    client, processor, contact_exception
):
    client.force_login(processor)
    response = client.post(
        page_url("orders:contact_correct", contact_exception),
        contact_data(
            contact_exception,
            phone="07700 900123",
            version=version(contact_exception) - 1,
        ),
    )
    assert response.status_code == 400
    assert "changed since you opened it" in response.content.decode()
    assert Customer.objects.get(orders__exceptions=contact_exception).phone == ""


def test_contact_page_explains_an_invalid_delivery_address_belongs_to_the_order(
    client, processor, receive, stocked_product
):
    product = stocked_product(10)
    order = receive([(product.code, 1)], delivery_postcode="NOWHERE")
    order = verification_run(order_id=order.pk, worker="w")
    exception = order.exceptions.get(kind=X.INVALID_ADDRESS)
    client.force_login(processor)
    response = client.get(page_url("orders:contact_correct", exception))
    assert response.status_code == 200
    assert "belongs to the order, not the customer" in response.content.decode()


def test_contact_page_is_not_found_for_a_price_exception(
    client, processor, price_exception
):
    client.force_login(processor)
    url = page_url("orders:contact_correct", price_exception)
    assert client.get(url).status_code == 404


def test_contact_page_for_a_dispatched_order_goes_back_with_the_reason(
    client, processor, contact_exception
):
    Order.objects.filter(pk=contact_exception.order_id).update(status="dispatched")
    client.force_login(processor)
    response = client.get(page_url("orders:contact_correct", contact_exception))
    assert back_to_exception(response, contact_exception)
    assert "only until it is dispatched" in said(response)
