"""The evidence: each portfolio order's event trail, as it is in the database now,
hash-chained, and read for the assessment criteria.

The chain runs over the portfolio's orders (in the order they were added) and each
order's events (by time, then id): hash_0 = SHA-256 of the portfolio's identity;
hash_n = SHA-256(hash_(n-1) + the event's canonical JSON). A sign-off stores the final
hash; recomputing it later from the same events gives the same value, and changing,
adding or removing any event gives another.

A practice order was also scored against the examiner's marking points when its
attempt ended (revision.scoring, kept as its PracticeResult). Each criterion rests on
some of those points (MARKING_POINTS), and a criterion is met by a practice order
only when its trail meets it and the practice result judged each of its points met:
the portfolio never says Met where the practice result says the point was missed.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder

from orders.models import OrderEvent
from revision.models import PracticeResult
from revision.scoring import MET, STAGES, Trail, by_channel, stages_reached

from .models import Entry, Portfolio

GENESIS = "orderdesk-portfolio-v1"


def event_record(event: OrderEvent, reference: str) -> dict:
    """An event as the chain and the exports hold it (JSON-safe, stable keys)."""
    return {
        "order": reference,
        "id": event.pk,
        "kind": event.kind,
        "label": event.get_kind_display(),
        "at": event.at.isoformat(),
        "actor": event.actor.get_username() if event.actor_id else "",
        "by": event.by,
        "status_after": event.status_after,
        "data": json.loads(json.dumps(event.data, cls=DjangoJSONEncoder)),
    }


def canonical(record: dict) -> bytes:
    return json.dumps(
        record, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def genesis_hash(learner_id: int) -> str:
    return hashlib.sha256(f"{GENESIS}:{learner_id}".encode()).hexdigest()


def chain(records: list[dict], *, learner_id: int) -> list[str]:
    """The running hash after each record."""
    hashes = []
    current = genesis_hash(learner_id)
    for record in records:
        current = hashlib.sha256(current.encode() + canonical(record)).hexdigest()
        hashes.append(current)
    return hashes


def final_hash(records: list[dict], *, learner_id: int) -> str:
    hashes = chain(records, learner_id=learner_id)
    return hashes[-1] if hashes else genesis_hash(learner_id)


def portfolio_entries(portfolio: Portfolio) -> list[Entry]:
    return list(
        portfolio.entries.select_related("order__customer").order_by("added_at", "pk")
    )


def portfolio_records(portfolio: Portfolio, entries: list[Entry] | None = None):
    """Every evidence event of the portfolio, in chain order (two queries)."""
    entries = portfolio_entries(portfolio) if entries is None else entries
    return records_for_entries(entries)


def records_by_order(entries: list[Entry]) -> dict[int, list[dict]]:
    """The evidence events of these entries' orders, by order id (one query)."""
    references = {entry.order_id: entry.order.reference for entry in entries}
    events = (
        OrderEvent.objects.filter(order_id__in=references)
        .select_related("actor")
        .order_by("at", "pk")
    )
    by_order: dict[int, list[dict]] = {order_id: [] for order_id in references}
    for event in events:
        by_order[event.order_id].append(event_record(event, references[event.order_id]))
    return by_order


def records_for_entries(entries: list[Entry]) -> list[dict]:
    """The entries' evidence events, in chain order."""
    by_order = records_by_order(entries)
    return [record for entry in entries for record in by_order[entry.order_id]]


# -- the assessment criteria -------------------------------------------------------

CROSS_CHECKS = {
    "quantities": "order quantities",
    "products": "product codes",
    "customer": "customer details",
}


# The marking points each criterion rests on; each point belongs to one criterion.
MARKING_POINTS = {
    # the stages in sequence, no delivery date promised before availability
    "AC-01": ("MP-06",),
    # "any mismatch queried and corrected before the order is confirmed": what was
    # confirmed is what the customer asked for, contact details included (MP-01);
    # each discrepancy recorded, the customer asked and the exception resolved
    # (MP-03); each found, by its check or by reading the order, and acted on
    # before confirmation (MP-07)
    "AC-02": ("MP-01", "MP-03", "MP-07"),
    # OrderDesk's own tools used as the procedure requires: every check run and
    # read before confirming, none dismissed with a note
    "AC-03": ("MP-02",),
    # the customer told on a suitable channel at each stage, the confirmation and
    # any discrepancy among them
    "AC-04": ("MP-08",),
    # a follow-up by a method that suits the customer (MP-04), with their
    # satisfaction asked for and recorded (MP-05)
    "AC-05": ("MP-04", "MP-05"),
}
VERDICT_WORDS = {"partly": "partly met", "not met": "not met"}


@dataclass
class CriterionEvidence:
    criterion: str  # AC-01 …
    met: bool
    reason: str
    evidence: list[int] = field(default_factory=list)  # event ids


@dataclass
class OrderEvidence:
    """One order's evidence read for the criteria, and its stages as a timeline."""

    reference: str
    records: list[dict]
    stages: list[tuple[str, str | None]]  # (stage, when reached, ISO) in order
    criteria: dict[str, CriterionEvidence]

    def of(self, *kinds: str) -> list[dict]:
        return [r for r in self.records if r["kind"] in kinds]


def practice_points(references: Iterable[str]) -> dict[str, list[dict]]:
    """The marking points of each practice order's stored result, by order
    reference; orders not practised, or not yet scored, are left out (one query)."""
    return dict(
        PracticeResult.objects.filter(
            attempt__order__reference__in=list(references)
        ).values_list("attempt__order__reference", "points")
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _agree_with_practice(
    criteria: dict[str, CriterionEvidence], points: list[dict], records: list[dict]
) -> None:
    """Leave no criterion met whose marking points the practice result judged
    partly met or not met, and say which points and why."""
    judged = {point["marking_point"]: point for point in points}
    known = {record["id"] for record in records}
    for identifier, evidence in criteria.items():
        missed = [
            judged[point]
            for point in MARKING_POINTS.get(identifier, ())
            if point in judged and judged[point]["verdict"] != MET
        ]
        if not missed:
            continue
        said = " ".join(
            f"{point['marking_point']} "
            f"{VERDICT_WORDS.get(point['verdict'], point['verdict'])}: "
            + " ".join(_sentence(reason) for reason in point.get("reasons", []))
            for point in missed
        )
        # A met reading's reason would contradict the result: only the result's
        # words stand; a reading not met keeps its own reason first.
        evidence.reason = ("" if evidence.met else f"{evidence.reason} ") + (
            f"The practice result: {said}"
        )
        evidence.met = False
        behind = [
            event_id
            for point in missed
            for event_id in point.get("evidence", [])
            if event_id in known
        ]
        evidence.evidence = list(dict.fromkeys([*evidence.evidence, *behind]))


def read_order(
    reference: str,
    records: list[dict],
    learner_username: str,
    practice: list[dict] | None = None,
):
    """Map one order's events to the assessment criteria AC-01 … AC-05; for a
    practice order, `practice` is its result's marking points, and a criterion is
    met only when the points it rests on were judged met."""
    trail = Trail(records)
    reached_by, in_order = stages_reached(trail)
    stages = [(label, event["at"] if event else None) for label, event in reached_by]
    reached = [event for _label, event in reached_by if event is not None]
    confirmed = trail.first("confirmed")
    criteria = {}

    complete = len(reached) == len(STAGES)
    criteria["AC-01"] = CriterionEvidence(
        "AC-01",
        complete and in_order,
        "Every stage from receipt to follow-up, in order."
        if complete and in_order
        else "Stages reached: "
        + (", ".join(label for label, at in stages if at) or "none")
        + ("" if in_order else " (out of order)")
        + ".",
        [r["id"] for r in reached],
    )

    checks = trail.before(confirmed, trail.of("check_recorded"))
    last = {}
    for record in checks:
        last[record["data"].get("kind")] = record
    crossed = [
        kind
        for kind in CROSS_CHECKS
        if kind in last and last[kind]["data"].get("outcome") == "passed"
    ]
    missing = [CROSS_CHECKS[k] for k in CROSS_CHECKS if k not in crossed]
    criteria["AC-02"] = CriterionEvidence(
        "AC-02",
        confirmed is not None and not missing,
        "Quantities, product codes and customer details checked and passing before "
        "confirmation."
        if confirmed is not None and not missing
        else "Not cross-checked before confirmation: "
        + (", ".join(missing) if missing else "the order was never confirmed")
        + ".",
        [last[k]["id"] for k in crossed],
    )

    own = [r for r in records if r["actor"] == learner_username]
    delivered = trail.first("delivered")
    tracked = confirmed is not None and confirmed["actor"] == learner_username
    criteria["AC-03"] = CriterionEvidence(
        "AC-03",
        tracked and delivered is not None and len(own) >= 2,
        f"{len(own)} actions recorded in OrderDesk by the learner, the order tracked "
        "from input to delivery."
        if tracked and delivered is not None and len(own) >= 2
        else "The learner's own use of OrderDesk does not take the order from "
        "input to delivery.",
        [r["id"] for r in own[:20]],
    )

    confirmation = (
        [
            r
            for r in records
            if r["kind"] == "communication"
            and r["data"].get("communication_id")
            == confirmed["data"].get("communication_id")
        ]
        if confirmed
        else []
    )
    criteria["AC-04"] = CriterionEvidence(
        "AC-04",
        bool(confirmed and confirmation),
        "The confirmation, with lines, total and delivery date, sent "
        f"{by_channel(confirmed['data'].get('channel'))}."
        if confirmed and confirmation
        else "No confirmation of the order was sent to the customer.",
        [r["id"] for r in [*([confirmed] if confirmed else []), *confirmation]],
    )

    followed = [r for r in records if r["kind"] == "followed_up"]
    satisfied = [r for r in followed if r["data"].get("satisfaction")]
    criteria["AC-05"] = CriterionEvidence(
        "AC-05",
        bool(satisfied),
        f"Followed up {by_channel(satisfied[-1]['data'].get('channel'))}: "
        "satisfaction "
        f"{satisfied[-1]['data'].get('satisfaction')} of 5."
        if satisfied
        else (
            "A follow-up was recorded without the customer's satisfaction."
            if followed
            else "No follow-up action is recorded."
        ),
        [r["id"] for r in followed],
    )
    if practice is not None:
        _agree_with_practice(criteria, practice, records)
    return OrderEvidence(reference, records, stages, criteria)


def read_portfolio(
    portfolio: Portfolio,
    records: list[dict] | None = None,
    practice: dict[str, list[dict]] | None = None,
):
    """Each order's evidence, in the portfolio's order, and the overall picture:
    a criterion is met overall when at least one order's evidence meets it.

    `practice`: the practice results' marking points by order reference (read
    here when not given)."""
    records = portfolio_records(portfolio) if records is None else records
    by_reference: dict[str, list[dict]] = {}
    for record in records:
        by_reference.setdefault(record["order"], []).append(record)
    if practice is None:
        practice = practice_points(by_reference)
    username = portfolio.learner.get_username()
    orders = [
        read_order(reference, order_records, username, practice.get(reference))
        for reference, order_records in by_reference.items()
    ]
    overall = {
        criterion: any(o.criteria[criterion].met for o in orders)
        for criterion in ("AC-01", "AC-02", "AC-03", "AC-04", "AC-05")
    }
    return orders, overall
