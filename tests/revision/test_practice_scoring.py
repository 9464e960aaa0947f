"""Scoring on hand-made trails: each marking point met, partly met and not met,
as a qualified assessor would judge the events."""

import itertools
from datetime import datetime, timedelta

import pytest

from revision.scoring import MET, NOT_MET, PARTLY, score

START = datetime(2026, 12, 1, 9, 0)


class Trail:
    """Builds a trail of events in the order they happen."""

    def __init__(self):
        self.events = []
        self._ids = itertools.count(1)

    def add(self, event_kind: str, *, by_learner: bool = True, **data) -> dict:
        number = next(self._ids)
        event = {
            "id": number,
            "kind": event_kind,
            "at": (START + timedelta(minutes=number)).isoformat(),
            "by": "learner" if by_learner else "system",
            "by_learner": by_learner,
            "data": data,
        }
        self.events.append(event)
        return event

    def checks(self, failing: dict[str, int] | None = None) -> None:
        """Every check, each failing one opening the exception given (by id)."""
        failing = failing or {}
        for number, kind in enumerate(
            ("customer", "products", "quantities", "prices", "duplicate", "stock")
            + ("date", "payment"),
            start=100,
        ):
            outcome = "failed" if kind in failing else "passed"
            self.add(
                "check_recorded",
                by_learner=False,
                kind=kind,
                outcome=outcome,
                check_id=number,
            )
            if kind in failing:
                self.add(
                    "exception_opened",
                    by_learner=False,
                    exception_id=failing[kind][0],
                    kind=failing[kind][1],
                    check_id=number,
                )

    def confirm(self, lines, channel="email") -> None:
        """Confirm as order_confirm does: the confirmation recorded on the
        customer's channel, an e-mail then sent by the worker, anything else left
        to do."""
        self.add(
            "communication",
            purpose="confirmation",
            channel=channel,
            direction="outbound",
            communication_id=900,
            outcome="queued" if channel == "email" else "pending",
        )
        self.add(
            "confirmed",
            channel=channel,
            communication_id=900,
            lines=[{"product_code": c, "quantity": q} for c, q in lines],
        )
        if channel == "email":
            self.add(
                "communication_sent",
                by_learner=False,
                communication_id=900,
                purpose="confirmation",
            )

    def deliver_and_follow_up(self, channel="email", satisfaction=5) -> None:
        self.add("delivered", by_learner=False)
        self.add("followed_up", channel=channel, satisfaction=satisfaction)

    def tell(self, purpose: str, channel: str = "email", **data) -> None:
        self.add(
            "communication",
            purpose=purpose,
            channel=channel,
            direction="outbound",
            **data,
        )


def scenario(problems=(), *, contact=None, channel="email", **expected):
    return {
        "problems": list(problems),
        "data": {
            "intended": {
                "lines": [{"code": "PAP-9001", "quantity": 10}],
                **({"contact": contact} if contact else {}),
            }
        },
        "expected": {"channel": channel, **expected},
    }


def verdict(point: str, spec: dict, trail: Trail) -> str:
    return {j.marking_point: j.verdict for j in score(spec, trail.events)}[point]


def clean_trail(*, lines=(("PAP-9001", 10),), follow_channel="email", satisfaction=5):
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks()
    trail.add("verified", by_learner=False)
    trail.confirm(lines)
    trail.deliver_and_follow_up(follow_channel, satisfaction)
    return trail


def stock_trail(
    *, told=True, bare=False, step=True, handling="backorder", promise=False
):
    """An out-of-stock order; the learner tells the customer (or not) and settles
    it by its documented path (or closes it with a bare note), then (promise)
    tells them the delivery date before confirming."""
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks({"stock": (7, "out_of_stock")})
    trail.add("held", by_learner=False)
    if told:
        trail.tell("backorder_notice")
    if step:
        trail.add("exception_step", exception_id=7, text="Asked the customer.")
    trail.add(
        "exception_resolved",
        exception_id=7,
        kind="out_of_stock",
        resolution="Backordered." if not bare else "Sorted.",
        customer_informed=True,
        handling="" if bare else handling,
        customer_agreement="" if bare else "She will wait.",
    )
    if promise:
        trail.tell("confirmation", outcome="sent")
    trail.confirm([("PAP-9001", 10)])
    trail.deliver_and_follow_up()
    return trail


# -- MP-01 data capture -----------------------------------------------------------


def test_mp01_met_when_confirmed_lines_and_contact_match_the_customer():
    trail = clean_trail()
    trail.add("corrected", customer_field="email", after="a@b.example")
    assert verdict("MP-01", scenario(contact={"email": "a@b.example"}), trail) == MET


def test_mp01_partly_when_the_contact_detail_is_never_recorded():
    spec = scenario(contact={"email": "a@b.example"})
    assert verdict("MP-01", spec, clean_trail()) == PARTLY


def test_mp01_not_met_when_the_wrong_quantity_is_confirmed():
    trail = clean_trail(lines=(("PAP-9001", 100),))
    assert verdict("MP-01", scenario(), trail) == NOT_MET


# -- MP-02 verification --------------------------------------------------------------


def test_mp02_met_when_every_check_ran_before_confirmation():
    assert verdict("MP-02", scenario(), clean_trail()) == MET


def test_mp02_met_when_a_failed_check_is_settled_by_its_documented_path():
    assert verdict("MP-02", scenario(["out_of_stock"]), stock_trail()) == MET


def test_mp02_partly_when_a_failed_check_is_closed_with_a_bare_note():
    trail = stock_trail(bare=True, step=False)
    assert verdict("MP-02", scenario(["out_of_stock"]), trail) == PARTLY


def test_mp02_not_a_bare_note_when_steps_were_recorded_first():
    # a duplicate the customer explains cannot pass its check again: the steps
    # recorded before the note are its documented path
    trail = stock_trail(bare=True, step=True)
    assert verdict("MP-02", scenario(["out_of_stock"]), trail) == MET


def test_mp02_partly_when_a_check_was_not_run_before_confirmation():
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.add("check_recorded", by_learner=False, kind="customer", outcome="passed")
    trail.confirm([("PAP-9001", 10)])
    assert verdict("MP-02", scenario(), trail) == PARTLY


def test_mp02_not_met_without_a_confirmation():
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks()
    assert verdict("MP-02", scenario(), trail) == NOT_MET


# -- MP-03 documenting exceptions ------------------------------------------------------


def test_mp03_met_when_recorded_documented_resolved_and_the_customer_told():
    assert verdict("MP-03", scenario(["out_of_stock"]), stock_trail()) == MET


def test_mp03_met_when_told_by_message_though_the_resolution_has_no_flag():
    # a payment re-run resolves the exception itself (customer_informed False);
    # the learner's message before it is what told the customer
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks({"payment": (8, "payment_declined")})
    trail.tell("payment_problem", "phone")
    trail.add(
        "exception_resolved",
        exception_id=8,
        kind="payment_declined",
        resolution="Payment: re-run passed.",
        customer_informed=False,
        handling="new_card",
    )
    trail.confirm([("PAP-9001", 10)], "phone")
    trail.deliver_and_follow_up("phone")
    spec = scenario(["payment_declined"], channel="phone")
    assert verdict("MP-03", spec, trail) == MET


def test_mp03_partly_when_the_customer_is_only_said_to_be_told():
    trail = stock_trail(told=False)
    assert verdict("MP-03", scenario(["out_of_stock"]), trail) == PARTLY


def test_mp03_not_met_when_the_problem_is_never_recorded():
    spec = scenario(["quantity_mismatch"])
    assert verdict("MP-03", spec, clean_trail()) == NOT_MET


# -- MP-04 and MP-05 follow-up --------------------------------------------------------


def test_mp04_met_on_the_customers_channel():
    assert verdict("MP-04", scenario(), clean_trail()) == MET


def test_mp04_met_on_the_channel_preferred_once_details_are_put_right():
    spec = scenario(channel="phone", follow_up_channel="email")
    assert verdict("MP-04", spec, clean_trail()) == MET


def test_mp04_partly_on_another_channel():
    trail = clean_trail(follow_channel="letter")
    assert verdict("MP-04", scenario(), trail) == PARTLY


def test_mp04_and_mp05_not_met_without_a_follow_up():
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks()
    trail.confirm([("PAP-9001", 10)])
    assert verdict("MP-04", scenario(), trail) == NOT_MET
    assert verdict("MP-05", scenario(), trail) == NOT_MET


def test_mp05_met_with_satisfaction_recorded():
    assert verdict("MP-05", scenario(), clean_trail()) == MET


def test_mp05_partly_without_satisfaction():
    assert verdict("MP-05", scenario(), clean_trail(satisfaction=None)) == PARTLY


# -- MP-06 sequence -------------------------------------------------------------------


def test_mp06_met_when_every_stage_is_reached_in_order():
    assert verdict("MP-06", scenario(), clean_trail()) == MET


def test_mp06_partly_when_a_date_is_promised_before_availability():
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks({"stock": (7, "out_of_stock")})
    trail.tell("confirmation")  # a date promised while the stock is unknown
    trail.add(
        "exception_resolved",
        exception_id=7,
        kind="out_of_stock",
        resolution="Backordered.",
        handling="backorder",
        customer_agreement="Yes.",
    )
    trail.add("verified", by_learner=False)
    trail.confirm([("PAP-9001", 10)])
    trail.deliver_and_follow_up()
    assert verdict("MP-06", scenario(["out_of_stock"]), trail) == PARTLY


def test_mp06_met_when_the_date_is_promised_once_the_stock_is_reserved():
    # the checks pass (stock reserved), the learner phones the confirmation
    # through, then confirms
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks()
    trail.add("verified", by_learner=False)
    trail.tell("confirmation", "phone", outcome="reached")
    trail.confirm([("PAP-9001", 10)], "phone")
    trail.deliver_and_follow_up("phone")
    judgement = {j.marking_point: j for j in score(scenario(), trail.events)}["MP-06"]
    assert judgement.verdict == MET
    assert not any("promised" in reason for reason in judgement.reasons)


def test_mp06_met_when_the_date_is_promised_once_the_backorder_is_agreed():
    trail = stock_trail(promise=True)
    assert verdict("MP-06", scenario(["out_of_stock"]), trail) == MET


def test_mp06_partly_when_a_date_is_promised_before_the_stock_check():
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.tell("confirmation", "phone", outcome="reached")
    trail.checks()
    trail.add("verified", by_learner=False)
    trail.confirm([("PAP-9001", 10)], "phone")
    trail.deliver_and_follow_up("phone")
    assert verdict("MP-06", scenario(), trail) == PARTLY


def test_mp06_partly_when_the_order_stops_before_follow_up():
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks()
    trail.add("verified", by_learner=False)
    trail.confirm([("PAP-9001", 10)])
    assert verdict("MP-06", scenario(), trail) == PARTLY


def test_mp06_not_met_when_the_order_is_never_confirmed():
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks()
    assert verdict("MP-06", scenario(), trail) == NOT_MET


# -- MP-07 checks identified -----------------------------------------------------------


def test_mp07_met_when_the_check_found_it_and_the_learner_acted():
    assert verdict("MP-07", scenario(["out_of_stock"]), stock_trail()) == MET


def test_mp07_met_when_the_recheck_after_an_amendment_resolves_it():
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks({"products": (5, "unknown_product")})
    trail.add("amended", reason="Code corrected.")
    trail.add(
        "exception_resolved",
        by_learner=False,
        exception_id=5,
        kind="unknown_product",
        resolution="Corrected by amendment.",
        handling="corrected",
    )
    trail.confirm([("PAP-9001", 10)])
    assert verdict("MP-07", scenario(["wrong_code"]), trail) == MET


def test_mp07_partly_when_the_finding_is_dismissed_with_a_bare_note():
    trail = stock_trail(bare=True, step=False)
    assert verdict("MP-07", scenario(["out_of_stock"]), trail) == PARTLY


def test_mp07_not_met_when_a_problem_only_reading_finds_is_missed():
    spec = scenario(["quantity_mismatch"])
    assert verdict("MP-07", spec, clean_trail()) == NOT_MET


def mp07_reasons(spec: dict, trail: Trail) -> list[str]:
    return {j.marking_point: j for j in score(spec, trail.events)}["MP-07"].reasons


def test_mp07_a_check_finding_left_alone_says_the_check_flagged_it():
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks({"prices": (6, "price_mismatch")})
    trail.confirm([("PAP-9001", 10)])
    assert mp07_reasons(scenario(["price_disagreement"]), trail) == [
        "The price disagreement was flagged by the prices check, but not acted on "
        "before confirmation."
    ]


def test_mp07_a_problem_raised_but_left_alone_says_it_was_recorded():
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks()
    trail.add("exception_opened", exception_id=9, kind="quantity")
    trail.confirm([("PAP-9001", 10)])
    assert mp07_reasons(scenario(["quantity_mismatch"]), trail) == [
        "The quantity mismatch was recorded, but not acted on before confirmation."
    ]


# -- MP-08 communication -------------------------------------------------------------


def test_mp08_met_when_told_at_each_stage_on_the_right_channel():
    assert verdict("MP-08", scenario(["out_of_stock"]), stock_trail()) == MET


def test_mp08_partly_when_the_problem_goes_untold():
    trail = stock_trail(told=False)
    assert verdict("MP-08", scenario(["out_of_stock"]), trail) == PARTLY


def test_mp08_partly_when_the_follow_up_goes_another_way():
    trail = clean_trail(follow_channel="letter")
    assert verdict("MP-08", scenario(), trail) == PARTLY


def phone_trail(*, call: str | None) -> Trail:
    """A clean order for a customer who prefers the phone, confirmed (the call
    left to do) and then called with this outcome (None: never called)."""
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks()
    trail.add("verified", by_learner=False)
    trail.confirm([("PAP-9001", 10)], "phone")
    if call:
        trail.tell("confirmation", "phone", outcome=call)
    trail.deliver_and_follow_up("phone")
    return trail


def mp08(spec: dict, trail: Trail):
    return {j.marking_point: j for j in score(spec, trail.events)}["MP-08"]


def test_mp08_met_when_the_confirmation_call_reached_the_customer():
    judgement = mp08(scenario(channel="phone"), phone_trail(call="reached"))
    assert judgement.verdict == MET
    assert "The confirmation, with the delivery date, went by phone." in (
        judgement.reasons
    )


@pytest.mark.parametrize("call", [None, "voicemail", "no_answer"])
def test_mp08_partly_when_the_confirmation_call_never_reached_the_customer(call):
    # Confirm leaves the call to do; the learner never makes it, or never gets
    # through
    judgement = mp08(scenario(channel="phone"), phone_trail(call=call))
    assert judgement.verdict == PARTLY
    assert (
        "The order was confirmed, but the confirmation was never given to the "
        "customer: no call that reached the customer was logged."
    ) in judgement.reasons
    assert not any("The confirmation, with" in r for r in judgement.reasons)


def test_mp08_partly_when_the_confirmation_text_is_never_sent():
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks()
    trail.confirm([("PAP-9001", 10)], "sms")
    trail.deliver_and_follow_up("sms")
    judgement = mp08(scenario(channel="sms"), trail)
    assert judgement.verdict == PARTLY
    assert any("no text message was recorded as sent" in r for r in judgement.reasons)


def test_mp08_met_when_the_confirmation_text_is_recorded_as_sent():
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks()
    trail.confirm([("PAP-9001", 10)], "sms")
    trail.tell("confirmation", "sms", outcome="sent")
    trail.deliver_and_follow_up("sms")
    assert mp08(scenario(channel="sms"), trail).verdict == MET


def test_mp08_partly_when_the_confirmation_e_mail_fails():
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks()
    trail.add(
        "communication",
        purpose="confirmation",
        channel="email",
        direction="outbound",
        communication_id=900,
        outcome="queued",
    )
    trail.add("confirmed", channel="email", communication_id=900, lines=[])
    trail.add(
        "communication_sent", by_learner=False, communication_id=900, outcome="failed"
    )
    trail.deliver_and_follow_up("email")
    judgement = mp08(scenario(), trail)
    assert judgement.verdict == PARTLY
    assert any("the e-mail could not be sent" in r for r in judgement.reasons)


def test_mp08_met_when_the_confirmation_e_mail_waits_for_the_worker():
    # the learner's part is done once it is queued: OrderDesk sends it by itself
    trail = clean_trail()
    sent = next(e for e in trail.events if e["kind"] == "communication_sent")
    trail.events.remove(sent)
    assert verdict("MP-08", scenario(), trail) == MET


def test_mp08_partly_when_the_confirmation_reaches_them_another_way():
    # he prefers the phone; the learner e-mails the confirmation instead
    trail = phone_trail(call=None)
    trail.tell("confirmation", "email", communication_id=901, outcome="queued")
    trail.add("communication_sent", by_learner=False, communication_id=901)
    assert mp08(scenario(channel="phone"), trail).verdict == PARTLY


def test_mp08_not_met_when_the_customer_hears_nothing():
    trail = Trail()
    trail.add("received", by_learner=False)
    trail.checks({"stock": (7, "out_of_stock")})
    assert verdict("MP-08", scenario(["out_of_stock"]), trail) == NOT_MET


@pytest.mark.parametrize("point", [f"MP-0{n}" for n in range(1, 9)])
def test_a_missed_point_names_its_misconceptions(point):
    trail = Trail()
    trail.add("received", by_learner=False)
    spec = scenario(["duplicate"])
    judgements = {j.marking_point: j for j in score(spec, trail.events)}
    assert judgements[point].verdict != MET
    assert judgements[point].misconceptions
