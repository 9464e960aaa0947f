"""Reads for the practice pages: the learner's queue, the scenario library and past
attempts; an attempt's conversation with the customer; a result laid out for
reading, marking point by marking point and beside the model handling."""

from dataclasses import dataclass
from datetime import datetime

from orders.models import Check, Communication, Order, OrderException

from ..models import ContentItem, PracticeAttempt, Scenario, Section
from ..scoring import MET, NOT_MET, PARTLY

# How each channel's incoming order is headed on the attempt page.
INCOMING_HEADINGS = {
    Order.Channel.EMAIL: "E-mail received",
    Order.Channel.PHONE: "Phone call note",
    Order.Channel.WEB: "Web form",
    Order.Channel.POST: "Letter",
    Order.Channel.WALK_IN: "Note of a visit",
}

VERDICT_LABELS = {MET: "Met", PARTLY: "Partly met", NOT_MET: "Not met"}


def incoming_heading(channel: str) -> str:
    return INCOMING_HEADINGS.get(channel, "The customer's order")


def channel_label(channel: str) -> str:
    """How an order arrived, in words ("E-mail", "Phone", ...)."""
    labels = dict(Order.Channel.choices)
    return str(labels.get(channel, channel))


def practice_attempts(*, learner):
    """The learner's practice attempts, newest first, with their scenario and order
    (and result, once ended) in the same query; the bulky JSON stays unread."""
    return (
        PracticeAttempt.objects.filter(learner=learner)
        .select_related("scenario", "order", "result")
        .defer(
            "scenario__data",
            "scenario__expected",
            "scenario__incoming",
            "result__points",
            "result__events",
        )
        .order_by("-started_at", "-pk")
    )


@dataclass
class ScenarioRow:
    """A scenario in the library, with what this learner has done with it."""

    scenario: Scenario
    in_progress: PracticeAttempt | None = None
    ended: int = 0

    @property
    def channel(self) -> str:
        return channel_label(self.scenario.channel)

    @property
    def may_show_problems(self) -> bool:
        # The planted problems are named only once the learner has seen a result.
        return self.ended > 0


@dataclass
class PracticeOverview:
    in_progress: list[PracticeAttempt]
    ended: list[PracticeAttempt]
    scenarios: list[ScenarioRow]


def practice_overview(*, learner) -> PracticeOverview:
    """The practice page's three lists in two queries whatever their length."""
    attempts = list(practice_attempts(learner=learner))
    rows = {
        scenario.pk: ScenarioRow(scenario)
        for scenario in Scenario.objects.filter(active=True)
        .defer("data", "expected", "incoming")
        .order_by("position", "pk")
    }
    in_progress, ended = [], []
    for attempt in attempts:
        row = rows.get(attempt.scenario_id)
        if attempt.status == PracticeAttempt.Status.IN_PROGRESS:
            in_progress.append(attempt)
            if row is not None and row.in_progress is None:
                row.in_progress = attempt
        else:
            ended.append(attempt)
            if row is not None:
                row.ended += 1
    return PracticeOverview(
        in_progress=in_progress, ended=ended, scenarios=list(rows.values())
    )


def attempt_of(*, learner):
    """The learner's attempts, ready for one attempt's pages (scenario and order)."""
    return PracticeAttempt.objects.filter(learner=learner).select_related(
        "scenario", "order"
    )


def conversation(order: Order) -> list[Communication]:
    """Every message between the learner and the customer, both ways, oldest first."""
    return list(order.communications.order_by("at", "pk"))


# -- a result, for reading ---------------------------------------------------------


@dataclass
class EventView:
    id: int
    label: str
    at: datetime
    by: str
    kind: str = ""
    by_learner: bool = False
    detail: str = ""


@dataclass
class PointView:
    identifier: str
    text: str
    verdict: str
    reasons: list[str]
    evidence: list[EventView]
    advice: str
    misconceptions: list[ContentItem]

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS.get(self.verdict, self.verdict)

    @property
    def missed(self) -> bool:
        return self.verdict != MET


@dataclass
class StepView:
    number: int
    text: str
    points: list[PointView]

    @property
    def met(self) -> bool:
        return all(point.verdict == MET for point in self.points)


@dataclass
class ResultView:
    points: list[PointView]
    steps: list[StepView]
    actions: list[EventView]
    problems: list[str]


def _detail(raw: dict, exception_kinds: dict) -> str:
    """What a communication or exception event was about, in words."""
    data = raw.get("data") or {}
    if raw["kind"] == "communication" and data.get("purpose"):
        purposes = dict(Communication.Purpose.choices)
        channels = dict(Communication.Channel.choices)
        purpose = str(purposes.get(data["purpose"], data["purpose"]))
        channel = str(channels.get(data.get("channel"), data.get("channel") or ""))
        return f"{purpose}, by {channel.lower()}" if channel else purpose
    if raw["kind"] == "check_recorded" and data.get("kind"):
        checks = dict(Check.Kind.choices)
        outcomes = dict(Check.Outcome.choices)
        check = str(checks.get(data["kind"], data["kind"]))
        outcome = str(outcomes.get(data.get("outcome"), data.get("outcome") or ""))
        return f"{check}: {outcome.lower()}" if outcome else check
    if raw["kind"].startswith("exception_"):
        kind = data.get("kind") or exception_kinds.get(data.get("exception_id"))
        kinds = dict(OrderException.Kind.choices)
        return str(kinds.get(kind, kind or ""))
    return ""


def _event(raw: dict, exception_kinds: dict) -> EventView:
    return EventView(
        id=raw["id"],
        label=raw.get("label") or raw["kind"],
        at=datetime.fromisoformat(raw["at"]),
        by=raw.get("by", ""),
        kind=raw["kind"],
        by_learner=bool(raw.get("by_learner")),
        detail=_detail(raw, exception_kinds),
    )


def result_view(attempt: PracticeAttempt) -> ResultView:
    """An ended attempt's result as the page reads it: each marking point with its
    wording, the events behind it and, where missed, the misconceptions; the model
    steps with the points each shows; the learner's own actions in order."""
    result = attempt.result
    exception_kinds = {
        raw["data"].get("exception_id"): raw["data"].get("kind")
        for raw in result.events
        if raw["kind"] == "exception_opened" and raw.get("data")
    }
    events = sorted(
        (_event(raw, exception_kinds) for raw in result.events),
        key=lambda e: (e.at, e.id),
    )
    by_id = {event.id: event for event in events}
    wanted = {point["marking_point"] for point in result.points}
    misconception_ids = {
        identifier
        for point in result.points
        for identifier in point.get("misconceptions", [])
    }
    content = ContentItem.objects.filter(
        identifier__in=wanted | misconception_ids,
        section__in=[Section.MARKING_POINT, Section.MISCONCEPTION],
    ).in_bulk(field_name="identifier")
    points = []
    for point in result.points:
        item = content.get(point["marking_point"])
        misconceptions = [
            content[identifier]
            for identifier in point.get("misconceptions", [])
            if identifier in content
            and content[identifier].section == Section.MISCONCEPTION
            and content[identifier].active
        ]
        points.append(
            PointView(
                identifier=point["marking_point"],
                text=item.text if item else "",
                verdict=point["verdict"],
                reasons=point.get("reasons", []),
                evidence=[
                    by_id[event_id]
                    for event_id in point.get("evidence", [])
                    if event_id in by_id
                ],
                advice=point.get("advice", ""),
                misconceptions=misconceptions,
            )
        )
    by_point = {point.identifier: point for point in points}
    steps = [
        StepView(
            number=number,
            text=step["text"],
            points=[by_point[p] for p in step.get("points", []) if p in by_point],
        )
        for number, step in enumerate(
            attempt.scenario.expected.get("steps", []), start=1
        )
    ]
    actions = [event for event in events if event.by_learner]
    return ResultView(
        points=points,
        steps=steps,
        actions=actions,
        problems=attempt.scenario.problem_labels(),
    )
