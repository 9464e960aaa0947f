"""Fixtures shared by every test folder.

Unit tests run Celery tasks eagerly (inside the test, when the on-commit callback
fires); tests/integration switches that off and uses a real worker.
"""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from inventory.services import stock_pool_live, stock_receive
from orders.services import (
    LineInput,
    order_confirm,
    order_dispatch,
    order_receive,
    order_start_fulfilment,
    shipment_record_delivery,
    verification_run,
)

from .factories import CustomerFactory, ProductFactory, UserFactory

celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True

APPROVE_CARD = "4242424242424242"
DECLINE_CARD = "4000000000000002"
INSUFFICIENT_FUNDS_CARD = "4000000000009995"
TIMEOUT_CARD = "4000000000000119"


@pytest.fixture
def processor(db):
    return UserFactory(role="processor")


@pytest.fixture
def dispatcher(db):
    return UserFactory(role="dispatcher")


@pytest.fixture
def supervisor(db):
    return UserFactory(role="supervisor")


@pytest.fixture
def learner(db):
    return UserFactory(role="learner")


@pytest.fixture
def assessor(db):
    return UserFactory(role="assessor")


@pytest.fixture
def live_pool(db):
    return stock_pool_live()


@pytest.fixture
def customer(db):
    return CustomerFactory()


@pytest.fixture
def stocked_product(live_pool):
    """Make a product with this many units on hand in the live pool."""

    def make(quantity: int = 100, **fields):
        product = ProductFactory(**fields)
        if quantity:
            stock_receive(pool=live_pool, product=product, quantity=quantity)
        return product

    return make


@pytest.fixture
def receive(processor, customer):
    """Receive an order through the service (checks not yet run)."""

    def make(lines, *, by=None, card=APPROVE_CARD, **fields):
        fields.setdefault("customer", customer)
        fields.setdefault("channel", "email")
        fields.setdefault("payment_method", "card")
        if fields["payment_method"] == "card":
            fields.setdefault("card_number", card)
        return order_receive(
            lines=[
                line if isinstance(line, LineInput) else LineInput(*line)
                for line in lines
            ],
            received_by=by or processor,
            **fields,
        )

    return make


@pytest.fixture
def verified_order(receive, stocked_product):
    """A received order whose checks all passed (status verified)."""

    def make(quantity: int = 2, **fields):
        product = stocked_product(100)
        order = receive([(product.code, quantity)], **fields)
        return verification_run(order_id=order.pk, worker="test-worker")

    return make


@pytest.fixture
def delivered_order(verified_order, processor, dispatcher, tomorrow):
    """A verified order confirmed, dispatched whole and delivered (status delivered)."""

    def make(**fields):
        order = verified_order(**fields)
        order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
        order = order_start_fulfilment(order=order, actor=dispatcher)
        shipment = order_dispatch(order=order, actor=dispatcher, carrier="DPD")
        shipment_record_delivery(shipment=shipment, actor=dispatcher)
        order.refresh_from_db()
        assert order.status == order.Status.DELIVERED
        return order

    return make


@pytest.fixture
def tomorrow():
    return timezone.localdate() + timedelta(days=1)


def skip_or_fail(reason: str) -> None:
    """Skip a test whose server is absent; fail instead in CI, where all must run."""
    if os.environ.get("ORDERDESK_REQUIRE_SERVICES"):
        pytest.fail(f"{reason} (ORDERDESK_REQUIRE_SERVICES is set)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _servers_for_markers(request):
    if request.node.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if request.node.get_closest_marker("redis"):
        from urllib.parse import urlsplit

        import redis
        from django.conf import settings

        url = settings.CELERY_BROKER_URL
        if not url.startswith(("redis://", "rediss://")):
            skip_or_fail("needs Redis: set CELERY_BROKER_URL=redis://...")
        where = f"{urlsplit(url).hostname}:{urlsplit(url).port or 6379}"
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        except redis.RedisError as error:
            skip_or_fail(f"needs Redis: no answer at {where} ({error})")
        finally:
            client.close()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default hasher costs ~0.5 s per user; tests make hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
