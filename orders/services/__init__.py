"""Writes to orders. Import the service functions from here."""

from .communications import (
    communication_mark_failed,
    communication_mark_sent,
    communication_record,
    communication_send,
    customer_notify,
)
from .events import event_record
from .lifecycle import (
    TRANSITIONS,
    allowed_actions,
    availability_problems,
    ensure_transition,
    order_cancel,
    order_close,
    order_confirm,
    order_dispatch,
    order_record_follow_up,
    order_start_fulfilment,
    shipment_record_delivery,
)
from .order_exceptions import (
    exception_add_step,
    exception_raise,
    exception_resolve,
    line_backorder,
    line_cancel,
)
from .receipt import LineInput, order_receive, order_totals
from .restock import RestockResult, restock_receive
from .stock_exceptions import out_of_stock_handle
from .verification import (
    CHECK_SEQUENCE,
    check_rerun,
    check_run,
    verification_complete,
    verification_run,
    verification_start,
)

__all__ = [
    "CHECK_SEQUENCE",
    "TRANSITIONS",
    "LineInput",
    "allowed_actions",
    "availability_problems",
    "check_rerun",
    "check_run",
    "communication_mark_failed",
    "communication_mark_sent",
    "communication_record",
    "communication_send",
    "customer_notify",
    "ensure_transition",
    "event_record",
    "exception_add_step",
    "exception_raise",
    "exception_resolve",
    "line_backorder",
    "line_cancel",
    "order_cancel",
    "order_close",
    "order_confirm",
    "order_dispatch",
    "order_receive",
    "order_record_follow_up",
    "order_start_fulfilment",
    "order_totals",
    "out_of_stock_handle",
    "restock_receive",
    "RestockResult",
    "shipment_record_delivery",
    "verification_complete",
    "verification_run",
    "verification_start",
]
