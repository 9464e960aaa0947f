"""What a customer record can tell about reaching them and their terms."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from customers.models import ContactChannel, Customer
from tests.factories import CustomerFactory

EMAIL_MISSING = "e-mail address (their preferred channel)"
PHONE_MISSING = "phone number (their preferred channel)"
NO_WAY_TO_REACH = "an e-mail address or phone number"


def test_complete_customer_has_nothing_missing(db):
    # given a customer with name, address, e-mail and phone
    customer = CustomerFactory()
    # then nothing is missing
    assert customer.missing_contact_details() == []


@pytest.mark.parametrize(
    ("preferred", "blanked", "missing"),
    [
        (ContactChannel.EMAIL, {"email": ""}, [EMAIL_MISSING]),
        (ContactChannel.PHONE, {"phone": ""}, [PHONE_MISSING]),
        (ContactChannel.SMS, {"phone": ""}, [PHONE_MISSING]),
        (ContactChannel.LETTER, {"postcode": ""}, ["postal address"]),
        (ContactChannel.LETTER, {"email": ""}, []),
        (ContactChannel.EMAIL, {"phone": ""}, []),
        (ContactChannel.PHONE, {"email": ""}, []),
    ],
    ids=[
        "email-without-email",
        "phone-without-phone",
        "sms-without-phone",
        "letter-without-postcode",
        "letter-without-email-is-fine",
        "email-without-phone-is-fine",
        "phone-without-email-is-fine",
    ],
)
def test_missing_details_follow_the_preferred_channel(db, preferred, blanked, missing):
    # given a customer who prefers a channel, with one detail blank
    customer = CustomerFactory(preferred_channel=preferred, **blanked)
    # then exactly the detail needed to reach them that way is reported missing
    assert customer.missing_contact_details() == missing


def test_customer_with_no_email_or_phone_cannot_be_reached(db):
    # given a customer who prefers letters and has neither e-mail nor phone
    customer = CustomerFactory(
        preferred_channel=ContactChannel.LETTER, email="", phone=""
    )
    # then they are reported unreachable by e-mail or phone
    assert customer.missing_contact_details() == [NO_WAY_TO_REACH]


def test_missing_details_list_every_gap(db):
    # given a record with a blank name, no town, no e-mail and no phone
    customer = CustomerFactory(name="  ", town="", email="", phone="")
    # then each gap is named, so a person can ask for all of them at once
    assert customer.missing_contact_details() == [
        "name",
        "postal address",
        EMAIL_MISSING,
        NO_WAY_TO_REACH,
    ]


@pytest.mark.parametrize("blank", ["address_line1", "town", "postcode"])
def test_postal_address_needs_first_line_town_and_postcode(db, blank):
    # given a letter customer missing one part of the address
    customer = CustomerFactory(preferred_channel=ContactChannel.LETTER, **{blank: ""})
    # then the postal address is reported missing
    assert "postal address" in customer.missing_contact_details()


def test_postal_address_joins_the_lines_that_are_filled_in(db):
    # given an address without a second line
    customer = CustomerFactory(
        address_line1="1 High Street",
        address_line2="",
        town="Leeds",
        postcode="LS1 1AA",
    )
    # then the address has one part per line and no blank line
    assert customer.postal_address == "1 High Street\nLeeds\nLS1 1AA"
    # and a second line appears in its place when there is one
    customer.address_line2 = "Flat 2"
    assert customer.postal_address == "1 High Street\nFlat 2\nLeeds\nLS1 1AA"


@pytest.mark.parametrize(
    ("terms", "on_account"),
    [
        (Customer.Terms.PREPAY, False),
        (Customer.Terms.ACCOUNT_30, True),
        (Customer.Terms.ACCOUNT_60, True),
    ],
)
def test_on_account_for_account_terms_only(db, terms, on_account):
    # given a customer on these terms, then they buy on account or not
    assert CustomerFactory(terms=terms).on_account is on_account


def test_negative_credit_limit_fails_validation(db):
    # given a customer with a credit limit below zero
    customer = CustomerFactory.build(credit_limit=Decimal("-0.01"))
    # when validated, then the credit limit is refused
    with pytest.raises(ValidationError) as refused:
        customer.full_clean()
    assert "credit_limit" in refused.value.message_dict


def test_database_refuses_negative_credit_limit(db):
    # given a customer
    customer = CustomerFactory(credit_limit=Decimal("500.00"))
    # when a raw update sets a negative credit limit, then the database refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(credit_limit=Decimal("-1"))
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("500.00")


def test_customer_reads_as_name_and_company(db):
    # given customers with and without a company, then each reads naturally
    assert (
        str(CustomerFactory(name="Ann Lee", company="Lee Ltd")) == "Ann Lee (Lee Ltd)"
    )
    assert str(CustomerFactory(name="Bo Tan", company="")) == "Bo Tan"
