"""Handing work to Celery once the transaction that made it commits."""

from django.db import transaction


def enqueue_after_commit(task, **kwargs) -> None:
    """Send task.delay(**kwargs) after commit; a broker that is down is logged.

    A named function, not a functools.partial: robust on_commit logs a failed
    callback by its __qualname__, which a partial lacks, so with the broker down it
    would raise after all and drop the transaction's other callbacks. The beat
    sweeps pick up anything whose enqueue failed.
    """

    def enqueue() -> None:
        task.delay(**kwargs)

    enqueue.__qualname__ = f"enqueue {task.name}"
    transaction.on_commit(enqueue, robust=True)
