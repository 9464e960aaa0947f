"""The payment page: an order's payment history, its open payment problems and the
ways to sort them out (try the card again, take another card, move to account terms,
a supervisor's approval over the credit limit), and refunds after dispatch.

Processors and supervisors only. Each action is a POST: its form validates, the
service acts at the version the page was opened at, a refusal becomes a message in
the service's words, bad input re-shows the page (400) with the message next to the
field, and success goes back to the page (post/redirect/get).
"""

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.permissions import PROCESSING

from ..access import acts_as, order_role_required, refuse_unless_acts_as
from ..exceptions import OrderInputError, OrderRuleError
from ..forms.detail import form_errors_summary
from ..forms.payment import (
    AccountTermsForm,
    ChangeCardForm,
    CreditApproveForm,
    PaymentRetryForm,
    RefundForm,
)
from ..models import Check, Order, OrderException, Payment
from ..services.payment_recovery import (
    REFUND_STATUSES,
    account_refusal,
    credit_approval_refusal,
    credit_limit_approve,
    credit_position,
    open_payment_exceptions,
    order_refund,
    payment_change_card,
    payment_move_to_account,
    payment_retry,
    recovery_refusal,
    refundable,
)
from ..services.payments import refund_position

SLOTS = {
    PaymentRetryForm: "retry_form",
    ChangeCardForm: "card_form",
    AccountTermsForm: "account_form",
    CreditApproveForm: "approve_form",
    RefundForm: "refund_form",
}


def _order(pk: int) -> Order:
    return get_object_or_404(
        Order.objects.select_related("customer", "credit_approved_by"), pk=pk
    )


@require_GET
@order_role_required(*PROCESSING)
def order_payment(request, pk: int):
    """The payment page for one order."""
    return _render(request, _order(pk))


def _render(request, order: Order, bound: dict | None = None, status: int = 200):
    bound = bound or {}
    user = request.user
    supervisor = acts_as(user, order, Role.SUPERVISOR)
    exceptions = open_payment_exceptions(order)
    recovery_blocked = recovery_refusal(order)
    left = refundable(order)

    def form(slot: str, make: Callable[[], object]):
        return bound.get(slot) or make()

    credit_rows = [
        {
            "exception": exception,
            "refusal": credit_approval_refusal(order, exception),
            "form": form(
                f"approve_form_{exception.pk}",
                lambda e=exception: CreditApproveForm(order=order, key=f"_{e.pk}"),
            ),
        }
        for exception in exceptions
        if exception.kind == OrderException.Kind.CREDIT_LIMIT
    ]
    taken, refunded = (
        refund_position(order) if order.status in REFUND_STATUSES else (None, None)
    )
    context = {
        "order": order,
        "customer": order.customer,
        "payments": list(order.payments.select_related("actor")),
        "exceptions": exceptions,
        "recovery_blocked": recovery_blocked,
        "retry_form": form("retry_form", lambda: PaymentRetryForm(order=order)),
        "card_form": form("card_form", lambda: ChangeCardForm(order=order)),
        "account_blocked": account_refusal(order),
        "account_form": form("account_form", lambda: AccountTermsForm(order=order)),
        "credit": credit_position(order) if order.customer.on_account else None,
        "credit_rows": credit_rows,
        "is_supervisor": supervisor,
        "refund_open": order.status in REFUND_STATUSES,
        "taken": taken,
        "refunded": refunded,
        "refundable": left,
        "refund_form": form(
            "refund_form", lambda: RefundForm(order=order, refundable=left)
        ),
    }
    return render(request, "orders/order_payment.html", context, status=status)


def _act(
    request,
    order: Order,
    form: object,
    service: Callable[[dict], object],
    outcome: Callable[[object], tuple[int, str]],
    key: str = "",
):
    """Validate, call the service, say what happened, and go back to the page.

    Bad input (the form's, or the service's OrderInputError) re-shows the page with
    the message next to its field; nothing has changed.
    """
    page = reverse("orders:payment", args=[order.pk])
    if form.is_valid():
        try:
            result = service(form.cleaned_data)
        except OrderInputError as error:
            for field, errors in error.errors.items():
                form.add_error(field if field in form.fields else None, errors)
        except OrderRuleError as error:
            messages.error(request, str(error))
            return redirect(page)
        else:
            level, text = outcome(result)
            messages.add_message(request, level, text)
            return redirect(page)
    messages.error(request, form_errors_summary(form))
    slot = SLOTS[type(form)] + key
    return _render(request, _order(order.pk), bound={slot: form}, status=400)


def _after_check(done: str, failed: str, order: Order):
    """The message for a re-run payment check: what happened, and the order's state."""

    def outcome(check: Check) -> tuple[int, str]:
        if check.outcome == Check.Outcome.FAILED:
            return messages.WARNING, f"{failed} {check.detail}"
        status = Order.objects.values_list("status", flat=True).get(pk=order.pk)
        held = (
            " Other exceptions still hold the order."
            if status == Order.Status.ON_HOLD
            else " The order is no longer on hold."
        )
        return messages.SUCCESS, f"{done} {check.detail}{held}"

    return outcome


@require_POST
@order_role_required(*PROCESSING)
def payment_retry_view(request, pk: int):
    order = _order(pk)
    return _act(
        request,
        order,
        PaymentRetryForm(request.POST, order=order),
        lambda data: payment_retry(
            order=order, actor=request.user, expected_version=data["version"]
        ),
        _after_check("Payment check passed.", "The payment check failed again.", order),
    )


@sensitive_post_parameters("card_number")
@require_POST
@order_role_required(*PROCESSING)
def payment_change_card_view(request, pk: int):
    order = _order(pk)
    return _act(
        request,
        order,
        ChangeCardForm(request.POST, order=order),
        lambda data: payment_change_card(
            order=order,
            actor=request.user,
            card_number=data["card_number"],
            reason=data["reason"],
            expected_version=data["version"],
        ),
        _after_check(
            "New card taken and authorised.",
            "The new card is recorded, but the payment check failed.",
            order,
        ),
    )


@require_POST
@order_role_required(*PROCESSING)
def payment_move_to_account_view(request, pk: int):
    order = _order(pk)
    return _act(
        request,
        order,
        AccountTermsForm(request.POST, order=order),
        lambda data: payment_move_to_account(
            order=order,
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        ),
        _after_check(
            "Moved to account terms.",
            "Moved to account terms, but the credit check failed: a supervisor can "
            "approve going over the limit.",
            order,
        ),
    )


@require_POST
@order_role_required(Role.SUPERVISOR)
def credit_limit_approve_view(request, pk: int, exception_pk: int):
    order = _order(pk)
    refuse_unless_acts_as(request.user, order, Role.SUPERVISOR)
    exception = get_object_or_404(
        OrderException.objects.select_related("order__customer"),
        pk=exception_pk,
        order_id=pk,
    )
    key = f"_{exception.pk}"

    def outcome(_) -> tuple[int, str]:
        status = Order.objects.values_list("status", flat=True).get(pk=pk)
        held = status == Order.Status.ON_HOLD
        return messages.SUCCESS, (
            f"Going over the credit limit approved, up to £{order.gross_total}."
            + (" Other exceptions still hold the order." if held else "")
        )

    return _act(
        request,
        order,
        CreditApproveForm(request.POST, order=order, key=key),
        lambda data: credit_limit_approve(
            exception=exception,
            actor=request.user,
            note=data["note"],
            expected_version=data["version"],
        ),
        outcome,
        key=key,
    )


@require_POST
@order_role_required(*PROCESSING)
def order_refund_view(request, pk: int):
    order = _order(pk)

    def outcome(payment: Payment) -> tuple[int, str]:
        if payment.status != Payment.Status.REFUNDED:
            return messages.WARNING, f"The refund was refused: {payment.message}"
        how = (
            "as a credit note on the customer's account"
            if payment.gateway == "account"
            else f"to the card ending {order.card_last4}"
        )
        return messages.SUCCESS, (
            f"£{payment.amount} refunded {how}. The customer is told."
        )

    return _act(
        request,
        order,
        RefundForm(request.POST, order=order, refundable=refundable(order)),
        lambda data: order_refund(
            order=order,
            actor=request.user,
            amount=data["amount"],
            reason=data["reason"],
            expected_version=data["version"],
        ),
        outcome,
    )


urlpatterns = [
    path("<int:pk>/payment/", order_payment, name="payment"),
    path("<int:pk>/payment/retry/", payment_retry_view, name="payment_retry"),
    path(
        "<int:pk>/payment/card/", payment_change_card_view, name="payment_change_card"
    ),
    path(
        "<int:pk>/payment/account/",
        payment_move_to_account_view,
        name="payment_move_to_account",
    ),
    path(
        "<int:pk>/payment/credit/<int:exception_pk>/approve/",
        credit_limit_approve_view,
        name="credit_limit_approve",
    ),
    path("<int:pk>/payment/refund/", order_refund_view, name="payment_refund"),
]
