"""Order-intake benchmark: the receipt service against a plain-SQL floor.

    .venv/bin/python bench/intake.py [--seconds 20] [--processes 8] [--quick]
                                     [--scarce-seconds 10] [--no-enqueue-run]
                                     [--profile]

Needs PostgreSQL on 127.0.0.1:5432 (trust, user postgres) and Redis on
127.0.0.1:6379. It drops and recreates its own database, orderdesk_bench, migrates
it, seeds a catalogue, then runs, each with N worker processes started fresh
(multiprocessing "spawn", each doing its own django.setup()):

1. floor: plain SQL through psycopg, no ORM, one transaction per order: insert the
   order row; lock the order's 3 stock-level rows in primary-key order
   (SELECT ... FOR UPDATE); reserve (one UPDATE); insert the 3 line rows with their
   final status; insert the 3 "reserved" stock movements; insert the
   acknowledgement, the stock check and the order's 5 events in one statement: the
   same rows the service writes, in the real tables (tests/bench checks they match).
2. service: per order, orders.services.order_receive (card payment, approve card
   4242...; a web order from an e-mail customer, so an acknowledgement e-mail is
   queued), then verification_start and check_run(kind="stock"), which reserves the
   stock. Celery is not eager: the on-commit .delay() calls (order_verify_task and
   communication_send_task) publish to Redis DB 5 for real; nothing consumes them,
   and that DB is flushed afterwards. Only the stock check runs, not the others.
3. service, no enqueue (unless --no-enqueue-run): the same with Celery's
   apply_async a no-op in the workers, to show what the Redis publishes cost.
4. floor again, so a change in the machine's other load shows as drift.
5. scarce stock: 5 products with 20 units each, the service path with 1-3 units
   per line for --scarce-seconds, then the oversell checks.

Figures are printed as a table and written to var/bench/intake.json. The exit
status is 1 if stock was oversold, the ledger disagrees or any order raised an
error; missing the throughput target (service >= 0.5 x floor) is reported, not
failed. See bench/README.md.
"""

import argparse
import cProfile
import io
import json
import multiprocessing as mp
import os
import pstats
import random
import secrets
import sys
import textwrap
import time
import traceback
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

DB_NAME = "orderdesk_bench"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE_URL = f"{PG_SERVER}/{DB_NAME}"
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 5
REDIS_BROKER = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
RESULT_FILE = BASE_DIR / "var" / "bench" / "intake.json"

CUSTOMERS = 100
PRODUCTS = 200
AMPLE_STOCK = 1_000_000
SCARCE_PRODUCTS = 5
SCARCE_STOCK = 20
LINES_PER_ORDER = 3
APPROVE_CARD = "4242424242424242"
TARGET_RATIO = 0.5
NO_ENQUEUE = "none"  # a worker "broker" meaning: publish nothing at all
COLUMNS = (
    "x floor: orders/s over the mean of the two floor runs. p50/p99/max: latency of "
    "one order in one process. queries: SQL statements per order. cpu ms: CPU per "
    "order in the worker (py) and in its PostgreSQL backend (pg). other cpu: the "
    "machine's busy CPU not spent in either (other programs, and PostgreSQL's and "
    "Redis's own background work), as a share of all CPU."
)
SERVICE_PATH = (
    "Service path, per order (3 transactions): order_receive (order row, 3 lines, "
    "totals, RECEIVED event, acknowledgement e-mail row and its event; on commit, "
    ".delay() of order_verify_task and communication_send_task), then "
    "verification_start (order locked, status, event), then "
    "check_run(kind='stock') (order and lines locked, stock_reserve: 3 levels "
    "locked in pk order, 1 update of the 3, 1 insert of 3 movements; 1 update of "
    "the 3 lines, 2 events, Check row)."
)
FLOOR_PATH = (
    "Floor, per order (1 transaction of plain SQL, psycopg, same tables, the same "
    "rows as the service): order row (already 'verifying'), SELECT ... FOR UPDATE of "
    "the 3 stock levels in pk order, 1 UPDATE, 3 line rows with their final status, "
    "3 stock movements, and one statement for the acknowledgement row, the Check "
    "row and the order's 5 events."
)
PENNY = Decimal("0.01")

BENCH_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DATABASE_URL": DATABASE_URL,
    "CELERY_BROKER_URL": REDIS_BROKER,
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "orderdesk-bench-only-not-a-secret",
    "LOG_LEVEL": "WARNING",
}


def bench_environment() -> None:
    """Point Django at the bench's database and Redis DB only.

    Called by main() before Django is imported; every spawned worker inherits it,
    so nothing can reach another database or Redis DB. Production-like: DEBUG off,
    so Django keeps no query log. (Not at import: tests import FloorPath.)
    """
    os.environ.update(BENCH_ENVIRONMENT)


# --- setup (main process) ---------------------------------------------------------


def database_recreate() -> None:
    """Drop and recreate orderdesk_bench (only that database) and migrate it."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def redis_flush() -> int:
    """Empty Redis DB 5 (the bench's broker); return how many messages were queued."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    queued = sum(
        client.llen(key) for key in client.scan_iter() if client.type(key) == b"list"
    )
    client.flushdb()
    client.close()
    return queued


def seed() -> dict:
    """Customers, a processor, an ample catalogue and a few scarce products."""
    from accounts.models import Role
    from accounts.services import user_create
    from customers.models import ContactChannel
    from customers.services import customer_create
    from inventory.models import Product
    from inventory.services import stock_pool_live, stock_receive

    rng = random.Random(1)
    pool = stock_pool_live()
    user = user_create(
        username="bench-processor",
        password=secrets.token_urlsafe(),
        role=Role.PROCESSOR,
    )
    for number in range(1, CUSTOMERS + 1):
        customer_create(
            name=f"Bench Customer {number}",
            email=f"customer{number}@bench.test",
            phone="0113 496 0000",
            address_line1=f"{number} Bench Street",
            town="Leeds",
            postcode="LS1 4AP",
            preferred_channel=ContactChannel.EMAIL,
        )
    products = Product.objects.bulk_create(
        [
            Product(
                code=f"BEN-{number:04d}",
                name=f"Bench product {number}",
                unit_price=Decimal(rng.randrange(100, 10000)) / 100,
            )
            for number in range(1, PRODUCTS + 1)
        ]
        + [
            Product(
                code=f"SCA-{number:04d}",
                name=f"Scarce product {number}",
                unit_price=Decimal("9.99"),
            )
            for number in range(1, SCARCE_PRODUCTS + 1)
        ]
    )
    for product in products:
        stock_receive(
            pool=pool,
            product=product,
            quantity=SCARCE_STOCK if product.code.startswith("SCA") else AMPLE_STOCK,
            reference="bench-seed",
        )
    return {"pool_id": pool.pk, "user_id": user.pk}


# --- workers (spawned processes) ----------------------------------------------------


def _worker_setup(broker: str) -> None:
    os.environ["CELERY_BROKER_URL"] = (
        "memory://localhost/" if broker == NO_ENQUEUE else broker
    )
    import django

    django.setup()
    if broker == NO_ENQUEUE:
        from celery.app.task import Task

        # The on-commit callbacks still run; only the publish itself is skipped.
        Task.apply_async = lambda self, *args, **kwargs: None


def _catalogue(prefix: str) -> list[tuple[int, str, Decimal, Decimal]]:
    from inventory.models import Product

    return list(
        Product.objects.filter(code__startswith=prefix)
        .order_by("pk")
        .values_list("pk", "code", "unit_price", "vat_rate")
    )


def _order_lines(rng: random.Random, catalogue: list, max_quantity: int) -> list:
    return [
        (product, rng.randint(1, max_quantity))
        for product in rng.sample(catalogue, LINES_PER_ORDER)
    ]


class ServicePath:
    """One order through the receipt service, then the stock reservation."""

    def __init__(self, *, prefix: str, user_id: int, max_quantity: int):
        from django.db import connection

        from accounts.models import User
        from customers.models import Customer

        self.catalogue = _catalogue(prefix)
        self.customers = list(Customer.objects.order_by("pk"))
        self.user = User.objects.get(pk=user_id)
        self.max_quantity = max_quantity
        self.phases = Counter()
        self.queries = 0
        self.outcomes = Counter()
        connection.execute_wrappers.append(self._count_query)

    def backend_pid(self) -> int:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    def _count_query(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)

    def run_one(self, rng: random.Random, number: int) -> None:
        from orders.models import Check, Order
        from orders.services import (
            LineInput,
            check_run,
            order_receive,
            verification_start,
        )

        lines = [
            LineInput(product_code=code, quantity=quantity)
            for (_, code, _, _), quantity in _order_lines(
                rng, self.catalogue, self.max_quantity
            )
        ]
        started = time.perf_counter()
        order = order_receive(
            customer=rng.choice(self.customers),
            lines=lines,
            channel=Order.Channel.WEB,
            received_by=self.user,
            payment_method=Order.PaymentMethod.CARD,
            card_number=APPROVE_CARD,
        )
        received = time.perf_counter()
        verification_start(order_id=order.pk, worker="bench")
        verifying = time.perf_counter()
        check = check_run(order_id=order.pk, kind="stock", worker="bench")
        checked = time.perf_counter()
        self.phases["order_receive"] += received - started
        self.phases["verification_start"] += verifying - received
        self.phases["check_run_stock"] += checked - verifying
        self.outcomes[
            "reserved" if check.outcome == Check.Outcome.PASSED else "out_of_stock"
        ] += 1


class FloorPath:
    """The same order in plain SQL: one transaction, no ORM."""

    ORDER_SQL = """
        INSERT INTO orders_order (
            reference, channel, received_at, customer_po_ref, delivery_address,
            delivery_postcode, payment_method, card_last4, net_total, vat_total,
            gross_total, status, held_from, version, verification_round, gateway,
            cancellation_reason, created_at, updated_at, customer_id, received_by_id,
            stock_pool_id, revision, verification_kinds
        ) VALUES (
            %s, 'web', now(), '', %s, %s, 'card', '4242', %s, %s, %s, 'verifying', '',
            2, 1, 'simulated', '', now(), now(), %s, %s, %s, 1, '[]'
        ) RETURNING id
    """
    LOCK_SQL = """
        SELECT id, product_id, on_hand - reserved FROM inventory_stocklevel
        WHERE pool_id = %s AND product_id = ANY(%s) ORDER BY id FOR UPDATE
    """
    RESERVE_SQL = """
        UPDATE inventory_stocklevel AS level SET reserved = level.reserved + v.quantity
        FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::int[]) AS quantity) AS v
        WHERE level.id = v.id
    """
    LINE_SQL = """
        INSERT INTO orders_orderline (
            order_id, line_number, product_code, product_id, description, quantity,
            unit_price, list_price, vat_rate, status, quantity_reserved,
            quantity_dispatched, quantity_delivered, ship_partial
        ) VALUES {} RETURNING id, product_id
    """
    # The acknowledgement, the stock check and the order's five events in one
    # statement: the rows the service writes besides the order, lines and movements.
    TRAIL_SQL = """
        WITH communication AS (
            INSERT INTO orders_communication (
                order_id, channel, direction, purpose, subject, content, outcome,
                actor_id, at, large_print, channel_override_reason
            ) VALUES (
                %(order)s, 'email', 'outbound', 'acknowledgement', %(subject)s,
                %(content)s, 'queued', %(user)s, now(), false, ''
            ) RETURNING id
        ), stock_check AS (
            INSERT INTO orders_check (
                order_id, kind, outcome, detail, round, rerun, worker, at
            ) VALUES (
                %(order)s, 'stock', %(outcome)s, %(detail)s, 1, false, 'floor', now()
            ) RETURNING id
        )
        INSERT INTO orders_orderevent (
            order_id, kind, actor_id, worker, at, status_after, data
        )
        SELECT %(order)s, e.kind, e.actor, e.worker, now(), e.status, e.data
        FROM communication, stock_check, LATERAL (VALUES
            ('received', %(user)s, '', 'received', %(received)s::jsonb),
            ('communication', %(user)s, '', 'received',
             %(communication)s::jsonb || jsonb_build_object(
                 'communication_id', communication.id)),
            ('verification_started', NULL, 'floor', 'verifying', '{"round": 1}'),
            ('stock_reserved', NULL, 'floor', 'verifying', %(reserved)s::jsonb),
            ('check_recorded', NULL, 'floor', 'verifying',
             %(check)s::jsonb || jsonb_build_object('check_id', stock_check.id))
        ) AS e(kind, actor, worker, status, data)
    """
    MOVEMENT_SQL = """
        INSERT INTO inventory_stockmovement (
            pool_id, product_id, kind, quantity, reference, note, actor_id, at
        ) VALUES {}
    """

    def __init__(
        self,
        *,
        prefix: str,
        user_id: int,
        pool_id: int,
        max_quantity: int,
        conn=None,
    ):
        """conn: a psycopg connection to use instead of one to the bench database
        (a test passes its own, so the rows stay in its transaction)."""
        import psycopg

        self.catalogue = _catalogue(prefix)
        self.user_id, self.pool_id = user_id, pool_id
        self.max_quantity = max_quantity
        self.conn = conn or psycopg.connect(DATABASE_URL)
        with self.conn.transaction():
            self.customers = self.conn.execute(
                "SELECT id, address_line1 || E'\\n' || town || E'\\n' || postcode, "
                "postcode FROM customers_customer ORDER BY id"
            ).fetchall()
        self.tag = f"F{os.getpid()}"
        self.queries = 0
        self.phases = Counter()
        self.outcomes = Counter()

    def backend_pid(self) -> int:
        return self.conn.info.backend_pid

    def run_one(self, rng: random.Random, number: int) -> None:
        # [((product_id, code, unit_price, vat_rate), quantity)], by product id
        wanted = sorted(_order_lines(rng, self.catalogue, self.max_quantity))
        customer_id, address, postcode = rng.choice(self.customers)
        net = sum((p[2] * quantity for p, quantity in wanted), Decimal())
        vat = sum(
            (
                (p[2] * quantity * p[3]).quantize(PENNY, rounding=ROUND_HALF_UP)
                for p, quantity in wanted
            ),
            Decimal(),
        )
        reference = f"{self.tag}-{number}"
        order_row = (address, postcode, net, vat, net + vat, customer_id)
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                self.ORDER_SQL,
                (reference, *order_row, self.user_id, self.pool_id),
            )
            order_id = cur.fetchone()[0]
            cur.execute(self.LOCK_SQL, (self.pool_id, [p[0] for p, _ in wanted]))
            levels = {product_id: (pk, free) for pk, product_id, free in cur}
            granted = [quantity <= levels[p[0]][1] for p, quantity in wanted]
            reserve = [
                (levels[p[0]][0], quantity)
                for (p, quantity), ok in zip(wanted, granted, strict=True)
                if ok
            ]
            cur.execute(
                self.RESERVE_SQL,
                ([pk for pk, _ in reserve], [quantity for _, quantity in reserve]),
            )
            rows = [
                (order_id, line_number, p[1], p[0], p[1], quantity, p[2], p[2], p[3])
                + (("reserved", quantity) if ok else ("short", 0))
                for line_number, ((p, quantity), ok) in enumerate(
                    zip(wanted, granted, strict=True), start=1
                )
            ]
            cur.execute(
                self.LINE_SQL.format(
                    ", ".join(["(" + "%s, " * 11 + "0, 0, false)"] * 3)
                ),
                [value for row in rows for value in row],
            )
            line_ids = {product_id: pk for pk, product_id in cur}
            movements = [
                (self.pool_id, p[0], quantity, f"order-line:{line_ids[p[0]]}")
                for (p, quantity), ok in zip(wanted, granted, strict=True)
                if ok
            ]
            if movements:
                cur.execute(
                    self.MOVEMENT_SQL.format(
                        ", ".join(
                            ["(%s, %s, 'reserved', %s, %s, '', %s, now())"]
                            * len(movements)
                        )
                    ),
                    [v for row in movements for v in (*row, self.user_id)],
                )
            cur.execute(self.TRAIL_SQL, self._trail(order_id, reference, rows))
        self.queries += 8  # BEGIN, 6 statements, COMMIT
        self.outcomes["reserved" if all(granted) else "out_of_stock"] += 1

    def _trail(self, order_id: int, reference: str, rows: list) -> dict:
        """The event, communication and check values the service would record."""
        received = {
            "channel": "web",
            "lines": [
                {
                    "line": row[1],
                    "product_code": row[2],
                    "quantity": row[5],
                    "unit_price": str(row[6]),
                }
                for row in rows
            ],
            "gross_total": str(sum(r[5] * r[6] * (1 + r[8]) for r in rows)),
            "payment_method": "card",
            "requested_date": None,
        }
        subject = f"We have received your order {reference}"
        content = f"Thank you for your order {reference}. We are checking it now."
        reserved = [
            {"line": r[1], "quantity": r[5]} for r in rows if r[9] == "reserved"
        ]
        short = [r for r in rows if r[9] != "reserved"]
        detail = (
            " ".join(f"Line {r[1]} ({r[2]}): {r[5]} ordered, short." for r in short)
            or "Stock reserved for every line."
        )
        outcome = "failed" if short else "passed"
        return {
            "order": order_id,
            "user": self.user_id,
            "subject": subject,
            "content": content,
            "outcome": outcome,
            "detail": detail,
            "received": json.dumps(received),
            "communication": json.dumps(
                {
                    "channel": "email",
                    "direction": "outbound",
                    "purpose": "acknowledgement",
                    "outcome": "queued",
                    "subject": subject,
                    "content": content,
                }
            ),
            "reserved": json.dumps({"lines": reserved}),
            "check": json.dumps(
                {
                    "kind": "stock",
                    "outcome": outcome,
                    "detail": detail,
                    "round": 1,
                    "rerun": False,
                    "reserved": reserved,
                }
            ),
        }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU a process (here: a PostgreSQL backend) has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker(
    index: int,
    mode: str,
    broker: str,
    options: dict,
    ready: "mp.Queue",
    go: "mp.Event",
    start_at: "mp.Value",
    results: "mp.Queue",
) -> None:
    """Set up, say ready, then run orders until the shared deadline and report."""
    try:
        _worker_setup(broker)
        if mode == "floor":
            path = FloorPath(
                prefix=options["prefix"],
                user_id=options["user_id"],
                pool_id=options["pool_id"],
                max_quantity=options["max_quantity"],
            )
        else:
            path = ServicePath(
                prefix=options["prefix"],
                user_id=options["user_id"],
                max_quantity=options["max_quantity"],
            )
        rng = random.Random(options["seed"] * 1000 + index)
        # One order first, uncounted, so connections and lazy imports are warm; from
        # the ample catalogue, so a scarce run's stock is left for the timed orders.
        catalogue = path.catalogue
        path.catalogue = _catalogue("BEN-")
        path.run_one(random.Random(index), 0)
        path.catalogue = catalogue
        path.queries = 0
        path.phases.clear()
        path.outcomes.clear()
        backend = path.backend_pid()
        profiler = cProfile.Profile() if options.get("profile") and index == 0 else None
    except Exception:
        ready.put(("error", index, traceback.format_exc()))
        return
    ready.put(("ready", index, ""))
    go.wait()
    begin = start_at.value
    deadline = begin + options["seconds"]
    while time.monotonic() < begin:
        time.sleep(0.001)
    latencies, errors, first_error = [], Counter(), ""
    number = 0
    client_cpu, server_cpu = time.process_time(), _cpu_seconds(backend)
    if profiler:
        profiler.enable()
    while time.monotonic() < deadline:
        number += 1
        started = time.perf_counter()
        try:
            path.run_one(rng, number)
        except Exception as error:  # counted and reported; the run goes on
            errors[type(error).__name__] += 1
            first_error = first_error or traceback.format_exc()
            continue
        latencies.append(time.perf_counter() - started)
    finished = time.monotonic()
    client_cpu = time.process_time() - client_cpu
    server_cpu = _cpu_seconds(backend) - server_cpu
    if profiler:
        profiler.disable()
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("cumulative").print_stats(r"/(orders|inventory)/", 25)
        stats.sort_stats("tottime").print_stats(15)
        profile_text = stream.getvalue()
    else:
        profile_text = ""
    results.put(
        {
            "index": index,
            "latencies": latencies,
            "errors": dict(errors),
            "first_error": first_error,
            "finished": finished,
            "client_cpu": client_cpu,
            "server_cpu": server_cpu,
            "queries": path.queries,
            "phases": dict(path.phases),
            "outcomes": dict(path.outcomes),
            "profile": profile_text,
        }
    )


def _machine_cpu() -> tuple[float, float]:
    """Busy and total CPU-seconds of the whole machine so far (/proc/stat)."""
    try:
        values = [
            int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]
        ]
    except OSError:
        return float("nan"), float("nan")
    user, nice, system, idle, iowait, irq, softirq, steal = values
    tick = os.sysconf("SC_CLK_TCK")
    busy = user + nice + system + irq + softirq + steal
    return busy / tick, (busy + idle + iowait) / tick


def run_phase(name: str, mode: str, broker: str, processes: int, options: dict):
    """Start the workers, release them together, collect and summarise their runs."""
    context = mp.get_context("spawn")
    ready, results = context.Queue(), context.Queue()
    go, start_at = context.Event(), context.Value("d", 0.0)
    children = [
        context.Process(
            target=worker,
            args=(index, mode, broker, options, ready, go, start_at, results),
            name=f"bench-{name}-{index}",
        )
        for index in range(processes)
    ]
    for child in children:
        child.start()
    reports = []
    try:
        for _ in children:
            status, index, text = ready.get(timeout=120)
            if status != "ready":
                raise RuntimeError(f"worker {index} of {name} failed to start:\n{text}")
        start_at.value = time.monotonic() + 0.2
        begin = start_at.value
        go.set()
        machine_before = _machine_cpu()
        for _ in children:
            reports.append(results.get(timeout=options["seconds"] + 120))
        machine_after = _machine_cpu()
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.terminate()
                child.join()
    machine = (
        machine_after[0] - machine_before[0],
        machine_after[1] - machine_before[1],
    )
    return summarise(name, reports, begin, machine)


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[rank]


def summarise(
    name: str, reports: list[dict], begin: float, machine: tuple[float, float]
) -> dict:
    """Throughput, latency, CPU per order, and how busy the rest of the machine was."""
    latencies = sorted(x for report in reports for x in report["latencies"])
    orders = len(latencies)
    elapsed = max(report["finished"] for report in reports) - begin
    errors = Counter()
    phases, outcomes = Counter(), Counter()
    for report in reports:
        errors.update(report["errors"])
        phases.update(report["phases"])
        outcomes.update(report["outcomes"])
    first_error = next((r["first_error"] for r in reports if r["first_error"]), "")
    queries = sum(report["queries"] for report in reports)
    client_cpu = sum(report["client_cpu"] for report in reports)
    server_cpu = sum(report["server_cpu"] for report in reports)
    attempts = orders + sum(errors.values())
    return {
        "name": name,
        "processes": len(reports),
        "seconds": round(elapsed, 2),
        "orders": orders,
        "orders_per_s": round(orders / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 2),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 2),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round((latencies[-1] if latencies else float("nan")) * 1000, 2),
        "queries_per_order": round(queries / attempts, 1) if attempts else None,
        "client_cpu_ms_per_order": round(client_cpu / attempts * 1000, 2)
        if attempts
        else None,
        "postgres_cpu_ms_per_order": round(server_cpu / attempts * 1000, 2)
        if attempts
        else None,
        # Busy CPU not spent in the workers or their backends: other programs, plus
        # PostgreSQL's and Redis's own background work.
        "other_cpu_percent": round(
            100 * (machine[0] - client_cpu - server_cpu) / machine[1], 1
        ),
        "phase_mean_ms": {
            phase: round(total / orders * 1000, 2) for phase, total in phases.items()
        }
        if orders
        else {},
        "outcomes": dict(outcomes),
        "errors": dict(errors),
        "first_error": first_error,
        "profile": next((r["profile"] for r in reports if r["profile"]), ""),
    }


# --- the scarce-stock checks (main process) -----------------------------------------


def scarce_verify() -> dict:
    """Reserved never above stock, ledger agrees, and refusals were recorded."""
    from django.db.models import Q, Sum

    from inventory.models import StockLevel, StockMovement
    from inventory.selectors import stock_ledger_mismatches
    from orders.models import OrderException, OrderLine

    K = StockMovement.Kind
    products = []
    oversell = 0
    consistent = True
    for level in StockLevel.objects.filter(
        product__code__startswith="SCA-"
    ).select_related("product"):
        moves = StockMovement.objects.filter(
            pool_id=level.pool_id, product_id=level.product_id
        ).aggregate(
            received=Sum("quantity", filter=Q(kind=K.RECEIVED), default=0),
            reserved=Sum("quantity", filter=Q(kind=K.RESERVED), default=0),
        )
        on_lines = OrderLine.objects.filter(product_id=level.product_id).aggregate(
            total=Sum("quantity_reserved", default=0)
        )["total"]
        over = max(0, moves["reserved"] - moves["received"]) + max(
            0, level.reserved - level.on_hand
        )
        oversell += over
        consistent &= level.reserved == moves["reserved"] == on_lines
        products.append(
            {
                "code": level.product.code,
                "on_hand": level.on_hand,
                "reserved": level.reserved,
                "received_movements": moves["received"],
                "reserved_movements": moves["reserved"],
                "reserved_on_lines": on_lines,
                "oversold": over,
            }
        )
    scarce_lines = OrderLine.objects.filter(product__code__startswith="SCA-")
    short_lines = scarce_lines.filter(status=OrderLine.Status.SHORT)
    short_without_exception = short_lines.exclude(
        exceptions__kind=OrderException.Kind.OUT_OF_STOCK
    ).count()
    orders_short = short_lines.values("order_id").distinct().count()
    orders_total = scarce_lines.values("order_id").distinct().count()
    orders_with_exception = (
        OrderException.objects.filter(
            kind=OrderException.Kind.OUT_OF_STOCK, line__in=scarce_lines
        )
        .values("order_id")
        .distinct()
        .count()
    )
    mismatches = stock_ledger_mismatches()
    return {
        "products": products,
        "orders": orders_total,
        "orders_fully_reserved": orders_total - orders_short,
        "orders_short": orders_short,
        "orders_short_with_out_of_stock_exception": orders_with_exception,
        "lines_reserved": scarce_lines.filter(status=OrderLine.Status.RESERVED).count(),
        "lines_short": short_lines.count(),
        "short_lines_without_exception": short_without_exception,
        "still_pending_lines": scarce_lines.filter(
            status=OrderLine.Status.PENDING
        ).count(),
        "ledger_mismatches": len(mismatches),
        "levels_agree_with_movements_and_lines": consistent,
        "oversell": oversell,
    }


# --- report -------------------------------------------------------------------------


def table(runs: list[dict], floor_rate: float) -> str:
    header = (
        f"{'run':<26}{'orders':>7}{'orders/s':>10}{'x floor':>8}{'p50 ms':>8}"
        f"{'p99 ms':>8}{'max ms':>8}{'queries':>8}{'cpu ms: py':>11}{'pg':>6}"
        f"{'errors':>7}{'other cpu':>10}"
    )
    lines = [header, "-" * len(header)]
    for run in runs:
        ratio = run["orders_per_s"] / floor_rate
        lines.append(
            f"{run['name']:<26}{run['orders']:>7}{run['orders_per_s']:>10.1f}"
            f"{ratio:>8.2f}{run['p50_ms']:>8.1f}{run['p99_ms']:>8.1f}"
            f"{run['max_ms']:>8.1f}{run['queries_per_order']:>8}"
            f"{run['client_cpu_ms_per_order']:>11.1f}"
            f"{run['postgres_cpu_ms_per_order']:>6.1f}"
            f"{sum(run['errors'].values()):>7}"
            f"{run['other_cpu_percent']:>9.0f}%"
        )
    return "\n".join(lines)


def main() -> int:
    bench_environment()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--scarce-seconds", type=float, default=10.0)
    parser.add_argument(
        "--quick", action="store_true", help="3 s runs (scarce 3 s): a smoke run"
    )
    parser.add_argument(
        "--no-enqueue-run",
        action="store_true",
        help="skip the service run that publishes no Celery messages",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile worker 0 of the service run and print where its time goes",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.scarce_seconds = 3.0, 3.0

    load_before = os.getloadavg()
    print(
        f"Load average before: {load_before[0]:.2f} (other work on the machine "
        "skews the figures)",
        flush=True,
    )
    print(f"Recreating database {DB_NAME} and migrating it ...", flush=True)
    database_recreate()
    redis_flush()
    ids = seed()
    from django.db import connections

    connections.close_all()

    base = {**ids, "seed": args.seed, "seconds": args.seconds}
    ample = {**base, "prefix": "BEN-", "max_quantity": 3}
    plan = [
        ("floor (plain SQL)", "floor", REDIS_BROKER, ample),
        (
            "service (Redis enqueue)",
            "service",
            REDIS_BROKER,
            {**ample, "profile": args.profile},
        ),
    ]
    if not args.no_enqueue_run:
        plan.append(("service (no enqueue)", "service", NO_ENQUEUE, ample))
    # The floor again last: if the machine's other load changed during the runs, the
    # two floors differ and the ratio is not to be trusted.
    plan.append(("floor again (drift check)", "floor", REDIS_BROKER, ample))
    runs = []
    queued_tasks = 0
    for name, mode, broker, options in plan:
        print(
            f"Running {name}: {args.processes} processes, {args.seconds:g} s ...",
            flush=True,
        )
        runs.append(run_phase(name, mode, broker, args.processes, options))
        if broker == REDIS_BROKER and mode == "service":
            queued_tasks = redis_flush()
    print(
        f"Running scarce stock: {SCARCE_PRODUCTS} products x {SCARCE_STOCK} units, "
        f"{args.processes} processes, {args.scarce_seconds:g} s ...",
        flush=True,
    )
    scarce_run = run_phase(
        "scarce stock (service)",
        "service",
        REDIS_BROKER,
        args.processes,
        {**base, "seconds": args.scarce_seconds, "prefix": "SCA-", "max_quantity": 3},
    )
    redis_flush()
    scarce = scarce_verify()
    connections.close_all()

    service = runs[1]
    floor_rate = (runs[0]["orders_per_s"] + runs[-1]["orders_per_s"]) / 2
    drift = runs[-1]["orders_per_s"] / runs[0]["orders_per_s"] - 1
    ratio = service["orders_per_s"] / floor_rate
    print()
    print(table([*runs, scarce_run], floor_rate))
    print()
    for text in (COLUMNS, SERVICE_PATH, FLOOR_PATH):
        print(textwrap.fill(text, width=88))
    print(
        f"Celery messages the Redis-enqueue run left in Redis DB {REDIS_DB}: "
        f"{queued_tasks} (purged); no worker consumed them."
    )
    for run in (run for run in runs if run["name"].startswith("service")):
        phases = ", ".join(f"{k} {v:.1f}" for k, v in run["phase_mean_ms"].items())
        print(f"{run['name']}, mean ms per step: {phases}")
    load_after = os.getloadavg()
    print(f"Load average after: {load_after[0]:.2f}")
    print()
    print(
        f"Floor: {floor_rate:.1f} orders/s (mean of the two floor runs, which differ "
        f"by {drift:+.0%}"
        + (
            "; the machine's load changed, rerun when it is quiet)"
            if abs(drift) > 0.15
            else ")"
        )
    )
    if args.profile:
        print("(--profile: worker 0 ran under cProfile, so the service run is slowed.)")
    print(
        f"service (Redis enqueue) / floor = {ratio:.2f}  (target >= {TARGET_RATIO}: "
        f"{'met' if ratio >= TARGET_RATIO else 'NOT met'})"
    )
    print()
    print("Scarce stock, per product:")
    print(
        f"  {'product':<10}{'on hand':>9}{'reserved':>10}{'received mv':>13}"
        f"{'reserved mv':>13}{'on lines':>10}{'oversold':>10}"
    )
    for row in scarce["products"]:
        print(
            f"  {row['code']:<10}{row['on_hand']:>9}{row['reserved']:>10}"
            f"{row['received_movements']:>13}{row['reserved_movements']:>13}"
            f"{row['reserved_on_lines']:>10}{row['oversold']:>10}"
        )
    print(
        f"  orders {scarce['orders']}: fully reserved {scarce['orders_fully_reserved']}"
        f", short {scarce['orders_short']} (with an out-of-stock exception: "
        f"{scarce['orders_short_with_out_of_stock_exception']}); short lines "
        f"without an exception: {scarce['short_lines_without_exception']}; "
        f"pending lines: {scarce['still_pending_lines']}"
    )
    print(
        f"  ledger mismatches: {scarce['ledger_mismatches']}; levels = movements = "
        f"lines: {scarce['levels_agree_with_movements_and_lines']}"
    )
    print(f"oversell: {scarce['oversell']}")
    for run in [*runs, scarce_run]:
        if run["first_error"]:
            print(f"\nFirst error in {run['name']}:\n{run['first_error']}")
        if run["profile"]:
            print(f"\ncProfile of one worker in {run['name']}:\n{run['profile']}")

    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "processes": args.processes,
        "seconds": args.seconds,
        "runs": [
            {k: v for k, v in run.items() if k != "profile"}
            for run in [*runs, scarce_run]
        ],
        "floor_orders_per_s": round(floor_rate, 1),
        "floor_drift": round(drift, 3),
        "ratio_service_to_floor": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "target_met": ratio >= TARGET_RATIO,
        "scarce": scarce,
        "service_path": SERVICE_PATH,
        "floor_path": FLOOR_PATH,
        "load_average_before": load_before[0],
        "load_average_after": load_after[0],
    }
    RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nWrote {RESULT_FILE.relative_to(BASE_DIR)}")
    healthy = (
        scarce["oversell"] == 0
        and scarce["ledger_mismatches"] == 0
        and scarce["short_lines_without_exception"] == 0
        and scarce["levels_agree_with_movements_and_lines"]
        and scarce["still_pending_lines"] == 0
        and not any(run["errors"] for run in [*runs, scarce_run])
    )
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
