"""Supervisors use the admin as the README says: they read orders, stock, events and
customers, assign each learner's assessor and edit the follow-up rules; they change
no record the services keep, and they never manage accounts."""

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.services import user_create
from followup.models import FollowUpRule
from orders.models import OrderEvent
from portfolio.services import portfolio_for
from tests.factories import CustomerFactory, OrderFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_supervisor():
    # Made as the demo data and real accounts are: a supervisor is staff.
    return user_create(
        username="sam-supervisor", password="not-used-here-1", role=Role.SUPERVISOR
    )


def test_supervisor_sees_orders_stock_customers_and_portfolios_in_the_admin(
    client, admin_supervisor
):
    client.force_login(admin_supervisor)

    index = client.get(reverse("admin:index"))

    assert index.status_code == 200
    shown = {app["app_label"] for app in index.context["app_list"]}
    assert {"orders", "inventory", "customers", "followup", "portfolio"} <= shown
    assert "accounts" not in shown  # accounts and roles are the superuser's


def test_supervisor_reads_an_order_with_its_lines_but_cannot_change_it(
    client, admin_supervisor
):
    order = OrderFactory()
    client.force_login(admin_supervisor)
    url = reverse("admin:orders_order_change", args=[order.pk])

    page = client.get(url)

    assert page.status_code == 200
    assert order.reference in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert client.post(url, {"status": "closed"}).status_code == 403
    assert client.get(reverse("admin:orders_order_add")).status_code == 403
    assert (
        client.get(reverse("admin:orders_order_delete", args=[order.pk])).status_code
        == 403
    )


def test_supervisor_reads_stock_events_and_customers(client, admin_supervisor):
    ProductFactory(code="PEN-0042")
    customer = CustomerFactory()
    client.force_login(admin_supervisor)

    for name in (
        "inventory_product",
        "inventory_stocklevel",
        "inventory_stockmovement",
        "orders_orderevent",
        "customers_customer",
    ):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
    products = client.get(reverse("admin:inventory_product_changelist"))
    assert "PEN-0042" in products.content.decode()
    edit = client.post(
        reverse("admin:customers_customer_change", args=[customer.pk]),
        {"name": "Somebody Else"},
    )
    assert edit.status_code == 403


def test_supervisor_assigns_a_learners_assessor(client, admin_supervisor):
    portfolio = portfolio_for(UserFactory(role="learner"))
    assessor = UserFactory(role="assessor")
    client.force_login(admin_supervisor)
    url = reverse("admin:portfolio_portfolio_change", args=[portfolio.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"assessor": assessor.pk, **_empty_inline("entries")})

    assert response.status_code == 302, response.context["adminform"].form.errors
    portfolio.refresh_from_db()
    assert portfolio.assessor == assessor
    delete = reverse("admin:portfolio_portfolio_delete", args=[portfolio.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


def test_supervisor_adds_a_follow_up_rule(client, admin_supervisor):
    client.force_login(admin_supervisor)

    response = client.post(
        reverse("admin:followup_followuprule_add"),
        {
            "name": "Trade accounts: call after a week",
            "kind": FollowUpRule.Kind.choices[0][0],
            "working_days_after_delivery": 5,
            "order_channel": "",
            "customer_terms": "",
            "active": "on",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert FollowUpRule.objects.filter(
        name="Trade accounts: call after a week"
    ).exists()


def test_supervisor_cannot_manage_accounts_or_roles(client, admin_supervisor):
    client.force_login(admin_supervisor)

    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403


@pytest.mark.parametrize("role", ["processor", "dispatcher", "learner", "assessor"])
def test_other_roles_have_no_admin(client, role):
    client.force_login(UserFactory(role=role))

    response = client.get(reverse("admin:orders_order_changelist"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_order_events_stay_read_only_for_the_superuser_too(admin_client):
    order = OrderFactory()
    event = OrderEvent.objects.filter(order=order).first() or OrderEvent.objects.create(
        order=order, kind=OrderEvent.Kind.RECEIVED
    )

    url = reverse("admin:orders_orderevent_change", args=[event.pk])

    assert admin_client.post(url, {"kind": "closed"}).status_code == 403


def _empty_inline(prefix: str) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
