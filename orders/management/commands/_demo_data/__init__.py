"""The demo data `seed_demo` loads: accounts, catalogue, customers and order stories.

Plain data. Every order is a story told through the services: it is received on its
day, checked by the worker, and taken by staff as far as its target status, with the
problems the checks should find (the command refuses to finish if they find anything
else). The command plays every step in time order, whatever the order here, so each
check sees only the orders received before it.
"""

from .catalogue import PRODUCTS
from .customers import CUSTOMERS
from .orders_finished import FINISHED
from .orders_in_progress import IN_PROGRESS
from .orders_on_hold import ON_HOLD
from .specs import DemoOrder
from .staff import ACCOUNTS

ORDERS = FINISHED + IN_PROGRESS + ON_HOLD

__all__ = ["ACCOUNTS", "CUSTOMERS", "ORDERS", "PRODUCTS", "DemoOrder"]
