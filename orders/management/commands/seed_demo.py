"""`manage.py seed_demo`: demo accounts, catalogue, customers and orders for `make run`.

Everything is made through the services, as staff and the worker would make it, so
every order has its checks, events, stock movements and communications. The stories
in _demo_data.py are played in the order things happened over the last three weeks,
with the clock set to each moment (time-machine), so timelines and delivery promises
read as they would have at the time. Running it again changes nothing.
"""

import heapq
import itertools
import time
from collections import Counter
from collections.abc import Generator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from accounts.services import user_create
from customers.models import Customer
from customers.services import customer_create
from inventory.models import Product, StockLevel
from inventory.selectors import stock_level
from inventory.services import stock_pool_live, stock_receive, stock_set_restock_date
from orders.models import Order, OrderException, OrderLine, Shipment
from orders.services import (
    LineInput,
    communication_record,
    exception_add_step,
    exception_raise,
    exception_resolve,
    line_backorder,
    line_cancel,
    order_cancel,
    order_close,
    order_confirm,
    order_dispatch,
    order_receive,
    order_record_follow_up,
    order_start_fulfilment,
    out_of_stock_handle,
    shipment_record_delivery,
    verification_run,
)
from orders.services.amendments import LineChange, order_amend
from orders.services.corrections import price_keep_approve
from orders.tasks import exception_escalate_overdue_task

from ._demo_data import ACCOUNTS, CUSTOMERS, ORDERS, PRODUCTS, DemoOrder

WORKER = "seed"
S = Order.Status
# The ordinary path of an order; on hold and cancelled are side turnings.
PATH = [
    S.VERIFIED,
    S.CONFIRMED,
    S.FULFILLING,
    S.DISPATCHED,
    S.DELIVERED,
    S.FOLLOWED_UP,
    S.CLOSED,
]
CARRIERS = ["DPD", "Royal Mail Tracked 48", "Parcelforce", "Our own van"]

# A story runs up to each `yield`, which says when it next acts.
Story = Generator[datetime, None, None]


class Timeline:
    """Plays stories step by step in time order, with the clock set to each step.

    Nothing is dated later than the horizon (just before now): a step that would be
    is moved back to it, keeping each story's own steps in order.
    """

    def __init__(self, *, horizon: datetime, travel) -> None:
        self.horizon = horizon
        self.travel = travel
        self.queue: list[tuple[datetime, int, Story]] = []
        self.sequence = itertools.count()

    def add(self, at: datetime, story: Story) -> None:
        heapq.heappush(self.queue, (min(at, self.horizon), next(self.sequence), story))

    def run(self) -> None:
        while self.queue:
            at, _, story = heapq.heappop(self.queue)
            # UTC, not a ZoneInfo: time-machine would otherwise change the process's
            # local time zone as well.
            with self.travel(at.astimezone(UTC), tick=False):
                wanted = next(story, None)
            if wanted is not None:
                self.add(max(wanted, at), story)


def local(day: date, hhmm: str) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock_time.fromisoformat(hhmm)))


def later(**delta) -> datetime:
    return timezone.now() + timedelta(**delta)


def next_day(hhmm: str, days: int = 1) -> datetime:
    return local(timezone.localdate() + timedelta(days=days), hhmm)


class DemoLoader:
    """Makes the demo data through the services; raises CommandError on a surprise."""

    def __init__(self, *, now: datetime, travel) -> None:
        self.now = now
        self.today = timezone.localdate(now)
        self.travel = travel
        self.users: dict[str, User] = {}
        self.customers: dict[str, Customer] = {}
        self.tracking = itertools.count(1)
        self.carriers = itertools.cycle(CARRIERS)

    def load(self) -> None:
        timeline = Timeline(
            horizon=self.now - timedelta(seconds=30), travel=self.travel
        )
        timeline.add(local(self.today - timedelta(days=30), "08:00"), self._setup())
        for spec in ORDERS:
            timeline.add(self._received_at(spec), self._story(spec))
        timeline.run()
        # What beat does every minute once `make run` is up: out-of-stock problems
        # left open too long go to the supervisors' Escalated queue.
        exception_escalate_overdue_task()

    # --- Setting up: people, catalogue, stock, customers --------------------------

    def _setup(self) -> Story:
        for account in ACCOUNTS:
            email = f"{account.first_name}.{account.last_name}@example.com".lower()
            if account.role is None:
                user = User.objects.create_superuser(
                    username=account.username,
                    email=email,
                    password=account.password,
                    first_name=account.first_name,
                    last_name=account.last_name,
                )
            else:
                user = user_create(
                    username=account.username,
                    password=account.password,
                    role=account.role,
                    first_name=account.first_name,
                    last_name=account.last_name,
                    email=email,
                )
            self.users[account.username] = user
        yield next_day("07:30", days=2)
        pool = stock_pool_live()
        for number, spec in enumerate(PRODUCTS, start=1):
            product = Product(
                code=spec.code,
                name=spec.name,
                unit_price=Decimal(spec.price),
                vat_rate=Decimal(spec.vat),
                pack_size=spec.pack,
                active=spec.active,
            )
            product.full_clean()
            product.save()
            if spec.stock:
                stock_receive(
                    pool=pool,
                    product=product,
                    quantity=spec.stock,
                    actor=self.users["dispatcher"],
                    reference=f"GRN-{1000 + number}",
                    note="Opening stock",
                )
            elif spec.active:
                # Out of stock: a level row, with the restock date if one is known.
                restock = (
                    self.today + timedelta(days=spec.restock_in_days)
                    if spec.restock_in_days is not None
                    else None
                )
                stock_set_restock_date(pool=pool, product=product, restock_date=restock)
        yield next_day("09:00")
        for spec in CUSTOMERS:
            self.customers[spec.key] = customer_create(**spec.fields())
        yield later(hours=1)
        # Restock dates for lines that are in stock now but will sell out.
        for spec in PRODUCTS:
            if spec.stock and spec.restock_in_days is not None:
                stock_set_restock_date(
                    pool=pool,
                    product=Product.objects.get(code=spec.code),
                    restock_date=self.today + timedelta(days=spec.restock_in_days),
                )

    # --- One order's story --------------------------------------------------------

    def _received_at(self, spec: DemoOrder) -> datetime:
        if spec.minutes_ago:
            return self.now - timedelta(minutes=spec.minutes_ago)
        days, hhmm = spec.received
        return local(self.today - timedelta(days=days), hhmm)

    def _story(self, spec: DemoOrder) -> Story:
        order = self._receive(spec)
        if spec.target == S.RECEIVED:
            return
        yield later(minutes=2)
        order = verification_run(order_id=order.pk, worker=WORKER)
        self._expect_open_exceptions(order, spec.problems)
        if spec.problems:
            yield from self._work_on(order, spec)
        yield from self._advance(order, spec)
        if spec.raised:
            yield later(hours=2)
            kind, found = spec.raised
            exception_raise(
                order=order, actor=self.users["dispatcher"], kind=kind, found=found
            )
            yield from self._work_on(order, spec)
        elif spec.cancel_at and not spec.problems:
            # The checks passed: what leads to the cancellation (the customer's call)
            # happens where the story stops, not after the checks.
            yield from self._work_on(order, spec)
        if spec.amend:
            yield from self._amend(order, spec)
        if spec.cancel_reason:
            yield later(minutes=10)
            order_cancel(
                order=order, actor=self.users["processor"], reason=spec.cancel_reason
            )
        order.refresh_from_db()
        if order.status != spec.target:
            raise CommandError(
                f"{order.reference} ({spec.customer}) ended {order.status}, not "
                f"{spec.target}."
            )

    def _receive(self, spec: DemoOrder) -> Order:
        customer = self.customers[spec.customer]
        by_card = not customer.on_account
        address, postcode = spec.delivery or ("", "")
        requested = (
            timezone.localdate() + timedelta(days=spec.requested_in_days)
            if spec.requested_in_days is not None
            else None
        )
        web = spec.channel == Order.Channel.WEB
        return order_receive(
            customer=customer,
            lines=[
                LineInput(code, quantity, Decimal(price[0]) if price else None)
                for code, quantity, *price in spec.lines
            ],
            channel=spec.channel,
            received_by=None if web else self.users["processor"],
            payment_method=(
                Order.PaymentMethod.CARD if by_card else Order.PaymentMethod.ACCOUNT
            ),
            card_number=spec.card if by_card else "",
            delivery_address=address,
            delivery_postcode=postcode,
            requested_date=requested,
            customer_po_ref=spec.po,
            received_at=timezone.now(),
        )

    def _expect_open_exceptions(self, order: Order, kinds: tuple[str, ...]) -> None:
        found = order.exceptions.filter(status=OrderException.Status.OPEN)
        if sorted(e.kind for e in found) != sorted(kinds):
            details = "; ".join(e.found for e in found) or "none"
            raise CommandError(
                f"{order.reference}: the checks should open {list(kinds) or 'none'}, "
                f"but found: {details}"
            )

    def _work_on(self, order: Order, spec: DemoOrder) -> Story:
        """Work the open exception: steps, contacts, an action, then resolve it."""
        processor = self.users["processor"]
        exception = order.exceptions.filter(status=OrderException.Status.OPEN).first()
        texts = {"reference": order.reference, "restock": self._restock(exception)}
        for text in spec.steps:
            yield later(minutes=25)
            exception_add_step(
                exception=exception, actor=processor, text=text.format(**texts)
            )
        communication = None
        for contact in spec.contacts:
            yield later(minutes=15)
            communication = communication_record(
                order=order,
                actor=processor,
                channel=contact.channel,
                purpose=contact.purpose,
                content=contact.text.format(**texts),
                outcome=contact.outcome,
                direction=contact.direction,
            )
        if spec.action == "backorder":
            # The customer's agreement is what they said in the last contact.
            line_backorder(
                line=exception.line,
                actor=processor,
                agreement=spec.contacts[-1].text.format(**texts),
                communication=communication,
            )
        elif spec.action in ("substitute", "partial"):
            out_of_stock_handle(
                exception=exception,
                actor=processor,
                option=(
                    OrderException.Handling.SUBSTITUTE
                    if spec.action == "substitute"
                    else OrderException.Handling.PARTIAL_SHIPMENT
                ),
                agreement=spec.contacts[-1].text.format(**texts),
                communication=communication,
                substitute_product=Product.objects.filter(code=spec.substitute).first(),
            )
        elif spec.action == "approve_price":
            yield later(minutes=20)
            price_keep_approve(
                exception=exception,
                actor=self.users["supervisor"],
                note=spec.resolution.format(**texts),
            )
        elif spec.action == "cancel_line":
            line_cancel(line=exception.line, actor=processor, reason=spec.action_reason)
        if spec.resolution:
            yield later(minutes=5)
            for each in order.exceptions.filter(status=OrderException.Status.OPEN):
                exception_resolve(
                    exception=each,
                    actor=self.users[spec.resolved_by],
                    resolution=spec.resolution.format(**texts),
                    customer_informed=communication is not None,
                    communication=communication,
                )

    def _amend(self, order: Order, spec: DemoOrder) -> Story:
        """The customer changes a confirmed order: amend, check, confirm afresh."""
        processor = self.users["processor"]
        yield later(hours=3)
        contact = spec.amend_contact
        call = communication_record(
            order=order,
            actor=processor,
            channel=contact.channel,
            purpose=contact.purpose,
            content=contact.text,
            outcome=contact.outcome,
            direction=contact.direction,
        )
        lines = {line.line_number: line.pk for line in order.lines.all()}
        order_amend(
            order=order,
            actor=processor,
            reason=contact.text,
            line_changes={
                lines[number]: LineChange(quantity=quantity)
                for number, quantity in spec.amend
            },
            customer_told=True,
            communication=call,
        )
        yield later(minutes=2)
        verification_run(order_id=order.pk, worker=WORKER)
        yield later(minutes=20)
        order_confirm(order=order, actor=processor, promised_date=self._promise(order))

    def _restock(self, exception: OrderException | None) -> str:
        if exception is None or exception.line is None:
            return ""
        level = stock_level(
            pool=exception.order.stock_pool, product_id=exception.line.product_id
        )
        day = level.restock_date if level else None
        return f"{day:%A} {day.day} {day:%B}" if day else "an unknown date"

    def _advance(self, order: Order, spec: DemoOrder) -> Story:
        """Take the order along the ordinary path to where its story stops."""
        followed_up = False
        while True:
            order.refresh_from_db()
            if order.status == S.DELIVERED and spec.follow_ups and not followed_up:
                for number, attempt in enumerate(spec.follow_ups):
                    yield next_day("10:00", days=2 if number == 0 else 1)
                    order_record_follow_up(
                        order=order,
                        actor=self.users["processor"],
                        channel=attempt.channel,
                        outcome=attempt.outcome,
                        notes=attempt.notes,
                        satisfaction=attempt.satisfaction,
                    )
                followed_up = True
                continue
            if order.status == spec.stop:
                return
            if order.status not in PATH or order.status == PATH[-1]:
                raise CommandError(
                    f"{order.reference} is {order.status} and cannot go on to "
                    f"{spec.stop}."
                )
            yield from self._step(order, spec, PATH[PATH.index(order.status) + 1])

    def _step(self, order: Order, spec: DemoOrder, target: str) -> Story:
        processor, dispatcher = self.users["processor"], self.users["dispatcher"]
        if target == S.CONFIRMED:
            yield later(minutes=70)
            order_confirm(
                order=order, actor=processor, promised_date=self._promise(order)
            )
        elif target == S.FULFILLING:
            yield next_day(f"08:{30 + order.pk % 25:02d}")
            order_start_fulfilment(order=order, actor=dispatcher)
            if spec.partial and spec.stop == S.FULFILLING:
                yield later(hours=5)
                lines = {line.line_number: line.pk for line in order.lines.all()}
                self._dispatch(
                    order, spec, {lines[number]: qty for number, qty in spec.partial}
                )
        elif target == S.DISPATCHED:
            yield later(hours=5)
            self._dispatch(order, spec)
        elif target == S.DELIVERED:
            yield next_day(f"11:{order.pk % 50:02d}")
            for shipment in Shipment.objects.filter(order=order, delivered_at=None):
                shipment_record_delivery(
                    shipment=shipment, actor=dispatcher, proof_of_delivery=spec.proof
                )
        elif target == S.FOLLOWED_UP:
            raise CommandError(f"{order.reference}: give the story a follow-up.")
        elif target == S.CLOSED:
            yield later(minutes=15)
            order_close(order=order, actor=processor)

    def _promise(self, order: Order) -> date:
        """Three days out, and never before a backordered line's restock date."""
        restocks = [
            line.restock_date + timedelta(days=1)
            for line in order.lines.filter(status=OrderLine.Status.BACKORDERED)
        ]
        return max([timezone.localdate() + timedelta(days=3), *restocks])

    def _dispatch(self, order: Order, spec: DemoOrder, quantities=None) -> None:
        carrier = spec.carrier or next(self.carriers)
        number = next(self.tracking)
        tracking = {
            "DPD": f"155{40000000 + number * 7919:011d}",
            "Royal Mail Tracked 48": f"TT{204000000 + number * 31:09d}GB",
            "Parcelforce": f"PB{71000000 + number * 113:08d}001",
        }.get(carrier, "")
        order_dispatch(
            order=order,
            actor=self.users["dispatcher"],
            carrier=carrier,
            tracking_reference=tracking,
            quantities=quantities,
        )


class Command(BaseCommand):
    help = (
        "Load demo accounts, products, stock, customers and orders in every status. "
        "Does nothing if the demo data is already there."
    )

    def handle(self, *args, **options) -> None:
        if User.objects.filter(username=ACCOUNTS[0].username).exists():
            self.stdout.write(
                f'Demo data is already loaded (user "{ACCOUNTS[0].username}" exists); '
                "nothing changed."
            )
            self._accounts_table()
            return
        try:
            import time_machine
        except ImportError:
            raise CommandError(
                "seed_demo needs time-machine: pip install -r requirements.txt"
            ) from None
        started = time.perf_counter()
        with transaction.atomic():
            DemoLoader(now=timezone.now(), travel=time_machine.travel).load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {time.perf_counter() - started:.1f} s."
            )
        )
        self._summary()
        self._accounts_table()

    def _summary(self) -> None:
        levels = StockLevel.objects.filter(pool=stock_pool_live(), product__active=True)
        out = [level for level in levels if level.available <= 0]
        scarce = [level for level in levels if 0 < level.available <= 5]
        self.stdout.write(
            f"  {Product.objects.count()} products: {len(out)} out of stock "
            f"({sum(1 for level in out if level.restock_date)} with a restock date), "
            f"{len(scarce)} with 5 or fewer left"
        )
        self.stdout.write(f"  {Customer.objects.count()} customers")
        by_status = Counter(
            dict(Order.objects.values_list("status").annotate(n=Count("pk")))
        )
        self.stdout.write(
            f"  {sum(by_status.values())} orders: "
            + ", ".join(
                f"{label.lower()} {by_status[value]}"
                for value, label in S.choices
                if by_status[value]
            )
        )
        open_kinds = Counter(
            OrderException.objects.filter(
                status=OrderException.Status.OPEN
            ).values_list("kind", flat=True)
        )
        self.stdout.write(
            f"  {sum(open_kinds.values())} open exceptions: "
            + ", ".join(
                f"{label.lower()} {open_kinds[value]}"
                for value, label in OrderException.Kind.choices
                if open_kinds[value]
            )
        )

    def _accounts_table(self) -> None:
        rows = [("username", "role", "password")] + [
            (account.username, account.role_label, account.password)
            for account in ACCOUNTS
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        rows.insert(1, tuple("-" * width for width in widths))
        self.stdout.write("\nDemo accounts (also in README.md):")
        for row in rows:
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write(("  " + "  ".join(cells)).rstrip())
        self.stdout.write(
            "Sign in at http://127.0.0.1:8000/admin/ as admin or supervisor."
        )
