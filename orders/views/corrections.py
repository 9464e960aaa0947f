"""Pages for handling a discrepancy on an order's exception.

A supervisor approves keeping a price that differs from the price list; a processor
corrects the customer's contact details. Each page shows the exception and the
values as they stand; its form posts to the same page, which calls the service and
goes back to the order (post/redirect/get), or shows the messages next to the fields.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from accounts.permissions import PROCESSING

from ..access import order_role_required, refuse_unless_acts_as
from ..exceptions import OrderInputError, OrderRuleError
from ..forms.corrections import ContactCorrectForm, PriceApproveForm
from ..models import OrderException
from ..services.corrections import (
    CONTACT_EXCEPTION_KINDS,
    contact_correct,
    contact_correction_refusal,
    contact_field_label,
    price_keep_approve,
)


def _exception(pk: int, exception_pk: int, kinds) -> OrderException:
    return get_object_or_404(
        OrderException.objects.select_related("order__customer", "line"),
        pk=exception_pk,
        order_id=pk,
        kind__in=kinds,
    )


def _back_to_order(exception: OrderException):
    return redirect(
        reverse("orders:detail", args=[exception.order_id])
        + f"#exception-{exception.pk}"
    )


def _not_open(request, exception: OrderException):
    messages.info(request, "This exception is already resolved.")
    return _back_to_order(exception)


def _refuse(form, error: OrderRuleError) -> None:
    """Put a service's refusal next to the fields it names, or above the form."""
    if isinstance(error, OrderInputError):
        for name, field_messages in error.errors.items():
            target = name if name in form.fields else None
            for message in field_messages:
                form.add_error(target, message)
    else:
        form.add_error(None, str(error))


# -- approve keeping a price -----------------------------------------------------


@order_role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def price_approve(request, pk: int, exception_pk: int) -> HttpResponse:
    """A supervisor approves keeping a line's price that differs from the list."""
    exception = _exception(pk, exception_pk, [OrderException.Kind.PRICE_MISMATCH])
    order = exception.order
    refuse_unless_acts_as(request.user, order, Role.SUPERVISOR)
    if exception.status != OrderException.Status.OPEN:
        return _not_open(request, exception)
    if request.method == "POST":
        form = PriceApproveForm(request.POST, order=order)
        if form.is_valid():
            try:
                line = price_keep_approve(
                    exception=exception,
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    expected_version=form.cleaned_data["version"],
                )
            except OrderRuleError as error:
                _refuse(form, error)
            else:
                messages.success(
                    request,
                    f"Price £{line.unit_price} on line {line.line_number} kept with "
                    "your approval; the exception is resolved.",
                )
                return _back_to_order(exception)
        status = 400
    else:
        form, status = PriceApproveForm(order=order), 200
    line = exception.line
    difference = (
        line.unit_price - line.list_price
        if line is not None and line.list_price is not None
        else None
    )
    context = {
        "order": order,
        "exception": exception,
        "line": line,
        "difference": abs(difference) if difference is not None else None,
        "difference_total": abs(difference) * line.quantity
        if difference is not None
        else None,
        "direction": "below" if difference is not None and difference < 0 else "above",
        "form": form,
    }
    return render(request, "orders/price_approve.html", context, status=status)


# -- correct the customer's contact details --------------------------------------


def _amend_url(order_pk: int, exception_pk: int) -> str | None:
    try:
        return reverse("orders:amend", args=[order_pk]) + f"?exception={exception_pk}"
    except NoReverseMatch:  # the amendment page is another part of the workspace
        return None


def _correction_message(correction) -> str:
    labels = ", ".join(contact_field_label(name) for name in correction.changed)
    text = f"Corrected the customer's {labels}."
    if correction.check is None:
        return text + " Resolve the exception when nothing else is outstanding."
    if correction.passed:
        return text + " The customer check passed again, so its exceptions are closed."
    return text + f" The customer check still finds: {correction.check.detail}"


@order_role_required(*PROCESSING)
@require_http_methods(["GET", "POST"])
def contact_correct_view(request, pk: int, exception_pk: int) -> HttpResponse:
    """Correct the customer's contact details while handling a contact exception."""
    exception = _exception(pk, exception_pk, CONTACT_EXCEPTION_KINDS)
    order = exception.order
    if exception.status != OrderException.Status.OPEN:
        return _not_open(request, exception)
    refusal = contact_correction_refusal(order)
    if refusal:
        messages.error(request, refusal)
        return _back_to_order(exception)
    communications = list(order.communications.select_related("actor"))
    make = {
        "order": order,
        "customer": order.customer,
        "communications": communications,
    }
    if request.method == "POST":
        form = ContactCorrectForm(request.POST, **make)
        if form.is_valid():
            data = form.cleaned_data
            try:
                correction = contact_correct(
                    order=order,
                    actor=request.user,
                    changes=form.changes(),
                    reason=data["reason"],
                    customer_told=data["customer_told"] == "yes",
                    communication=data["communication"],
                    exception=exception,
                    expected_version=data["version"],
                )
            except OrderRuleError as error:
                _refuse(form, error)
            else:
                level = messages.SUCCESS if correction.passed else messages.WARNING
                messages.add_message(request, level, _correction_message(correction))
                return _back_to_order(exception)
        status = 400
    else:
        form, status = ContactCorrectForm(**make), 200
    customer = order.customer
    context = {
        "order": order,
        "exception": exception,
        "customer": customer,
        "current": [
            (contact_field_label(name), value)
            for name, value in (
                ("email", customer.email),
                ("phone", customer.phone),
                ("address_line1", customer.address_line1),
                ("address_line2", customer.address_line2),
                ("town", customer.town),
                ("postcode", customer.postcode),
                ("preferred_channel", customer.get_preferred_channel_display()),
            )
        ],
        "communications": communications,
        "amend_url": _amend_url(order.pk, exception.pk)
        if exception.kind == OrderException.Kind.INVALID_ADDRESS
        else None,
        "form": form,
    }
    return render(request, "orders/contact_correct.html", context, status=status)


urlpatterns = [
    path(
        "<int:pk>/exceptions/<int:exception_pk>/approve-price/",
        price_approve,
        name="price_approve",
    ),
    path(
        "<int:pk>/exceptions/<int:exception_pk>/contact/",
        contact_correct_view,
        name="contact_correct",
    ),
]
