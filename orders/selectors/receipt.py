"""Reads for the order receipt form."""

import uuid

from ..models import Order, ReceiptSubmission


def order_for_receipt_token(*, user, token) -> Order | None:
    """The order this person already made with this receipt form token, if any."""
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        return None
    submission = (
        ReceiptSubmission.objects.filter(user=user, token=token)
        .select_related("order")
        .first()
    )
    return submission.order if submission else None
