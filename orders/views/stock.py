"""Out of stock and goods in: the customer's choice for a short line, and restocking.

Both are forms that call one service: invalid input re-shows the page (400) with
the messages next to the fields; a refusal re-shows it with the service's words
and nothing changed; success goes on (post/redirect/get).
"""

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from accounts.permissions import FULFILMENT, PROCESSING, role_required
from inventory.exceptions import InventoryError
from inventory.services import stock_pool_live

from ..access import order_role_required
from ..exceptions import OrderInputError, OrderRuleError, StaleOrderError
from ..forms.detail import add_input_errors
from ..forms.stock import GoodsInForm, OutOfStockForm
from ..models import OrderException, OrderLine
from ..selectors.stock import (
    out_of_stock_exception,
    stock_for,
    substitute_suggestions,
)
from ..services import out_of_stock_handle, restock_receive

GOODS_IN_RESULT = "goods_in_result"


def _handleable(exception: OrderException) -> str:
    """Why the exception cannot be handled here, or "" if it can."""
    if exception.status != OrderException.Status.OPEN:
        return "This exception is resolved already."
    if exception.kind != OrderException.Kind.OUT_OF_STOCK:
        return "This exception is not about stock: handle it on the order page."
    line = exception.line
    if line is None:
        return "This exception names no line: resolve it on the order page."
    if line.status != OrderLine.Status.SHORT:
        return (
            f"Line {line.line_number} is {line.get_status_display().lower()}, not out "
            "of stock: resolve the exception on the order page."
        )
    return ""


def _stock_page(
    request: HttpRequest,
    exception: OrderException,
    form: OutOfStockForm | None = None,
    status: int = 200,
) -> HttpResponse:
    order, line = exception.order, exception.line
    level = stock_for(
        pool=order.stock_pool, product_id=line.product_id if line else None
    )
    restock = level.restock_date if level else None
    blocked = _handleable(exception)
    if form is None and not blocked:
        form = OutOfStockForm(order=order, line=line, restock_date=restock)
    context = {
        "order": order,
        "exception": exception,
        "line": line,
        "level": level,
        "available": max(level.available, 0) if level else 0,
        "restock_date": restock,
        "communications": list(order.communications.all()),
        "blocked": blocked,
        "form": None if blocked else form,
        "suggestions": substitute_suggestions(line=line, pool=order.stock_pool)
        if line is not None and not blocked
        else [],
    }
    return render(request, "orders/stock_exception.html", context, status=status)


@require_http_methods(["GET", "POST"])
@order_role_required(*PROCESSING)
def stock_exception(request: HttpRequest, pk: int, exception_pk: int) -> HttpResponse:
    """A short line: what is in stock, when more comes, and the customer's choice."""
    exception = out_of_stock_exception(order_pk=pk, exception_pk=exception_pk)
    if request.method == "GET":
        return _stock_page(request, exception)
    order = exception.order
    restock = getattr(
        stock_for(
            pool=order.stock_pool,
            product_id=exception.line.product_id if exception.line else None,
        ),
        "restock_date",
        None,
    )
    form = OutOfStockForm(
        request.POST, order=order, line=exception.line, restock_date=restock
    )
    if not form.is_valid():
        return _stock_page(request, exception, form, status=400)
    data = form.cleaned_data
    try:
        out_of_stock_handle(
            exception=exception,
            actor=request.user,
            option=data["option"],
            agreement=data["agreement"],
            substitute_product=data["substitute_product"],
            expected_version=data["version"],
            **data["said_by"],
        )
    except StaleOrderError as error:
        messages.error(request, str(error))
        return redirect(request.path)
    except (OrderRuleError, InventoryError) as error:
        messages.error(request, str(error))
        exception = out_of_stock_exception(order_pk=pk, exception_pk=exception_pk)
        if _handleable(exception):
            return redirect(request.path)
        return _stock_page(request, exception, form, status=409)
    messages.success(
        request,
        f"Recorded: {dict(OrderException.Handling.choices)[data['option']].lower()}, "
        "with the customer's agreement.",
    )
    return redirect(reverse("orders:detail", args=[order.pk]) + "#exceptions")


def _result_summary(result) -> dict:
    """What the goods-in page shows after a receipt (kept in the session)."""
    return {
        "product": str(result.movement.product),
        "quantity": result.movement.quantity,
        "reserved": result.reserved,
        "left": result.left,
        "orders": [
            {
                "reference": entry.order.reference,
                "url": reverse("orders:fulfil", args=[entry.order.pk])
                if entry.next_step == "ship"
                else reverse("orders:detail", args=[entry.order.pk]),
                "lines": ", ".join(
                    f"line {x['line']}: {x['quantity']} reserved" for x in entry.lines
                ),
                "message": entry.message,
                "ready": bool(entry.next_step),
            }
            for entry in result.orders
        ],
    }


@require_http_methods(["GET", "POST"])
@role_required(*FULFILMENT)
def goods_in(request: HttpRequest) -> HttpResponse:
    """Book a delivery in; the waiting orders it can serve are reserved at once."""
    if request.method == "GET":
        context = {
            "form": GoodsInForm(),
            "result": request.session.pop(GOODS_IN_RESULT, None),
        }
        return render(request, "orders/goods_in.html", context)
    form = GoodsInForm(request.POST)
    if not form.is_valid():
        return render(request, "orders/goods_in.html", {"form": form}, status=400)
    data = form.cleaned_data
    try:
        result = restock_receive(
            pool=stock_pool_live(),
            product=data["product_code"],
            quantity=data["quantity"],
            actor=request.user,
            reference=data["reference"].strip(),
            note=data["note"].strip(),
            submission_token=data["token"],
            next_restock_date=data["next_restock_date"],
        )
    except IntegrityError:
        # The same form sent twice (a double click): the first booked it in.
        messages.info(request, "That delivery is already booked in.")
        return redirect("orders:goods_in")
    except OrderInputError as error:
        add_input_errors(form, error)
        return render(request, "orders/goods_in.html", {"form": form}, status=400)
    except (OrderRuleError, InventoryError) as error:
        messages.error(request, str(error))
        return render(request, "orders/goods_in.html", {"form": form}, status=409)
    request.session[GOODS_IN_RESULT] = _result_summary(result)
    messages.success(
        request,
        f"Booked in {result.movement.quantity} × {result.movement.product.code}.",
    )
    return redirect("orders:goods_in")


urlpatterns = [
    path(
        "<int:pk>/exceptions/<int:exception_pk>/out-of-stock/",
        stock_exception,
        name="stock_exception",
    ),
    path("stock/goods-in/", goods_in, name="goods_in"),
]
