"""Scripted practice runs: a learner's actions on a practice order, through the
same services the order pages call. Each scenario's tests play a model run and a
careless run with these and check the score per marking point."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from inventory.models import Product
from orders.models import Communication, Order, OrderException, OrderLine
from orders.selectors.detail import earliest_promise_date
from orders.services import (
    communication_mark_sent,
    communication_record,
    exception_add_step,
    exception_raise,
    exception_resolve,
    order_confirm,
    order_record_follow_up,
    out_of_stock_handle,
)
from orders.services.amendments import LineChange, order_amend
from orders.services.corrections import contact_correct
from orders.services.messages import channel_for, message_send
from orders.services.payment_recovery import payment_change_card
from revision.models import PracticeAttempt, Scenario
from revision.services.practice import (
    practice_customer_replies,
    practice_finish,
    practice_fulfil,
    practice_start,
)

ALL_MET = {f"MP-0{n}": "met" for n in range(1, 9)}


@dataclass
class Run:
    """One learner working one scenario; methods are the learner's actions."""

    attempt: PracticeAttempt
    learner: object
    capture: object  # pytest-django's django_capture_on_commit_callbacks

    @classmethod
    def start(cls, learner, identifier: str, capture) -> "Run":
        """Start the scenario; its checks run as the worker would, on commit."""
        scenario = Scenario.objects.get(identifier=identifier)
        with capture(execute=True):
            attempt = practice_start(learner=learner, scenario=scenario)
        return cls(attempt, learner, capture)

    def act(self, service, **arguments):
        """Call a service as the learner's page would; on-commit work (checks
        after an amendment, e-mail) runs as the worker would."""
        with self.capture(execute=True):
            return service(**arguments)

    @property
    def order(self) -> Order:
        return Order.objects.get(pk=self.attempt.order_id)

    @property
    def scenario(self) -> Scenario:
        return self.attempt.scenario

    @property
    def channel(self) -> str:
        """How OrderDesk recommends contacting the customer now."""
        channel, _, _ = channel_for(self.order.customer)
        return channel

    def line(self, number: int) -> OrderLine:
        return self.order.lines.get(line_number=number)

    def exception(self, kind: str) -> OrderException:
        return self.order.exceptions.filter(kind=kind).latest("pk")

    def tell(self, purpose: str, body: str, *, channel: str | None = None):
        """Send the customer a message (reached, when it is a phone call)."""
        recommended, large_print, _ = channel_for(self.order.customer)
        channel = channel or recommended
        order = self.order
        return self.act(
            message_send,
            order=order,
            actor=self.learner,
            purpose=purpose,
            channel=channel,
            subject=f"Your order {order.reference}",
            body=body,
            large_print=large_print and channel == recommended,
            override_reason="" if channel == recommended else "Quicker this way.",
            call_outcome=(
                Communication.Outcome.REACHED if channel == "phone" else None
            ),
        )

    def replies(self) -> list[Communication]:
        return self.act(
            practice_customer_replies, attempt=self.attempt, learner=self.learner
        )

    def ask(self, purpose: str, body: str) -> tuple[Communication, Communication]:
        """Tell the customer and take their answer: (message, reply)."""
        message = self.tell(purpose, body)
        (reply,) = self.replies()
        return message, reply

    def step(self, kind: str, text: str):
        return self.act(
            exception_add_step,
            exception=self.exception(kind),
            actor=self.learner,
            text=text,
        )

    def raise_exception(self, kind: str, found: str, *, line: int | None = None):
        return self.act(
            exception_raise,
            order=self.order,
            actor=self.learner,
            kind=kind,
            found=found,
            line=self.line(line) if line else None,
        )

    def resolve(
        self,
        kind: str,
        resolution: str,
        *,
        told: bool = True,
        communication: Communication | None = None,
    ):
        return self.act(
            exception_resolve,
            exception=self.exception(kind),
            actor=self.learner,
            resolution=resolution,
            customer_informed=told,
            communication=communication,
        )

    def amend(
        self,
        reason: str,
        *,
        lines: dict[int, LineChange] | None = None,
        requested_in_days: int | None = None,
        told: bool = True,
        communication: Communication | None = None,
        on: str | None = None,
    ):
        """Amend the order (lines by line number); `on`: the exception it corrects."""
        extra = {}
        if requested_in_days is not None:
            extra["requested_date"] = timezone.localdate() + timedelta(
                days=requested_in_days
            )
        return self.act(
            order_amend,
            order=self.order,
            actor=self.learner,
            reason=reason,
            line_changes={
                self.line(number).pk: change for number, change in (lines or {}).items()
            },
            customer_told=told,
            communication=communication,
            exception=self.exception(on) if on else None,
            **extra,
        )

    def correct_contact(
        self, changes: dict, reason: str, *, told=True, communication=None
    ):
        return self.act(
            contact_correct,
            order=self.order,
            actor=self.learner,
            changes=changes,
            reason=reason,
            customer_told=told,
            communication=communication,
            exception=self.exception("missing_contact"),
        )

    def change_card(self, card_number: str, reason: str):
        return self.act(
            payment_change_card,
            order=self.order,
            actor=self.learner,
            card_number=card_number,
            reason=reason,
        )

    def backorder(
        self,
        agreement: str,
        *,
        channel: str | None = None,
        communication: Communication | None = None,
    ):
        return self.act(
            out_of_stock_handle,
            exception=self.exception("out_of_stock"),
            actor=self.learner,
            option=OrderException.Handling.BACKORDER,
            agreement=agreement,
            agreement_channel="" if communication else (channel or self.channel),
            communication=communication,
        )

    def substitute(
        self,
        code: str,
        agreement: str,
        *,
        channel: str | None = None,
        communication: Communication | None = None,
    ):
        return self.act(
            out_of_stock_handle,
            exception=self.exception("out_of_stock"),
            actor=self.learner,
            option=OrderException.Handling.SUBSTITUTE,
            agreement=agreement,
            agreement_channel="" if communication else (channel or self.channel),
            communication=communication,
            substitute_product=Product.objects.get(code=code, practice=True),
        )

    def confirm(self):
        order = self.order
        return self.act(
            order_confirm,
            order=order,
            actor=self.learner,
            promised_date=earliest_promise_date(order, timezone.localdate()),
        )

    def give_confirmation(self, said: str = "Confirmed the order and its date."):
        """Make the confirmation Confirm left to do, as the order page offers: log a
        call that reaches the customer, or mark the text or letter as sent."""
        if self.channel == "phone":
            return self.act(
                communication_record,
                order=self.order,
                actor=self.learner,
                channel=Communication.Channel.PHONE,
                purpose=Communication.Purpose.CONFIRMATION,
                outcome=Communication.Outcome.REACHED,
                content=said,
            )
        order = self.order
        to_do = order.communications.get(
            purpose=Communication.Purpose.CONFIRMATION,
            outcome=Communication.Outcome.PENDING,
        )
        return self.act(
            communication_mark_sent,
            order=order,
            communication_id=to_do.pk,
            actor=self.learner,
            expected_version=order.version,
        )

    def fulfil(self):
        return self.act(practice_fulfil, attempt=self.attempt, learner=self.learner)

    def follow_up(self, *, channel=None, satisfaction=5, notes="All arrived."):
        channel = channel or self.channel
        return self.act(
            order_record_follow_up,
            order=self.order,
            actor=self.learner,
            channel=channel,
            outcome=(
                Communication.Outcome.REACHED
                if channel in ("phone", "in_person")
                else Communication.Outcome.RECEIVED
            ),
            notes=notes,
            satisfaction=satisfaction,
        )

    def finish(self, *, abandon: bool = False):
        return self.act(
            practice_finish, attempt=self.attempt, learner=self.learner, abandon=abandon
        )


def verdicts(result) -> dict[str, str]:
    """{marking point: verdict} of a practice result."""
    return {point["marking_point"]: point["verdict"] for point in result.points}


def reasons(result) -> dict[str, list[str]]:
    """{marking point: reasons} of a practice result, to explain a failure."""
    return {point["marking_point"]: point["reasons"] for point in result.points}
