"""A customer record cannot be saved with a phone number or postcode that is not a
UK one, whether added through customer_create, the admin, or corrected later."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import Customer
from customers.services import customer_correct_contact, customer_create
from customers.validators import is_uk_phone, is_uk_postcode, postcode_normalise
from tests.factories import CustomerFactory, UserFactory

VALID = {
    "name": "Priya Shah",
    "email": "priya@example.com",
    "phone": "0113 496 0000",
    "address_line1": "4 Park Row",
    "town": "Leeds",
    "postcode": "LS1 5HD",
    "preferred_channel": "email",
}


@pytest.mark.parametrize(
    "phone",
    [
        "0113 496 0000",  # Leeds, area code in full
        "(0113) 496 0000",
        "0113-496-0000",
        "020 7946 0958",  # London
        "01632 960123",  # Ofcom's drama range, no area
        "07700 900123",  # Ofcom's drama mobile range
        "07700900123",
        "+44 7700 900123",
        "+44 (0)113 496 0000",
        "0044 113 496 0000",
        "0300 123 4567",  # UK-wide
        "0800 123 4567",  # freephone
        "07911 123456",  # an allocated mobile range
    ],
)
def test_uk_phone_numbers_as_people_write_them_are_accepted(phone):
    assert is_uk_phone(phone)


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "0113 496 000",  # a digit short
        "0113 496 00000",  # a digit too many
        "113 496 0000",  # no leading 0 or +44
        "+1 212 555 0100",  # not a UK number
        "+353 1 234 5678",
        "0909 879 0000",  # premium rate: not a customer's number
        "076 1234 5678",  # not allocated
        "07911 123456 ext 2",  # extensions go in the notes
        "call me",
        "0" * 40,
    ],
)
def test_other_phone_numbers_are_refused(phone):
    assert not is_uk_phone(phone)


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("LS1 5HD", "LS1 5HD"),
        ("ls15hd", "LS1 5HD"),
        ("  ec1a   1bb ", "EC1A 1BB"),
        ("M1 1AE", "M1 1AE"),
    ],
)
def test_postcodes_in_any_case_and_spacing_are_accepted_and_tidied(typed, saved):
    assert is_uk_postcode(typed)
    assert postcode_normalise(typed) == saved


@pytest.mark.parametrize("postcode", ["LEEDS", "LS1", "LS1 5H", "12345", "LS1 5HDX"])
def test_other_postcodes_are_refused(postcode):
    assert not is_uk_postcode(postcode)


def test_the_factory_makes_valid_customers(db):
    # the test data every other test uses passes the record's own validation
    CustomerFactory().full_clean()


def test_customer_create_tidies_the_postcode_and_phone(db):
    # when a customer is added with a lower-case postcode and odd spacing
    customer = customer_create(
        **{**VALID, "postcode": "ls15hd", "phone": " 0113  496 0000 "}
    )
    # then they are saved written the usual way
    saved = Customer.objects.get(pk=customer.pk)
    assert (saved.postcode, saved.phone) == ("LS1 5HD", "0113 496 0000")


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        ({"phone": "0113 496"}, "phone", "Enter a UK phone number"),
        ({"phone": "+1 212 555 0100"}, "phone", "Enter a UK phone number"),
        ({"postcode": "LEEDS 1"}, "postcode", "Enter a UK postcode"),
    ],
    ids=["short-phone", "foreign-phone", "bad-postcode"],
)
def test_customer_create_refuses_a_bad_phone_or_postcode(db, bad, field, message):
    # when a customer with a bad phone number or postcode is added
    with pytest.raises(ValidationError) as refused:
        customer_create(**{**VALID, **bad})
    # then the field is named with a message saying what to enter, and nothing saved
    assert message in " ".join(refused.value.message_dict[field])
    assert not Customer.objects.exists()


def test_blank_phone_and_postcode_are_still_allowed(db):
    # a customer who gave neither can be recorded (the checks query it later)
    customer = customer_create(**{**VALID, "phone": "", "postcode": ""})
    assert Customer.objects.get(pk=customer.pk).phone == ""


def test_the_admin_refuses_a_bad_phone_number(client, db):
    # given an administrator on the admin's add-customer page
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:customers_customer_add")
    data = {
        **VALID,
        "phone": "12345",
        "postcode": "nowhere",
        "terms": "prepay",
        "credit_limit": "0",
        "consent_to_contact": "on",
    }
    # when a customer with a bad phone number and postcode is saved
    response = client.post(url, data)
    # then the page shows what to enter next to each field, and nothing is saved
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Enter a UK phone number" in " ".join(errors["phone"])
    assert "Enter a UK postcode" in " ".join(errors["postcode"])
    assert not Customer.objects.exists()
    # and with good details the customer is saved, the postcode tidied
    response = client.post(
        url, {**data, "phone": "0113 496 0000", "postcode": "ls1 5hd"}
    )
    assert response.status_code == 302
    assert Customer.objects.get().postcode == "LS1 5HD"


# --- customer_correct_contact ----------------------------------------------------


def test_correcting_contact_details_returns_what_changed(db):
    customer = CustomerFactory(phone="", postcode="LS1 1AA")
    changed = customer_correct_contact(
        customer=customer,
        changes={"phone": "07700 900123", "postcode": "ls1 1aa", "town": "Leeds"},
    )
    # only the phone really changed: the postcode was the same, once tidied
    assert changed == {"phone": ("", "07700 900123")}
    assert Customer.objects.get(pk=customer.pk).phone == "07700 900123"


def test_a_correction_is_not_blocked_by_an_old_bad_detail_it_does_not_touch(db):
    # given a record saved before phone numbers were checked
    customer = CustomerFactory(phone="not known", email="")
    # when only the e-mail address is corrected, then it is saved
    changed = customer_correct_contact(
        customer=customer, changes={"email": "ann@example.com"}
    )
    assert changed == {"email": ("", "ann@example.com")}
    # and the old phone entry is left as it was for a person to correct
    assert Customer.objects.get(pk=customer.pk).phone == "not known"


def test_a_bad_correction_saves_nothing(db):
    customer = CustomerFactory(phone="")
    with pytest.raises(ValidationError) as refused:
        customer_correct_contact(
            customer=customer, changes={"phone": "0113", "email": "x@example.com"}
        )
    assert "phone" in refused.value.message_dict
    saved = Customer.objects.get(pk=customer.pk)
    assert (saved.phone, saved.email) == ("", customer.email)


def test_only_contact_details_can_be_corrected(db):
    with pytest.raises(ValueError, match="Not contact details: name"):
        customer_correct_contact(customer=CustomerFactory(), changes={"name": "X"})
