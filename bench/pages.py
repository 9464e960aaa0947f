"""Page benchmark: the real order list and order page against a floor and a reference.

    .venv/bin/python bench/pages.py [--orders 100000] [--seconds 15] [--quick]
                                    [--wait-until HH:MM] [--profile]

Needs PostgreSQL on 127.0.0.1:5432 (trust, user postgres) and `wrk` (Debian:
`apt-get install -y wrk`). It drops and recreates its own database,
orderdesk_pages_bench, migrates it and seeds it straight into the tables (COPY):
customers, products, stock levels and --orders orders with 3 lines each, with their
checks, events, communications, payments, shipments and some exceptions, spread over
a year and over every status. It then serves the application with gunicorn (2 sync
workers, persistent database connections, DJANGO_DEBUG=false) and loads four pages
in turn with `wrk -t2 -c8 --latency`, signed in as a supervisor:

1. floor: /bench/bare/, a Django view returning a few bytes (bench/reference).
2. reference: /bench/reference-list/, the simplest correct order list: 50 orders a
   page, customer and lines with select_related / prefetch_related, Paginator, a
   plain template in the site's layout (bench/reference/views.py).
3. order list: the real `orders:list`, first page, default sort.
4. order page: the real `orders:detail` of a typical (dispatched) order.
5. floor again, so a change in the machine's other load shows as drift.

Queries per request of the real pages are counted with Django's test client and
CaptureQueriesContext (in a fresh process, so the code counted is the code served),
on the same orders after seeding the first 1,000 orders and again at full size.

Figures are printed as a table and written to var/bench/pages.json. The exit status
is 1 if a page answered with an error or the run itself failed; missing a target, or
a page not built yet, is reported, not failed. See bench/README.md.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

DB_NAME = "orderdesk_pages_bench"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE_URL = f"{PG_SERVER}/{DB_NAME}"
SETTINGS = "bench.reference.settings"
PYTHON = str(BASE_DIR / ".venv" / "bin" / "python")
GUNICORN = str(BASE_DIR / ".venv" / "bin" / "gunicorn")
OUT_DIR = BASE_DIR / "var" / "bench"
RESULT_FILE = OUT_DIR / "pages.json"
SERVER_LOG = OUT_DIR / "pages-gunicorn.log"
STATIC_ROOT = OUT_DIR / "pages-static"

SMALL_SIZE = 1_000  # query counts are taken here and again at full size
CUSTOMERS = 5_000
PRODUCT_PREFIXES = ["PAP", "PEN", "INK", "FIL", "ENV", "LAB", "TON", "DSK"]
PRODUCTS_PER_PREFIX = 50
LINES_PER_ORDER = 3
HISTORY_DAYS = 365
CHUNK = 10_000  # orders generated and copied per batch
WORKERS = 2
CONNECTIONS = 8
WRK_THREADS = 2

TARGET_LIST_VS_REFERENCE = 1.0
TARGET_P99_MS = 400.0
TARGET_LIST_QUERIES = 8
TARGET_DETAIL_QUERIES = 12

# Every process (this one, gunicorn, the query counter) runs with the same
# environment: the same database, the same secret key (the session is signed with
# it) and production settings, so Django keeps no query log.
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": SETTINGS,
    "DATABASE_URL": DATABASE_URL,
    "DATABASE_CONN_MAX_AGE": "600",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET_KEY")
    or secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_STATIC_ROOT": str(STATIC_ROOT),
    "LOG_LEVEL": "WARNING",
}


def bench_environment() -> None:
    """Called by main() before Django is imported (not at import: tests import the
    seeder); every process it starts inherits it."""
    os.environ.update(BENCH_ENV)
    os.environ["BENCH_SECRET_KEY"] = BENCH_ENV["DJANGO_SECRET_KEY"]


COLUMNS_NOTE = (
    "req/s and latency from wrk (-t2 -c8, sync gunicorn with 2 workers, wrk on the "
    "same 2 cores). x floor / x ref: req/s over the floor's (mean of both floor runs) "
    "and the reference list's. queries: SQL statements per request, counted with the "
    "test client (session, user and role lookups included). cpu ms: CPU per request "
    "in the gunicorn workers (py) and their PostgreSQL backends (pg). other: the "
    "machine's busy CPU spent outside gunicorn, its backends and wrk."
)


# --------------------------------------------------------------------------------
# Database
# --------------------------------------------------------------------------------


def admin_connection():
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)


def recreate_database() -> None:
    with admin_connection() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [DB_NAME],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def backend_pids() -> list[int]:
    """PostgreSQL backends connected to the bench database (gunicorn's)."""
    with admin_connection() as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [DB_NAME]
        ).fetchall()
    return [row[0] for row in rows]


# --------------------------------------------------------------------------------
# Seeding
# --------------------------------------------------------------------------------
# Test data for reads: rows are written straight into the tables with COPY, not
# through the services (100,000 orders through order_receive and the lifecycle
# would take the best part of an hour). Rows are shaped like the services' own:
# "SO-000042" references, totals that add up, line statuses and quantities that
# follow the order's status, one event per transition with status_after, the seven
# checks of a verification round, communications, payments, shipments and
# exceptions with steps. Stock movements are not written (no page here reads them).


class Table:
    """Rows for one model's table, in a fixed column order, copied in one go."""

    def __init__(self, model, attnames: list[str]) -> None:
        fields = {field.attname: field for field in model._meta.concrete_fields}
        unknown = [name for name in attnames if name not in fields]
        unlisted = [
            field
            for name, field in fields.items()
            if name not in attnames and not field.null
        ]
        # A column added since with a constant default (practice flags, counters,
        # lists, blank text) takes it on every row; one without a default stops here.
        missing = [
            field.attname
            for field in unlisted
            if not (
                field.has_default() or (field.blank and field.empty_strings_allowed)
            )
        ]
        if unknown or missing:
            raise SystemExit(
                f"bench/pages.py: the seed for {model.__name__} is out of date with "
                f"the model (unknown: {unknown}, not filled: {missing})."
            )
        self.name = model._meta.db_table
        self.columns = [fields[name].column for name in attnames] + [
            field.column for field in unlisted
        ]
        self.defaults = tuple(
            json.dumps(field.get_default())
            if field.get_internal_type() == "JSONField"
            else field.get_default()
            for field in unlisted
        )
        self.rows: list[tuple] = []
        self.next_id = 1
        self.copied = 0

    def add(self, *values) -> int:
        row_id = self.next_id
        self.next_id += 1
        self.rows.append((row_id, *values, *self.defaults))
        return row_id

    def copy(self, cursor) -> None:
        if not self.rows:
            return
        columns = ", ".join(f'"{column}"' for column in self.columns)
        with cursor.copy(f'COPY "{self.name}" ({columns}) FROM STDIN') as copy:
            for row in self.rows:
                copy.write_row(row)
        self.copied += len(self.rows)
        self.rows.clear()


def money(pennies: int) -> str:
    return f"{pennies // 100}.{pennies % 100:02d}"


ORDER_PATH = [
    "received",
    "verifying",
    "verified",
    "confirmed",
    "fulfilling",
    "dispatched",
    "delivered",
    "followed_up",
    "closed",
]
RANK = {status: index for index, status in enumerate(ORDER_PATH)}
# Status by the order's age: recent orders are in every stage, old ones are done.
STATUS_BY_AGE = [
    (
        0.1,
        {
            "received": 20,
            "verifying": 15,
            "verified": 30,
            "on_hold": 10,
            "confirmed": 25,
        },
    ),
    (
        3,
        {
            "verified": 8,
            "on_hold": 8,
            "confirmed": 22,
            "fulfilling": 20,
            "dispatched": 30,
            "delivered": 8,
            "cancelled": 4,
        },
    ),
    (
        14,
        {
            "on_hold": 2,
            "dispatched": 10,
            "delivered": 45,
            "followed_up": 25,
            "closed": 15,
            "cancelled": 3,
        },
    ),
    (
        HISTORY_DAYS + 1,
        {"on_hold": 1, "delivered": 1, "followed_up": 1, "closed": 92, "cancelled": 5},
    ),
]
CHECK_KINDS = [
    "customer",
    "products",
    "quantities",
    "prices",
    "duplicate",
    "stock",
    "payment",
]
CARRIERS = ["DPD", "Royal Mail Tracked 48", "Parcelforce", "Our own van"]
FIRST_NAMES = ["Ada", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Hugo", "Isla"]
LAST_NAMES = ["Ahmed", "Brown", "Clarke", "Davies", "Evans", "Khan", "Patel", "Smith"]
TOWNS = ["Leeds", "York", "Bristol", "Derby", "Norwich", "Exeter", "Hull", "Bath"]
WORKER = "celery@bench-1"


class Seeder:
    def __init__(self, total_orders: int, rng: random.Random) -> None:
        from accounts.models import User
        from customers.models import Customer
        from inventory.models import Product, StockLevel
        from orders import models as m

        self.total = total_orders
        self.rng = rng
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.start = self.now - timedelta(days=HISTORY_DAYS)
        self.User = User
        self.customers = Table(
            Customer,
            [
                "id",
                "name",
                "company",
                "email",
                "phone",
                "address_line1",
                "address_line2",
                "town",
                "postcode",
                "preferred_channel",
                "accessibility_needs",
                "consent_to_contact",
                "terms",
                "credit_limit",
                "on_hold",
                "created_at",
                "updated_at",
            ],
        )
        self.products = Table(
            Product,
            ["id", "code", "name", "unit_price", "vat_rate", "pack_size", "active"],
        )
        self.levels = Table(
            StockLevel,
            ["id", "pool_id", "product_id", "on_hand", "reserved", "restock_date"],
        )
        self.orders = Table(
            m.Order,
            [
                "id",
                "reference",
                "customer_id",
                "channel",
                "received_by_id",
                "received_at",
                "customer_po_ref",
                "delivery_address",
                "delivery_postcode",
                "requested_date",
                "promised_date",
                "payment_method",
                "card_last4",
                "net_total",
                "vat_total",
                "gross_total",
                "status",
                "held_from",
                "version",
                "verification_round",
                "verification_completed_at",
                "stock_pool_id",
                "gateway",
                "cancellation_reason",
                "created_at",
                "updated_at",
            ],
        )
        self.lines = Table(
            m.OrderLine,
            [
                "id",
                "order_id",
                "line_number",
                "product_code",
                "product_id",
                "description",
                "quantity",
                "unit_price",
                "list_price",
                "vat_rate",
                "status",
                "quantity_reserved",
                "quantity_dispatched",
                "quantity_delivered",
                "restock_date",
            ],
        )
        self.checks = Table(
            m.Check,
            [
                "id",
                "order_id",
                "kind",
                "outcome",
                "detail",
                "round",
                "rerun",
                "run_by_id",
                "worker",
                "at",
            ],
        )
        self.communications = Table(
            m.Communication,
            [
                "id",
                "order_id",
                "channel",
                "direction",
                "purpose",
                "subject",
                "content",
                "outcome",
                "actor_id",
                "at",
                "sent_at",
            ],
        )
        self.exceptions = Table(
            m.OrderException,
            [
                "id",
                "order_id",
                "kind",
                "status",
                "found",
                "check_record_id",
                "line_id",
                "opened_by_id",
                "opened_at",
                "resolution",
                "resolved_by_id",
                "resolved_at",
                "customer_informed",
                "communication_id",
            ],
        )
        self.steps = Table(
            m.ExceptionStep, ["id", "exception_id", "text", "actor_id", "at"]
        )
        self.payments = Table(
            m.Payment,
            [
                "id",
                "order_id",
                "operation",
                "status",
                "amount",
                "gateway",
                "gateway_reference",
                "idempotency_key",
                "message",
                "actor_id",
                "at",
            ],
        )
        self.shipments = Table(
            m.Shipment,
            [
                "id",
                "order_id",
                "carrier",
                "tracking_reference",
                "dispatched_by_id",
                "dispatched_at",
                "delivered_at",
                "delivery_recorded_by_id",
                "proof_of_delivery",
            ],
        )
        self.shipment_lines = Table(
            m.ShipmentLine, ["id", "shipment_id", "line_id", "quantity"]
        )
        self.events = Table(
            m.OrderEvent,
            [
                "id",
                "order_id",
                "kind",
                "actor_id",
                "worker",
                "at",
                "status_after",
                "data",
            ],
        )
        self.order_tables = [
            self.orders,
            self.lines,
            self.checks,
            self.communications,
            self.exceptions,
            self.steps,
            self.payments,
            self.shipments,
            self.shipment_lines,
            self.events,
        ]

    # -- people, catalogue, customers ---------------------------------------------

    def base(self, conn) -> dict:
        from django.contrib.auth.models import Group

        from inventory.services import stock_pool_live

        def person(username: str, role: str, first: str, last: str):
            user = self.User(username=username, first_name=first, last_name=last)
            user.set_unusable_password()
            user.save()
            user.groups.add(Group.objects.get(name=role))
            return user

        self.supervisor = person("bench-supervisor", "supervisor", "Sam", "Super")
        self.processors = [
            person(f"bench-processor-{n}", "processor", "Pat", f"Processor{n}").pk
            for n in range(1, 4)
        ]
        self.dispatchers = [
            person(f"bench-dispatcher-{n}", "dispatcher", "Dee", f"Dispatcher{n}").pk
            for n in range(1, 3)
        ]
        self.pool_id = stock_pool_live().pk

        rng = self.rng
        self.customer_rows = []
        for n in range(CUSTOMERS):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            company = f"{last} & Co {n}" if rng.random() < 0.6 else ""
            town = rng.choice(TOWNS)
            postcode = f"{town[:2].upper()}{rng.randint(1, 20)} {rng.randint(1, 9)}AB"
            terms = rng.choices(["prepay", "account_30", "account_60"], [6, 3, 1])[0]
            address = f"{rng.randint(1, 200)} {rng.choice(LAST_NAMES)} Street"
            customer_id = self.customers.add(
                f"{first} {last}",
                company,
                f"{first.lower()}.{last.lower()}{n}@example.test",
                f"0113 496 {n:04d}",
                address,
                "",
                town,
                postcode,
                rng.choices(["email", "phone", "letter"], [7, 2, 1])[0],
                "",
                True,
                terms,
                "0.00" if terms == "prepay" else "5000.00",
                False,
                self.start,
                self.start,
            )
            self.customer_rows.append(
                (customer_id, terms, f"{address}\n{town}\n{postcode}", postcode)
            )
        self.product_rows = []
        for prefix in PRODUCT_PREFIXES:
            for number in range(1, PRODUCTS_PER_PREFIX + 1):
                code = f"{prefix}-{number:04d}"
                price = rng.randint(150, 9000)  # pennies
                vat = "0.000" if prefix == "DSK" and number % 5 == 0 else "0.200"
                name = f"{prefix.title()} item {number}"
                product_id = self.products.add(code, name, money(price), vat, 1, True)
                self.product_rows.append((product_id, code, name, price, vat))
                self.levels.add(self.pool_id, product_id, 5_000, 0, None)
        with conn.cursor() as cursor:
            for table in (self.customers, self.products, self.levels):
                table.copy(cursor)
        conn.commit()
        return {"supervisor": self.supervisor.pk}

    # -- orders -------------------------------------------------------------------

    def status_for(self, age_days: float) -> str:
        for limit, weights in STATUS_BY_AGE:
            if age_days < limit:
                return self.rng.choices(list(weights), list(weights.values()))[0]
        raise AssertionError("unreachable")

    def add_orders(self, conn, first: int, last: int) -> None:
        """Orders first..last-1 of self.total (ids are first+1..last), oldest first."""
        for chunk_start in range(first, last, CHUNK):
            for index in range(chunk_start, min(chunk_start + CHUNK, last)):
                self.add_order(index)
            with conn.cursor() as cursor:
                # Foreign keys are not checked row by row while copying (triggers
                # off for this session; superuser): the ids are made here, in step.
                cursor.execute("SET session_replication_role = replica")
                for table in self.order_tables:
                    table.copy(cursor)
                cursor.execute("SET session_replication_role = DEFAULT")
            conn.commit()

    def add_order(self, index: int) -> None:  # noqa: C901 (one order's whole story)
        rng = self.rng
        span = timedelta(days=HISTORY_DAYS).total_seconds()
        received_at = self.start + timedelta(
            seconds=span * (index + rng.random()) / self.total
        )
        age_days = (self.now - received_at).total_seconds() / 86400
        status = self.status_for(age_days)
        customer_id, terms, address, postcode = rng.choice(self.customer_rows)
        channel = rng.choices(
            ["web", "email", "phone", "post", "walk_in"], [5, 3, 3, 1, 1]
        )[0]
        received_by = None if channel == "web" else rng.choice(self.processors)
        processor = received_by or rng.choice(self.processors)
        payment_method = "card" if terms == "prepay" else "account"

        # Which steps of the ordinary path the order took.
        if status == "on_hold":
            reached = RANK["verified"]
        elif status == "cancelled":
            reached = rng.choice([RANK["received"], RANK["verified"]])
        else:
            reached = RANK[status]
        resolved_exception = status not in ("on_hold", "cancelled") and (
            reached >= RANK["verified"] and rng.random() < 0.03
        )

        # The event trail, each (kind, status after, actor, worker).
        steps: list[tuple] = [("received", "received", received_by, "")]
        steps.append(("communication_sent", "received", None, WORKER))
        if reached >= RANK["verifying"] or status == "cancelled":
            steps.append(("verification_started", "verifying", None, WORKER))
        if reached >= RANK["verified"]:
            steps.append(("stock_reserved", "verifying", None, WORKER))
            if payment_method == "card":
                steps.append(("payment", "verifying", None, WORKER))
            steps.append(("verified", "verified", None, WORKER))
        if resolved_exception:
            steps.append(("exception_opened", "verified", processor, ""))
            steps.append(("exception_step", "verified", processor, ""))
            steps.append(("communication", "verified", processor, ""))
            steps.append(("exception_resolved", "verified", processor, ""))
        if status == "on_hold":
            steps.append(("exception_opened", "verified", processor, ""))
            steps.append(("held", "on_hold", processor, ""))
        dispatcher = rng.choice(self.dispatchers)
        for target, kind, actor in (
            ("confirmed", "confirmed", processor),
            ("fulfilling", "fulfilment_started", dispatcher),
            ("dispatched", "dispatched", dispatcher),
            ("delivered", "delivered", dispatcher),
            ("followed_up", "followed_up", processor),
            ("closed", "closed", processor),
        ):
            if status not in ("on_hold", "cancelled") and reached >= RANK[target]:
                steps.append((kind, target, actor, ""))
                if target in ("confirmed", "dispatched"):
                    steps.append(("communication_sent", target, None, WORKER))
        if status == "cancelled":
            steps.append(("cancelled", "cancelled", processor, ""))

        # Times: spread over up to a week (less for a young order), never the future.
        horizon = min(age_days * 86400 * 0.9, 7 * 86400)
        gap = horizon / max(len(steps), 1)
        times = [received_at]
        for _ in steps[1:]:
            times.append(times[-1] + timedelta(seconds=gap * rng.uniform(0.2, 1.8)))
        limit = self.now - timedelta(seconds=1)
        times = [min(moment, limit) for moment in times]
        times.sort()
        when = dict.fromkeys((kind for kind, *_ in steps), None)
        for (kind, *_), moment in zip(steps, times, strict=True):
            if when[kind] is None:
                when[kind] = moment

        # Lines and totals.
        order_id = self.orders.next_id
        net = vat = 0
        line_ids = []
        products = rng.sample(self.product_rows, LINES_PER_ORDER)
        short_line = status == "on_hold"
        for number, (product_id, code, name, price, rate) in enumerate(products, 1):
            quantity = rng.choice([1, 1, 2, 2, 3, 4, 5, 10, 12, 24])
            line_net = price * quantity
            net += line_net
            vat += round(line_net * (0.2 if rate == "0.200" else 0.0))
            if status in ("received", "verifying"):
                line_status, reserved, dispatched, delivered = "pending", 0, 0, 0
            elif status == "cancelled":
                line_status, reserved, dispatched, delivered = "cancelled", 0, 0, 0
            elif short_line and number == 1:
                line_status, reserved, dispatched, delivered = "short", 0, 0, 0
            elif reached >= RANK["delivered"]:
                line_status = "delivered"
                reserved, dispatched, delivered = 0, quantity, quantity
            elif reached >= RANK["dispatched"]:
                line_status, reserved, dispatched, delivered = (
                    "dispatched",
                    0,
                    quantity,
                    0,
                )
            else:
                line_status, reserved, dispatched, delivered = (
                    "reserved",
                    quantity,
                    0,
                    0,
                )
            line_ids.append(
                (
                    self.lines.add(
                        order_id,
                        number,
                        code,
                        product_id,
                        name,
                        quantity,
                        money(price),
                        money(price),
                        rate,
                        line_status,
                        reserved,
                        dispatched,
                        delivered,
                        None,
                    ),
                    quantity,
                )
            )
        gross = net + vat
        verified_at = when.get("verified")
        self.orders.add(
            f"SO-{order_id:06d}",
            customer_id,
            channel,
            received_by,
            received_at,
            f"PO-{rng.randint(10000, 99999)}" if rng.random() < 0.3 else "",
            address,
            postcode,
            (received_at + timedelta(days=rng.randint(3, 14))).date()
            if rng.random() < 0.3
            else None,
            (received_at + timedelta(days=3)).date()
            if reached >= RANK["confirmed"] and status != "on_hold"
            else None,
            payment_method,
            "4242" if payment_method == "card" else "",
            money(net),
            money(vat),
            money(gross),
            status,
            "verified" if status == "on_hold" else "",
            len(steps),
            1 if "verification_started" in when else 0,
            verified_at,
            self.pool_id,
            "simulated",
            "Customer asked to cancel." if status == "cancelled" else "",
            received_at,
            times[-1],
        )

        # Checks: a whole round once verified; half a round while verifying.
        check_ids = {}
        started = when.get("verification_started")
        if started is not None:
            kinds = CHECK_KINDS if verified_at else CHECK_KINDS[:3]
            for offset, kind in enumerate(kinds):
                outcome = "failed" if short_line and kind == "stock" else "passed"
                check_ids[kind] = self.checks.add(
                    order_id,
                    kind,
                    outcome,
                    "Not enough stock for line 1." if outcome == "failed" else "",
                    1,
                    False,
                    None,
                    WORKER,
                    started + timedelta(seconds=offset + 1),
                )

        # Communications.
        def communicate(purpose, subject, at, channel="email", outcome="sent"):
            return self.communications.add(
                order_id,
                channel,
                "outbound",
                purpose,
                subject,
                f"{subject}. Thank you for ordering from us.",
                outcome,
                None if outcome == "sent" else processor,
                at,
                at if outcome == "sent" else None,
            )

        communicate(
            "acknowledgement",
            f"We have received your order SO-{order_id:06d}",
            received_at + timedelta(seconds=30),
        )
        if when.get("confirmed"):
            communicate("confirmation", "Your order is confirmed", when["confirmed"])
        if when.get("dispatched"):
            communicate(
                "dispatch_notice", "Your order is on its way", when["dispatched"]
            )
        if when.get("followed_up"):
            communicate(
                "follow_up",
                "Follow-up call",
                when["followed_up"],
                channel="phone",
                outcome="reached",
            )

        # Exceptions: an open one on a held order, a resolved one on a few others.
        if status == "on_hold":
            opened = when["exception_opened"]
            exception_id = self.exceptions.add(
                order_id,
                "out_of_stock",
                "open",
                "Line 1: not enough stock.",
                check_ids.get("stock"),
                line_ids[0][0],
                processor,
                opened,
                "",
                None,
                None,
                False,
                None,
            )
            self.steps.add(
                exception_id, "Asked purchasing for a date.", processor, opened
            )
        if resolved_exception:
            opened = when["exception_opened"]
            notice = communicate(
                "exception_notice",
                "A question about your order",
                when["communication"],
                channel="phone",
                outcome="reached",
            )
            exception_id = self.exceptions.add(
                order_id,
                "price_mismatch",
                "resolved",
                "Line 2: price differs from the price list.",
                check_ids.get("prices"),
                line_ids[1][0],
                processor,
                opened,
                "Customer agreed the list price.",
                processor,
                when["exception_resolved"],
                True,
                notice,
            )
            self.steps.add(exception_id, "Checked the quote.", processor, opened)
            self.steps.add(
                exception_id, "Phoned the customer.", processor, when["communication"]
            )

        # Payments.
        if payment_method == "card" and verified_at:
            for operation, result, at in (
                ("authorise", "authorised", when.get("payment")),
                ("capture", "captured", when.get("dispatched")),
            ):
                if at is not None:
                    self.payments.add(
                        order_id,
                        operation,
                        result,
                        money(gross),
                        "simulated",
                        f"SIM-{order_id}-{operation}",
                        f"bench-{order_id}-{operation}",
                        "",
                        None,
                        at,
                    )

        # Shipment: one, with every line, once dispatched.
        if when.get("dispatched"):
            shipment_id = self.shipments.add(
                order_id,
                rng.choice(CARRIERS),
                f"TRK{order_id:09d}",
                dispatcher,
                when["dispatched"],
                when.get("delivered"),
                dispatcher if when.get("delivered") else None,
                "Signed for." if when.get("delivered") else "",
            )
            for line_id, quantity in line_ids:
                self.shipment_lines.add(shipment_id, line_id, quantity)

        for (kind, status_after, actor, worker), at in zip(steps, times, strict=True):
            self.events.add(order_id, kind, actor, worker, at, status_after, "{}")

    def finish(self, conn) -> dict:
        """Sequences past the copied ids; row counts per table."""
        counts = {}
        with conn.cursor() as cursor:
            for table in [
                self.customers,
                self.products,
                self.levels,
                *self.order_tables,
            ]:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f'GREATEST((SELECT max(id) FROM "{table.name}"), 1))'
                )
                counts[table.name] = table.copied
        conn.commit()
        return counts


def seed(total: int, small: int, on_small) -> dict:
    """Seed `small` orders, call on_small(), then the rest up to `total`."""
    import psycopg
    from django.conf import settings
    from django.db import connection

    params = settings.DATABASES["default"]
    conn = psycopg.connect(
        host=params["HOST"], port=params["PORT"], user=params["USER"], dbname=DB_NAME
    )
    seeder = Seeder(total, random.Random(2026))  # noqa: S311 (test data)
    started = time.perf_counter()
    info = seeder.base(conn)
    seeder.add_orders(conn, 0, min(small, total))
    seeder.finish(conn)
    with conn.cursor() as cursor:
        cursor.execute("ANALYZE")
    conn.commit()
    small_seconds = time.perf_counter() - started
    connection.close()
    on_small()
    started_rest = time.perf_counter()
    seeder.add_orders(conn, min(small, total), total)
    counts = seeder.finish(conn)
    copy_seconds = time.perf_counter() - started_rest
    conn.autocommit = True
    conn.execute("VACUUM (ANALYZE)")
    conn.close()
    info.update(
        counts=counts,
        seconds=round(small_seconds + time.perf_counter() - started_rest, 1),
        copy_seconds=round(small_seconds + copy_seconds, 1),
    )
    return info


# --------------------------------------------------------------------------------
# Subprocesses that see the code as it is now (the pages are being built)
# --------------------------------------------------------------------------------


def run_helper(mode: str, spec: dict, timeout: float = 600) -> dict:
    """Run this script in a fresh process in one of its helper modes."""
    result = subprocess.run(
        [PYTHON, __file__, f"--helper={mode}", json.dumps(spec)],
        cwd=BASE_DIR,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        return {"error": (result.stderr or result.stdout)[-3000:]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def helper_resolve(spec: dict) -> dict:
    """Which real pages exist, and their URLs for the given orders."""
    from django.urls import NoReverseMatch, reverse

    found: dict = {}
    try:
        found["list"] = reverse("orders:list")
    except NoReverseMatch as error:
        found["list_error"] = str(error)
    for name, (pk, reference) in spec["orders"].items():
        for args in ([pk], [reference]):
            try:
                found[name] = reverse("orders:detail", args=args)
                break
            except NoReverseMatch as error:
                found[f"{name}_error"] = str(error)
    return found


def signed_in_client(session_key: str):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


def helper_queries(spec: dict) -> dict:
    """Queries per request of each URL, on the second request (warm caches)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in_client(spec["session"])
    results = {}
    for name, url in spec["urls"].items():
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        body = response.content.decode(errors="replace")
        results[name] = {
            "url": url,
            "status": response.status_code,
            "queries": len(captured),
            "sql": [query["sql"][:3000] for query in captured.captured_queries],
            "orders_shown": len(set(re.findall(r"SO-\d{6}", body))),
            "bytes": len(response.content),
        }
    return results


def helper_profile(spec: dict) -> dict:
    """Where a request's time goes, in-process (test client, no concurrency).

    First timed without a profiler (wall time per request, and how much of it is
    spent waiting for SQL), then under cProfile for the hot spots.
    """
    from django.db import connection

    client = signed_in_client(spec["session"])
    count = spec.get("requests", 20)
    results = {}
    for name, url in spec["urls"].items():
        for _ in range(3):
            client.get(url)
        sql_seconds: list[float] = []

        def timed(execute, sql, params, many, context, sql_seconds=sql_seconds):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                sql_seconds.append(time.perf_counter() - started)

        started = time.perf_counter()
        with connection.execute_wrapper(timed):
            for _ in range(count):
                client.get(url)
        elapsed = time.perf_counter() - started

        profile = cProfile.Profile()
        profile.enable()
        for _ in range(count):
            client.get(url)
        profile.disable()
        text = io.StringIO()
        stats = pstats.Stats(profile, stream=text)
        project_code = re.escape(f"{BASE_DIR}/") + r"(?!\.venv)"
        stats.sort_stats("cumulative").print_stats(project_code, 12)
        stats.sort_stats("tottime").print_stats(12)
        report = "\n".join(
            line
            for line in text.getvalue().splitlines()
            if line.strip() and "List reduced" not in line
        )
        results[name] = {
            "url": url,
            "ms_per_request": round(elapsed * 1000 / count, 1),
            "sql_ms_per_request": round(sum(sql_seconds) * 1000 / count, 1),
            "statements_per_request": round(len(sql_seconds) / count, 1),
            "report": report,
        }
    return results


HELPERS = {
    "resolve": helper_resolve,
    "queries": helper_queries,
    "profile": helper_profile,
}


# --------------------------------------------------------------------------------
# Serving and loading
# --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, cookie: str) -> tuple[int, bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values[:8]) - idle) / tick, sum(values[:8]) / tick


def parse_duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
    return float(number) * scale[unit]


def parse_wrk(output: str) -> dict:
    result = {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    }
    for percent in ("50", "75", "90", "99"):
        match = re.search(rf"^\s+{percent}%\s+(\S+)", output, re.MULTILINE)
        result[f"p{percent}_ms"] = round(parse_duration_ms(match[1]), 2)
    result["requests"] = int(re.search(r"(\d+) requests in", output)[1])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["error_responses"] = int(errors[1]) if errors else 0
    sockets = re.search(r"Socket errors: (.*)", output)
    result["socket_errors"] = sockets[1].strip() if sockets else ""
    return result


def load(url: str, cookie: str, seconds: int, master_pid: int) -> dict:
    workers = children(master_pid)
    backends = backend_pids()
    cpu_workers = sum(process_cpu(pid) for pid in workers)
    cpu_backends = sum(process_cpu(pid) for pid in backends)
    busy, total = machine_cpu()
    before_children = os.times()
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-H",
        f"Cookie: {cookie}",
        url,
    ]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    after_children = os.times()
    busy_after, total_after = machine_cpu()
    result = parse_wrk(output)
    requests = max(result["requests"], 1)
    py = sum(process_cpu(pid) for pid in workers) - cpu_workers
    pg = sum(process_cpu(pid) for pid in backends) - cpu_backends
    wrk_cpu = (after_children.children_user + after_children.children_system) - (
        before_children.children_user + before_children.children_system
    )
    machine_busy = busy_after - busy
    machine_total = max(total_after - total, 1e-9)
    result.update(
        cpu_ms_py=round(py * 1000 / requests, 1),
        cpu_ms_pg=round(pg * 1000 / requests, 1),
        cpu_ms_wrk=round(wrk_cpu * 1000 / requests, 2),
        machine_busy_share=round(machine_busy / machine_total, 3),
        other_cpu_share=round(
            max(machine_busy - py - pg - wrk_cpu, 0) / machine_total, 3
        ),
        backends=len(backends),
        wrk_output=output,
    )
    return result


def run_target(
    name: str, path: str | None, port: int, cookie: str, seconds: int, pid: int
) -> dict:
    if path is None:
        print(f"  {name}: not built", flush=True)
        return {"not_built": True}
    url = f"http://127.0.0.1:{port}{path}"
    status, body = fetch(url, cookie)
    if status != 200:
        print(f"  {name}: {path} answered {status}; not loaded", flush=True)
        return {
            "path": path,
            "status": status,
            "error": body[:500].decode(errors="replace"),
        }
    for _ in range(5):  # warm up: templates, connections
        fetch(url, cookie)
    print(f"  {name}: {path} for {seconds} s", flush=True)
    result = load(url, cookie, seconds, pid)
    result.update(
        path=path,
        status=status,
        bytes=len(body),
        orders_shown=len(set(re.findall(rb"SO-\d{6}", body))),
    )
    return result


def start_server(port: int) -> subprocess.Popen:
    log = SERVER_LOG.open("w")
    server = subprocess.Popen(
        [
            GUNICORN,
            "config.wsgi:application",
            f"--workers={WORKERS}",
            f"--bind=127.0.0.1:{port}",
            "--no-control-socket",
            "--access-logfile=-"
            if os.environ.get("BENCH_ACCESS_LOG")
            else "--log-level=warning",
            "--timeout=60",
        ],
        cwd=BASE_DIR,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {SERVER_LOG}")
        try:
            status, _ = fetch(f"http://127.0.0.1:{port}/bench/bare/", "")
            if status == 200 and len(children(server.pid)) >= WORKERS:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {SERVER_LOG}")


def stop_server(server: subprocess.Popen | None) -> None:
    if server is None or server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


# --------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------


def session_for(user_pk: int) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    user = User.objects.get(pk=user_pk)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.set_expiry(24 * 3600)
    session.create()
    return session.session_key


def pick_orders(max_id: int) -> dict:
    """Orders to open, among ids <= max_id: a typical, the busiest, the quietest."""
    from django.db.models import Count

    from orders.models import Order

    orders = Order.objects.filter(pk__lte=max_id).order_by("-pk")
    typical = orders.filter(status="dispatched").first() or orders.first()
    busiest = (
        orders.annotate(n=Count("events", distinct=True) + Count("exceptions__steps"))
        .order_by("-n", "-pk")
        .first()
    )
    quietest = orders.filter(status="received").first() or orders.last()
    return {
        name: [order.pk, order.reference, order.status]
        for name, order in (
            ("typical", typical),
            ("busiest", busiest),
            ("quietest", quietest),
        )
    }


def count_queries(session: str, picked: dict) -> dict:
    resolved = run_helper(
        "resolve", {"orders": {name: v[:2] for name, v in picked.items()}}
    )
    urls = {}
    if "list" in resolved:
        urls["order list"] = resolved["list"]
        urls["order list, page 2"] = resolved["list"] + "?page=2"
        urls["order list, searched by product code"] = resolved["list"] + "?q=PAP-0001"
        urls["order list, overdue by customer"] = (
            resolved["list"] + "?overdue=on&sort=customer"
        )
    for name in picked:
        if name in resolved:
            urls[f"order page ({name})"] = resolved[name]
    if not urls:
        return {"not_built": resolved}
    counted = run_helper("queries", {"session": session, "urls": urls})
    counted["_orders"] = picked
    return counted


def wait_for_pages(picked: dict, until: datetime | None) -> dict:
    while True:
        resolved = run_helper("resolve", {"orders": {"typical": picked["typical"][:2]}})
        if ("list" in resolved and "typical" in resolved) or until is None:
            return resolved
        if datetime.now(UTC) >= until:
            return resolved
        print(
            f"  {datetime.now(UTC):%H:%M:%S} real pages not built yet "
            f"(list: {'list' in resolved}, page: {'typical' in resolved}); "
            f"waiting until {until:%H:%M} UTC",
            flush=True,
        )
        time.sleep(30)


def query_tables(sql: list[str]) -> Counter:
    return Counter(
        match[1] if match else query[:40]
        for query in sql
        for match in [re.search(r'FROM "(\w+)"', query)]
    )


def query_difference(queries: dict, prefix: str) -> str:
    """Which queries the busiest variant of a page makes that the quietest does not."""
    variants = [
        (found["queries"], f"{name} at {size}", found["sql"])
        for size, counted in queries.items()
        for name, found in counted.items()
        if name.startswith(prefix) and isinstance(found, dict) and "sql" in found
    ]
    if not variants:
        return f"  {prefix}: not measured"
    fewest, most = min(variants), max(variants)
    if fewest[0] == most[0]:
        return f"  {prefix}: {fewest[0]} queries in every variant"
    extra = query_tables(most[2]) - query_tables(fewest[2])
    return (
        f"  {prefix}: {fewest[0]} to {most[0]} queries; {most[1]} also queries "
        + ", ".join(f"{table} x{count}" for table, count in extra.items())
    )


def collectstatic() -> None:
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=os.environ.copy(),
        check=True,
    )


def ratio(value: float | None, base: float | None) -> float | None:
    if not value or not base:
        return None
    return round(value / base, 4)


def fmt(value, spec: str = "", missing: str = "-") -> str:
    return missing if value is None else format(value, spec)


def main() -> int:  # noqa: C901 (one straight run, step by step)
    bench_environment()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15, help="wrk run per target")
    parser.add_argument(
        "--quick", action="store_true", help="5,000 orders, 5 s per target"
    )
    parser.add_argument(
        "--wait-until",
        metavar="HH:MM",
        help="if the real pages are not built yet, poll until this UTC time",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile each page in-process"
    )
    parser.add_argument("--helper", help=argparse.SUPPRESS)
    parser.add_argument("spec", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()

    import django

    django.setup()
    if args.helper:
        print(json.dumps(HELPERS[args.helper](json.loads(args.spec))))
        return 0

    if args.quick:
        args.orders = min(args.orders, 5_000)
        args.seconds = 5
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    until = None
    if args.wait_until:
        hours, minutes = (int(part) for part in args.wait_until.split(":"))
        until = datetime.now(UTC).replace(hour=hours, minute=minutes, second=0)
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    from django.core.management import call_command
    from django.db import connection

    report: dict = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "orders": args.orders,
        "seconds_per_target": args.seconds,
        "workers": WORKERS,
        "connections": CONNECTIONS,
        "cpus": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
    }
    print(f"Page benchmark: {args.orders:,} orders, {args.seconds} s per target")
    print(f"- database {DB_NAME}: drop, create, migrate", flush=True)
    recreate_database()
    call_command("migrate", verbosity=0, interactive=False)
    collectstatic()  # DEBUG is off: {% static %} needs the manifest

    small = min(SMALL_SIZE, args.orders)
    state: dict = {}

    def on_small():
        # Runs between the two seeding steps, once the first orders are in.
        from accounts.models import User

        user = User.objects.get(username="bench-supervisor")
        state["session"] = session_for(user.pk)
        state["picked"] = pick_orders(small)
        print(f"- queries per request at {small:,} orders", flush=True)
        state["queries_small"] = count_queries(state["session"], state["picked"])

    print(f"- seeding {args.orders:,} orders (COPY)", flush=True)
    info = seed(args.orders, small, on_small)
    report["seed"] = info
    rows = sum(info["counts"].values())
    print(
        f"  {rows:,} rows in {info['seconds']} s (generate + COPY "
        f"{info['copy_seconds']} s, then VACUUM ANALYZE)"
    )

    picked_small = state["picked"]
    picked = pick_orders(args.orders)
    # The same orders at both sizes, and the typical order at full size.
    picked_full = {**picked_small, "typical at full size": picked["typical"]}
    print("- real pages", flush=True)
    resolved = wait_for_pages(picked, until)
    print(f"- queries per request at {args.orders:,} orders", flush=True)
    queries_full = count_queries(state["session"], picked_full)
    report["queries"] = {
        f"{small} orders": state["queries_small"],
        f"{args.orders} orders": queries_full,
    }

    collectstatic()  # again: the pages (and their static files) may have changed
    connection.close()

    targets = [("floor", "/bench/bare/"), ("reference list", "/bench/reference-list/")]
    targets.append(("order list", resolved.get("list")))
    targets.append(("order page", resolved.get("typical")))
    targets.append(("floor again", "/bench/bare/"))
    cookie = f"sessionid={state['session']}"

    port = free_port()
    server = None
    runs: dict = {}
    failed = False
    profile = None
    try:
        print(f"- gunicorn on 127.0.0.1:{port}, {WORKERS} workers", flush=True)
        server = start_server(port)
        for name, path in targets:
            result = run_target(name, path, port, cookie, args.seconds, server.pid)
            failed = failed or "error" in result or bool(result.get("error_responses"))
            runs[name] = result

        if args.profile:
            urls = {
                name: runs[name]["path"]
                for name in ("reference list", "order list", "order page")
                if runs.get(name, {}).get("path")
            }
            print("- profiling in-process (test client, cProfile)", flush=True)
            profile = run_helper("profile", {"session": state["session"], "urls": urls})
            report["profile"] = profile

    finally:
        stop_server(server)
    report["runs"] = runs

    # ---- the table -----------------------------------------------------------
    floors = [
        runs[name]["requests_per_second"]
        for name in ("floor", "floor again")
        if "requests_per_second" in runs.get(name, {})
    ]
    floor = sum(floors) / len(floors) if floors else None
    reference = runs.get("reference list", {}).get("requests_per_second")
    query_counts = {
        "order list": queries_full.get("order list", {}).get("queries"),
        "order page": queries_full.get("order page (typical at full size)", {}).get(
            "queries"
        ),
    }
    reference_queries = run_helper(
        "queries",
        {
            "session": state["session"],
            "urls": {"reference list": targets[1][1], "floor": targets[0][1]},
        },
    )
    query_counts["reference list"] = reference_queries.get("reference list", {}).get(
        "queries"
    )
    query_counts["floor"] = reference_queries.get("floor", {}).get("queries")
    query_counts["floor again"] = query_counts["floor"]

    header = (
        f"{'target':<22}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'x floor':>9}"
        f"{'x ref':>7}{'queries':>9}{'cpu ms py/pg':>14}{'other':>7}"
    )
    lines = [header, "-" * len(header)]
    for name, _path in targets:
        run = runs.get(name, {})
        rps = run.get("requests_per_second")
        if "not_built" in run:
            lines.append(f"{name:<22}  not built")
            continue
        if rps is None:
            lines.append(f"{name:<22}  error: HTTP {run.get('status')}")
            continue
        run["ratio_to_floor"] = ratio(rps, floor)
        run["ratio_to_reference"] = ratio(rps, reference)
        run["queries"] = query_counts.get(name)
        lines.append(
            f"{name:<22}{rps:>8.1f}{run['p50_ms']:>9.1f}{run['p99_ms']:>9.1f}"
            f"{fmt(run['ratio_to_floor'], '.4f'):>9}"
            f"{fmt(run['ratio_to_reference'], '.2f'):>7}"
            f"{fmt(run['queries']):>9}"
            f"{run['cpu_ms_py']:>8.1f}/{run['cpu_ms_pg']:<5.1f}"
            f"{run['other_cpu_share']:>7.0%}"
        )
    drift = None
    if len(floors) == 2:
        drift = abs(floors[0] - floors[1]) / max(floors)
        report["floor_drift"] = round(drift, 3)

    print()
    print("\n".join(lines))
    print()
    print("\n".join(_wrap(COLUMNS_NOTE)))
    if drift is not None and drift > 0.15:
        print(
            f"! the two floor runs differ by {drift:.0%}: the machine's other load "
            "changed during the run; treat the ratios with care."
        )

    print()
    print("Queries per request (test client, second request):")
    for size, counted in report["queries"].items():
        print(f"  at {size}:")
        if "not_built" in counted:
            print("    real pages not built")
            continue
        if "error" in counted:
            print(f"    error: {counted['error'][-600:]}")
            continue
        for name, found in counted.items():
            if name.startswith("_"):
                continue
            shown = (
                f", {found['orders_shown']} orders shown"
                if name.startswith("order list")
                else ""
            )
            print(
                f"    {name:<40} {found['queries']:>3} queries  HTTP {found['status']}"
                f"  {found['url']}{shown}"
            )
    for prefix in ("order list", "order page"):
        print(query_difference(report["queries"], prefix))
    print(
        "  orders opened: "
        + ", ".join(
            f"{name} {ref} ({status})"
            for name, (_pk, ref, status) in picked_full.items()
        )
    )

    # ---- targets ---------------------------------------------------------------
    verdicts = []
    order_list = runs.get("order list", {})
    if order_list.get("requests_per_second"):
        list_ratio = order_list["ratio_to_reference"]
        verdicts.append(
            (
                f"order list >= {TARGET_LIST_VS_REFERENCE}x reference list",
                list_ratio is not None and list_ratio >= TARGET_LIST_VS_REFERENCE,
                f"{fmt(list_ratio, '.2f')}x",
            )
        )
        verdicts.append(
            (
                f"order list p99 <= {TARGET_P99_MS:.0f} ms",
                order_list["p99_ms"] <= TARGET_P99_MS,
                f"{order_list['p99_ms']} ms",
            )
        )
        reference_run = runs.get("reference list", {})
        if reference_run.get("requests_per_second"):
            # Less sensitive to other load than req/s: the CPU one request costs.
            list_cpu = order_list["cpu_ms_py"] + order_list["cpu_ms_pg"]
            reference_cpu = reference_run["cpu_ms_py"] + reference_run["cpu_ms_pg"]
            report["cpu_ratio_reference_to_list"] = ratio(reference_cpu, list_cpu)
            print(
                "\nCPU per request (gunicorn + PostgreSQL): order list "
                f"{list_cpu:.1f} ms, reference list {reference_cpu:.1f} ms "
                f"({fmt(ratio(reference_cpu, list_cpu), '.2f')}x)"
            )
    for label, prefix, limit in (
        ("order list", "order list", TARGET_LIST_QUERIES),
        ("order page", "order page", TARGET_DETAIL_QUERIES),
    ):
        counts = [
            found["queries"]
            for counted in report["queries"].values()
            for name, found in counted.items()
            if name.startswith(prefix)
            and isinstance(found, dict)
            and "queries" in found
        ]
        if counts:
            verdicts.append(
                (
                    f"{label} <= {limit} queries at every size and order",
                    max(counts) <= limit,
                    "counts seen: " + ", ".join(str(c) for c in counts),
                )
            )
    report["targets"] = [
        {"target": label, "met": met, "measured": measured}
        for label, met, measured in verdicts
    ]
    print()
    print("Targets:")
    if not verdicts:
        print("  none measurable: the real pages are not built")
    for label, met, measured in verdicts:
        print(f"  [{'met' if met else 'MISSED'}] {label}: {measured}")

    if profile:
        print()
        for name, found in profile.items():
            if name == "error":
                print(f"profile error: {found[-800:]}")
                continue
            print(
                f"=== profile: {name} ({found['url']}), in-process, one at a time: "
                f"{found['ms_per_request']} ms/request, of which waiting for SQL "
                f"{found['sql_ms_per_request']} ms ({found['statements_per_request']}"
                " statements)"
            )
            print(found["report"])

    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    RESULT_FILE.write_text(json.dumps(report, indent=2, default=str))
    print(
        f"\nWritten to {RESULT_FILE.relative_to(BASE_DIR)}; gunicorn log in "
        f"{SERVER_LOG.relative_to(BASE_DIR)}"
    )
    return 1 if failed else 0


def _wrap(text: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, 88)


if __name__ == "__main__":
    sys.exit(main())
