"""The timeline's one-line summaries of the events issue 4 added."""

import pytest

from orders.models import OrderEvent
from orders.views.detail import event_summary

K = OrderEvent.Kind


@pytest.mark.parametrize(
    ("kind", "data", "summary"),
    [
        (
            K.LINE_SUBSTITUTED,
            {"line": 1, "new_line": 3, "from": "PEN-0001", "to": "PEN-0002"},
            "Line 1: PEN-0001 replaced by PEN-0002 (line 3)",
        ),
        (
            K.LINE_BACKORDERED,
            {
                "line": 2,
                "partial": True,
                "reserved": 4,
                "waiting": 6,
                "restock_date": "2026-12-01",
            },
            "Line 2: 4 to go now, 6 on 2026-12-01 (part shipment)",
        ),
        (
            K.LINE_BACKORDERED,
            {"line": 2, "partial": False, "restock_date": "2026-12-01"},
            "Line 2 until 2026-12-01",
        ),
        (
            K.STOCK_RELEASED,
            {"lines": [{"line": 1, "quantity": 2}, {"line": 3, "quantity": 1}]},
            "Released: line 1 × 2, line 3 × 1",
        ),
        (
            K.CORRECTED,
            {
                "field": "customer's phone number",
                "before": "",
                "after": "0113 496 0000",
                "reason": "Rang them",
                "customer_told": True,
            },
            "customer's phone number:  → 0113 496 0000. Rang them (customer told)",
        ),
        (K.AMENDED, {"revision": 2, "reason": "Wants 5"}, "Revision 2: Wants 5"),
        (K.ESCALATED, {"kind": "out_of_stock"}, "Out of stock"),
        (K.APPROVED, {"note": "Loyal customer"}, "Loyal customer"),
        (
            K.PAYMENT_METHOD_CHANGED,
            {"before": {"label": "Card ending 0002"}, "after": {"label": "On account"}},
            "Card ending 0002 → On account",
        ),
        (
            K.FOLLOW_UP_SCHEDULED,
            {"kind": "delivery_check", "due_at": "2026-11-25T10:00:00Z"},
            "Delivery check due 25 Nov 2026 10:00",
        ),
        (
            K.FOLLOW_UP_SCHEDULED,
            {"kind": "delivery_check", "status": "cancelled", "reason": "No consent."},
            "Not needed: No consent.",
        ),
        (K.FOLLOW_UP_OVERDUE, {"to": "owner"}, "Overdue: owner alerted"),
        (
            K.FEEDBACK_RECEIVED,
            {"satisfaction": 2},
            "Satisfaction 2 of 5, by the feedback link",
        ),
        (
            K.COMPLAINT_OPENED,
            {"category": "wrong_item", "short_term_right_to_reject": True},
            "Wrong item; within the 30-day right to reject",
        ),
        (K.COMPLAINT_STEP, {"step": "heard"}, "Heard"),
        (
            K.COMPLAINT_STEP,
            {"step": "remedy", "remedy": "refund"},
            "Remedy: refund",
        ),
        (
            K.COMPLAINT_RESOLVED,
            {"days_to_resolve": 3, "customer_satisfied": True},
            "After 3 day(s); customer satisfied",
        ),
    ],
)
def test_each_new_event_has_a_readable_summary(kind, data, summary):
    assert event_summary(OrderEvent(kind=kind, data=data)) == summary
