"""The dashboard's KPIs against figures worked out by hand from kpi_fixture's
known orders (read its docstring first: the period is 2-8 November 2026)."""

import datetime as dt
from decimal import Decimal

import pytest

from followup import kpis
from followup.models import ServiceTarget

from .kpi_fixture import PERIOD, build

M = ServiceTarget.Measure


@pytest.fixture
def known(processor, dispatcher, supervisor):
    return build(processor, dispatcher, supervisor)


@pytest.fixture
def board(known):
    return kpis.dashboard(PERIOD, kpis.DAY)


def test_hours_to_confirm(board, known):
    # Given A (9:00 -> 13:00 = 4 h), B (Mon 10:00 -> Tue 10:00 = 24 h) and
    # C (8:00 -> 18:00 = 10 h) confirmed in the period (D was confirmed before it)
    kpi = board.kpi(M.HOURS_TO_CONFIRM)
    # Then the median is 10 h, the mean (4 + 24 + 10) / 3 = 12.67 h, over 3 orders
    assert kpi.value == 10
    assert kpi.extra == {"mean": 12.67, "median": 10}
    assert kpi.count == 3
    # And against the default 24 h (lower is better) it is met, nobody over 24 h
    assert kpi.target.value == Decimal("24")
    assert kpi.target.is_default
    assert kpi.direction == "lower"
    assert kpi.met is True
    assert kpi.breaches == []


def test_a_saved_target_replaces_the_default_and_names_the_breaches(known):
    # Given a supervisor's target of 12 hours to confirm
    ServiceTarget.objects.create(measure=M.HOURS_TO_CONFIRM, target=Decimal("12"))
    kpi = kpis.dashboard(PERIOD).kpi(M.HOURS_TO_CONFIRM)
    # Then the median 10 h still meets it, but B (24 h) is behind it
    assert kpi.target.value == Decimal("12")
    assert not kpi.target.is_default
    assert kpi.met is True
    assert [f.pk for f in kpi.breaches] == [known.b.pk]
    assert kpis.breach_rows(kpi)[0]["why"] == "24.0 hours to confirm"


def test_hours_to_dispatch(board):
    # Given A (Mon 9:00 -> Tue 9:00 = 24 h), B (Mon 10:00 -> Thu 10:00 = 72 h) and
    # D (Fri 30 Oct 12:00 -> Mon 2 Nov 12:00 = 72 h) first dispatched in the period
    kpi = board.kpi(M.HOURS_TO_DISPATCH)
    # Then the median is 72 h and the mean (24 + 72 + 72) / 3 = 56 h
    assert kpi.value == 72
    assert kpi.extra == {"mean": 56, "median": 72}
    # And 72 h meets the default target of 72 h (lower is better)
    assert kpi.met is True


def test_on_time_delivery(board, known):
    # Given A delivered Wed 4 (promised Thu 5) and B delivered Sat 7 (promised Fri 6)
    kpi = board.kpi(M.ON_TIME)
    # Then 1 of 2 was on time: 50 %, short of the default 95 % (higher is better)
    assert (kpi.value, kpi.count) == (50.0, 2)
    assert kpi.direction == "higher"
    assert kpi.met is False
    assert [f.pk for f in kpi.breaches] == [known.b.pk]
    assert (
        kpis.breach_rows(kpi)[0]["why"] == "Delivered 07 Nov 2026, promised 06 Nov 2026"
    )


def test_right_first_time(board, known):
    # Given A, B and C confirmed in the period, B and C with an exception opened
    kpi = board.kpi(M.RIGHT_FIRST_TIME)
    # Then 1 of 3 was right first time: 33.3 %
    assert (kpi.value, kpi.count) == (33.3, 3)
    assert kpi.met is False
    assert sorted(f.pk for f in kpi.breaches) == [known.b.pk, known.c.pk]


def test_exceptions_by_kind(board):
    # Given B's out-of-stock (Mon 2) and C's price mismatch (Sun 8) in the period,
    # and D's quantity query on 30 Oct outside it
    by_kind = {row.label: row.count for row in board.exceptions_by_kind}
    # Then two kinds, one each
    assert by_kind == {"Out of stock": 1, "Price differs from price list": 1}
    assert board.exceptions_opened == 2


def test_follow_up_completion_rate(board, known):
    # Given follow-ups due in the period: A's (done), B's (done), D's (still due);
    # A's cancelled one does not count and C's falls due after the period
    kpi = board.kpi(M.FOLLOW_UP_RATE)
    # Then 2 of 3 were done: 66.7 %, short of the default 90 %
    assert (kpi.value, kpi.count) == (66.7, 3)
    assert kpi.met is False
    assert [f.order.pk for f in kpi.breaches] == [known.d.pk]


def test_average_satisfaction(board, known):
    # Given A's follow-up scored 5 and B's scored 2
    kpi = board.kpi(M.SATISFACTION)
    # Then the mean is (5 + 2) / 2 = 3.5, short of the default 4; B is the breach
    assert (kpi.value, kpi.count) == (3.5, 2)
    assert kpi.met is False
    assert [f.order.pk for f in kpi.breaches] == [known.b.pk]


def test_complaints_opened_and_days_to_resolve(board):
    # Given complaints opened in the period on Sat 7 (B) and Tue 3 (D): 2 opened;
    # resolved in the period: B's after 1 day, A's (opened 26 Oct) after 10 days
    assert board.complaints_opened == 2
    kpi = board.kpi(M.COMPLAINT_DAYS)
    # Then the mean is (1 + 10) / 2 = 5.5 days, meeting the default 14 days
    assert (kpi.value, kpi.count) == (5.5, 2)
    assert kpi.met is True


def test_an_empty_period_has_no_figures_and_no_verdicts(known):
    # Given a period with nothing in it
    board = kpis.dashboard(kpis.Period(dt.date(2026, 6, 1), dt.date(2026, 6, 7)))
    # Then every KPI says "no data" rather than 0 or a verdict
    for kpi in board.kpis:
        assert kpi.value is None
        assert kpi.count == 0
        assert kpi.met is None
        assert kpi.breaches == []
        assert len(kpi.series) == 7
    assert board.exceptions_by_kind == []
    assert board.complaints_opened == 0


def test_grouping_by_day(board):
    # Given grouping by day over 7 days
    kpi = board.kpi(M.HOURS_TO_CONFIRM)
    # Then one row per day; Mon 2 has A (4 h), Tue 3 has B (24 h), Sun 8 has C (10 h)
    assert len(kpi.series) == 7
    figures = {row.label: (row.value, row.count) for row in kpi.series if row.count}
    assert figures == {
        "Mon 02 Nov 2026": (4, 1),
        "Tue 03 Nov 2026": (24, 1),
        "Sun 08 Nov 2026": (10, 1),
    }


def test_grouping_by_week(known):
    # Given the period 2-15 November grouped by week
    board = kpis.dashboard(
        kpis.Period(dt.date(2026, 11, 2), dt.date(2026, 11, 15)), kpis.WEEK
    )
    kpi = board.kpi(M.HOURS_TO_CONFIRM)
    # Then two weeks: the first holds all three confirmations (median 10 h)
    assert [(row.label, row.value, row.count) for row in kpi.series] == [
        ("Week of 02 Nov 2026", 10, 3),
        ("Week of 09 Nov 2026", None, 0),
    ]


def test_grouping_by_person(board, processor, supervisor, dispatcher):
    # Given A and C confirmed by the processor (4 h, 10 h), B by the supervisor (24 h)
    by_person = {
        row.label: (row.value, row.count)
        for row in board.kpi(M.HOURS_TO_CONFIRM).by_person
    }
    # Then the processor's median is 7 h over 2 and the supervisor's 24 h over 1
    assert by_person == {
        processor.get_full_name(): (7, 2),
        supervisor.get_full_name(): (24, 1),
    }
    # And right first time is per receiver: processor received A, B (1 of 2 = 50 %),
    # the supervisor received C (0 of 1 = 0 %)
    rft = {r.label: r.value for r in board.kpi(M.RIGHT_FIRST_TIME).by_person}
    assert rft == {processor.get_full_name(): 50.0, supervisor.get_full_name(): 0.0}
    # And dispatch times are per dispatcher: all three (median 72 h)
    dispatch = board.kpi(M.HOURS_TO_DISPATCH).by_person
    assert [(r.label, r.value, r.count) for r in dispatch] == [
        (dispatcher.get_full_name(), 72, 3)
    ]


def test_a_fixed_number_of_queries(known, django_assert_num_queries):
    # Targets, orders, follow-ups, complaints, exceptions, staff names: 6 queries
    with django_assert_num_queries(6):
        kpis.dashboard(PERIOD, kpis.WEEK)


@pytest.mark.postgres
def test_the_same_figures_on_postgresql(known):
    board = kpis.dashboard(PERIOD)
    assert board.kpi(M.HOURS_TO_CONFIRM).extra == {"mean": 12.67, "median": 10}
    assert board.kpi(M.ON_TIME).value == 50.0
    assert board.kpi(M.RIGHT_FIRST_TIME).value == 33.3
    assert board.kpi(M.FOLLOW_UP_RATE).value == 66.7


def test_breach_rows_name_the_order_and_why(known):
    # Given a complaint target of 5 days: A's complaint took 10 days, B's 1 day
    ServiceTarget.objects.create(measure=M.COMPLAINT_DAYS, target=Decimal("5"))
    board = kpis.dashboard(PERIOD)
    # Then the mean 5.5 days misses it, and A's complaint is the one behind it
    days = board.kpi(M.COMPLAINT_DAYS)
    assert days.met is False
    assert kpis.breach_rows(days) == [
        {
            "order_pk": known.a.pk,
            "reference": known.a.reference,
            "why": "Damaged goods: 10.0 days to resolve",
        }
    ]
    # And D's follow-up, due Sat 7 09:00, is behind the follow-up rate
    assert kpis.breach_rows(board.kpi(M.FOLLOW_UP_RATE)) == [
        {
            "order_pk": known.d.pk,
            "reference": known.d.reference,
            "why": "Delivery check due 07 Nov 2026 09:00, not done",
        }
    ]
    # And B's score of 2 is behind the satisfaction target of 4
    assert kpis.breach_rows(board.kpi(M.SATISFACTION))[0]["why"] == (
        "Satisfaction 2 out of 5"
    )
