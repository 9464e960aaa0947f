"""Amending an order, and reading its earlier revisions.

`orders:amend` works as a plain form: one row per line still on the order, blank
rows for new lines (the product lookup appears as a code is typed, with htmx),
the delivery address, postcode and requested date, and why. Invalid input is shown
again (400) with each message next to its field and a list at the top; a refusal
(the order changed meanwhile, nothing was changed) says so in the same way.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import PROCESSING, STAFF

from ..access import order_role_required
from ..exceptions import OrderInputError, OrderRuleError, StaleOrderError
from ..forms.amend import AmendForm, line_forms, new_lines_formset
from ..models import Check, Communication, Order, OrderException
from ..selectors.amendments import order_amend_queryset, order_revisions_queryset
from ..services import allowed_actions
from ..services.amendments import LineChange, order_amend
from .receipt import product_infos

STILL_CHECKING = (Order.Status.RECEIVED, Order.Status.VERIFYING)


@dataclass(frozen=True)
class Problem:
    """One entry in the list of problems at the top, linking to its field."""

    label: str
    message: str
    anchor: str = ""


def _field_problems(form, label_prefix: str = "") -> list[Problem]:
    problems = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        if name == "__all__" or field is None or field.widget.is_hidden:
            problems += [Problem(label_prefix.strip(" :"), str(e)) for e in errors]
            continue
        bound = form[name]
        anchor = f"div_{bound.auto_id}"
        problems += [
            Problem(f"{label_prefix}{str(bound.label).rstrip('?')}", str(e), anchor)
            for e in errors
        ]
    return problems


def _problems(form, rows, formset, refusal: str = "") -> list[Problem]:
    problems = [Problem("", refusal)] if refusal else []
    if form.is_bound:
        problems += _field_problems(form)
    for row in rows:
        if row.is_bound:
            problems += _field_problems(row, f"Line {row.line.line_number}: ")
    if formset.is_bound:
        problems += [
            Problem("New lines", str(e), "new-lines") for e in formset.non_form_errors()
        ]
        for number, line in enumerate(formset.forms, start=1):
            problems += _field_problems(line, f"New line {number}: ")
    return problems


def _exception_being_corrected(order: Order, raw) -> OrderException | None:
    """The open exception named in ?exception= (or the posted field), if valid."""
    raw = str(raw or "")
    if not raw.isdecimal():  # "²" is a digit to isdigit(), but not to int()
        return None
    return next(
        (
            e
            for e in order.exceptions.all()
            if e.pk == int(raw) and e.status == OrderException.Status.OPEN
        ),
        None,
    )


def _refused_reason(order: Order) -> str:
    if order.status in STILL_CHECKING:
        return (
            f"Checks are still running on order {order}: wait for them to finish, "
            "then amend it."
        )
    return (
        f"Order {order} is {order.get_status_display().lower()}, so it can no longer "
        "be amended: an order can be amended until it is dispatched."
    )


def _render(
    request: HttpRequest,
    order: Order,
    *,
    form=None,
    rows=None,
    formset=None,
    exception=None,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    can_amend = "amend" in allowed_actions(order, request.user)
    context = {
        "order": order,
        "can_amend": can_amend,
        "not_amendable": "" if can_amend else _refused_reason(order),
        "exception": exception,
        "detail_url": reverse("orders:detail", args=[order.pk]),
    }
    if can_amend:
        rows = rows if rows is not None else line_forms(order)
        formset = formset if formset is not None else new_lines_formset(order)
        codes = {str(line["product_code"].value() or "") for line in formset.forms}
        infos = product_infos(codes, order=order)
        for line in formset.forms:
            code = str(line["product_code"].value() or "").strip().upper()
            line.product_code_typed = code
            line.product_info = infos.get(code)
        problems = _problems(form, rows, formset, refusal)
        context |= {
            "form": form,
            "rows": rows,
            "formset": formset,
            "inactive_lines": [x for x in order.lines.all() if not x.is_active],
            "problems": problems,
        }
    return render(request, "orders/order_amend.html", context, status=status)


def _map_input_errors(form, rows, formset, error: OrderInputError) -> None:
    """Put each of the service's messages next to the field it is about."""
    by_number = {row.line.line_number: row for row in rows}
    for field, field_messages in error.errors.items():
        for message in field_messages:
            if field == "lines":
                head, _, text = message.partition(":")
                number = head.removeprefix("Line ").strip()
                row = by_number.get(int(number)) if number.isdecimal() else None
                if row is None or not text:
                    form.add_error(None, message)
                    continue
                text = text.strip()
                target = "quantity"
                if "product code" in text:
                    target = "product_code"
                elif "price" in text:
                    target = "unit_price"
                row.add_error(target, text[:1].upper() + text[1:])
            elif field == "new_lines":
                formset.add_line_error(message.removeprefix("New "))
            elif field in form.fields:
                form.add_error(field, message)
            else:
                form.add_error(None, message)


@order_role_required(*PROCESSING)
@require_http_methods(["GET", "POST"])
def order_amend_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an order's lines, delivery address or date, keeping its revision."""
    order = get_object_or_404(order_amend_queryset(), pk=pk)
    if request.method == "GET":
        exception = _exception_being_corrected(order, request.GET.get("exception"))
        initial = {}
        if exception is not None:
            initial = {
                "exception": exception.pk,
                "reason": f"To correct: {exception.found}",
            }
        form = AmendForm(order=order, initial=initial)
        return _render(request, order, form=form, exception=exception)

    if "amend" not in allowed_actions(order, request.user):
        messages.error(request, _refused_reason(order))
        return redirect("orders:detail", pk=order.pk)
    form = AmendForm(request.POST, order=order)
    rows = line_forms(order, request.POST)
    formset = new_lines_formset(order, request.POST)
    exception = _exception_being_corrected(order, request.POST.get("exception"))
    valid = all(
        [form.is_valid(), formset.is_valid(), *[row.is_valid() for row in rows]]
    )
    if not valid:
        return _render(
            request,
            order,
            form=form,
            rows=rows,
            formset=formset,
            exception=exception,
            status=400,
        )
    data = form.cleaned_data
    line_changes = {
        row.line.pk: LineChange(**row.changes()) for row in rows if row.changes()
    }
    requested = {}
    if data["requested_date"] != order.requested_date:
        requested["requested_date"] = data["requested_date"]
    try:
        amended = order_amend(
            order=order,
            actor=request.user,
            reason=data["reason"],
            line_changes=line_changes,
            new_lines=formset.line_inputs(),
            delivery_address=data["delivery_address"],
            delivery_postcode=data["delivery_postcode"],
            customer_told=data["customer_told"] == "yes",
            communication=data["communication"],
            exception=data["exception"],
            expected_version=data["version"],
            **requested,
        )
    except OrderInputError as error:
        _map_input_errors(form, rows, formset, error)
        refusal = ""
    except OrderRuleError as error:
        refusal = str(error)
        if isinstance(error, StaleOrderError):
            messages.error(request, refusal)
            query = f"?exception={exception.pk}" if exception else ""
            return redirect(reverse("orders:amend", args=[order.pk]) + query)
    else:
        messages.success(
            request,
            f"Order {amended} amended: revision {amended.revision - 1} is kept. The "
            "checks the change affects are running again; once they pass, confirm "
            "the order to the customer afresh.",
        )
        return redirect("orders:detail", pk=order.pk)
    return _render(
        request,
        order,
        form=form,
        rows=rows,
        formset=formset,
        exception=exception,
        refusal=refusal,
        status=400,
    )


# -- revisions ----------------------------------------------------------------------

FIELD_LABELS = {
    "product_code": "Product code",
    "quantity": "Quantity",
    "unit_price": "Unit price",
    "new_line": "Line added",
    "delivery_address": "Delivery address",
    "delivery_postcode": "Delivery postcode",
    "requested_date": "Requested delivery date",
}


def _shown(field: str, value) -> str:
    if value is None or value == "":
        return "none"
    if field == "unit_price":
        return f"£{value}"
    if field == "quantity" and value == 0:
        return "0 (line removed)"
    return str(value)


def change_rows(changes: list[dict]) -> list[dict]:
    """An amendment's recorded changes as rows a person can read."""
    return [
        {
            "what": FIELD_LABELS.get(change.get("field"), change.get("field", "")),
            "line": change.get("line"),
            "before": ""
            if change.get("field") == "new_line"
            else _shown(change.get("field"), change.get("before")),
            "after": _shown(change.get("field"), change.get("after")),
        }
        for change in changes
    ]


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _check_label(kind: str) -> str:
    return str(dict(Check.Kind.choices).get(kind, kind))


@order_role_required(*STAFF)
@require_GET
def order_revisions_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Every kept revision of an order, newest first, and what replaced each."""
    order = get_object_or_404(order_revisions_queryset(), pk=pk)
    amendments = {event.data.get("revision"): event for event in order.amendments}
    communications = {c.pk: c for c in order.communications.all()}
    revisions = []
    for revision in order.revisions.all():
        event = amendments.get(revision.number + 1)
        data = event.data if event else {}
        communication: Communication | None = communications.get(
            data.get("communication_id")
        )
        revisions.append(
            {
                "revision": revision,
                "snapshot": revision.snapshot,
                "lines": revision.snapshot.get("lines", []),
                "event": event,
                "changes": change_rows(data.get("changes", [])),
                "checks": [_check_label(kind) for kind in data.get("checks", [])],
                "requested_date": _date(revision.snapshot.get("requested_date")),
                "promised_date": _date(revision.snapshot.get("promised_date")),
                "customer_told": data.get("customer_told"),
                "communication": communication,
                "gross_total": data.get("gross_total") or {},
            }
        )
    return render(
        request,
        "orders/order_revisions.html",
        {
            "order": order,
            "revisions": revisions,
            "detail_url": reverse("orders:detail", args=[order.pk]),
        },
    )


urlpatterns = [
    path("<int:pk>/amend/", order_amend_view, name="amend"),
    path("<int:pk>/revisions/", order_revisions_view, name="revisions"),
]
