from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from .validators import postcode_normalise, validate_uk_phone, validate_uk_postcode


class ContactChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    LETTER = "letter", "Letter"
    SMS = "sms", "Text message"


class Customer(models.Model):
    """Someone who places orders: how to reach them, and on what terms they buy."""

    class Terms(models.TextChoices):
        PREPAY = "prepay", "Pay with order (card)"
        ACCOUNT_30 = "account_30", "Account, 30 days"
        ACCOUNT_60 = "account_60", "Account, 60 days"

    name = models.CharField(max_length=120)
    company = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(
        max_length=30,
        blank=True,
        validators=[validate_uk_phone],
        help_text="A UK number, for example 0113 496 0000 or 07700 900123.",
    )
    address_line1 = models.CharField("address line 1", max_length=120, blank=True)
    address_line2 = models.CharField("address line 2", max_length=120, blank=True)
    town = models.CharField(max_length=80, blank=True)
    postcode = models.CharField(
        max_length=10, blank=True, validators=[validate_uk_postcode]
    )
    preferred_channel = models.CharField(
        max_length=10, choices=ContactChannel.choices, default=ContactChannel.EMAIL
    )
    accessibility_needs = models.TextField(
        blank=True, help_text="For example: large print, phone only, BSL interpreter."
    )
    consent_to_contact = models.BooleanField(
        default=True, help_text="Agreed to courtesy contact (follow-ups, surveys)."
    )
    terms = models.CharField(max_length=12, choices=Terms.choices, default=Terms.PREPAY)
    credit_limit = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    on_hold = models.BooleanField(
        "account on hold", default=False, help_text="No new orders on account terms."
    )
    practice = models.BooleanField(
        default=False,
        editable=False,
        help_text="A simulated customer of a learner's practice scenario.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credit_limit__gte=0),
                name="customer_credit_limit_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name

    def clean(self) -> None:
        # One way of writing each detail, so searches and the checks agree.
        self.phone = " ".join(self.phone.split())
        self.postcode = postcode_normalise(self.postcode)

    @property
    def on_account(self) -> bool:
        return self.terms != self.Terms.PREPAY

    @property
    def postal_address(self) -> str:
        parts = (self.address_line1, self.address_line2, self.town, self.postcode)
        return "\n".join(part for part in parts if part)

    def missing_contact_details(self) -> list[str]:
        """Names of the details needed to reach this customer that are missing."""
        missing = []
        if not self.name.strip():
            missing.append("name")
        if not (self.address_line1 and self.town and self.postcode):
            missing.append("postal address")
        if self.preferred_channel == ContactChannel.EMAIL and not self.email:
            missing.append("e-mail address (their preferred channel)")
        if (
            self.preferred_channel in (ContactChannel.PHONE, ContactChannel.SMS)
            and not self.phone
        ):
            missing.append("phone number (their preferred channel)")
        if not (self.email or self.phone):
            missing.append("an e-mail address or phone number")
        return missing
