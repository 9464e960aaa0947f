from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from config.append_only import AppendOnly

PRODUCT_CODE_PATTERN = r"^[A-Z]{3}-\d{4}$"
product_code_validator = RegexValidator(
    PRODUCT_CODE_PATTERN,
    "A product code is three capital letters, a dash and four digits, e.g. PAP-0001.",
)


class Product(models.Model):
    """Something we sell, at its list price."""

    code = models.CharField(
        max_length=8, unique=True, validators=[product_code_validator]
    )
    name = models.CharField(max_length=120)
    unit_price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    vat_rate = models.DecimalField(
        "VAT rate",
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.200"),
        help_text="As a fraction: 0.200 is 20%.",
        validators=[MinValueValidator(Decimal("0"))],
    )
    pack_size = models.PositiveIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Sold in multiples of this.",
    )
    active = models.BooleanField(default=True)
    practice = models.BooleanField(
        default=False,
        help_text="In the practice catalogue only: learners' scenarios, never live.",
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="product_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(pack_size__gte=1), name="product_pack_size_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StockPool(models.Model):
    """A separate body of stock: the live warehouse, or a practice scenario's own.

    Orders reserve from their own pool, so practice never touches live stock.
    """

    LIVE_CODE = "live"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    is_live = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StockLevel(models.Model):
    """On-hand and reserved units of one product in one pool.

    A summary kept in step with the movement ledger by the services, in the same
    transaction; the database refuses a level that would oversell.
    """

    pool = models.ForeignKey(StockPool, on_delete=models.PROTECT, related_name="levels")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="levels"
    )
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    restock_date = models.DateField(
        null=True, blank=True, help_text="When more is expected, if known."
    )

    class Meta:
        ordering = ["pool", "product"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "product"], name="one_level_per_pool"
            ),
            models.CheckConstraint(
                condition=models.Q(on_hand__gte=0), name="stock_on_hand_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(reserved__gte=0), name="stock_reserved_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(reserved__lte=models.F("on_hand")),
                name="stock_reserved_within_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} in {self.pool.code}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(AppendOnly):
    """One change to stock. Append-only: corrections are new movements."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Received"
        RESERVED = "reserved", "Reserved"
        RELEASED = "released", "Released"
        DISPATCHED = "dispatched", "Dispatched"
        ADJUSTED = "adjusted", "Adjusted"

    pool = models.ForeignKey(
        StockPool, on_delete=models.PROTECT, related_name="movements"
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="movements"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    quantity = models.IntegerField(help_text="Positive, except an adjustment down.")
    reference = models.CharField(
        max_length=60, blank=True, help_text="What caused it, e.g. order-line:42."
    )
    note = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["pool", "product"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0)
                | (models.Q(kind="adjusted") & ~models.Q(quantity=0)),
                name="movement_quantity_positive_unless_adjustment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} × {self.product_id}"
