"""Messages to the customer: wording per purpose, the right channel, sent once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from orders.exceptions import OrderInputError, OrderRuleError, StaleOrderError
from orders.message_templates import BUILT_IN
from orders.models import Communication, MessageTemplate, OrderEvent
from orders.services import communication_send, order_confirm
from orders.services.messages import (
    MessageTemplateError,
    channel_for,
    message_render,
    message_send,
    message_template_restore,
    message_template_save,
)
from orders.tasks import communication_send_task
from tests.factories import CustomerFactory

C = Communication
P = Communication.Purpose


@pytest.fixture
def confirmed_order(verified_order, processor, tomorrow):
    """A confirmed order for 2 units (promised for tomorrow) for a new customer."""

    def make(**customer_fields):
        customer = CustomerFactory(name="Grace Hopper", **customer_fields)
        order = verified_order(customer=customer, customer_po_ref="PO-77")
        return order_confirm(
            order=order,
            actor=processor,
            promised_date=tomorrow,
            expected_version=order.version,
        )

    return make


def _send(order, actor, **fields):
    fields.setdefault("purpose", P.DISPATCH_NOTICE)
    fields.setdefault("channel", C.Channel.EMAIL)
    fields.setdefault("subject", "Your order is on its way")
    fields.setdefault("body", "It left our warehouse today.")
    order.refresh_from_db()
    return message_send(
        order=order, actor=actor, expected_version=order.version, **fields
    )


# -- rendering -----------------------------------------------------------------------


def test_every_purpose_has_built_in_wording():
    # given the purposes a communication can have
    # then each has a built-in subject and body
    assert set(BUILT_IN) == set(P.values)


@pytest.mark.parametrize("purpose", P.values)
def test_every_purpose_renders_with_the_orders_details(
    purpose, confirmed_order, processor
):
    # given a confirmed order for Grace Hopper
    order = confirmed_order()
    # when the message for the purpose is rendered
    subject, body = message_render(order=order, purpose=purpose, sender=processor)
    # then it names the order and greets the customer, with no template left over
    assert order.reference in subject
    assert body.startswith("Dear Grace Hopper,")
    assert order.reference in body
    assert "{{" not in body
    assert "{%" not in body
    assert "\n" not in subject


def test_confirmation_states_the_goods_total_and_promised_date(
    confirmed_order, processor, tomorrow
):
    # given a confirmed order
    order = confirmed_order()
    line = order.lines.get()
    # when its confirmation is rendered
    _, body = message_render(order=order, purpose=P.CONFIRMATION, sender=processor)
    # then the customer sees what, how much, when, and their own reference
    assert f"2 x {line.description} ({line.product_code})" in body
    assert f"£{order.gross_total:.2f}" in body
    assert tomorrow.strftime("%-d %B %Y") in body
    assert "PO-77" in body
    assert (processor.get_full_name() or processor.username) in body


def test_optional_extras_appear_when_given(confirmed_order):
    # given an order and a feedback link
    order = confirmed_order()
    # when the satisfaction request is rendered with and without the link
    _, with_link = message_render(
        order=order,
        purpose=P.SATISFACTION_REQUEST,
        extra={"feedback_url": "https://example.test/f/abc"},
    )
    _, without = message_render(order=order, purpose=P.SATISFACTION_REQUEST)
    # then the link is there only when given
    assert "https://example.test/f/abc" in with_link
    assert "https://" not in without


def test_supervisors_wording_overrides_the_built_in(confirmed_order, supervisor):
    # given a supervisor's own wording for the large-print dispatch notice
    order = confirmed_order()
    message_template_save(
        actor=supervisor,
        purpose=P.DISPATCH_NOTICE,
        large_print=True,
        subject="On its way: {{ order.reference }}",
        body="Hello {{ customer.name }}, it is coming.",
    )
    # when the dispatch notice is rendered in each variant
    large = message_render(order=order, purpose=P.DISPATCH_NOTICE, large_print=True)
    standard = message_render(order=order, purpose=P.DISPATCH_NOTICE)
    # then large print uses the saved wording and standard keeps the built-in one
    assert large == (
        f"On its way: {order.reference}",
        "Hello Grace Hopper, it is coming.",
    )
    assert standard[0] == f"Your order {order.reference} has been dispatched"
    # and restoring the built-in wording brings it back
    assert message_template_restore(
        actor=supervisor, purpose=P.DISPATCH_NOTICE, large_print=True
    )
    assert (
        message_render(order=order, purpose=P.DISPATCH_NOTICE, large_print=True)[0]
        == standard[0]
    )


def test_large_print_uses_the_saved_standard_wording_until_it_has_its_own(
    confirmed_order, supervisor
):
    # given a supervisor's standard wording for the refund, and none for large print
    order = confirmed_order()
    message_template_save(
        actor=supervisor,
        purpose=P.REFUND,
        large_print=False,
        subject="Refund for {{ order.reference }}",
        body="Money back.",
    )
    # when the large-print refund is rendered, then it says the same words
    assert message_render(order=order, purpose=P.REFUND, large_print=True) == (
        f"Refund for {order.reference}",
        "Money back.",
    )


def test_template_with_a_syntax_error_is_refused_and_nothing_saved(supervisor):
    # when a supervisor saves wording with an unclosed if
    with pytest.raises(MessageTemplateError, match="template error"):
        message_template_save(
            actor=supervisor,
            purpose=P.REFUND,
            large_print=False,
            subject="Refund",
            body="{% if order.reference %}Hello",
        )
    # then nothing is saved
    assert not MessageTemplate.objects.exists()


def test_only_a_supervisor_saves_wording(processor):
    with pytest.raises(OrderRuleError, match="supervisor"):
        message_template_save(
            actor=processor,
            purpose=P.REFUND,
            large_print=False,
            subject="Refund",
            body="Hello",
        )
    assert not MessageTemplate.objects.exists()


def test_a_broken_saved_template_is_a_clear_error_not_a_crash(confirmed_order):
    # given wording saved directly with an error (e.g. before validation existed)
    order = confirmed_order()
    MessageTemplate.objects.create(
        purpose=P.REFUND, subject="Refund", body="{% for x in %}"
    )
    # when it is rendered, then the error says what is wrong
    with pytest.raises(MessageTemplateError, match="body has a template error"):
        message_render(order=order, purpose=P.REFUND)


def test_the_sandbox_cannot_load_files_or_libraries(confirmed_order):
    order = confirmed_order()
    for text in ('{% include "base.html" %}', "{% load static %}", "{% debug %}"):
        MessageTemplate.objects.update_or_create(
            purpose=P.OTHER, large_print=False, defaults={"subject": "x", "body": text}
        )
        with pytest.raises(MessageTemplateError):
            message_render(order=order, purpose=P.OTHER)


# -- channel -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preferred", "needs", "expected", "large"),
    [
        ("email", "", "email", False),
        ("letter", "", "letter", False),
        ("letter", "Large print, please", "letter", True),
        ("email", "phone only", "phone", False),
        ("phone", "Deaf: BSL user", "sms", False),
        ("email", "BSL user", "email", False),
        ("phone", "text only", "sms", False),
    ],
)
def test_channel_follows_preference_and_needs(db, preferred, needs, expected, large):
    # given a customer's preference and accessibility needs
    customer = CustomerFactory(preferred_channel=preferred, accessibility_needs=needs)
    # when the channel is chosen
    channel, large_print, why = channel_for(customer)
    # then it suits them, and the reason is given in words
    assert (channel, large_print) == (expected, large)
    assert why.startswith("Recommended because")


def test_channel_falls_back_when_the_details_are_missing(db):
    customer = CustomerFactory(preferred_channel="email", email="")
    channel, _, why = channel_for(customer)
    assert channel == "phone"
    assert "no e-mail details are recorded" in why


# -- sending -----------------------------------------------------------------------


def test_email_is_sent_exactly_once_even_if_the_task_runs_twice(
    confirmed_order, processor, django_capture_on_commit_callbacks
):
    # given a customer who prefers e-mail
    order = confirmed_order()
    mail.outbox.clear()
    # when a processor sends the dispatch notice and the task runs (then runs again)
    with django_capture_on_commit_callbacks(execute=True):
        communication = _send(order, processor)
    communication_send_task.apply(kwargs={"communication_id": communication.pk})
    communication_send(communication_id=communication.pk)
    # then one e-mail went, recorded as sent
    (sent,) = mail.outbox
    assert sent.subject == "Your order is on its way"
    communication.refresh_from_db()
    assert communication.outcome == C.Outcome.SENT
    # and the order's trail records it; the page's version moved on
    event = order.events.filter(kind=OrderEvent.Kind.COMMUNICATION).last()
    assert event.data["communication_id"] == communication.pk
    assert event.actor == processor


def test_a_stale_page_is_refused(confirmed_order, processor):
    order = confirmed_order()
    _send(order, processor)
    with pytest.raises(StaleOrderError):
        message_send(
            order=order,
            actor=processor,
            purpose=P.OTHER,
            channel="email",
            subject="s",
            body="b",
            expected_version=order.version - 1,
        )


def test_another_channel_needs_a_reason(confirmed_order, processor):
    # given a customer who prefers e-mail
    order = confirmed_order()
    before = C.objects.count()
    # when a processor writes a letter without saying why
    with pytest.raises(OrderRuleError, match="Give the reason"):
        _send(order, processor, channel=C.Channel.LETTER)
    # then nothing is recorded
    assert C.objects.count() == before
    # and with a reason the letter is recorded, to print, with the reason
    letter = _send(
        order,
        processor,
        channel=C.Channel.LETTER,
        large_print=True,
        override_reason="Their e-mail bounced last week.",
    )
    assert (letter.outcome, letter.large_print) == (C.Outcome.PENDING, True)
    assert letter.channel_override_reason == "Their e-mail bounced last week."


def test_phone_call_records_its_outcome(confirmed_order, processor):
    # given a customer who prefers phone
    order = confirmed_order(preferred_channel="phone")
    mail.outbox.clear()
    # when a processor records a delivery check call that reached them
    call = _send(
        order,
        processor,
        purpose=P.DELIVERY_CHECK,
        channel="phone",
        call_outcome=C.Outcome.REACHED,
    )
    # then the call is recorded with its outcome, and no e-mail goes
    assert (call.channel, call.outcome) == ("phone", C.Outcome.REACHED)
    assert mail.outbox == []


def test_a_call_without_an_outcome_is_refused(confirmed_order, processor):
    order = confirmed_order(preferred_channel="phone")
    with pytest.raises(OrderRuleError, match="Record how the call went"):
        _send(order, processor, channel="phone")


def test_call_back_must_be_in_the_future(confirmed_order, processor):
    # given a customer who asked to be called back
    order = confirmed_order(preferred_channel="phone")
    before = C.objects.count()
    # when the call-back time given has passed, then it is refused
    with pytest.raises(OrderRuleError, match="in the future"):
        _send(
            order,
            processor,
            channel="phone",
            call_outcome=C.Outcome.CALL_BACK,
            call_back_at=timezone.now() - timedelta(minutes=5),
        )
    with pytest.raises(OrderRuleError, match="date and time"):
        _send(order, processor, channel="phone", call_outcome=C.Outcome.CALL_BACK)
    assert C.objects.count() == before
    # and a time tomorrow is recorded
    when = timezone.now() + timedelta(days=1)
    call = _send(
        order,
        processor,
        channel="phone",
        call_outcome=C.Outcome.CALL_BACK,
        call_back_at=when,
    )
    assert (call.outcome, call.call_back_at) == (C.Outcome.CALL_BACK, when)


@pytest.mark.parametrize("days_ahead", [367, 2_900_000])
def test_call_back_more_than_a_year_ahead_is_refused(
    confirmed_order, processor, days_ahead
):
    # given a customer who asked to be called back
    order = confirmed_order(preferred_channel="phone")
    before = C.objects.count()
    # when the call-back is given in a mistyped year, then it is refused on that field
    with pytest.raises(OrderInputError) as refused:
        _send(
            order,
            processor,
            channel="phone",
            call_outcome=C.Outcome.CALL_BACK,
            call_back_at=timezone.now() + timedelta(days=days_ahead),
        )
    assert refused.value.errors == {
        "call_back_at": ["That is more than a year ahead: check the year."]
    }
    assert C.objects.count() == before


def test_no_courtesy_contact_without_consent(confirmed_order, processor):
    # given a customer who did not agree to courtesy contact
    order = confirmed_order(consent_to_contact=False)
    before = C.objects.count()
    # when a satisfaction request or delivery check is sent, then it is refused
    for purpose in (P.SATISFACTION_REQUEST, P.DELIVERY_CHECK, P.FOLLOW_UP):
        with pytest.raises(OrderRuleError, match="not agreed to courtesy contact"):
            _send(order, processor, purpose=purpose)
    assert C.objects.count() == before
    # but a dispatch notice (not courtesy contact) still goes
    assert _send(order, processor).outcome in (C.Outcome.QUEUED, C.Outcome.SENT)


def test_no_email_to_a_customer_without_an_address(confirmed_order, processor):
    order = confirmed_order(email="", preferred_channel="phone")
    with pytest.raises(OrderRuleError, match="has no e-mail address recorded"):
        _send(order, processor, override_reason="They asked for e-mail.")


def test_a_learner_cannot_send(confirmed_order, learner):
    order = confirmed_order()
    with pytest.raises(OrderRuleError):
        _send(order, learner)


def test_an_empty_message_is_refused(confirmed_order, processor):
    order = confirmed_order()
    with pytest.raises(OrderRuleError, match="Write the message"):
        _send(order, processor, body="   ")
