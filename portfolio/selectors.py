"""Reads for the portfolio pages, shaped for each page in a fixed number of queries
whatever the number of orders: the learner's portfolio, one order's evidence, the
assessor's learners and the review of one portfolio.

All evidence comes from the event records (portfolio.evidence), never from the
order tables themselves.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, reverse

from orders.models import Order, OrderEvent

from . import services
from .evidence import (
    CriterionEvidence,
    OrderEvidence,
    event_record,
    portfolio_records,
    practice_points,
    read_order,
    read_portfolio,
    records_by_order,
)
from .models import Entry, Portfolio, Review, SignOff

# The stage an event belongs to: the stage the order was in just after it.
STAGE_OF_STATUS = {
    Order.Status.RECEIVED: "Receipt",
    Order.Status.VERIFYING: "Verification",
    Order.Status.ON_HOLD: "Verification",
    Order.Status.VERIFIED: "Verification",
    Order.Status.CONFIRMED: "Confirmation",
    Order.Status.FULFILLING: "Fulfilment",
    Order.Status.DISPATCHED: "Fulfilment",
    Order.Status.DELIVERED: "Fulfilment",
    Order.Status.FOLLOWED_UP: "Follow-up",
    Order.Status.CLOSED: "Follow-up",
    Order.Status.CANCELLED: "Cancellation",
}

# What each event's data says, in the words a reader needs (label, data key).
DETAILS = {
    "received": [
        ("Channel", "channel"),
        ("Requested delivery date", "requested_date"),
        ("Payment method", "payment_method"),
        ("Total", "gross_total"),
    ],
    "check_recorded": [
        ("Check", "kind"),
        ("Outcome", "outcome"),
        ("Detail", "detail"),
    ],
    "exception_opened": [("Exception", "kind"), ("What was found", "found")],
    "exception_step": [("Step taken", "text")],
    "exception_resolved": [
        ("Exception", "kind"),
        ("Resolution", "resolution"),
        ("How it was handled", "handling"),
        ("Customer informed", "customer_informed"),
        ("Customer's agreement", "customer_agreement"),
    ],
    "communication": [
        ("Channel", "channel"),
        ("Direction", "direction"),
        ("Purpose", "purpose"),
        ("Subject", "subject"),
        ("Content", "content"),
        ("Outcome", "outcome"),
        ("Why another channel", "channel_override_reason"),
    ],
    "communication_sent": [("Purpose", "purpose")],
    "confirmed": [
        ("Promised delivery date", "promised_date"),
        ("Sent by", "channel"),
    ],
    "line_backordered": [("Line", "line"), ("Restock date", "restock_date")],
    "line_cancelled": [("Line", "line"), ("Reason", "reason")],
    "dispatched": [
        ("Carrier", "carrier"),
        ("Tracking reference", "tracking_reference"),
        ("Partial shipment", "partial"),
    ],
    "delivered": [("Proof of delivery", "proof_of_delivery")],
    "followed_up": [
        ("Channel", "channel"),
        ("Outcome", "outcome"),
        ("Satisfaction (of 5)", "satisfaction"),
        ("Notes", "content"),
    ],
    "payment": [
        ("Operation", "operation"),
        ("Status", "status"),
        ("Amount", "amount"),
    ],
    "held": [("Open exceptions", "open_exceptions")],
    "cancelled": [("Reason", "reason")],
    "amended": [("Reason", "reason")],
    "corrected": [("Reason", "reason")],
    "feedback_received": [("Satisfaction (of 5)", "satisfaction")],
}


CODE = re.compile(r"[a-z]+(_[a-z]+)+")
MONEY = {"gross_total", "amount"}


def _shown(value) -> str:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, str) and CODE.fullmatch(value):
        return value.replace("_", " ")  # a code such as out_of_stock
    return str(value)


def event_details(record: dict) -> list[tuple[str, str]]:
    """The event's data as (label, value) pairs a person reads; empty values left
    out."""
    data = record["data"]
    pairs = []
    for label, key in DETAILS.get(record["kind"], []):
        value = data.get(key)
        if value in (None, "", []):
            continue
        pairs.append((label, f"£{value}" if key in MONEY else _shown(value)))
    if record["kind"] == "confirmed":
        for line in data.get("lines", []):
            pairs.append(
                (
                    f"Line {line.get('line')}",
                    f"{line.get('quantity')} × {line.get('product_code')} at "
                    f"£{line.get('unit_price')}",
                )
            )
    return pairs


# -- the learner's portfolio -------------------------------------------------------


@dataclass
class CriterionRow:
    identifier: str
    text: str
    must_show: str
    met: bool  # by the evidence, overall
    review: Review | None  # the assessor's latest judgement
    history: list[Review] = field(default_factory=list)
    per_order: list[tuple[Entry, CriterionEvidence]] = field(default_factory=list)


@dataclass
class EntryRow:
    entry: Entry
    evidence: OrderEvidence | None

    @property
    def scenario(self):
        attempt = getattr(self.entry.order, "practice_attempt", None)
        return attempt.scenario if attempt else None


@dataclass
class SignOffStatus:
    latest: SignOff | None

    @property
    def locked(self) -> bool:
        return self.latest is not None and not hasattr(self.latest, "unlock")

    @property
    def unlock(self):
        return getattr(self.latest, "unlock", None) if self.latest else None


@dataclass
class PortfolioView:
    portfolio: Portfolio
    criteria: list[CriterionRow]
    entries: list[EntryRow]
    status: SignOffStatus
    records: list[dict]
    exports_url: str | None

    @property
    def met_count(self) -> int:
        return sum(1 for row in self.criteria if row.met)

    @property
    def judged_met_count(self) -> int:
        return sum(
            1
            for row in self.criteria
            if row.review and row.review.verdict == Review.Verdict.MET
        )


def _entries(portfolio: Portfolio) -> list[Entry]:
    return list(
        portfolio.entries.select_related(
            "order__customer", "order__practice_attempt__scenario"
        ).order_by("added_at", "pk")
    )


def sign_off_status(portfolio: Portfolio) -> SignOffStatus:
    """The latest sign-off with its unlock, if any (one query)."""
    latest = (
        SignOff.objects.filter(portfolio=portfolio)
        .select_related("assessor", "unlock__by")
        .order_by("-at", "-pk")
        .first()
    )
    return SignOffStatus(latest)


def exports_url(portfolio: Portfolio) -> str | None:
    """The exports page, once it exists."""
    try:
        return reverse("portfolio:exports", args=[portfolio.pk])
    except NoReverseMatch:
        return None


def portfolio_view(portfolio: Portfolio, *, with_history: bool = False):
    """The portfolio for its pages: each criterion with the evidence overall and per
    order and the assessor's latest judgement (and every earlier one, for the
    review), each order's evidence, and the sign-off status."""
    entries = _entries(portfolio)
    records = portfolio_records(portfolio, entries)
    orders, overall = read_portfolio(portfolio, records)
    by_reference = {evidence.reference: evidence for evidence in orders}
    reviews = list(
        Review.objects.filter(portfolio=portfolio)
        .select_related("criterion", "assessor")
        .order_by("-at", "-pk")
    )
    history: dict[str, list[Review]] = {}
    for review in reviews:
        history.setdefault(review.criterion.identifier, []).append(review)
    entry_rows = [
        EntryRow(entry, by_reference.get(entry.order.reference)) for entry in entries
    ]
    rows = []
    for criterion in services.criteria():
        identifier = criterion.identifier
        reviewed = history.get(identifier, [])
        rows.append(
            CriterionRow(
                identifier=identifier,
                text=criterion.text,
                must_show=criterion.must_show,
                met=overall.get(identifier, False),
                review=reviewed[0] if reviewed else None,
                history=reviewed if with_history else [],
                per_order=[
                    (row.entry, row.evidence.criteria[identifier])
                    for row in entry_rows
                    if row.evidence and identifier in row.evidence.criteria
                ],
            )
        )
    return PortfolioView(
        portfolio=portfolio,
        criteria=rows,
        entries=entry_rows,
        status=sign_off_status(portfolio),
        records=records,
        exports_url=exports_url(portfolio),
    )


def addable_orders(portfolio: Portfolio) -> QuerySet[Order]:
    """The learner's eligible orders not yet in the portfolio, newest first."""
    return (
        services.eligible_orders(portfolio.learner)
        .exclude(portfolio_entries__portfolio=portfolio)
        .select_related("practice_attempt__scenario")
        .order_by("-received_at", "-pk")
    )


# -- one order's evidence ----------------------------------------------------------


def entry_for(user, pk: int) -> Entry | None:
    """The entry, if the user is its learner or the portfolio's assigned assessor."""
    return (
        Entry.objects.select_related(
            "portfolio__learner",
            "portfolio__assessor",
            "order__practice_attempt__scenario",
        )
        .filter(Q(portfolio__learner=user) | Q(portfolio__assessor=user), pk=pk)
        .first()
    )


@dataclass
class StageGroup:
    stage: str
    events: list[dict]


@dataclass
class EntryEvidence:
    entry: Entry
    evidence: OrderEvidence
    stages: list[tuple[str, datetime | None]]
    groups: list[StageGroup]
    criteria: list[tuple[str, str, CriterionEvidence]]  # identifier, text, evidence
    locked: bool

    @property
    def scenario(self):
        attempt = getattr(self.entry.order, "practice_attempt", None)
        return attempt.scenario if attempt else None


def entry_evidence(entry: Entry) -> EntryEvidence:
    """One order's evidence: its stages with timestamps, every event in time order
    grouped by the stage it happened in (consecutive runs, so time order is kept),
    and the criteria with the events behind each."""
    reference = entry.order.reference
    events = (
        OrderEvent.objects.filter(order_id=entry.order_id)
        .select_related("actor")
        .order_by("at", "pk")
    )
    records = [event_record(event, reference) for event in events]
    evidence = read_order(
        reference,
        records,
        entry.portfolio.learner.get_username(),
        practice_points([reference]).get(reference),
    )
    groups: list[StageGroup] = []
    for record in records:
        stage = STAGE_OF_STATUS.get(record["status_after"], "Other")
        record = {
            **record,
            "when": datetime.fromisoformat(record["at"]),
            "details": event_details(record),
        }
        if groups and groups[-1].stage == stage:
            groups[-1].events.append(record)
        else:
            groups.append(StageGroup(stage, [record]))
    criteria = [
        (c.identifier, c.text, evidence.criteria[c.identifier])
        for c in services.criteria()
        if c.identifier in evidence.criteria
    ]
    return EntryEvidence(
        entry=entry,
        evidence=evidence,
        stages=[
            (label, datetime.fromisoformat(at) if at else None)
            for label, at in evidence.stages
        ],
        groups=groups,
        criteria=criteria,
        locked=sign_off_status(entry.portfolio).locked,
    )


# -- the assessor ------------------------------------------------------------------


@dataclass
class AssignedRow:
    portfolio: Portfolio
    orders: int
    met: int
    judged_met: int
    status: SignOffStatus


def assigned_portfolios(assessor) -> list[AssignedRow]:
    """The assessor's learners, each with orders, criteria met by the evidence and
    judged met, and the sign-off status (a fixed number of queries)."""
    portfolios = list(
        Portfolio.objects.filter(assessor=assessor)
        .select_related("learner")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=Entry.objects.select_related("order").order_by(
                    "added_at", "pk"
                ),
                to_attr="ordered_entries",
            ),
            Prefetch(
                "reviews",
                queryset=Review.objects.select_related("criterion").order_by(
                    "-at", "-pk"
                ),
                to_attr="ordered_reviews",
            ),
            Prefetch(
                "sign_offs",
                queryset=SignOff.objects.select_related(
                    "assessor", "unlock__by"
                ).order_by("-at", "-pk"),
                to_attr="ordered_sign_offs",
            ),
        )
        .order_by("learner__last_name", "learner__first_name", "learner__username")
    )
    entries = [entry for p in portfolios for entry in p.ordered_entries]
    by_order = records_by_order(entries)
    practice = practice_points(entry.order.reference for entry in entries)
    identifiers = [c.identifier for c in services.criteria()]
    rows = []
    for portfolio in portfolios:
        records = [r for e in portfolio.ordered_entries for r in by_order[e.order_id]]
        _, overall = read_portfolio(portfolio, records, practice)
        latest: dict[str, Review] = {}
        for review in portfolio.ordered_reviews:
            latest.setdefault(review.criterion.identifier, review)
        rows.append(
            AssignedRow(
                portfolio=portfolio,
                orders=len(portfolio.ordered_entries),
                met=sum(1 for i in identifiers if overall.get(i)),
                judged_met=sum(
                    1
                    for i in identifiers
                    if i in latest and latest[i].verdict == Review.Verdict.MET
                ),
                status=SignOffStatus(
                    portfolio.ordered_sign_offs[0]
                    if portfolio.ordered_sign_offs
                    else None
                ),
            )
        )
    return rows
