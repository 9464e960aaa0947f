"""Every message goes the way that suits the customer: accessibility needs first,
whether a person sends it or a transition (acknowledgement, confirmation) does."""

from orders.services.channels import channel_for
from tests.factories import CustomerFactory


def test_a_deaf_customer_who_says_not_by_phone_is_written_to(db):
    customer = CustomerFactory(
        preferred_channel="phone",
        phone="07700 900123",
        accessibility_needs="Deaf: please contact me by text message, not by phone.",
    )
    channel, _large_print, why = channel_for(customer)
    assert channel == "sms"
    assert "not a voice call" in why


def test_a_blind_customer_is_phoned_whatever_they_prefer(db):
    customer = CustomerFactory(
        preferred_channel="email", accessibility_needs="Blind: phone only, please."
    )
    assert channel_for(customer)[0] == "phone"


def test_the_acknowledgement_of_an_order_follows_the_customers_needs(receive):
    # given a customer who prefers e-mail but can only use the phone
    customer = CustomerFactory(
        preferred_channel="email", accessibility_needs="Phone only, please."
    )
    # when an order arrives by post, the acknowledgement is a call to make, not an
    # e-mail sent
    order = receive([("ABC-1234", 1)], customer=customer, channel="post")
    acknowledgement = order.communications.get(purpose="acknowledgement")
    assert (acknowledgement.channel, acknowledgement.outcome) == ("phone", "pending")


def test_a_large_print_customer_gets_the_large_print_letter(receive):
    customer = CustomerFactory(
        preferred_channel="letter", accessibility_needs="Large print, please."
    )
    order = receive([("ABC-1234", 1)], customer=customer, channel="post")
    acknowledgement = order.communications.get(purpose="acknowledgement")
    assert acknowledgement.channel == "letter"
    assert acknowledgement.large_print
