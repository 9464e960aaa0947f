"""A letter or text OrderDesk leaves "to do" is marked as posted or sent from the
order page, once, by the person who sent it; nothing else can be marked that way."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from orders.models import Communication, OrderEvent
from orders.services import order_confirm

from ..factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed_for(verified_order, processor, tomorrow):
    """A confirmed order for a customer who prefers the given channel, and the
    confirmation it left to do (or sent)."""

    def make(channel: str):
        customer = CustomerFactory(preferred_channel=channel, accessibility_needs="")
        order = verified_order(customer=customer)
        order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
        confirmation = order.communications.get(
            purpose=Communication.Purpose.CONFIRMATION
        )
        return order, confirmation

    return make


def mark_url(order, communication) -> str:
    return reverse("orders:communication_mark_sent", args=[order.pk, communication.pk])


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.parametrize(("channel", "verb"), [("letter", "posted"), ("sms", "sent")])
def test_a_letter_or_text_left_to_do_is_marked_as_gone(
    client, processor, confirmed_for, channel, verb
):
    # given a confirmation left to do as a letter or a text
    order, confirmation = confirmed_for(channel)
    assert confirmation.outcome == Communication.Outcome.PENDING
    client.force_login(processor)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert f"Mark as {verb}" in page
    assert mark_url(order, confirmation) in page
    # when the person who sent it marks it from the order page
    response = client.post(
        mark_url(order, confirmation), {"version": order.version}, follow=True
    )
    # then it is recorded as sent, by them, in the trail, and no longer offered
    confirmation.refresh_from_db()
    assert confirmation.outcome == Communication.Outcome.SENT
    assert confirmation.sent_at is not None
    event = OrderEvent.objects.get(order=order, kind=OrderEvent.Kind.COMMUNICATION_SENT)
    assert event.actor == processor
    assert event.data["communication_id"] == confirmation.pk
    assert "Recorded as sent." in response.content.decode()
    assert mark_url(order, confirmation) not in response.content.decode()


def test_marking_twice_records_it_once(client, processor, confirmed_for):
    order, confirmation = confirmed_for("letter")
    client.force_login(processor)
    data = {"version": order.version}

    client.post(mark_url(order, confirmation), data)
    again = client.post(mark_url(order, confirmation), data)

    assert "changed since you opened it" in said(again)
    assert (
        OrderEvent.objects.filter(
            order=order, kind=OrderEvent.Kind.COMMUNICATION_SENT
        ).count()
        == 1
    )


def test_an_email_or_a_call_cannot_be_marked_as_sent_by_hand(
    client, processor, confirmed_for
):
    # given a confirmation e-mail, queued for OrderDesk to send
    order, confirmation = confirmed_for("email")
    client.force_login(processor)
    outcome = confirmation.outcome
    # when someone tries to mark it as sent by hand
    response = client.post(mark_url(order, confirmation), {"version": order.version})
    # then it is refused and left as it was
    assert "log a phone call with the call form" in said(response)
    confirmation.refresh_from_db()
    assert confirmation.outcome == outcome
    assert not OrderEvent.objects.filter(
        order=order, kind=OrderEvent.Kind.COMMUNICATION_SENT, actor=processor
    ).exists()


def test_a_message_from_another_order_is_refused(client, processor, confirmed_for):
    order, _ = confirmed_for("letter")
    other, letter = confirmed_for("letter")
    client.force_login(processor)

    response = client.post(mark_url(order, letter), {"version": order.version})

    assert "That message is not on this order." in said(response)
    letter.refresh_from_db()
    assert letter.outcome == Communication.Outcome.PENDING


def test_a_page_without_its_version_is_refused(client, processor, confirmed_for):
    order, letter = confirmed_for("letter")
    client.force_login(processor)

    response = client.post(mark_url(order, letter), {"version": "x"})

    assert response.status_code == 302
    assert "reload the order" in said(response)
    letter.refresh_from_db()
    assert letter.outcome == Communication.Outcome.PENDING


@pytest.mark.parametrize("role", ["learner", "assessor"])
def test_other_roles_cannot_mark_a_live_orders_letter(
    client, request, confirmed_for, role
):
    order, letter = confirmed_for("letter")
    client.force_login(request.getfixturevalue(role))

    response = client.post(mark_url(order, letter), {"version": order.version})

    assert response.status_code == 403
    letter.refresh_from_db()
    assert letter.outcome == Communication.Outcome.PENDING


def test_a_get_is_not_allowed(client, processor, confirmed_for):
    order, letter = confirmed_for("letter")
    client.force_login(processor)

    assert client.get(mark_url(order, letter)).status_code == 405
