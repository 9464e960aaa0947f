"""Communications: recorded always, e-mailed once in the background, never faked."""

import pytest
from celery.exceptions import Retry
from django.core import mail

from orders.exceptions import OrderRuleError
from orders.models import Communication, Order, OrderEvent
from orders.services import (
    communication_mark_failed,
    communication_record,
    communication_send,
    customer_notify,
    order_confirm,
)
from orders.tasks import communication_send_task
from tests.factories import CustomerFactory

C = Communication
WORKER = "celery@mailer"


def _notify(order: Order, **fields) -> Communication:
    return customer_notify(
        order=order,
        purpose=C.Purpose.QUERY,
        subject=fields.pop("subject", "About your order"),
        content=fields.pop("content", "We have a question about your order."),
        **fields,
    )


@pytest.fixture
def order_for(receive, stocked_product):
    """A received order (acknowledgement already recorded) for the given customer."""

    def make(customer, **fields):
        product = stocked_product(10)
        return receive([(product.code, 1)], customer=customer, **fields)

    return make


def test_notify_by_email_is_queued_then_sent_once_committed(
    order_for, customer, processor, django_capture_on_commit_callbacks
):
    # given a customer who prefers e-mail
    order = order_for(customer, channel="phone")
    # when they are told something and the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        message = _notify(order, actor=processor, content="Your pens are blue.")
    # then one e-mail went to them with what was said, and it is recorded as sent
    (sent,) = mail.outbox
    assert sent.to == [customer.email]
    assert sent.subject == "About your order"
    assert sent.body == "Your pens are blue."
    message.refresh_from_db()
    assert (message.channel, message.outcome) == (C.Channel.EMAIL, C.Outcome.SENT)
    assert message.sent_at is not None
    sent_event = order.events.get(kind=OrderEvent.Kind.COMMUNICATION_SENT)
    assert sent_event.data["communication_id"] == message.pk


def test_notify_records_the_communication_with_who_asked(
    order_for, customer, processor
):
    # given an order
    order = order_for(customer, channel="phone")
    # when the customer is told something
    message = _notify(order, actor=processor)
    # then the trail shows the communication and who made it
    event = order.events.filter(kind=OrderEvent.Kind.COMMUNICATION).latest("pk")
    assert event.actor == processor
    assert event.data["communication_id"] == message.pk
    assert event.data["outcome"] == C.Outcome.QUEUED


@pytest.mark.parametrize(
    ("fields", "channel"),
    [
        ({"preferred_channel": "phone"}, C.Channel.PHONE),
        ({"preferred_channel": "letter"}, C.Channel.LETTER),
        ({"preferred_channel": "sms"}, C.Channel.SMS),
        ({"preferred_channel": "email", "email": ""}, C.Channel.PHONE),
        ({"preferred_channel": "email", "email": "", "phone": ""}, C.Channel.LETTER),
    ],
)
def test_notify_by_another_channel_is_left_for_a_person_to_do(
    order_for, fields, channel, django_capture_on_commit_callbacks
):
    # given a customer who prefers (or can only be reached by) something not e-mail
    customer = CustomerFactory(**fields)
    order = order_for(customer, channel="phone")
    # when they are told something and the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        message = _notify(order)
    # then the contact is on their channel, marked to do: nothing claims it was sent
    message.refresh_from_db()
    assert (message.channel, message.outcome) == (channel, C.Outcome.PENDING)
    assert message.sent_at is None
    assert mail.outbox == []


def test_confirmation_goes_by_the_customers_preferred_channel(
    verified_order, processor, tomorrow, django_capture_on_commit_callbacks
):
    # given a verified order from a customer who prefers the phone
    customer = CustomerFactory(preferred_channel="phone")
    order = verified_order(customer=customer)
    # when it is confirmed
    with django_capture_on_commit_callbacks(execute=True):
        order_confirm(order=order, actor=processor, promised_date=tomorrow)
    # then a phone call is waiting to be made, with what to say, and no e-mail went
    call = order.communications.get(purpose=C.Purpose.CONFIRMATION)
    assert (call.channel, call.outcome) == (C.Channel.PHONE, C.Outcome.PENDING)
    assert f"Delivery by {tomorrow:%A %d %B %Y}" in call.content
    assert mail.outbox == []


def test_send_twice_sends_one_email(order_for, customer):
    # given a queued e-mail
    order = order_for(customer, channel="web")
    queued = order.communications.get()
    assert queued.outcome == C.Outcome.QUEUED
    # when it is sent twice (a task delivered twice)
    communication_send(communication_id=queued.pk, worker=WORKER)
    communication_send(communication_id=queued.pk, worker=WORKER)
    # then one e-mail went, and one "sent" event names the worker
    assert len(mail.outbox) == 1
    sent = order.events.get(kind=OrderEvent.Kind.COMMUNICATION_SENT)
    assert sent.worker == WORKER


def test_send_does_not_email_a_contact_left_for_a_person(order_for):
    # given a phone contact waiting to be made
    customer = CustomerFactory(preferred_channel="phone")
    order = order_for(customer, channel="web")
    todo = order.communications.get()
    # when the send task is run for it anyway
    communication_send(communication_id=todo.pk, worker=WORKER)
    # then nothing was e-mailed and it is still to do
    assert mail.outbox == []
    assert Communication.objects.get(pk=todo.pk).outcome == C.Outcome.PENDING


def test_mark_failed_records_an_email_that_could_not_be_sent(order_for, customer):
    # given a queued e-mail
    order = order_for(customer, channel="web")
    queued = order.communications.get()
    # when every retry has failed
    communication_mark_failed(communication_id=queued.pk, worker=WORKER)
    # then it is recorded as failed, so a person can see and try another way
    assert Communication.objects.get(pk=queued.pk).outcome == C.Outcome.FAILED
    event = order.events.get(kind=OrderEvent.Kind.COMMUNICATION_SENT)
    assert (event.worker, event.data["outcome"]) == (WORKER, "failed")


def test_mark_failed_leaves_a_sent_email_alone(order_for, customer):
    # given an e-mail already sent
    order = order_for(customer, channel="web")
    queued = order.communications.get()
    communication_send(communication_id=queued.pk, worker=WORKER)
    # when a late failure report arrives
    communication_mark_failed(communication_id=queued.pk, worker=WORKER)
    # then it is still recorded as sent
    assert Communication.objects.get(pk=queued.pk).outcome == C.Outcome.SENT


def _mail_server_down(monkeypatch):
    def refuse(**_):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("orders.services.communications.send_mail", refuse)


def test_send_task_retries_while_the_mail_server_is_down(
    order_for, customer, monkeypatch
):
    # given a queued e-mail and a mail server that refuses connections
    order = order_for(customer, channel="web")
    queued = order.communications.get()
    _mail_server_down(monkeypatch)
    # when the task runs, then it asks to be retried and the e-mail stays queued
    with pytest.raises(Retry):
        communication_send_task.apply(kwargs={"communication_id": queued.pk})
    assert Communication.objects.get(pk=queued.pk).outcome == C.Outcome.QUEUED


def test_send_task_marks_the_email_failed_on_its_last_retry(
    order_for, customer, monkeypatch
):
    # given a queued e-mail and a mail server that stays down
    order = order_for(customer, channel="web")
    queued = order.communications.get()
    _mail_server_down(monkeypatch)
    # when the task's last retry fails
    communication_send_task.apply(
        kwargs={"communication_id": queued.pk},
        retries=communication_send_task.max_retries,
    )
    # then it is recorded as failed and nothing was sent
    assert Communication.objects.get(pk=queued.pk).outcome == C.Outcome.FAILED
    assert mail.outbox == []


def test_record_logs_a_call_with_who_made_it(order_for, customer, processor):
    # given an order
    order = order_for(customer, channel="web")
    # when a processor logs a call from the customer
    call = communication_record(
        order=order,
        actor=processor,
        channel="phone",
        direction=C.Direction.INBOUND,
        purpose="query",
        content="  Asked when it will arrive.  ",
        outcome="received",
    )
    # then it is kept as said, with who took it, and in the trail
    assert call.content == "Asked when it will arrive."
    assert (call.actor, call.direction) == (processor, C.Direction.INBOUND)
    event = order.events.filter(kind=OrderEvent.Kind.COMMUNICATION).latest("pk")
    assert (event.actor, event.data["communication_id"]) == (processor, call.pk)


def test_record_refuses_bad_input_naming_every_problem(order_for, customer, processor):
    # given an order
    order = order_for(customer, channel="web")
    before = order.communications.count()
    # when a contact is logged with nothing valid, then every problem is named
    with pytest.raises(OrderRuleError) as refused:
        communication_record(
            order=order,
            actor=processor,
            channel="pigeon",
            purpose="gossip",
            content=" ",
            outcome="maybe",
        )
    for message in ("channel", "purpose", "outcome", "what was said"):
        assert message in str(refused.value)
    assert order.communications.count() == before
