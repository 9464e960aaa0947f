"""The contact page, letters, and the message templates pages: who may use them,
the happy paths, and bad input shown next to its field with nothing changed."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Communication, MessageTemplate, Order
from orders.services import order_confirm
from orders.services.messages import message_send
from tests.factories import CustomerFactory

C = Communication
P = Communication.Purpose


@pytest.fixture
def order(verified_order, processor, tomorrow) -> Order:
    customer = CustomerFactory(name="Grace Hopper", preferred_channel="phone")
    verified = verified_order(customer=customer)
    return order_confirm(
        order=verified,
        actor=processor,
        promised_date=tomorrow,
        expected_version=verified.version,
    )


def contact_url(order: Order, **query) -> str:
    url = reverse("orders:contact", args=[order.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


def error_next_to(response, field: str, message: str) -> bool:
    """The message is shown in the feedback element of that field."""
    html = unescape(response.content.decode())
    pattern = (
        rf'id="[^"]*{field}"[^>]*>.*?'
        rf"<(?:p|span|div)[^>]*invalid-feedback[^>]*>.*?{re.escape(message)}"
    )
    return re.search(pattern, html, re.S) is not None


def post_contact(client, order, **data):
    order.refresh_from_db()
    payload = {
        "version": order.version,
        "purpose": P.DELIVERY_CHECK,
        "channel": "phone",
        "subject": "Did it arrive?",
        "body": "Hello, did your order arrive safely?",
        "call_outcome": C.Outcome.REACHED,
        **data,
    }
    return client.post(contact_url(order), payload)


# -- contact page ------------------------------------------------------------------


def test_contact_page_recommends_a_channel_and_previews(client, processor, order):
    client.force_login(processor)
    # when a processor chooses the delivery check
    response = client.get(contact_url(order, purpose=P.DELIVERY_CHECK))
    # then the recommended channel and why, the call script and a preview show
    assert response.status_code == 200
    page = text(response)
    assert "Recommended because they prefer phone" in page
    assert "your call script" in page
    assert f"Did your order {order.reference} arrive safely?" in page
    assert "Dear Grace Hopper," in page


def test_the_order_page_links_to_the_contact_page(client, processor, order):
    client.force_login(processor)
    response = client.get(reverse("orders:detail", args=[order.pk]))
    assert contact_url(order) in response.content.decode()


def test_recording_a_call_redirects_to_the_order(client, processor, order):
    client.force_login(processor)
    response = post_contact(client, order)
    assert response.status_code == 302
    call = order.communications.get(purpose=P.DELIVERY_CHECK)
    assert (call.channel, call.outcome, call.actor) == (
        "phone",
        C.Outcome.REACHED,
        processor,
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"call_outcome": ""}, "call_outcome", "Record how the call went."),
        (
            {
                "call_outcome": C.Outcome.CALL_BACK,
                "call_back_at": (timezone.localtime() - timedelta(hours=1)).strftime(
                    "%Y-%m-%dT%H:%M"
                ),
            },
            "call_back_at",
            "That time has passed",
        ),
        (
            {"call_outcome": C.Outcome.CALL_BACK, "call_back_at": "soon"},
            "call_back_at",
            "Give a date and time",
        ),
        (
            {"call_outcome": C.Outcome.CALL_BACK, "call_back_at": "9999-12-31T10:00"},
            "call_back_at",
            "That is more than a year ahead: check the year.",
        ),
        ({"channel": "letter", "call_outcome": ""}, "override_reason", "Say why"),
        ({"channel": "pigeon"}, "channel", "Choose e-mail, phone, letter"),
        ({"body": ""}, "body", "Write the message."),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_recorded(
    client, processor, order, data, field, message
):
    client.force_login(processor)
    before = order.communications.count()
    response = post_contact(client, order, **data)
    assert response.status_code == 400
    assert error_next_to(response, field, message), text(response)
    assert order.communications.count() == before


def test_a_stale_page_is_refused_and_nothing_recorded(client, processor, order):
    client.force_login(processor)
    before = order.communications.count()
    order.refresh_from_db()
    response = post_contact(client, order, version=order.version - 1)
    assert response.status_code == 400
    assert "changed since you opened it" in text(response)
    response = post_contact(client, order, version="", purpose="gossip")
    assert response.status_code == 400
    assert "This page is out of date" in text(response)
    assert "Choose what the message is about" in text(response)
    assert order.communications.count() == before


def test_a_refusal_from_the_service_is_shown_and_nothing_recorded(
    client, processor, order
):
    # given a customer who did not agree to courtesy contact
    order.customer.consent_to_contact = False
    order.customer.save()
    client.force_login(processor)
    before = order.communications.count()
    # when a processor records a delivery check
    response = post_contact(client, order)
    # then the reason is shown and nothing is recorded
    assert response.status_code == 400
    assert "has not agreed to courtesy contact" in text(response)
    assert order.communications.count() == before


def test_an_unknown_purpose_is_shown_next_to_the_field(client, processor, order):
    client.force_login(processor)
    response = client.get(contact_url(order, purpose="gossip"))
    assert response.status_code == 400
    assert error_next_to(response, "purpose", "Choose what the message is about")


def test_a_letter_is_recorded_and_downloads_as_a_pdf(client, processor, order):
    client.force_login(processor)
    response = post_contact(
        client,
        order,
        channel="letter",
        call_outcome="",
        large_print="on",
        override_reason="They asked for a letter this time.",
    )
    assert response.status_code == 302
    letter = order.communications.get(channel="letter")
    assert letter.large_print
    page = client.get(response["Location"])
    url = reverse("orders:letter", args=[order.pk, letter.pk])
    assert url in page.content.decode()
    pdf = client.get(url)
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_letter_url_for_another_order_or_a_call_is_not_found(
    client, processor, order, verified_order
):
    client.force_login(processor)
    post_contact(client, order)
    call = order.communications.get(purpose=P.DELIVERY_CHECK)
    other = verified_order()
    assert (
        client.get(reverse("orders:letter", args=[order.pk, call.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("orders:letter", args=[other.pk, call.pk])).status_code
        == 404
    )


@pytest.mark.parametrize("role", ["learner", "assessor"])
def test_contact_and_letters_are_refused_to_non_staff(client, request, role, order):
    client.force_login(request.getfixturevalue(role))
    letter = message_send(
        order=order,
        actor=request.getfixturevalue("processor"),
        purpose=P.OTHER,
        channel="letter",
        subject="s",
        body="b",
        override_reason="asked",
    )
    assert client.get(contact_url(order)).status_code == 403
    assert post_contact(client, order).status_code == 403
    assert (
        client.get(reverse("orders:letter", args=[order.pk, letter.pk])).status_code
        == 403
    )


def test_a_dispatcher_may_contact_the_customer(client, dispatcher, order):
    client.force_login(dispatcher)
    assert client.get(contact_url(order)).status_code == 200


def test_contact_needs_signing_in(client, order):
    response = client.get(contact_url(order))
    assert response.status_code == 302
    assert "sign-in" in response["Location"]


# -- message templates -------------------------------------------------------------


def edit_url(purpose=P.DISPATCH_NOTICE, variant="standard") -> str:
    return reverse("orders:message_template_edit", args=[purpose, variant])


def test_templates_list_shows_every_purpose(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("orders:message_templates"))
    assert response.status_code == 200
    page = text(response)
    for _, label in P.choices:
        assert label in page
    assert edit_url(P.REFUND, "large-print") in response.content.decode()


@pytest.mark.parametrize("role", ["processor", "dispatcher", "learner"])
def test_templates_pages_are_for_supervisors_only(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("orders:message_templates")).status_code == 403
    assert client.get(edit_url()).status_code == 403
    response = client.post(edit_url(), {"action": "save", "subject": "x", "body": "y"})
    assert response.status_code == 403
    assert not MessageTemplate.objects.exists()


def test_supervisor_previews_saves_and_restores(client, supervisor, order):
    client.force_login(supervisor)
    data = {
        "subject": "Sent: {{ order.reference }}",
        "body": "Hello {{ customer.name }}",
        "preview_order": order.pk,
    }
    # previewing shows the wording filled in, and saves nothing
    response = client.post(edit_url(), {**data, "action": "preview"})
    assert response.status_code == 200
    assert f"Sent: {order.reference}" in text(response)
    assert "Hello Grace Hopper" in text(response)
    assert not MessageTemplate.objects.exists()
    # saving keeps it
    response = client.post(edit_url(), {**data, "action": "save"})
    assert response.status_code == 302
    saved = MessageTemplate.objects.get()
    assert (saved.purpose, saved.large_print, saved.updated_by) == (
        P.DISPATCH_NOTICE,
        False,
        supervisor,
    )
    # restoring removes it
    response = client.post(edit_url(), {"action": "restore"})
    assert response.status_code == 302
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"body": "{% if order.reference %}Hello"}, "body", "template error"),
        ({"subject": "Order {% endif %}"}, "subject", "template error"),
        ({"body": ""}, "body", "Write the message."),
        ({"body": "{{ order.reference|bogus }}"}, "body", "template error"),
    ],
)
def test_bad_template_text_is_shown_next_to_the_field_and_not_saved(
    client, supervisor, order, data, field, message
):
    client.force_login(supervisor)
    payload = {
        "action": "save",
        "subject": "Subject",
        "body": "Body",
        "preview_order": order.pk,
        **data,
    }
    response = client.post(edit_url(), payload)
    assert response.status_code == 400
    assert error_next_to(response, field, message), text(response)
    assert not MessageTemplate.objects.exists()


def test_unknown_purpose_or_variant_is_not_found(client, supervisor):
    client.force_login(supervisor)
    assert client.get(edit_url("gossip")).status_code == 404
    assert client.get(edit_url(variant="tiny")).status_code == 404


def test_a_large_print_letter_is_laid_out_in_large_type(processor, order):
    # given a letter recorded in large print
    from django.template.loader import render_to_string

    from orders.documents import LETTERHEAD, render_document

    letter = message_send(
        order=order,
        actor=processor,
        purpose=P.OTHER,
        channel="letter",
        subject="About your order",
        body="Hello",
        large_print=True,
        override_reason="asked for a letter",
    )
    context = {
        "order": order,
        "customer": order.customer,
        "communication": letter,
        "letterhead": LETTERHEAD,
        "pdf": True,
    }
    html = render_to_string("orders/documents/letter.html", context)
    # when WeasyPrint lays it out, then the body text is at least 16pt (RNIB)
    document = render_document(html, base_url="http://testserver/orders/")

    def texts(box):
        if hasattr(box, "text"):
            yield box.text, box.style["font_size"]
        for child in getattr(box, "children", []):
            yield from texts(child)

    sizes = dict(texts(document.pages[0]._page_box))
    # 16pt is 21.3px (WeasyPrint reports pixels); the standard letter is 10.5pt
    assert sizes["Hello"] >= 21
    assert "large-print" in html
