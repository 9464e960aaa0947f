"""The evidence read for the assessment criteria AC-01 … AC-05 (on hand-built event
records, each criterion met and not met, and on one real practice run), and the
SHA-256 chain over a portfolio's events."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from portfolio import evidence as evidence_module
from portfolio.evidence import (
    chain,
    final_hash,
    portfolio_records,
    read_order,
    read_portfolio,
)
from portfolio.selectors import entry_evidence
from portfolio.services import entry_add, portfolio_for
from revision.models import PracticeResult
from revision.services.content import content_load
from tests.revision.practice_runs import verdicts

from .helpers import careless_ps06, play_ps01

LEARNER = "learner1"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def loaded(db):
    content_load()


class Trail:
    """Hand-built event records for one order, one minute apart."""

    def __init__(self):
        self.records: list[dict] = []

    def add(self, event_kind: str, *, actor: str = LEARNER, **data) -> dict:
        number = len(self.records) + 1
        record = {
            "order": "SO-000001",
            "id": number,
            "kind": event_kind,
            "label": event_kind,
            "at": (START + timedelta(minutes=number)).isoformat(),
            "actor": actor,
            "by": actor or "system",
            "status_after": "received",
            "data": data,
        }
        self.records.append(record)
        return record

    def check(self, kind: str, outcome: str = "passed", **data) -> dict:
        return self.add("check_recorded", actor="", kind=kind, outcome=outcome, **data)

    def read(self):
        return read_order("SO-000001", self.records, LEARNER).criteria


def complete_trail(*without: str) -> Trail:
    """Every stage, in order, with the learner's checks, confirmation and follow-up,
    except the steps named in `without`."""
    skip = dict.fromkeys(without, True)
    trail = Trail()
    trail.add("received", actor="")
    for kind in ("customer", "products", "quantities"):
        if not skip.get(kind):
            trail.check(kind)
    trail.add("verified", actor="")
    if not skip.get("confirmation_message"):
        trail.add(
            "communication",
            communication_id=5,
            channel="email",
            direction="outbound",
            purpose="confirmation",
        )
    trail.add("confirmed", communication_id=5, channel="email")
    trail.add("dispatched", actor="")
    trail.add("delivered", actor="")
    if not skip.get("follow_up"):
        trail.add(
            "followed_up",
            channel="email",
            satisfaction=None if skip.get("satisfaction") else 4,
        )
    return trail


def test_complete_trail_meets_every_criterion():
    criteria = complete_trail().read()

    assert {c: e.met for c, e in criteria.items()} == {
        "AC-01": True,
        "AC-02": True,
        "AC-03": True,
        "AC-04": True,
        "AC-05": True,
    }
    assert criteria["AC-05"].reason == "Followed up by e-mail: satisfaction 4 of 5."


def test_ac01_not_met_when_a_stage_is_missing():
    criteria = complete_trail("follow_up").read()

    assert not criteria["AC-01"].met
    assert (
        criteria["AC-01"].reason
    ) == "Stages reached: Receipt, Verification, Confirmation, Fulfilment."


def test_ac01_not_met_when_stages_are_out_of_order():
    # given a trail where the delivery is recorded before the confirmation
    trail = complete_trail()
    delivered = next(r for r in trail.records if r["kind"] == "delivered")
    delivered["at"] = (START - timedelta(minutes=1)).isoformat()

    criterion = trail.read()["AC-01"]

    assert not criterion.met
    assert "(out of order)" in criterion.reason


def test_ac01_evidence_is_the_event_reaching_each_stage():
    trail = complete_trail()

    criterion = trail.read()["AC-01"]

    kinds = {r["id"]: r["kind"] for r in trail.records}
    assert [kinds[i] for i in criterion.evidence] == [
        "received",
        "verified",
        "confirmed",
        "delivered",
        "followed_up",
    ]


@pytest.mark.parametrize("missing", ["customer", "products", "quantities"])
def test_ac02_not_met_without_each_cross_check(missing):
    criterion = complete_trail(missing).read()["AC-02"]

    assert not criterion.met
    assert criterion.reason.startswith("Not cross-checked before confirmation")


def test_ac02_not_met_when_a_check_failed_last():
    trail = complete_trail()
    # the product check was rerun and failed before the confirmation
    trail.records.insert(
        3,
        {
            **trail.records[2],
            "id": 99,
            "data": {"kind": "products", "outcome": "failed"},
        },
    )

    assert not trail.read()["AC-02"].met


def test_ac02_ignores_checks_made_after_confirmation():
    trail = complete_trail("products")
    trail.check("products")  # after the confirmation: too late

    criterion = trail.read()["AC-02"]

    assert not criterion.met
    assert "product codes" in criterion.reason


def test_ac02_not_met_when_never_confirmed():
    trail = Trail()
    trail.add("received", actor="")
    for kind in ("customer", "products", "quantities"):
        trail.check(kind)

    criterion = trail.read()["AC-02"]

    assert not criterion.met
    assert "never confirmed" in criterion.reason


def test_ac03_not_met_when_someone_else_confirmed():
    trail = complete_trail()
    for record in trail.records:
        if record["kind"] == "confirmed":
            record["actor"] = "someone-else"

    assert not trail.read()["AC-03"].met


def test_ac03_not_met_before_delivery():
    trail = complete_trail()
    trail.records = [r for r in trail.records if r["kind"] != "delivered"]

    assert not trail.read()["AC-03"].met


def test_ac04_not_met_without_the_confirmation_message():
    criterion = complete_trail("confirmation_message").read()["AC-04"]

    assert not criterion.met
    assert criterion.reason == "No confirmation of the order was sent to the customer."


def test_ac04_evidence_is_the_confirmation_and_its_message():
    trail = complete_trail()

    criterion = trail.read()["AC-04"]

    kinds = sorted(r["kind"] for r in trail.records if r["id"] in criterion.evidence)
    assert criterion.met
    assert kinds == ["communication", "confirmed"]


def test_ac05_not_met_without_a_follow_up():
    criterion = complete_trail("follow_up").read()["AC-05"]

    assert not criterion.met
    assert criterion.reason == "No follow-up action is recorded."


def test_ac05_not_met_without_the_customers_satisfaction():
    criterion = complete_trail("satisfaction").read()["AC-05"]

    assert not criterion.met
    assert "without the customer's satisfaction" in criterion.reason


# -- a real practice run -----------------------------------------------------------


def test_model_practice_run_meets_every_criterion(
    loaded, learner, django_capture_on_commit_callbacks
):
    run = play_ps01(learner, django_capture_on_commit_callbacks)
    entry_add(learner=learner, order=run.order)

    records = portfolio_records(portfolio_for(learner))
    criteria = read_order(run.order.reference, records, learner.username).criteria

    assert all(evidence.met for evidence in criteria.values()), {
        c: e.reason for c, e in criteria.items() if not e.met
    }
    # the evidence points at the learner's own events in the trail
    ids = {r["id"]: r for r in records}
    assert ids[criteria["AC-05"].evidence[0]]["kind"] == "followed_up"
    assert {ids[i]["data"]["kind"] for i in criteria["AC-02"].evidence} == {
        "customer",
        "products",
        "quantities",
    }


def test_practice_run_without_follow_up_misses_ac01_and_ac05(
    loaded, learner, django_capture_on_commit_callbacks
):
    run = play_ps01(learner, django_capture_on_commit_callbacks, follow_up=False)
    entry_add(learner=learner, order=run.order)

    records = portfolio_records(portfolio_for(learner))
    criteria = read_order(run.order.reference, records, learner.username).criteria

    assert {c: e.met for c, e in criteria.items()} == {
        "AC-01": False,
        "AC-02": True,
        "AC-03": True,
        "AC-04": True,
        "AC-05": False,
    }


# -- the chain ---------------------------------------------------------------------


@pytest.fixture
def portfolio_with_run(loaded, learner, django_capture_on_commit_callbacks):
    run = play_ps01(learner, django_capture_on_commit_callbacks)
    entry_add(learner=learner, order=run.order)
    return portfolio_for(learner)


def test_same_events_give_the_same_hash(portfolio_with_run):
    portfolio = portfolio_with_run

    first = final_hash(portfolio_records(portfolio), learner_id=portfolio.learner_id)
    again = final_hash(portfolio_records(portfolio), learner_id=portfolio.learner_id)

    assert first == again
    assert len(first) == 64


def test_editing_one_event_by_raw_sql_changes_the_hash(portfolio_with_run):
    portfolio = portfolio_with_run
    records = portfolio_records(portfolio)
    before = final_hash(records, learner_id=portfolio.learner_id)
    target = next(r for r in records if r["kind"] == "followed_up")

    # the model refuses updates, so tamper as someone with the database would
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_orderevent SET data = %s WHERE id = %s",
            ['{"satisfaction": 1, "channel": "email"}', target["id"]],
        )

    after = final_hash(portfolio_records(portfolio), learner_id=portfolio.learner_id)
    assert after != before


def test_every_link_of_the_chain_depends_on_those_before(portfolio_with_run):
    portfolio = portfolio_with_run
    records = portfolio_records(portfolio)
    hashes = chain(records, learner_id=portfolio.learner_id)

    changed = [dict(records[0], by="someone else"), *records[1:]]

    assert all(
        a != b
        for a, b in zip(
            hashes, chain(changed, learner_id=portfolio.learner_id), strict=True
        )
    )


def test_reordering_or_removing_events_changes_the_hash(portfolio_with_run):
    portfolio = portfolio_with_run
    records = portfolio_records(portfolio)
    original = final_hash(records, learner_id=portfolio.learner_id)

    swapped = [records[1], records[0], *records[2:]]
    removed = records[:3] + records[4:]

    assert final_hash(swapped, learner_id=portfolio.learner_id) != original
    assert final_hash(removed, learner_id=portfolio.learner_id) != original


def test_the_chain_belongs_to_its_learner(portfolio_with_run):
    portfolio = portfolio_with_run
    records = portfolio_records(portfolio)

    assert final_hash(records, learner_id=portfolio.learner_id) != final_hash(
        records, learner_id=portfolio.learner_id + 1
    )


# -- a practice order read with its practice result --------------------------------


def test_a_practice_order_meets_no_criterion_its_marking_points_missed(
    loaded, learner, django_capture_on_commit_callbacks
):
    # given a careless PS-06: its practice result misses MP-01, MP-03 and MP-07
    # (the quantity) and MP-04 (the voice call), though its checks all passed
    run = careless_ps06(learner, django_capture_on_commit_callbacks)
    judged = verdicts(PracticeResult.objects.get(attempt__order=run.order))
    assert [judged[p] for p in ("MP-01", "MP-03", "MP-07", "MP-04")] == [
        "not met",
        "not met",
        "not met",
        "partly",
    ]

    # when it is added to the portfolio and read for the criteria
    entry_add(learner=learner, order=run.order)
    (evidence,), overall = read_portfolio(portfolio_for(learner))
    criteria = evidence.criteria

    # then AC-02 and AC-05 are not met, and say which marking points and why
    assert (criteria["AC-02"].met, overall["AC-02"]) == (False, False)
    assert criteria["AC-02"].reason.startswith("The practice result: MP-01 not met:")
    assert (
        "asked for 12 × PAP-9001; the order confirmed 120" in criteria["AC-02"].reason
    )
    assert "MP-03 not met" in criteria["AC-02"].reason
    assert "MP-07 not met" in criteria["AC-02"].reason
    assert (criteria["AC-05"].met, overall["AC-05"]) == (False, False)
    assert "MP-04 partly met: Followed up by phone" in criteria["AC-05"].reason
    # and no criterion anywhere is met while a marking point it rests on is missed
    for identifier, points in evidence_module.MARKING_POINTS.items():
        if any(judged[point] != "met" for point in points):
            assert not criteria[identifier].met, identifier
    # the order's own page reads it the same way
    entry = portfolio_for(learner).entries.get()
    assert entry_evidence(entry).evidence.criteria == criteria


def test_each_marking_point_belongs_to_one_criterion():
    links = evidence_module.MARKING_POINTS
    linked = [point for points in links.values() for point in points]

    assert sorted(links) == ["AC-01", "AC-02", "AC-03", "AC-04", "AC-05"]
    assert sorted(linked) == [f"MP-0{n}" for n in range(1, 9)]


def test_a_model_practice_order_still_meets_every_criterion(portfolio_with_run):
    (evidence,), overall = read_portfolio(portfolio_with_run)

    assert all(overall.values()), {
        c: e.reason for c, e in evidence.criteria.items() if not e.met
    }
