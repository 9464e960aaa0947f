"""Scoring a practice attempt against the examiner's marking points, from the
order's event trail alone.

`score(scenario, events)` takes the scenario's expectations and the trail as plain
dicts ({"id", "kind", "at", "by", "data"}) and judges each marking point met, partly
met or not met, naming the events behind the judgement and, where it was missed,
the seeds' advice and the misconceptions it matches. It reads nothing else: what a
judgement needs, the services record in the trail when it happens (the confirmed
lines on CONFIRMED, each communication's purpose, channel and direction, each
exception's steps and resolution).
"""

from dataclasses import dataclass, field

from orders.models import Communication
from orders.services import CHECK_SEQUENCE

MET, PARTLY, NOT_MET = "met", "partly", "not met"

# For each planted problem: the exception it should open (by a check or by the
# learner), the check that finds it (None: only reading the order finds it), and
# the purposes of a message that tells the customer about it.
PROBLEMS = {
    "wrong_code": ("unknown_product", "products", ("query", "exception_notice")),
    "inactive_code": ("unknown_product", "products", ("query", "exception_notice")),
    "quantity_mismatch": ("quantity", None, ("query", "exception_notice")),
    "contact_missing": ("missing_contact", "customer", ("query", "exception_notice")),
    "out_of_stock": (
        "out_of_stock",
        "stock",
        (
            "backorder_notice",
            "substitution_notice",
            "partial_notice",
            "exception_notice",
            "query",
        ),
    ),
    "payment_declined": (
        "payment_declined",
        "payment",
        ("payment_problem", "exception_notice", "query"),
    ),
    "price_disagreement": (
        "price_mismatch",
        "prices",
        ("query", "exception_notice"),
    ),
    "duplicate": ("duplicate", "duplicate", ("query", "exception_notice")),
    "date_unmeetable": (
        "delivery_date",
        "date",
        ("exception_notice", "query", "backorder_notice"),
    ),
}

# Every check the verification runs.
ALL_CHECKS = tuple(str(kind) for kind in CHECK_SEQUENCE)

# A communication that promises a delivery date.
PROMISES = ("confirmation", "dispatch_notice")

# The outcomes that show a message was given to the customer: a call that spoke
# to them, a text or letter recorded as sent, an e-mail sent or queued (OrderDesk
# sends it by itself, unless its communication_sent event says it failed). "To
# do", a voicemail or no answer is not.
GIVEN = ("reached", "sent", "queued")

# What is missing when a confirmation on this channel never reached the customer.
NOT_GIVEN = {
    "email": "the e-mail could not be sent",
    "phone": "no call that reached the customer was logged",
    "sms": "no text message was recorded as sent",
    "letter": "no letter was recorded as sent",
}

# A missed marking point that matches a known misconception (revision/content):
# the misconception's quiz items go into the learner's reviews.
MISCONCEPTIONS = {
    "MP-01": ["MC-07", "MC-08"],
    "MP-02": ["MC-05", "MC-09"],
    "MP-03": ["MC-10", "MC-07"],
    "MP-04": ["MC-03", "MC-04"],
    "MP-05": ["MC-03", "MC-04"],
    "MP-06": ["MC-01", "MC-02", "MC-06"],
    "MP-07": ["MC-05", "MC-06"],
    "MP-08": ["MC-09", "MC-02"],
}


@dataclass
class Judgement:
    marking_point: str
    verdict: str
    reasons: list[str] = field(default_factory=list)
    evidence: list[int] = field(default_factory=list)  # event ids

    @property
    def misconceptions(self) -> list[str]:
        return [] if self.verdict == MET else MISCONCEPTIONS.get(self.marking_point, [])

    def as_dict(self) -> dict:
        return {
            "marking_point": self.marking_point,
            "verdict": self.verdict,
            "reasons": self.reasons,
            "evidence": self.evidence,
            "misconceptions": self.misconceptions,
        }


class Trail:
    """The events of one order, with the questions scoring asks of them."""

    def __init__(self, events: list[dict]):
        self.events = sorted(events, key=lambda e: (e["at"], e["id"]))

    def of(self, *kinds: str) -> list[dict]:
        return [e for e in self.events if e["kind"] in kinds]

    def first(self, *kinds: str) -> dict | None:
        """The earliest event of any of these kinds."""
        found = self.of(*kinds)
        return found[0] if found else None

    def before(self, event: dict | None, candidates: list[dict]) -> list[dict]:
        """The candidates that happened before `event` (all of them if None)."""
        if event is None:
            return candidates
        key = (event["at"], event["id"])
        return [e for e in candidates if (e["at"], e["id"]) < key]

    def by_learner(self, events: list[dict]) -> list[dict]:
        return [e for e in events if e.get("by_learner")]

    def outbound(self, purposes=None) -> list[dict]:
        return [
            e
            for e in self.of("communication")
            if e["data"].get("direction", "outbound") == "outbound"
            and (purposes is None or e["data"].get("purpose") in purposes)
        ]

    def given(self, purposes) -> list[dict]:
        """The outbound messages for these purposes given to the customer: given
        when recorded, or a text or letter left to do and later marked sent."""
        failed, sent = set(), set()
        for e in self.of("communication_sent"):
            failed_now = e["data"].get("outcome") == "failed"
            (failed if failed_now else sent).add(e["data"].get("communication_id"))
        return [
            e
            for e in self.outbound(purposes)
            if (
                e["data"].get("outcome") in GIVEN
                or e["data"].get("communication_id") in sent
            )
            and e["data"].get("communication_id") not in failed
        ]

    def before_availability(self, candidates: list[dict]) -> list[dict]:
        """The candidates that happened while availability was not yet confirmed:
        before the stock check passed (stock reserved for every line), or while an
        out-of-stock problem it found was still unsettled (settled: by its
        documented path, such as a backorder to a known restock date, or by stock
        arriving; a learner's bare note does not make the stock known)."""
        wanted = {e["id"] for e in candidates}
        checked = confirmed = False
        unsettled: set = set()
        early = []
        for event in self.events:
            if event["id"] in wanted and not confirmed:
                early.append(event)
            data = event["data"]
            if event["kind"] == "check_recorded" and data.get("kind") == "stock":
                # A pass settles what the check found before; a failure opens
                # its out-of-stock exceptions next.
                checked, confirmed = True, data.get("outcome") == "passed"
                if confirmed:
                    unsettled.clear()
            elif (
                event["kind"] == "exception_opened"
                and data.get("kind") == "out_of_stock"
            ):
                unsettled.add(data.get("exception_id"))
                confirmed = False
            elif (
                event["kind"] == "exception_resolved"
                and data.get("exception_id") in unsettled
                and (data.get("handling") or not event.get("by_learner"))
            ):
                unsettled.discard(data.get("exception_id"))
                confirmed = checked and not unsettled
        return early

    def exceptions(self, kind: str) -> list[int]:
        return [
            e["data"]["exception_id"]
            for e in self.of("exception_opened")
            if e["data"].get("kind") == kind
        ]

    def exception_events(self, exception_id: int, *kinds: str) -> list[dict]:
        return [
            e for e in self.of(*kinds) if e["data"].get("exception_id") == exception_id
        ]

    def check_kind_of(self, exception_id: int) -> str | None:
        """The check that opened an exception (None: a person raised it)."""
        for opened in self.exception_events(exception_id, "exception_opened"):
            check_id = opened["data"].get("check_id")
            for check in self.of("check_recorded"):
                if check_id is not None and check["data"].get("check_id") == check_id:
                    return check["data"]["kind"]
        return None

    def closed_by_bare_note(self, resolved: dict) -> bool:
        """Whether a failed check's exception was closed by a note alone: not by
        its documented path (a handling such as a backorder or a new card), not
        after its check ran again and passed, and with no step recorded first."""
        if resolved["data"].get("handling") or resolved["data"].get(
            "customer_agreement"
        ):
            return False
        exception_id = resolved["data"].get("exception_id")
        kind = self.check_kind_of(exception_id)
        if kind is None:
            return False  # raised by a person: MP-03 judges how it was documented
        passed = [
            e
            for e in self.of("check_recorded")
            if e["data"].get("kind") == kind and e["data"].get("outcome") == "passed"
        ]
        steps = self.exception_events(exception_id, "exception_step")
        at = [
            e
            for e in passed + steps
            if (e["at"], e["id"]) <= (resolved["at"], resolved["id"])
        ]
        return not at


# The lifecycle's five stages, and the events that show each was reached (checks
# complete: the order verified, or held with the exceptions they found). Practice
# scoring (MP-06) and portfolio evidence (AC-01) both read the sequence from these.
STAGES = [
    (("received",), "Receipt"),
    (("verified", "held"), "Verification"),
    (("confirmed",), "Confirmation"),
    (("delivered",), "Fulfilment"),
    (("followed_up",), "Follow-up"),
]


def stages_reached(trail: Trail) -> tuple[list[tuple[str, dict | None]], bool]:
    """Each stage with the first event that reached it (None: not reached), and
    whether the stages reached came in the lifecycle's order."""
    stages = [(label, trail.first(*kinds)) for kinds, label in STAGES]
    keys = [(e["at"], e["id"]) for _label, e in stages if e is not None]
    return stages, keys == sorted(keys)


def by_channel(channel: str | None) -> str:
    """How a message went, in the channel's words: "by text message", "in person"."""
    if channel == Communication.Channel.IN_PERSON:
        return "in person"
    label = dict(Communication.Channel.choices).get(channel, channel)
    return f"by {str(label).lower()}" if label else "by an unrecorded channel"


def _ids(events: list[dict]) -> list[int]:
    return sorted({e["id"] for e in events})


def _verdict(done: int, of: int) -> str:
    if of == 0 or done == of:
        return MET
    return PARTLY if done else NOT_MET


def _data_capture(scenario: dict, trail: Trail) -> Judgement:
    """MP-01: what was confirmed is what the customer asked for, and the contact
    details the customer gave are on the record."""
    judgement = Judgement("MP-01", NOT_MET)
    confirmed = trail.first("confirmed")
    intended = scenario["data"].get("intended", {})
    wanted = sorted(
        (line["code"].upper(), int(line["quantity"]))
        for line in intended.get("lines", [])
    )
    if confirmed is None:
        judgement.reasons.append("The order was never confirmed to the customer.")
        return judgement
    judgement.evidence.append(confirmed["id"])
    got = sorted(
        (line["product_code"].upper(), int(line["quantity"]))
        for line in confirmed["data"].get("lines", [])
    )
    checks = 1
    right = 0
    if got == wanted:
        right += 1
        judgement.reasons.append("The confirmed lines are what the customer asked for.")
    else:
        said = ", ".join(f"{q} × {c}" for c, q in wanted) or "nothing"
        gave = ", ".join(f"{q} × {c}" for c, q in got) or "nothing"
        judgement.reasons.append(
            f"The customer asked for {said}; the order confirmed {gave}."
        )
    corrections = trail.of("corrected")
    for name, value in intended.get("contact", {}).items():
        checks += 1
        fixed = [
            e
            for e in corrections
            if e["data"].get("customer_field") == name
            and str(e["data"].get("after", "")).strip().lower()
            == str(value).strip().lower()
        ]
        if fixed:
            right += 1
            judgement.evidence.extend(_ids(fixed))
            judgement.reasons.append(f"The customer's {name} was recorded correctly.")
        else:
            judgement.reasons.append(
                f"The customer's {name} ({value}) was never recorded."
            )
    judgement.verdict = _verdict(right, checks)
    return judgement


def _verification(scenario: dict, trail: Trail) -> Judgement:
    """MP-02: every check ran before confirmation, and the order was confirmed to
    the customer (the confirmation slip) only once they had all passed or been
    resolved by the documented path."""
    judgement = Judgement("MP-02", NOT_MET)
    confirmed = trail.first("confirmed")
    if confirmed is None:
        judgement.reasons.append(
            "No confirmation was sent: the checks never led to a confirmed order."
        )
        return judgement
    checks = trail.before(confirmed, trail.of("check_recorded"))
    kinds = {e["data"]["kind"] for e in checks}
    judgement.evidence.extend(_ids(checks) + [confirmed["id"]])
    missing = sorted(set(scenario["expected"].get("checks_all", ALL_CHECKS)) - kinds)
    bare = [
        e
        for e in trail.before(confirmed, trail.of("exception_resolved"))
        if e.get("by_learner") and trail.closed_by_bare_note(e)
    ]
    if missing:
        judgement.reasons.append("Not checked before confirming: " + ", ".join(missing))
    if bare:
        judgement.evidence.extend(_ids(bare))
        judgement.reasons.append(
            "A failed check was closed with a note instead of being put right and "
            "checked again."
        )
    if not missing and not bare:
        judgement.verdict = MET
        judgement.reasons.append(
            "Every check ran and passed (or was resolved by its documented path) "
            "before the confirmation was sent."
        )
    else:
        judgement.verdict = PARTLY
    return judgement


def _suitable_channels(scenario: dict) -> set[str]:
    """How this customer may suitably be contacted: as OrderDesk recommends for
    the details they gave, and (where those are put right during the order) as
    it recommends afterwards."""
    expected = scenario["expected"]
    return {expected["channel"], expected.get("follow_up_channel", expected["channel"])}


def _planted(scenario: dict) -> list[tuple[str, str, str | None, tuple]]:
    return [(problem, *PROBLEMS[problem]) for problem in scenario["problems"]]


def _documented(scenario: dict, trail: Trail) -> Judgement:
    """MP-03: each planted problem recorded as an exception, with the steps taken
    and its resolution, and the customer told how it was resolved."""
    judgement = Judgement("MP-03", MET)
    planted = _planted(scenario)
    if not planted:
        left = [
            e
            for e in trail.of("exception_opened")
            if not trail.exception_events(
                e["data"]["exception_id"], "exception_resolved"
            )
        ]
        if left:
            judgement.verdict = PARTLY
            judgement.evidence.extend(_ids(left))
            judgement.reasons.append("An exception was left unresolved.")
        else:
            judgement.reasons.append("Nothing was planted and nothing left unresolved.")
        return judgement
    done = found = 0
    for problem, kind, _check, purposes in planted:
        label = problem.replace("_", " ")
        opened = trail.exceptions(kind)
        # Told: the learner's own message about it, not only a note that says so.
        told = [e for e in trail.outbound(purposes) if e.get("by_learner")]
        if not opened:
            judgement.reasons.append(f"The {label} was never recorded as an exception.")
            continue
        found += 1
        ok = False
        for exception_id in opened:
            steps = trail.exception_events(exception_id, "exception_step")
            resolved = trail.exception_events(exception_id, "exception_resolved")
            judgement.evidence.extend(
                _ids(trail.exception_events(exception_id, "exception_opened"))
                + _ids(steps)
                + _ids(resolved)
            )
            documented = bool(steps) or any(
                r["data"].get("handling") or r["data"].get("customer_agreement")
                for r in resolved
            )
            # The customer's being told is judged from the messages themselves,
            # sent before the resolution (a flag saying so, without one, is a
            # note, not a message; a message without the flag still told them).
            informed = any(trail.before(r, told) for r in resolved)
            if resolved and documented and informed:
                ok = True
        if ok:
            done += 1
            judgement.reasons.append(
                f"The {label}: recorded, the steps documented, resolved and the "
                "customer told."
            )
        else:
            judgement.reasons.append(
                f"The {label}: recorded, but not resolved with documented steps after "
                "telling the customer (a note that they were told is not a message)."
            )
    if done == len(planted):
        judgement.verdict = MET
    else:
        judgement.verdict = PARTLY if found else NOT_MET
    return judgement


def _follow_up(scenario: dict, trail: Trail) -> tuple[Judgement, Judgement]:
    """MP-04 (method suits the customer) and MP-05 (follow-up that builds loyalty:
    the customer's satisfaction asked for and recorded)."""
    method = Judgement("MP-04", NOT_MET)
    loyalty = Judgement("MP-05", NOT_MET)
    followed = trail.of("followed_up")
    expected = scenario["expected"]
    # Where the customer's details are put right during the order (an e-mail
    # address they prefer but had not given), the follow-up goes the way they
    # prefer once it can.
    suitable = expected.get("follow_up_channel", expected["channel"])
    if not followed:
        for judgement in (method, loyalty):
            judgement.reasons.append("No follow-up was recorded after delivery.")
        return method, loyalty
    last = followed[-1]
    for judgement in (method, loyalty):
        judgement.evidence.append(last["id"])
    channel = last["data"].get("channel")
    if channel == suitable:
        method.verdict = MET
        method.reasons.append(
            f"Followed up {by_channel(channel)}, as suits this customer."
        )
    else:
        method.verdict = PARTLY
        method.reasons.append(
            f"Followed up {by_channel(channel)}; this customer should be contacted "
            f"{by_channel(suitable)}."
        )
    if last["data"].get("satisfaction"):
        loyalty.verdict = MET
        loyalty.reasons.append(
            f"The customer's satisfaction ({last['data']['satisfaction']} of 5) was "
            "asked for and recorded."
        )
    else:
        loyalty.verdict = PARTLY
        loyalty.reasons.append(
            "The follow-up was recorded without the customer's satisfaction."
        )
    return method, loyalty


def _sequence(scenario: dict, trail: Trail) -> Judgement:
    """MP-06: input (receipt), verification, confirmation and follow-up in that
    order, and no delivery date promised before availability was confirmed."""
    judgement = Judgement("MP-06", NOT_MET)
    stages, in_order = stages_reached(trail)
    # The stages reached one after another from receipt, up to the first missed.
    reached = []
    for label, event in stages:
        if event is None:
            break
        reached.append(label.lower())
        judgement.evidence.append(event["id"])
    confirmed = trail.first("confirmed")
    # A date promised by the learner while the stock was still unknown; the
    # confirmation Confirm itself records is refused until availability is known.
    own = confirmed["data"].get("communication_id") if confirmed else None
    promises = [
        e
        for e in trail.outbound(PROMISES)
        if e.get("by_learner") and e["data"].get("communication_id") != own
    ]
    early = trail.before_availability(promises)
    if early:
        judgement.evidence.extend(_ids(early))
        judgement.reasons.append(
            "A delivery date was promised before availability was confirmed."
        )
    judgement.reasons.append("Stages reached in order: " + ", ".join(reached) + ".")
    if "confirmation" not in reached:
        return judgement
    complete = len(reached) == len(STAGES)
    if complete and in_order and not early:
        judgement.verdict = MET
    else:
        judgement.verdict = PARTLY
        if not complete:
            judgement.reasons.append("The order did not reach follow-up.")
    return judgement


def _checks_identified(scenario: dict, trail: Trail) -> Judgement:
    """MP-07: each planted problem identified by its check (or, where no check
    can find it, by reading the order) and acted on before confirmation."""
    judgement = Judgement("MP-07", MET)
    confirmed = trail.first("confirmed")
    planted = _planted(scenario)
    if not planted:
        if confirmed is None:
            judgement.verdict = NOT_MET
            judgement.reasons.append("The order was never confirmed.")
        else:
            judgement.evidence.append(confirmed["id"])
            judgement.reasons.append(
                "A clean order: every check passed before confirmation."
            )
        return judgement
    done = dismissed = 0
    for problem, kind, check, _purposes in planted:
        label = problem.replace("_", " ")
        opened = [
            e for e in trail.of("exception_opened") if e["data"].get("kind") == kind
        ]
        # The learner's own steps and resolutions, and a resolution by the check
        # passing again (run in the background after the learner's amendment).
        handled = [
            e
            for exception in opened
            for e in trail.exception_events(
                exception["data"]["exception_id"],
                "exception_step",
                "exception_resolved",
            )
            if e.get("by_learner") or e["kind"] == "exception_resolved"
        ]
        if check is None:
            handled = [e for e in opened if e.get("by_learner")] and handled
        # Closing a failed check with a bare note dismisses what it found; it does
        # not act on it (the wrong item, the missing detail stays as it was).
        bare = [
            e
            for e in handled
            if e["kind"] == "exception_resolved" and trail.closed_by_bare_note(e)
        ]
        acted = [e for e in handled if e not in bare]
        found_in_time = trail.before(confirmed, acted) if confirmed else []
        how = f"the {check} check" if check else "reading the order carefully"
        if found_in_time:
            done += 1
            judgement.evidence.extend(_ids(opened) + _ids(found_in_time))
            judgement.reasons.append(f"The {label} was found by {how} and acted on.")
        elif confirmed and trail.before(confirmed, bare):
            dismissed += 1
            judgement.evidence.extend(_ids(opened) + _ids(bare))
            judgement.reasons.append(
                f"The {label} was found by {how}, but dismissed with a note rather "
                "than put right."
            )
        elif opened:
            flagged = any(not e.get("by_learner") for e in opened)
            who = f"flagged by the {check} check" if check and flagged else "recorded"
            judgement.reasons.append(
                f"The {label} was {who}, but not acted on before confirmation."
            )
        elif check is None:
            judgement.reasons.append(
                f"The {label} was missed: no check finds it, only reading the order "
                "carefully against what the customer asked for."
            )
        else:
            judgement.reasons.append(
                f"The {label} was missed: it was never found before confirmation."
            )
    if done == len(planted):
        judgement.verdict = MET
    else:
        judgement.verdict = PARTLY if done or dismissed else NOT_MET
    return judgement


def _communication(scenario: dict, trail: Trail) -> Judgement:
    """MP-08: the customer told at each stage on a suitable channel: about each
    problem, the confirmation with its delivery date (given: it reached them, not
    only recorded as to do), and the follow-up."""
    judgement = Judgement("MP-08", NOT_MET)
    suitable = _suitable_channels(scenario)
    confirmed = trail.first("confirmed")
    needed = 0
    told = 0
    wrong_channel = []
    for problem, _kind, _check, purposes in _planted(scenario):
        label = problem.replace("_", " ")
        needed += 1
        sent = [e for e in trail.outbound(purposes) if e.get("by_learner")]
        if confirmed:
            sent = trail.before(confirmed, sent)
        if sent:
            told += 1
            judgement.evidence.extend(_ids(sent))
            if all(e["data"].get("channel") not in suitable for e in sent):
                wrong_channel.append(f"message about the {label}")
            judgement.reasons.append(f"The customer was told about the {label}.")
        else:
            judgement.reasons.append(
                f"The customer was not told about the {label} before confirmation."
            )
    needed += 1
    # Confirming records the confirmation; only an e-mail goes by itself. A call,
    # text or letter is left "to do" until the learner records it made.
    given = trail.given(("confirmation",)) if confirmed else []
    if given:
        told += 1
        judgement.evidence.extend([confirmed["id"], *_ids(given)])
        on_channel = [e for e in given if e["data"].get("channel") in suitable]
        went = (on_channel or given)[0]["data"].get("channel")
        judgement.reasons.append(
            f"The confirmation, with the delivery date, went {by_channel(went)}."
        )
        if not on_channel:
            wrong_channel.append("confirmation")
    elif confirmed is not None:
        judgement.evidence.append(confirmed["id"])
        missing = NOT_GIVEN.get(
            confirmed["data"].get("channel"), "it was never recorded as made"
        )
        judgement.reasons.append(
            "The order was confirmed, but the confirmation was never given to the "
            f"customer: {missing}."
        )
    else:
        judgement.reasons.append("The customer was never sent a confirmation.")
    needed += 1
    followed = trail.of("followed_up")
    if followed:
        told += 1
        last = followed[-1]
        judgement.evidence.append(last["id"])
        channel = last["data"].get("channel")
        judgement.reasons.append(
            f"The follow-up after delivery went {by_channel(channel)}."
        )
        if channel not in suitable:
            wrong_channel.append("follow-up")
    else:
        judgement.reasons.append("The customer was not contacted after delivery.")
    if wrong_channel:
        ways = " or ".join(by_channel(channel) for channel in sorted(suitable))
        judgement.reasons.append(
            f"This customer should be contacted {ways}; the "
            + ", ".join(wrong_channel)
            + " went another way."
        )
    verdict = _verdict(told, needed)
    if verdict == MET and wrong_channel:
        verdict = PARTLY
    judgement.verdict = verdict
    return judgement


def score(scenario: dict, events: list[dict]) -> list[Judgement]:
    """Each marking point judged from the trail, MP-01 to MP-08."""
    trail = Trail(events)
    method, loyalty = _follow_up(scenario, trail)
    return [
        _data_capture(scenario, trail),
        _verification(scenario, trail),
        _documented(scenario, trail),
        method,
        loyalty,
        _sequence(scenario, trail),
        _checks_identified(scenario, trail),
        _communication(scenario, trail),
    ]
