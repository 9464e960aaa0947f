"""Stage 1 in the browser: receive an order (customer, lines, delivery, payment).

One page, `orders:receive`, that works as a plain form; htmx adds the product
lookup as a code is typed, the customer search, and "Add a line" without a reload.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import PROCESSING, role_required
from customers.models import Customer
from customers.selectors import CUSTOMER_SEARCH_MIN_LENGTH, customer_search
from customers.services import customer_create
from inventory.models import Product, StockLevel
from inventory.services import stock_pool_live
from orders.access import is_practice, order_role_required, refuse_unless_acts_as
from orders.exceptions import OrderInputError
from orders.forms.receipt import (
    LINES_PREFIX,
    MAX_LINES,
    NEW_CUSTOMER_PREFIX,
    NewCustomerForm,
    ReceiptForm,
    lines_formset,
)
from orders.models import Order
from orders.selectors.receipt import order_for_receipt_token
from orders.services import order_receive

LINE_FIELDS = ("product_code", "quantity", "agreed_price")
# The order fields appear in on the page, so the list of problems follows it.
PAGE_ORDER = (
    "customer_source",
    "customer-matches",
    "new_customer-",
    "receipt-lines",
    "lines-",
    "delivery_address",
    "delivery_postcode",
    "requested_date",
    "channel",
    "customer_po_ref",
    "payment_method",
    "card_number",
)


@dataclass(frozen=True)
class ProductInfo:
    """What the lookup shows for a typed product code."""

    code: str
    name: str
    unit_price: Decimal
    pack_size: int
    active: bool
    available: int
    restock_date: date | None


def product_infos(
    codes: set[str], *, order: Order | None = None
) -> dict[str, ProductInfo]:
    """Products and their available stock for these codes, in two queries: the
    live catalogue and stock, or for an order, its own catalogue and stock pool
    (a practice order's are the scenario's)."""
    codes = {code.strip().upper() for code in codes if code and len(code) <= 20}
    if not codes:
        return {}
    practice = is_practice(order) if order is not None else False
    products = list(Product.objects.filter(code__in=codes, practice=practice))
    if not products:
        return {}
    pool_id = order.stock_pool_id if order is not None else stock_pool_live().pk
    levels = {
        level.product_id: level
        for level in StockLevel.objects.filter(pool_id=pool_id, product__in=products)
    }
    infos = {}
    for product in products:
        level = levels.get(product.pk)
        infos[product.code] = ProductInfo(
            code=product.code,
            name=product.name,
            unit_price=product.unit_price,
            pack_size=product.pack_size,
            active=product.active,
            available=max(level.available, 0) if level else 0,
            restock_date=level.restock_date if level else None,
        )
    return infos


def _posted_rows(data) -> list[dict]:
    """The lines as typed, to show again on a page that is not being submitted."""
    try:
        total = int(data.get(f"{LINES_PREFIX}-TOTAL_FORMS", 0))
    except (TypeError, ValueError):
        total = 0
    return [
        {name: data.get(f"{LINES_PREFIX}-{index}-{name}", "") for name in LINE_FIELDS}
        for index in range(max(0, min(total, MAX_LINES)))
    ]


def _posted_initial(data, prefix: str = "") -> dict:
    start = f"{prefix}-" if prefix else ""
    return {
        key.removeprefix(start): value
        for key, value in data.items()
        if key.startswith(start) and key != "csrfmiddlewaretoken"
    }


def _customer_matches(form: ReceiptForm) -> list[Customer]:
    """The customers to offer: those matching the search, and the one chosen."""
    query = str(form.data.get("customer_query", "") if form.is_bound else "")
    query = query or str(form.initial.get("customer_query", ""))
    matches = list(customer_search(query=query[:120])) if query else []
    chosen = (
        form.data.get("customer") if form.is_bound else form.initial.get("customer")
    )
    if chosen and str(chosen).isdecimal() and all(c.pk != int(chosen) for c in matches):
        chosen_customer = Customer.objects.filter(pk=int(chosen), practice=False)
        matches = list(chosen_customer) + matches
    return matches


@dataclass(frozen=True)
class Problem:
    """One entry in the page's list of problems, linking to the field at fault."""

    label: str
    message: str
    anchor: str = ""


def _field_problems(form, *, label_prefix: str = "") -> list[Problem]:
    problems = []
    for name, errors in form.errors.items():
        if name == "__all__" or name not in form.fields:
            problems += [Problem(label_prefix.strip(), str(error)) for error in errors]
            continue
        if form.fields[name].widget.is_hidden:
            problems += [Problem("", str(error)) for error in errors]
            continue
        bound = form[name]
        anchor = "customer-matches" if name == "customer" else f"div_{bound.auto_id}"
        label = f"{label_prefix}{bound.label}"
        problems += [Problem(label, str(error), anchor) for error in errors]
    return problems


def _problems(form, new_customer_form, formset) -> list[Problem]:
    """Every problem on the page, in page order, for the summary at the top."""
    problems = []
    if form.is_bound:
        problems += _field_problems(form)
    if new_customer_form.is_bound:
        problems += _field_problems(new_customer_form, label_prefix="New customer: ")
    if formset.is_bound:
        problems += [
            Problem("Lines", str(error), "receipt-lines")
            for error in formset.non_form_errors()
        ]
        for number, line in enumerate(formset.forms, start=1):
            problems += _field_problems(line, label_prefix=f"Line {number}: ")
    order = {name: index for index, name in enumerate(PAGE_ORDER)}

    def position(problem: Problem) -> int:
        return next(
            (i for name, i in order.items() if name in problem.anchor), len(order)
        )

    return sorted(problems, key=position)


def _render(
    request: HttpRequest, form, new_customer_form, formset, *, status: int = 200
) -> HttpResponse:
    codes = {str(line["product_code"].value() or "") for line in formset.forms}
    infos = product_infos(codes)
    for line in formset.forms:
        code = str(line["product_code"].value() or "").strip().upper()
        line.product_code_typed = code
        line.product_info = infos.get(code)
    chosen = (
        form.data.get("customer") if form.is_bound else form.initial.get("customer")
    )
    source = (
        form.data.get("customer_source")
        if form.is_bound
        else form.initial.get("customer_source")
    ) or ReceiptForm.CustomerSource.EXISTING
    problems = _problems(form, new_customer_form, formset)
    context = {
        "form": form,
        "new_customer_form": new_customer_form,
        "formset": formset,
        "matches": _customer_matches(form),
        "chosen_customer": str(chosen or ""),
        "customer_query": (
            form.data.get("customer_query", "")
            if form.is_bound
            else form.initial.get("customer_query", "")
        ),
        "customer_error": form["customer"].errors if form.is_bound else [],
        "new_customer_chosen": source == ReceiptForm.CustomerSource.NEW,
        "has_errors": bool(problems),
        "problems": problems,
        "search_min_length": CUSTOMER_SEARCH_MIN_LENGTH,
    }
    return render(request, "orders/order_receive.html", context, status=status)


def _redisplay(request: HttpRequest, *, add_line: bool) -> HttpResponse:
    """Show the page again as typed, without checking it (search, add a line)."""
    data = request.POST
    initial = _posted_initial(data)
    initial.pop("card_number", None)
    if not initial.get("submission_token"):
        initial["submission_token"] = uuid.uuid4()
    form = ReceiptForm(initial=initial)
    new_customer_form = NewCustomerForm(
        initial=_posted_initial(data, NEW_CUSTOMER_PREFIX)
    )
    rows = _posted_rows(data)
    formset = lines_formset(rows=rows, extra=1 if add_line or not rows else 0)
    return _render(request, form, new_customer_form, formset)


def _already_received(request: HttpRequest, token) -> HttpResponse | None:
    order = order_for_receipt_token(user=request.user, token=token)
    if order is None:
        return None
    messages.info(request, f"This order was already received as {order.reference}.")
    return redirect("orders:detail", pk=order.pk)


def _map_input_errors(form, formset, error: OrderInputError) -> None:
    for field, field_messages in error.errors.items():
        for message in field_messages:
            if field == "lines":
                formset.add_line_error(message)
            elif field in form.fields:
                form.add_error(field, message)
            else:
                form.add_error(None, message)


def _receive(request: HttpRequest) -> HttpResponse:
    data = request.POST
    already = _already_received(request, data.get("submission_token", ""))
    if already is not None:
        return already
    form = ReceiptForm(data)
    formset = lines_formset(data)
    if form.wants_new_customer:
        new_customer_form = NewCustomerForm(data)
    else:
        # Not being used: shown as typed, without complaining about it.
        new_customer_form = NewCustomerForm(
            initial=_posted_initial(data, NEW_CUSTOMER_PREFIX)
        )
    valid = all(
        [
            form.is_valid(),
            formset.is_valid(),
            not form.wants_new_customer or new_customer_form.is_valid(),
        ]
    )
    if not valid:
        return _render(request, form, new_customer_form, formset)
    cleaned = form.cleaned_data
    token = cleaned["submission_token"]
    try:
        # One transaction, so a refused order leaves no new customer behind.
        with transaction.atomic():
            customer = (
                customer_create(**new_customer_form.customer_fields)
                if form.wants_new_customer
                else cleaned["customer"]
            )
            order = order_receive(
                customer=customer,
                lines=formset.line_inputs(),
                channel=cleaned["channel"],
                received_by=request.user,
                payment_method=cleaned["payment_method"],
                delivery_address=cleaned["delivery_address"],
                delivery_postcode=cleaned["delivery_postcode"],
                requested_date=cleaned["requested_date"],
                card_number=cleaned["card_number"],
                customer_po_ref=cleaned["customer_po_ref"],
                submission_token=token,
            )
    except OrderInputError as error:
        _map_input_errors(form, formset, error)
        return _render(request, form, new_customer_form, formset)
    except ValidationError as error:
        # The new customer's details, refused by customer_create.
        for field, field_messages in error.message_dict.items():
            target = field if field in new_customer_form.fields else None
            for message in field_messages:
                new_customer_form.add_error(target, message)
        return _render(request, form, new_customer_form, formset)
    except IntegrityError:
        already = _already_received(request, token)
        if already is None:
            raise
        return already
    messages.success(request, f"Order {order.reference} received; checks are running.")
    return redirect(reverse("orders:detail", kwargs={"pk": order.pk}))


@role_required(*PROCESSING)
@require_http_methods(["GET", "POST"])
def receive(request: HttpRequest) -> HttpResponse:
    """Take a new order: the page, and its submission."""
    if request.method == "GET":
        return _render(request, ReceiptForm.fresh(), NewCustomerForm(), lines_formset())
    if "find_customer" in request.POST or "add_line" in request.POST:
        return _redisplay(request, add_line="add_line" in request.POST)
    return _receive(request)


def _typed_code(request: HttpRequest) -> str:
    """The code asked about: ?code=, or the line's own input as hx-get sends it
    (named like "lines-0-product_code")."""
    code = request.GET.get("code")
    if code is None:
        code = next(
            (
                value
                for key, value in request.GET.items()
                if key.endswith("product_code")
            ),
            "",
        )
    return code.strip().upper()


def _product_info(request: HttpRequest, order: Order | None = None) -> HttpResponse:
    code = _typed_code(request)
    info = product_infos({code}, order=order).get(code) if code else None
    return render(
        request,
        "orders/_receipt_product.html",
        {"code": code, "info": info},
    )


@role_required(*PROCESSING)
@require_GET
def product_lookup(request: HttpRequest) -> HttpResponse:
    """What a typed product code is: name, price, pack size and stock available."""
    return _product_info(request)


@require_GET
@order_role_required(*PROCESSING, load=Order.objects.all)
def order_product_lookup(request: HttpRequest, pk: int) -> HttpResponse:
    """The same for a line added to an order: from the order's own catalogue and
    stock pool, so a learner amending a practice order sees the scenario's."""
    if request.order is None:
        raise Http404("No such order.")
    refuse_unless_acts_as(request.user, request.order, *PROCESSING)
    return _product_info(request, request.order)


@role_required(*PROCESSING)
@require_GET
def customer_search_view(request: HttpRequest) -> HttpResponse:
    """Customers matching a search, to pick one with a radio button."""
    query = request.GET.get("customer_query", request.GET.get("q", ""))[:120]
    return render(
        request,
        "orders/_receipt_customer_matches.html",
        {
            "matches": list(customer_search(query=query)),
            "customer_query": query,
            "chosen_customer": "",
            "search_min_length": CUSTOMER_SEARCH_MIN_LENGTH,
        },
    )


urlpatterns = [
    path("receive/", receive, name="receive"),
    path("receive/product-lookup/", product_lookup, name="product_lookup"),
    path("<int:pk>/product-lookup/", order_product_lookup, name="order_product_lookup"),
    path("receive/customer-search/", customer_search_view, name="customer_search"),
]
