from django.db import transaction

from .models import Customer

# The details a correction may change: how to reach the customer, not who they are
# or on what terms they buy.
CONTACT_FIELDS = (
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "preferred_channel",
)


@transaction.atomic
def customer_create(**fields) -> Customer:
    """Add a customer after validating every field as the admin form would."""
    customer = Customer(**fields)
    customer.full_clean()
    customer.save()
    return customer


@transaction.atomic
def customer_correct_contact(
    *, customer: Customer, changes: dict[str, str]
) -> dict[str, tuple[str, str]]:
    """Validate and save corrected contact details, as the admin form would.

    Returns {field: (before, after)} for each detail that really changed (after
    tidying: "ls11aa" is saved as "LS1 1AA"); nothing is saved if none did. Raises
    ValidationError, field by field, for a value the customer record refuses, and
    ValueError for a field that is not a contact detail.
    """
    unknown = sorted(set(changes) - set(CONTACT_FIELDS))
    if unknown:
        raise ValueError(f"Not contact details: {', '.join(unknown)}.")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    before = {name: getattr(customer, name) for name in CONTACT_FIELDS}
    for name, value in changes.items():
        setattr(customer, name, (value or "").strip())
    # Only the details being changed are validated: an old record's other fields,
    # saved before today's rules, do not block a correction.
    untouched = [
        f.name for f in Customer._meta.concrete_fields if f.name not in changes
    ]
    customer.full_clean(exclude=untouched)
    for name in CONTACT_FIELDS:
        if name not in changes:  # clean() tidies every field; keep only the asked-for
            setattr(customer, name, before[name])
    changed = {
        name: (before[name], getattr(customer, name))
        for name in CONTACT_FIELDS
        if getattr(customer, name) != before[name]
    }
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
    return changed
