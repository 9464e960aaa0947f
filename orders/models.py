from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Round
from django.utils import timezone

from config.append_only import AppendOnly
from customers.models import ContactChannel, Customer
from inventory.models import Product, StockPool

MONEY = {"max_digits": 12, "decimal_places": 2}


class Order(models.Model):
    """A customer's sales order, from receipt to close.

    Its status changes only through the services in orders.services.lifecycle,
    which check the transition table and write an event in the same transaction.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        VERIFYING = "verifying", "Checks running"
        VERIFIED = "verified", "Verified"
        ON_HOLD = "on_hold", "On hold"
        CONFIRMED = "confirmed", "Confirmed"
        FULFILLING = "fulfilling", "Being fulfilled"
        DISPATCHED = "dispatched", "Dispatched"
        DELIVERED = "delivered", "Delivered"
        FOLLOWED_UP = "followed_up", "Followed up"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    class Channel(models.TextChoices):
        PHONE = "phone", "Phone"
        EMAIL = "email", "E-mail"
        WEB = "web", "Web form"
        POST = "post", "Post"
        WALK_IN = "walk_in", "Walk-in"

    class PaymentMethod(models.TextChoices):
        CARD = "card", "Card"
        ACCOUNT = "account", "On account"

    # Null only between the insert and the update that sets "SO-<id>" (one transaction).
    reference = models.CharField(  # noqa: DJ001
        max_length=20, unique=True, null=True, editable=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="orders"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders_received",
    )
    received_at = models.DateTimeField(default=timezone.now)
    customer_po_ref = models.CharField(
        "customer PO reference", max_length=40, blank=True
    )
    delivery_address = models.TextField()
    delivery_postcode = models.CharField(max_length=10)
    requested_date = models.DateField(null=True, blank=True)
    promised_date = models.DateField(null=True, blank=True)
    payment_method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    card_last4 = models.CharField(
        "card last four digits",
        max_length=4,
        blank=True,
        help_text="Only the last four digits are kept; the gateway holds the card.",
    )
    net_total = models.DecimalField(**MONEY, default=Decimal("0.00"))
    vat_total = models.DecimalField("VAT total", **MONEY, default=Decimal("0.00"))
    gross_total = models.DecimalField(**MONEY, default=Decimal("0.00"))
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    held_from = models.CharField(
        max_length=12, choices=Status.choices, blank=True, editable=False
    )
    # Bumped by every change, so a page opened before a change can be refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    verification_round = models.PositiveIntegerField(default=0, editable=False)
    verification_completed_at = models.DateTimeField(null=True, blank=True)
    # The context the checks consult: which stock and which payment gateway.
    stock_pool = models.ForeignKey(
        StockPool, on_delete=models.PROTECT, related_name="+"
    )
    gateway = models.CharField(max_length=20, default="simulated")
    # A learner's practice order (revision's practice scenarios): processed with the
    # same services against its own stock pool and customer, never in live queues.
    practice_learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="practice_orders",
    )
    cancellation_reason = models.TextField(blank=True)
    # Which checks the current round runs: empty means all of them (an order's
    # first round); an amendment re-runs only the checks its changes affect.
    verification_kinds = models.JSONField(default=list, blank=True, editable=False)
    # Each amendment keeps the order as it stood in an OrderRevision and counts up.
    revision = models.PositiveIntegerField(default=1, editable=False)
    # A supervisor's recorded approval to go over the customer's credit limit, for
    # an order total up to this amount.
    credit_approved_for = models.DecimalField(
        **MONEY, null=True, blank=True, editable=False
    )
    credit_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "received_at"]),
            models.Index(fields=["status", "received_at"]),
            # The order list's default sort, newest first.
            models.Index(fields=["-received_at", "-id"], name="order_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(net_total__gte=0)
                & models.Q(vat_total__gte=0)
                # To the penny: SQLite stores decimals as floating point, where
                # 308.84 + 61.77 is not 370.61.
                & models.Q(
                    gross_total=Round(models.F("net_total") + models.F("vat_total"), 2)
                ),
                name="order_totals_add_up",
            ),
            models.CheckConstraint(
                condition=~models.Q(payment_method="card") | ~models.Q(card_last4=""),
                name="order_card_payment_has_card",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"Order #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.CLOSED, self.Status.CANCELLED)

    @property
    def takes_exceptions(self) -> bool:
        """Whether a problem can still be raised on it as an exception: open and not
        yet dispatched (afterwards it is a complaint, or a new order)."""
        return self.is_open and not self.has_been_dispatched

    @property
    def has_been_dispatched(self) -> bool:
        """Whether the goods have gone out: dispatched, delivered, followed up or
        closed (a cancelled order never was)."""
        return self.status in (
            self.Status.DISPATCHED,
            self.Status.DELIVERED,
            self.Status.FOLLOWED_UP,
            self.Status.CLOSED,
        )


class OrderLine(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting stock check"
        RESERVED = "reserved", "Reserved"
        SHORT = "short", "Out of stock"
        BACKORDERED = "backordered", "Backordered"
        SUBSTITUTED = "substituted", "Replaced by a substitute"
        DISPATCHED = "dispatched", "Dispatched"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"

    # Lines no longer wanted as they stand: left out of totals, checks and shipping.
    INACTIVE_STATUSES = (Status.CANCELLED, Status.SUBSTITUTED)

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lines")
    line_number = models.PositiveSmallIntegerField()
    product_code = models.CharField(
        max_length=20, help_text="As the customer gave it, even if it is wrong."
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=120)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        **MONEY, help_text="The price agreed at order time (list price if none agreed)."
    )
    list_price = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        help_text="The price list's price at order time.",
    )
    vat_rate = models.DecimalField(max_digits=4, decimal_places=3)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING
    )
    quantity_reserved = models.PositiveIntegerField(default=0)
    quantity_dispatched = models.PositiveIntegerField(default=0)
    quantity_delivered = models.PositiveIntegerField(default=0)
    restock_date = models.DateField(
        null=True, blank=True, help_text="For a backorder: when stock is expected."
    )
    ship_partial = models.BooleanField(
        default=False,
        help_text="The customer agreed to receive what is in stock now and the rest "
        "when it arrives.",
    )
    substitute_for = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="substitutes",
        help_text="The out-of-stock line this one replaces, with the customer's "
        "agreement.",
    )
    # A supervisor's recorded approval to keep a price that differs from the list.
    price_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["order", "line_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "line_number"], name="line_number_unique_in_order"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity_reserved__lte=models.F("quantity"))
                & models.Q(quantity_dispatched__lte=models.F("quantity"))
                & models.Q(quantity_delivered__lte=models.F("quantity_dispatched")),
                name="line_quantities_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_code} × {self.quantity}"

    @property
    def net(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def is_active(self) -> bool:
        """Still part of the order: not cancelled, not replaced by a substitute."""
        return self.status not in self.INACTIVE_STATUSES

    @property
    def quantity_outstanding(self) -> int:
        """Units still to be reserved for it."""
        return self.quantity - self.quantity_reserved if self.is_active else 0

    @property
    def availability_confirmed(self) -> bool:
        """Stock is held for it, or it is backordered with a known restock date."""
        if self.status in (
            self.Status.RESERVED,
            self.Status.SUBSTITUTED,
            self.Status.DISPATCHED,
            self.Status.DELIVERED,
            self.Status.CANCELLED,
        ):
            return True
        return self.status == self.Status.BACKORDERED and self.restock_date is not None


class Check(models.Model):
    """The outcome of one verification check on an order, and who or what ran it."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Customer details complete and contactable"
        PRODUCTS = "products", "Product codes exist and are active"
        QUANTITIES = "quantities", "Quantities sensible"
        PRICES = "prices", "Prices match the price list"
        DUPLICATE = "duplicate", "Not a duplicate of a recent order"
        STOCK = "stock", "Stock available and reserved"
        PAYMENT = "payment", "Payment authorised or credit within limit"
        DATE = "date", "Requested delivery date can be met"

    class Outcome(models.TextChoices):
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="checks")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    detail = models.TextField(blank=True)
    round = models.PositiveIntegerField()
    rerun = models.BooleanField(default=False)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    worker = models.CharField(max_length=120, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "at", "pk"]
        constraints = [
            # A verification round makes each automatic check once, even if its task
            # is delivered twice; re-runs by a person are extra rows.
            models.UniqueConstraint(
                fields=["order", "round", "kind"],
                condition=models.Q(rerun=False),
                name="one_automatic_check_per_kind_per_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_outcome_display()}"

    @property
    def ran_by(self) -> str:
        return str(self.run_by) if self.run_by_id else f"worker {self.worker}"


class OrderException(models.Model):
    """Something wrong with an order that a person must resolve before it moves on."""

    class Kind(models.TextChoices):
        OUT_OF_STOCK = "out_of_stock", "Out of stock"
        PAYMENT_DECLINED = "payment_declined", "Payment declined"
        PRICE_MISMATCH = "price_mismatch", "Price differs from price list"
        UNKNOWN_PRODUCT = "unknown_product", "Unknown or inactive product code"
        QUANTITY = "quantity", "Quantity query"
        MISSING_CONTACT = "missing_contact", "Missing contact detail"
        CREDIT_LIMIT = "credit_limit", "Credit limit or account hold"
        DUPLICATE = "duplicate", "Possible duplicate order"
        INVALID_ADDRESS = "invalid_address", "Invalid delivery address"
        DELIVERY_DATE = "delivery_date", "Requested date cannot be met"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    class Handling(models.TextChoices):
        """How an exception was resolved, where a documented path was followed."""

        BACKORDER = "backorder", "Backordered until the restock date"
        SUBSTITUTE = "substitute", "Substitute product agreed"
        PARTIAL_SHIPMENT = "partial_shipment", "Partial shipment agreed"
        CANCEL_LINE = "cancel_line", "Line cancelled"
        PAYMENT_RETRIED = "payment_retried", "Payment retried"
        NEW_CARD = "new_card", "Another card taken"
        ACCOUNT_TERMS = "account_terms", "Moved to account terms"
        APPROVED = "approved", "Approved by a supervisor"
        CORRECTED = "corrected", "Order corrected"
        CHECKED_OK = "checked_ok", "Checked: nothing to change"

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="exceptions"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    found = models.TextField(help_text="What was found.")
    check_record = models.ForeignKey(
        Check,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exceptions",
    )
    line = models.ForeignKey(
        OrderLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exceptions",
        help_text="The line the problem is on, if it is on one line.",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(default=timezone.now)
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    customer_informed = models.BooleanField(default=False)
    communication = models.ForeignKey(
        "Communication",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The communication that told the customer.",
    )
    handling = models.CharField(max_length=20, choices=Handling.choices, blank=True)
    customer_agreement = models.TextField(
        blank=True, help_text="What the customer agreed to, as they said it."
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The supervisor whose approval resolved it.",
    )
    escalated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it was passed to a supervisor for being open too long.",
    )

    class Meta:
        ordering = ["order", "opened_at", "pk"]
        indexes = [models.Index(fields=["order", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"


class ExceptionStep(models.Model):
    """One step a person took towards resolving an exception."""

    exception = models.ForeignKey(
        OrderException, on_delete=models.PROTECT, related_name="steps"
    )
    text = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["exception", "at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class Payment(models.Model):
    """One call to the payment gateway and its result."""

    class Operation(models.TextChoices):
        AUTHORISE = "authorise", "Authorise"
        CAPTURE = "capture", "Capture"
        REFUND = "refund", "Refund"
        VOID = "void", "Void"

    class Status(models.TextChoices):
        AUTHORISED = "authorised", "Authorised"
        DECLINED = "declined", "Declined"
        CAPTURED = "captured", "Captured"
        REFUNDED = "refunded", "Refunded"
        VOIDED = "voided", "Voided"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    operation = models.CharField(max_length=10, choices=Operation.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    amount = models.DecimalField(**MONEY)
    gateway = models.CharField(max_length=20)
    gateway_reference = models.CharField(max_length=60, blank=True)
    idempotency_key = models.CharField(max_length=80, unique=True)
    message = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_operation_display()} £{self.amount}: {self.status}"


class SimulatedGatewayTransaction(models.Model):
    """The simulated payment gateway's own memory (stands in for the provider's).

    Keyed by idempotency key: a retried call returns the first answer and never
    charges twice.
    """

    idempotency_key = models.CharField(max_length=80, unique=True)
    operation = models.CharField(max_length=10)
    amount = models.DecimalField(**MONEY)
    approved = models.BooleanField()
    reference = models.CharField(max_length=60)
    message = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.reference


class Communication(models.Model):
    """One contact with the customer about an order, in either direction."""

    class Channel(models.TextChoices):
        EMAIL = ContactChannel.EMAIL.value, ContactChannel.EMAIL.label
        PHONE = ContactChannel.PHONE.value, ContactChannel.PHONE.label
        LETTER = ContactChannel.LETTER.value, ContactChannel.LETTER.label
        SMS = ContactChannel.SMS.value, ContactChannel.SMS.label
        IN_PERSON = "in_person", "In person"

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", "To the customer"
        INBOUND = "inbound", "From the customer"

    class Purpose(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
        CONFIRMATION = "confirmation", "Confirmation"
        QUERY = "query", "Query about the order"
        EXCEPTION_NOTICE = "exception_notice", "Problem with the order"
        DISPATCH_NOTICE = "dispatch_notice", "Dispatch notice"
        FOLLOW_UP = "follow_up", "Follow-up"
        CANCELLATION = "cancellation", "Cancellation"
        REFUND = "refund", "Refund"
        BACKORDER_NOTICE = "backorder_notice", "Backorder notice"
        SUBSTITUTION_NOTICE = "substitution_notice", "Substitution notice"
        PARTIAL_NOTICE = "partial_notice", "Partial shipment notice"
        PAYMENT_PROBLEM = "payment_problem", "Payment problem"
        DELIVERY_CHECK = "delivery_check", "Delivery check"
        SATISFACTION_REQUEST = "satisfaction_request", "Satisfaction request"
        COMPLAINT_ACK = "complaint_ack", "Complaint acknowledgement"
        COMPLAINT_RESOLUTION = "complaint_resolution", "Complaint resolution"
        OTHER = "other", "Other"

    class Outcome(models.TextChoices):
        PENDING = "pending", "To do"
        QUEUED = "queued", "Queued to send"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed to send"
        REACHED = "reached", "Spoke to the customer"
        VOICEMAIL = "voicemail", "Left a voicemail"
        NO_ANSWER = "no_answer", "No answer"
        CALL_BACK = "call_back", "Asked to be called back"
        RECEIVED = "received", "Received from the customer"

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="communications"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    direction = models.CharField(
        max_length=8, choices=Direction.choices, default=Direction.OUTBOUND
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    subject = models.CharField(max_length=200, blank=True)
    content = models.TextField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    call_back_at = models.DateTimeField(
        null=True, blank=True, help_text="When the customer asked to be called back."
    )
    large_print = models.BooleanField(
        default=False, help_text="Sent in the large-print variant."
    )
    channel_override_reason = models.TextField(
        blank=True,
        help_text="Why a channel other than the customer's preference was used.",
    )

    class Meta:
        ordering = ["order", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} by {self.get_channel_display()}"

    @property
    def done_by_hand(self) -> str:
        """For a letter or text left to do: what a person records once it has gone
        ("posted", "sent"); "" for anything else."""
        if self.outcome != self.Outcome.PENDING:
            return ""
        return DONE_BY_HAND.get(self.channel, "")


# A letter to post or a text to send is left "to do" for a person, who records it
# as gone: the word for that, by channel.
DONE_BY_HAND = {
    Communication.Channel.LETTER: "posted",
    Communication.Channel.SMS: "sent",
}


class Shipment(models.Model):
    """Goods sent to the customer: some or all of an order's lines."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    carrier = models.CharField(max_length=60)
    tracking_reference = models.CharField(max_length=60, blank=True)
    # None: a practice order's simulated warehouse (revision.services.practice).
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dispatched_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proof_of_delivery = models.CharField(
        max_length=200, blank=True, help_text="For example: signed for by J. Smith."
    )

    class Meta:
        ordering = ["order", "dispatched_at", "pk"]

    def __str__(self) -> str:
        return f"Shipment {self.pk} via {self.carrier}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(
        Shipment, on_delete=models.PROTECT, related_name="lines"
    )
    line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="shipment_lines"
    )
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["shipment", "line"]

    def __str__(self) -> str:
        return f"{self.line.product_code} × {self.quantity}"


class OrderEvent(AppendOnly):
    """One thing that happened to an order: the append-only event trail.

    Written by the services in the same transaction as the change it records; the
    single source for timelines, KPIs, practice scoring and portfolio evidence.
    """

    class Kind(models.TextChoices):
        RECEIVED = "received", "Order received"
        VERIFICATION_STARTED = "verification_started", "Checks started"
        CHECK_RECORDED = "check_recorded", "Check recorded"
        EXCEPTION_OPENED = "exception_opened", "Exception opened"
        EXCEPTION_STEP = "exception_step", "Step taken on exception"
        EXCEPTION_RESOLVED = "exception_resolved", "Exception resolved"
        HELD = "held", "Put on hold"
        RELEASED = "released", "Released from hold"
        VERIFIED = "verified", "Verified"
        STOCK_RESERVED = "stock_reserved", "Stock reserved"
        STOCK_RELEASED = "stock_released", "Stock released"
        LINE_BACKORDERED = "line_backordered", "Line backordered"
        LINE_CANCELLED = "line_cancelled", "Line cancelled"
        LINE_SUBSTITUTED = "line_substituted", "Substitute agreed"
        CORRECTED = "corrected", "Corrected"
        AMENDED = "amended", "Amended"
        ESCALATED = "escalated", "Escalated to a supervisor"
        APPROVED = "approved", "Approved by a supervisor"
        PAYMENT_METHOD_CHANGED = "payment_method_changed", "Payment method changed"
        FOLLOW_UP_SCHEDULED = "follow_up_scheduled", "Follow-up scheduled"
        FOLLOW_UP_OVERDUE = "follow_up_overdue", "Follow-up overdue: alert sent"
        FEEDBACK_RECEIVED = "feedback_received", "Feedback from the customer"
        COMPLAINT_OPENED = "complaint_opened", "Complaint opened"
        COMPLAINT_STEP = "complaint_step", "Complaint step recorded"
        COMPLAINT_RESOLVED = "complaint_resolved", "Complaint resolved"
        PAYMENT = "payment", "Payment"
        COMMUNICATION = "communication", "Communication"
        COMMUNICATION_SENT = "communication_sent", "Communication sent"
        CONFIRMED = "confirmed", "Confirmed to customer"
        FULFILMENT_STARTED = "fulfilment_started", "Fulfilment started"
        DISPATCHED = "dispatched", "Dispatched"
        DELIVERED = "delivered", "Delivered"
        FOLLOWED_UP = "followed_up", "Followed up"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    worker = models.CharField(max_length=120, blank=True)
    at = models.DateTimeField(default=timezone.now)
    status_after = models.CharField(max_length=12, choices=Order.Status.choices)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["order", "at", "pk"]
        indexes = [models.Index(fields=["order", "at"]), models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def by(self) -> str:
        if self.actor_id:
            return str(self.actor)
        return f"worker {self.worker}" if self.worker else "system"


class ReceiptSubmission(models.Model):
    """A receipt form's one-time token, so submitting it twice makes one order.

    Written by order_receive with the order, in its transaction: a second submit of
    the same form finds it (or fails on the unique constraint) and is sent there.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token = models.UUIDField()
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "token"], name="one_order_per_receipt_token"
            )
        ]

    def __str__(self) -> str:
        return f"Receipt form {self.token}"


class OrderRevision(AppendOnly):
    """The order as it stood before an amendment: kept whole, readable, unchanged."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(help_text="The revision this snapshot is.")
    snapshot = models.JSONField(help_text="The order and its lines at this revision.")
    replaced_by_reason = models.TextField(
        help_text="Why the order was amended from this revision."
    )
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "number"], name="one_snapshot_per_revision"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order} revision {self.number}"


class GoodsInSubmission(models.Model):
    """The goods-in form's one-time token, so submitting it twice books in once.

    Written by restock_receive before the stock moves, in its transaction: a second
    submit of the same form fails on the unique constraint and changes nothing.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token = models.UUIDField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "token"], name="one_booking_per_goods_in_token"
            )
        ]

    def __str__(self) -> str:
        return f"Goods-in form {self.token}"


class MessageTemplate(models.Model):
    """A supervisor's wording for one purpose of message (and its large-print form).

    Where none is saved, the built-in wording in orders/message_templates.py is
    used. Subject and body are Django template text rendered with the order's data.
    """

    purpose = models.CharField(max_length=20, choices=Communication.Purpose.choices)
    large_print = models.BooleanField(default=False)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["purpose", "large_print"]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "large_print"], name="one_template_per_purpose"
            )
        ]

    def __str__(self) -> str:
        variant = " (large print)" if self.large_print else ""
        return f"{self.get_purpose_display()}{variant}"
