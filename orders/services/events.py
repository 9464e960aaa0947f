"""The event trail: every change to an order writes one of these, in its transaction."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from ..models import Order, OrderEvent


def event_record(
    *,
    order: Order,
    kind: OrderEvent.Kind,
    actor=None,
    worker: str = "",
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    """Append an event for the order as it stands now (call after the change)."""
    # Round-trip through Django's encoder so dates and Decimals are stored as text.
    payload = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        actor=actor,
        worker=worker,
        status_after=order.status,
        data=payload,
    )
