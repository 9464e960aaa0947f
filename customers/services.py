from django.db import transaction

from .models import Customer


@transaction.atomic
def customer_create(**fields) -> Customer:
    """Add a customer after validating every field as the admin form would."""
    customer = Customer(**fields)
    customer.full_clean()
    customer.save()
    return customer
