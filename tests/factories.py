"""factory-boy factories. Orders are made through the services (see conftest)
wherever their invariants matter; OrderFactory is for setting up a status directly."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from accounts.models import User
from customers.models import Customer
from inventory.models import Product
from inventory.services import stock_pool_live
from orders.models import Order, OrderLine


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-9")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        self.save()
        if extracted:
            # get_or_create: a transactional test's flush removes the migration's
            # role groups for the tests after it.
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Faker("name", locale="en_GB")
    company = factory.Faker("company", locale="en_GB")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = "07700 900123"
    address_line1 = "1 High Street"
    town = "Leeds"
    postcode = "LS1 1AA"
    preferred_channel = "email"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"TST-{n:04d}")
    name = factory.Sequence(lambda n: f"Test product {n}")
    unit_price = Decimal("10.00")
    vat_rate = Decimal("0.200")
    pack_size = 1
    active = True


class OrderFactory(factory.django.DjangoModelFactory):
    """An order row set up directly (no services, no events): for guard tests."""

    class Meta:
        model = Order

    customer = factory.SubFactory(CustomerFactory)
    channel = Order.Channel.EMAIL
    delivery_address = "1 High Street\nLeeds"
    delivery_postcode = "LS1 1AA"
    payment_method = Order.PaymentMethod.CARD
    card_last4 = "4242"
    stock_pool = factory.LazyFunction(stock_pool_live)
    reference = factory.Sequence(lambda n: f"SO-F{n:05d}")


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    product = factory.SubFactory(ProductFactory)
    product_code = factory.LazyAttribute(lambda o: o.product.code if o.product else "")
    description = factory.LazyAttribute(lambda o: o.product.name if o.product else "?")
    quantity = 1
    unit_price = Decimal("10.00")
    list_price = Decimal("10.00")
    vat_rate = Decimal("0.200")
