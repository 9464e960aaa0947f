"""`manage.py seed_demo`: the demo data `make run` loads, and loading it twice."""

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.test import RequestFactory, override_settings

from accounts.models import Role, User
from customers.models import ContactChannel, Customer
from customers.validators import UK_POSTCODE
from inventory.models import PRODUCT_CODE_PATTERN, Product, StockLevel, StockMovement
from inventory.selectors import stock_ledger_mismatches
from orders.models import (
    Check,
    Communication,
    Order,
    OrderEvent,
    OrderException,
    OrderLine,
    Shipment,
)

ROLES = [role.value for role in Role]
S, X = Order.Status, OrderException.Kind


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Load the demo data once for this module, and roll it back afterwards.

    Loading takes seconds; each test runs inside its own savepoint on top of it, so
    the other test modules never see the demo data.
    """
    out = StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        # The demo passwords are checked, not attacked: a fast hasher will do.
        with override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ):
            call_command("seed_demo", stdout=out)
            yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def output(seeded, db):
    return seeded


def counts() -> dict[str, int]:
    models = (
        User,
        Customer,
        Product,
        StockLevel,
        StockMovement,
        Order,
        OrderLine,
        Check,
        OrderException,
        OrderEvent,
        Communication,
        Shipment,
    )
    return {model.__name__: model.objects.count() for model in models}


def sign_in_request():
    """Sign-in goes through django-axes, which needs the request it throttles."""
    return RequestFactory().post("/accounts/sign-in/")


def test_each_role_has_an_account_in_its_group_whose_password_works(output):
    for role in ROLES:
        user = authenticate(
            sign_in_request(), username=role, password=f"orderdesk-{role}"
        )
        assert user is not None, role
        assert set(user.groups.values_list("name", flat=True)) == {role}
        assert user.get_full_name()
    admin = authenticate(
        sign_in_request(), username="admin", password="orderdesk-admin"
    )
    assert admin is not None
    assert admin.is_superuser
    assert admin.is_staff


def test_the_accounts_table_lists_each_username_with_its_password(output):
    for username in [*ROLES, "admin"]:
        assert re.search(
            rf"^\s*{username}\s.*\sorderdesk-{username}$", output, re.MULTILINE
        ), username


def test_the_catalogue_has_about_fifty_products_with_valid_codes_and_rates(output):
    products = list(Product.objects.all())
    assert 45 <= len(products) <= 60
    assert all(re.fullmatch(PRODUCT_CODE_PATTERN, p.code) for p in products)
    assert {p.pack_size for p in products} >= {1, 5, 10, 12}
    assert {str(p.vat_rate) for p in products} >= {"0.000", "0.050", "0.200"}
    assert sum(not p.active for p in products) >= 2


def test_stock_is_plentiful_scarce_or_out_with_restock_dates(output):
    levels = list(StockLevel.objects.filter(product__active=True))
    out = [level for level in levels if level.available == 0]
    assert any(level.restock_date for level in out)
    assert any(level.restock_date is None for level in out)
    assert sum(1 <= level.available <= 5 for level in levels) >= 2
    assert sum(level.available > 20 for level in levels) > len(levels) / 2


def test_the_stock_ledger_agrees_with_the_levels(output):
    assert stock_ledger_mismatches() == []


def test_customers_vary_in_channel_needs_consent_and_terms(output):
    customers = list(Customer.objects.all())
    assert 25 <= len(customers) <= 35
    assert {c.preferred_channel for c in customers} == set(ContactChannel.values)
    assert sum(bool(c.accessibility_needs) for c in customers) >= 3
    assert {c.consent_to_contact for c in customers} == {True, False}
    assert {c.terms for c in customers} >= {"prepay", "account_30", "account_60"}
    assert any(c.on_hold for c in customers)
    assert any(not c.phone for c in customers)
    assert any(not c.email for c in customers)
    assert all(UK_POSTCODE.match(c.postcode) for c in customers)
    assert all(c.email.endswith("@example.com") for c in customers if c.email)
    assert all(c.phone.startswith("07700 900") for c in customers if c.phone)


def test_about_forty_orders_cover_every_status_but_the_transient_one(output):
    statuses = set(Order.objects.values_list("status", flat=True))
    assert 35 <= Order.objects.count() <= 50
    assert statuses >= set(S.values) - {S.VERIFYING}


def test_orders_were_received_over_the_last_three_weeks(output):
    received = sorted(Order.objects.values_list("received_at", flat=True))
    assert (received[-1] - received[0]).days >= 14


def test_an_exception_of_each_kind_is_open_on_a_held_order(output):
    open_exceptions = OrderException.objects.filter(status="open")
    kinds = set(open_exceptions.values_list("kind", flat=True))
    assert kinds >= {
        X.OUT_OF_STOCK,
        X.PAYMENT_DECLINED,
        X.PRICE_MISMATCH,
        X.UNKNOWN_PRODUCT,
        X.DUPLICATE,
        X.CREDIT_LIMIT,
    }
    assert {e.order.status for e in open_exceptions} == {S.ON_HOLD}


def test_resolved_exceptions_have_steps_and_a_phone_call_to_the_customer(output):
    resolved = OrderException.objects.filter(status="resolved", customer_informed=True)
    assert any(
        e.steps.exists()
        and e.communication is not None
        and e.communication.channel == Communication.Channel.PHONE
        for e in resolved
    )


def test_one_order_being_fulfilled_has_a_part_shipment(output):
    assert Shipment.objects.filter(order__status=S.FULFILLING).exists()


def test_every_order_has_events_ending_in_its_status(output):
    for order in Order.objects.all():
        last = order.events.order_by("at", "pk").last()
        assert last is not None, order.reference
        assert last.status_after == order.status, order.reference


def test_loading_again_changes_nothing_and_still_prints_the_accounts(output):
    before = counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == before
    assert "already loaded" in out.getvalue()
    assert "orderdesk-processor" in out.getvalue()
