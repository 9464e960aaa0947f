"""The shapes of the demo data: one small dataclass per kind of record."""

from dataclasses import dataclass

from accounts.models import Role
from customers.models import ContactChannel, Customer
from orders.models import Communication, Order

TERMS = Customer.Terms
OUT = Communication.Outcome

APPROVED_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"  # the simulated gateway declines ...0002


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role | None  # None: the superuser
    first_name: str
    last_name: str

    @property
    def password(self) -> str:
        return f"orderdesk-{self.username}"

    @property
    def role_label(self) -> str:
        return str(self.role.label) if self.role else "Superuser (administrator)"


@dataclass(frozen=True)
class DemoProduct:
    code: str
    name: str
    price: str
    stock: int  # units booked into the live warehouse at the start
    vat: str = "0.200"
    pack: int = 1
    active: bool = True
    restock_in_days: int | None = None  # when more is due, counted from today


@dataclass(frozen=True)
class DemoCustomer:
    key: str
    name: str
    company: str
    email: str
    phone: str
    line1: str
    town: str
    postcode: str
    line2: str = ""
    channel: str = ContactChannel.EMAIL
    needs: str = ""
    consent: bool = True
    terms: str = TERMS.PREPAY
    credit_limit: str = "0.00"
    on_hold: bool = False

    def fields(self) -> dict:
        """The keyword arguments for customer_create."""
        return {
            "name": self.name,
            "company": self.company,
            "email": self.email,
            "phone": self.phone,
            "address_line1": self.line1,
            "address_line2": self.line2,
            "town": self.town,
            "postcode": self.postcode,
            "preferred_channel": self.channel,
            "accessibility_needs": self.needs,
            "consent_to_contact": self.consent,
            "terms": self.terms,
            "credit_limit": self.credit_limit,
            "on_hold": self.on_hold,
        }


@dataclass(frozen=True)
class Contact:
    """A contact a person logs while working on the order (a call, a text)."""

    channel: str
    text: str
    outcome: str = OUT.REACHED
    direction: str = Communication.Direction.OUTBOUND
    purpose: str = Communication.Purpose.EXCEPTION_NOTICE


@dataclass(frozen=True)
class FollowUp:
    channel: str
    outcome: str
    notes: str
    satisfaction: int | None = None


Line = tuple[str, int] | tuple[str, int, str]  # code, quantity[, agreed price]


@dataclass(frozen=True)
class DemoOrder:
    """One order's story. Texts may use {reference} and {restock}."""

    customer: str
    lines: tuple[Line, ...]
    target: str
    received: tuple[int, str] = (0, "00:00")  # days ago, local time
    minutes_ago: int = 0  # instead of received: this many minutes ago
    channel: str = Order.Channel.EMAIL
    card: str = APPROVED_CARD  # used if the customer pays by card
    po: str = ""
    delivery: tuple[str, str] | None = None  # address, postcode if not the customer's
    requested_in_days: int | None = None
    # The exception kinds the automatic checks must open, nothing more or less.
    problems: tuple[str, ...] = ()
    # Or an exception a member of staff raises once the order reaches raise_at.
    raise_at: str = ""
    raised: tuple[str, str] | None = None  # kind, what was found
    # Work on the (first) open exception: steps, contacts, an action, the outcome.
    steps: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = ()
    # What was done about the (first) open exception: "backorder", "substitute",
    # "partial" (part shipment) or "cancel_line" on its line, with the customer's
    # agreement in the last contact; or "approve_price" (a supervisor keeps it).
    action: str = ""
    substitute: str = ""  # the product code the customer agreed to instead
    action_reason: str = ""
    resolution: str = ""
    resolved_by: str = "processor"
    cancel_at: str = ""
    cancel_reason: str = ""
    partial: tuple[tuple[int, int], ...] = ()  # line number, quantity shipped first
    carrier: str = ""
    proof: str = ""
    follow_ups: tuple[FollowUp, ...] = ()
    # Amended once confirmed: {line number: new quantity}, why, and the call that
    # asked for it; then checked again and confirmed afresh.
    amend: tuple[tuple[int, int], ...] = ()
    amend_contact: Contact | None = None

    @property
    def stop(self) -> str:
        """Where the ordinary path ends: held by hand, cancelled, or the target."""
        return self.cancel_at or self.raise_at or self.target
