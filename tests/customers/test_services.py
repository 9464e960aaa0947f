"""Adding a customer: validated like the admin form, and nothing saved if invalid."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from customers.models import Customer
from customers.services import customer_create

VALID = {
    "name": "Priya Shah",
    "company": "Shah Stationers",
    "email": "priya@example.com",
    "phone": "0113 496 0000",
    "address_line1": "4 Park Row",
    "town": "Leeds",
    "postcode": "LS1 5HD",
    "preferred_channel": "email",
}


def test_customer_create_saves_a_valid_customer(db):
    # when a complete customer is added
    customer = customer_create(
        **VALID, terms=Customer.Terms.ACCOUNT_30, credit_limit=Decimal("2500.00")
    )
    # then they are saved with their terms and can be reached
    saved = Customer.objects.get(pk=customer.pk)
    assert (saved.name, saved.email, saved.terms) == (
        "Priya Shah",
        "priya@example.com",
        "account_30",
    )
    assert saved.credit_limit == Decimal("2500.00")
    assert saved.on_account
    assert saved.missing_contact_details() == []


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"email": "priya.at.example.com"}, "email"),
        ({"name": ""}, "name"),
        ({"preferred_channel": "pigeon"}, "preferred_channel"),
        ({"terms": "account_90"}, "terms"),
        ({"credit_limit": Decimal("-100")}, "credit_limit"),
    ],
    ids=["bad-email", "no-name", "unknown-channel", "unknown-terms", "negative-limit"],
)
def test_customer_create_refuses_bad_input_and_saves_nothing(db, bad, field):
    # when a customer with one bad field is added
    with pytest.raises(ValidationError) as refused:
        customer_create(**{**VALID, **bad})
    # then that field is named in the error and no customer was saved
    assert field in refused.value.message_dict
    assert not Customer.objects.exists()
