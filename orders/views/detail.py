"""The order page and the processing actions taken from it.

Each action is a POST view: its form validates, the service does the work with the
version the page was opened at, a refusal becomes a message with the service's own
words, and the browser goes back to the order page (post/redirect/get).
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.permissions import PROCESSING, STAFF
from inventory.exceptions import InventoryError

from ..access import acts_as, is_practice, order_role_required
from ..exceptions import OrderInputError, OrderRuleError
from ..forms.detail import (
    CallForm,
    CancelForm,
    CloseForm,
    ConfirmForm,
    EmailForm,
    EmailTemplateChoiceForm,
    ExceptionRaiseForm,
    ExceptionResolveForm,
    ExceptionStepForm,
    FollowUpForm,
    LineCancelForm,
    MarkSentForm,
    RerunForm,
    add_input_errors,
    email_template,
    form_errors_summary,
)
from ..models import (
    Check,
    Communication,
    Order,
    OrderEvent,
    OrderException,
    OrderLine,
)
from ..selectors.detail import (
    checks_still_running,
    earliest_promise_date,
    order_checks_queryset,
    order_detail_queryset,
)
from ..services import (
    allowed_actions,
    check_rerun,
    communication_mark_sent,
    communication_record,
    customer_notify,
    exception_add_step,
    exception_raise,
    exception_resolve,
    line_cancel,
    order_cancel,
    order_close,
    order_confirm,
    order_record_follow_up,
)
from ..services.lifecycle import PICKING_STATUSES, closes_without_follow_up
from ..services.order_exceptions import documented_path
from .practice import practice_banner, staff_url

# The follow-up app's kinds, for the timeline (orders does not import followup).
FOLLOW_UP_KINDS = [
    ("delivery_check", "Delivery check"),
    ("satisfaction", "Satisfaction"),
]
RERUN_STATUSES = (Order.Status.VERIFYING, Order.Status.VERIFIED, Order.Status.ON_HOLD)
PAGE_ACTIONS = {"confirm", "cancel", "record_follow_up", "close"}
FULFILMENT_ACTIONS = {"start_fulfilment", "dispatch", "record_delivery"}


def _url_or_none(name: str, *args, query: str = "") -> str | None:
    """A link to another helper's page, or None while that page does not exist."""
    try:
        return reverse(name, args=args) + query
    except NoReverseMatch:
        return None


def _can_rerun(order: Order, user) -> bool:
    return order.status in RERUN_STATUSES and acts_as(user, order, *PROCESSING)


def _checks_context(order: Order, user) -> dict:
    return {
        "order": order,
        "checks": list(order.checks.all()),
        "polling": checks_still_running(order),
        "can_rerun": _can_rerun(order, user),
    }


# -- summaries for the timeline --------------------------------------------------


def _label(choices, value) -> str:
    return str(dict(choices).get(value, value or ""))


def event_summary(event: OrderEvent) -> str:
    """A short description of what an event recorded, from its data."""
    data, K = event.data or {}, OrderEvent.Kind
    kind = event.kind
    if kind == K.CHECK_RECORDED:
        text = (
            f"{_label(Check.Kind.choices, data.get('kind'))}: "
            f"{_label(Check.Outcome.choices, data.get('outcome')).lower()}"
        )
        return text + (" (re-run)" if data.get("rerun") else "")
    if kind == K.VERIFICATION_STARTED:
        return f"Round {data.get('round', '')}"
    if kind == K.EXCEPTION_OPENED:
        return (
            f"{_label(OrderException.Kind.choices, data.get('kind'))}: "
            f"{data.get('found', '')}"
        )
    if kind == K.EXCEPTION_STEP:
        return data.get("text", "")
    if kind == K.EXCEPTION_RESOLVED:
        told = "customer told" if data.get("customer_informed") else "customer not told"
        return f"{data.get('resolution', '')} ({told})"
    if kind in (K.COMMUNICATION, K.COMMUNICATION_SENT):
        parts = [
            _label(Communication.Purpose.choices, data.get("purpose")),
            _label(Communication.Channel.choices, data.get("channel")),
            _label(Communication.Outcome.choices, data.get("outcome")).lower(),
        ]
        return " · ".join(p for p in parts if p)
    if kind == K.CONFIRMED:
        return f"Delivery promised for {data.get('promised_date', '')}"
    if kind == K.LINE_BACKORDERED and data.get("partial"):
        return (
            f"Line {data.get('line')}: {data.get('reserved')} to go now, "
            f"{data.get('waiting')} on {data.get('restock_date')} (part shipment)"
        )
    if kind == K.LINE_BACKORDERED:
        return f"Line {data.get('line')} until {data.get('restock_date')}"
    if kind == K.STOCK_RELEASED:
        return "Released: " + ", ".join(
            f"line {x.get('line')} × {x.get('quantity')}" for x in data.get("lines", [])
        )
    if kind == K.LINE_CANCELLED:
        return f"Line {data.get('line')}: {data.get('reason', '')}"
    if kind == K.LINE_SUBSTITUTED:
        return (
            f"Line {data.get('line')}: {data.get('from', '')} replaced by "
            f"{data.get('to', '')} (line {data.get('new_line')})"
        )
    if kind == K.CORRECTED:
        where = f"line {data['line']} " if data.get("line") else ""
        told = "customer told" if data.get("customer_told") else "customer not told"
        return (
            f"{where}{data.get('field', '')}: {data.get('before', '')!s} → "
            f"{data.get('after', '')!s}. {data.get('reason', '')} ({told})"
        ).strip()
    if kind == K.AMENDED:
        return f"Revision {data.get('revision')}: {data.get('reason', '')}"
    if kind == K.ESCALATED:
        return _label(OrderException.Kind.choices, data.get("kind"))
    if kind == K.APPROVED:
        return data.get("note", "")
    if kind == K.PAYMENT_METHOD_CHANGED:
        before, after = data.get("before") or {}, data.get("after") or {}
        return f"{before.get('label', '')} → {after.get('label', '')}"
    if kind == K.FOLLOW_UP_SCHEDULED:
        if data.get("status") == "cancelled":
            return f"Not needed: {data.get('reason', '')}"
        due = parse_datetime(str(data.get("due_at", "")))
        when = f"{timezone.localtime(due):%d %b %Y %H:%M}" if due else "soon"
        return f"{_label(FOLLOW_UP_KINDS, data.get('kind'))} due {when}"
    if kind == K.FOLLOW_UP_OVERDUE:
        return f"Overdue: {data.get('to', '')} alerted"
    if kind == K.FEEDBACK_RECEIVED:
        return f"Satisfaction {data.get('satisfaction')} of 5, by the feedback link"
    if kind == K.COMPLAINT_OPENED:
        return f"{str(data.get('category', '')).replace('_', ' ').capitalize()}" + (
            "; within the 30-day right to reject"
            if data.get("short_term_right_to_reject")
            else ""
        )
    if kind == K.COMPLAINT_STEP:
        step = str(data.get("step", "")).replace("_", " ")
        detail = data.get("remedy") or data.get("owner") or ""
        return f"{step.capitalize()}{': ' + str(detail) if detail else ''}"
    if kind == K.COMPLAINT_RESOLVED:
        satisfied = {True: "satisfied", False: "not satisfied"}.get(
            data.get("customer_satisfied"), "satisfaction not known"
        )
        return f"After {data.get('days_to_resolve')} day(s); customer {satisfied}"
    if kind == K.STOCK_RESERVED and data.get("restock"):
        return "Reserved from a restock: " + ", ".join(
            f"line {x.get('line')}" for x in data.get("lines", [])
        )
    if kind == K.CANCELLED:
        return data.get("reason", "")
    if kind == K.DISPATCHED and data.get("carrier"):
        tracking = data.get("tracking_reference")
        partial = " (part of the order)" if data.get("partial") else ""
        return f"{data['carrier']}{', ' + tracking if tracking else ''}{partial}"
    if kind == K.DELIVERED and data.get("proof_of_delivery"):
        return data["proof_of_delivery"]
    if kind == K.FOLLOWED_UP:
        text = _label(Communication.Outcome.choices, data.get("outcome"))
        if data.get("satisfaction"):
            text += f", satisfaction {data['satisfaction']} of 5"
        return text
    if kind == K.VERIFIED:
        return "All checks passed"
    if kind == K.HELD and data.get("open_exceptions"):
        return f"{data['open_exceptions']} open exception(s)"
    return ""


# -- links to the pages that handle each kind of problem ---------------------------

X = OrderException.Kind
AMEND_KINDS = (
    X.UNKNOWN_PRODUCT,
    X.QUANTITY,
    X.PRICE_MISMATCH,
    X.DELIVERY_DATE,
    X.INVALID_ADDRESS,
)


def exception_links(order: Order, exception: OrderException, user) -> list[tuple]:
    """Where a person goes to handle an open exception of this kind: (label, url)."""
    if exception.status != OrderException.Status.OPEN:
        return []
    processing = acts_as(user, order, *PROCESSING)
    args = (order.pk, exception.pk)
    links = []
    if exception.kind == X.OUT_OF_STOCK and processing:
        links.append(
            (
                "Offer the customer a choice: backorder, substitute, part shipment "
                "or cancel the line",
                _url_or_none("orders:stock_exception", *args),
            )
        )
    if exception.kind in (X.PAYMENT_DECLINED, X.CREDIT_LIMIT) and processing:
        links.append(("Sort out the payment", _url_or_none("orders:payment", order.pk)))
    if exception.kind in AMEND_KINDS and processing:
        links.append(
            (
                "Correct the order",
                _url_or_none(
                    "orders:amend", order.pk, query=f"?exception={exception.pk}"
                ),
            )
        )
    if exception.kind == X.PRICE_MISMATCH and acts_as(user, order, Role.SUPERVISOR):
        links.append(
            ("Approve keeping this price", _url_or_none("orders:price_approve", *args))
        )
    if exception.kind in (X.MISSING_CONTACT, X.INVALID_ADDRESS) and processing:
        links.append(
            (
                "Correct the customer's contact details",
                _url_or_none("orders:contact_correct", *args),
            )
        )
    return [(label, url) for label, url in links if url]


def order_links(order: Order, actions: set, user) -> list[tuple]:
    """Pages for whole-order work beyond this page: amend it, its payments.

    A practice order has no complaints or scheduled follow-ups: its learner
    records the follow-up on this page.
    """
    live = not is_practice(order)
    links = [
        (
            "Amend the order (lines, quantities, address or date)",
            _url_or_none("orders:amend", order.pk) if "amend" in actions else None,
        ),
        (
            "Payments and refunds",
            _url_or_none("orders:payment", order.pk)
            if acts_as(user, order, *PROCESSING)
            else None,
        ),
        (
            "Contact the customer (from a template, on their channel)",
            _url_or_none("orders:contact", order.pk) if order.is_open else None,
        ),
        (
            "Record a complaint",
            _url_or_none("followup:complaint_open", order.pk)
            if live and order.has_been_dispatched
            else None,
        ),
        (
            "Follow-ups and complaints for this order",
            _url_or_none("followup:order", order.pk) if live else None,
        ),
        (
            "Earlier revisions of this order",
            _url_or_none("orders:revisions", order.pk) if order.revision > 1 else None,
        ),
    ]
    return [(label, url) for label, url in links if url]


# -- pages -----------------------------------------------------------------------


def _scheduled_follow_up_url(events: list[OrderEvent]) -> str | None:
    """The page recording the follow-up scheduled after delivery, if one was.

    Read from the trail (FOLLOW_UP_SCHEDULED), so that the follow-up is recorded
    against its schedule, and orders need not know the follow-up app.
    """
    for event in reversed(events):
        if event.kind == OrderEvent.Kind.FOLLOW_UP_SCHEDULED and (
            event.data.get("status", "due") == "due"
        ):
            return _url_or_none("followup:record", event.data.get("follow_up_id"))
    return None


@require_GET
@order_role_required(*STAFF, load=order_detail_queryset)
def order_detail(request, pk: int):
    """The order page: everything about one order and what may be done next."""
    if request.order is None:
        raise Http404("No such order.")
    return _render_detail(request, pk, order=request.order)


def _render_detail(
    request,
    pk: int,
    bound: dict | None = None,
    status: int = 200,
    order: Order | None = None,
):
    """Render the order page; `bound` puts a submitted form, with its errors next to
    its fields, in the place of its blank one (by the slot names used below).
    `order`: the order already read through order_detail_queryset()."""
    bound = bound or {}
    order = order or get_object_or_404(order_detail_queryset(), pk=pk)
    user = request.user

    def form(slot: str, make: Callable[[], object]):
        return bound.get(slot) or make()

    events = list(order.events.all())
    actions = set(allowed_actions(order, user))
    if order.status == Order.Status.DELIVERED and not closes_without_follow_up(order):
        actions.discard("close")  # a follow-up comes first
    earliest = earliest_promise_date(order, timezone.localdate())
    exceptions = list(order.exceptions.all())
    communications = list(order.communications.all())
    lines = list(order.lines.all())
    template = request.GET.get("template", Communication.Purpose.ACKNOWLEDGEMENT)
    if template not in dict(EmailForm.base_fields["purpose"].choices):
        template = Communication.Purpose.ACKNOWLEDGEMENT
    processing = acts_as(user, order, *PROCESSING)
    line_actions_open = processing and order.takes_exceptions
    fulfilment_role = acts_as(user, order, Role.DISPATCHER, Role.SUPERVISOR)
    # A short line is settled on its out-of-stock page, with the customer's
    # agreement (backorder, substitute, part shipment or cancel).
    out_of_stock = {
        e.line_id: e
        for e in exceptions
        if e.kind == X.OUT_OF_STOCK and e.status == OrderException.Status.OPEN
    }
    numbers = {line.pk: line.line_number for line in lines}
    line_rows = [
        {
            "line": line,
            "replaces": numbers.get(line.substitute_for_id),
            "stock_url": _url_or_none(
                "orders:stock_exception", order.pk, out_of_stock[line.pk].pk
            )
            if line_actions_open
            and line.status == OrderLine.Status.SHORT
            and line.pk in out_of_stock
            else None,
            "can_cancel": line_actions_open
            and line.is_active
            and line.status != OrderLine.Status.SHORT
            and not line.quantity_dispatched,
            "cancel_form": form(
                f"line_cancel_form_{line.pk}",
                lambda line=line: LineCancelForm(order=order, key=f"_{line.pk}"),
            ),
        }
        for line in lines
    ]
    context = {
        "order": order,
        "customer": order.customer,
        "lines": line_rows,
        "line_actions": any(r["stock_url"] or r["can_cancel"] for r in line_rows),
        "exceptions": [
            {
                "exception": exception,
                "links": exception_links(order, exception, user),
                "own_steps": documented_path(exception),
                "step_form": form(
                    f"step_form_{exception.pk}",
                    lambda e=exception: ExceptionStepForm(order=order, key=f"_{e.pk}"),
                ),
                "resolve_form": form(
                    f"resolve_form_{exception.pk}",
                    lambda e=exception: ExceptionResolveForm(
                        order=order, key=f"_{e.pk}"
                    ),
                ),
            }
            for exception in exceptions
        ],
        "open_exception_count": sum(
            1 for e in exceptions if e.status == OrderException.Status.OPEN
        ),
        "can_raise_exception": order.takes_exceptions,
        "raise_form": form("raise_form", lambda: ExceptionRaiseForm(order=order)),
        "communications": communications,
        "email_form": form(
            "email_form",
            lambda: EmailForm(order=order, initial=email_template(order, template)),
        ),
        "template_form": EmailTemplateChoiceForm(initial={"template": template}),
        "prefers_email": order.customer.preferred_channel == "email",
        "call_form": form("call_form", lambda: CallForm(order=order)),
        "events": [
            {"event": event, "summary": event_summary(event)} for event in events
        ],
        "shipments": list(order.shipments.all()),
        "actions": actions,
        "page_actions": actions & PAGE_ACTIONS,
        "order_links": order_links(order, actions, user),
        "confirm_form": form("confirm_form", lambda: ConfirmForm(order=order)).start_at(
            earliest
        ),
        "earliest_date": earliest,
        "cancel_form": form("cancel_form", lambda: CancelForm(order=order)),
        "follow_up_form": form("follow_up_form", lambda: FollowUpForm(order=order)),
        "scheduled_follow_up_url": _scheduled_follow_up_url(events),
        "close_form": form("close_form", lambda: CloseForm(order=order)),
        "fulfil_url": _url_or_none("orders:fulfil", order.pk)
        if fulfilment_role and (actions & FULFILMENT_ACTIONS)
        else None,
        "document_urls": [
            (label, url)
            for label, url in (
                (
                    "Confirmation slip",
                    _url_or_none("orders:document", order.pk, "confirmation"),
                ),
                (
                    "Picking list",
                    _url_or_none("orders:document", order.pk, "picking-list")
                    if order.status in PICKING_STATUSES
                    else None,
                ),
            )
            if url
        ]
        if fulfilment_role
        else [],
        "list_url": staff_url(order, _url_or_none("orders:list")),
        "practice": practice_banner(order),
        **_checks_context(order, user),
    }
    return render(request, "orders/order_detail.html", context, status=status)


@require_GET
@order_role_required(*STAFF)
def checks_panel(request, pk: int):
    """The verification panel alone: htmx polls it while the checks run."""
    order = get_object_or_404(order_checks_queryset(), pk=pk)
    context = _checks_context(order, request.user)
    response = render(request, "orders/_detail_checks.html", context)
    if request.htmx and request.GET.get("polling") and not context["polling"]:
        # The checks finished while the page was open: reload it whole, so the
        # exceptions they raised and the actions now allowed appear too.
        response["HX-Refresh"] = "true"
    return response


# -- actions ---------------------------------------------------------------------


def _form_slots() -> dict:
    """Where each action's form sits on the page (keyed forms add "_<pk>")."""
    return {
        ConfirmForm: "confirm_form",
        CancelForm: "cancel_form",
        FollowUpForm: "follow_up_form",
        CloseForm: "close_form",
        LineCancelForm: "line_cancel_form",
        ExceptionRaiseForm: "raise_form",
        ExceptionStepForm: "step_form",
        ExceptionResolveForm: "resolve_form",
        EmailForm: "email_form",
        CallForm: "call_form",
    }


FORM_SLOTS = _form_slots()


def _act(
    request,
    order: Order,
    form_class,
    service: Callable[[dict], object],
    success: str,
    anchor: str = "",
    key: str = "",
):
    """Validate the form, call the service, report the outcome, go back to the page.

    Invalid input re-shows the page (400) with the messages next to the fields,
    and so does the service's refusal of a field's value (an OrderInputError
    naming the form's fields).
    """
    form = form_class(request.POST, order=order, key=key)
    slot = FORM_SLOTS.get(form_class)
    if not form.is_valid():
        messages.error(request, form_errors_summary(form))
        if slot:
            bound = {slot + key: form}
            return _render_detail(request, order.pk, bound=bound, status=400)
    else:
        try:
            service(form.cleaned_data)
        except OrderInputError as error:
            if slot and error.errors.keys() <= form.fields.keys():
                add_input_errors(form, error)
                messages.error(request, form_errors_summary(form))
                bound = {slot + key: form}
                return _render_detail(request, order.pk, bound=bound, status=400)
            messages.error(
                request, " ".join(m for msgs in error.errors.values() for m in msgs)
            )
        except (OrderRuleError, InventoryError) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, success)
    return redirect(reverse("orders:detail", args=[order.pk]) + anchor)


def _order(pk: int) -> Order:
    return get_object_or_404(Order.objects.select_related("customer"), pk=pk)


@require_POST
@order_role_required(*PROCESSING)
def order_confirm_view(request, pk: int):
    order = _order(pk)
    return _act(
        request,
        order,
        ConfirmForm,
        lambda data: order_confirm(
            order=order,
            actor=request.user,
            promised_date=data["promised_date"],
            expected_version=data["version"],
        ),
        "Order confirmed. The confirmation to the customer is recorded.",
        "#actions",
    )


@require_POST
@order_role_required(*PROCESSING)
def order_cancel_view(request, pk: int):
    order = _order(pk)
    return _act(
        request,
        order,
        CancelForm,
        lambda data: order_cancel(
            order=order,
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        ),
        "Order cancelled. Reserved stock is released and the customer is told.",
        "#actions",
    )


@require_POST
@order_role_required(*PROCESSING)
def order_follow_up_view(request, pk: int):
    order = _order(pk)
    return _act(
        request,
        order,
        FollowUpForm,
        lambda data: order_record_follow_up(
            order=order,
            actor=request.user,
            channel=data["channel"],
            outcome=data["outcome"],
            notes=data["notes"],
            satisfaction=data["satisfaction"],
            expected_version=data["version"],
        ),
        "Follow-up recorded.",
        "#actions",
    )


@require_POST
@order_role_required(*PROCESSING)
def order_close_view(request, pk: int):
    order = _order(pk)
    return _act(
        request,
        order,
        CloseForm,
        lambda data: order_close(
            order=order, actor=request.user, expected_version=data["version"]
        ),
        "Order closed.",
        "#actions",
    )


def _line(pk: int, line_pk: int) -> OrderLine:
    return get_object_or_404(
        OrderLine.objects.select_related("order__customer"), pk=line_pk, order_id=pk
    )


@require_POST
@order_role_required(*PROCESSING)
def line_cancel_view(request, pk: int, line_pk: int):
    line = _line(pk, line_pk)
    return _act(
        request,
        line.order,
        LineCancelForm,
        lambda data: line_cancel(
            line=line,
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        ),
        f"Line {line.line_number} cancelled.",
        "#lines",
        key=f"_{line.pk}",
    )


@require_POST
@order_role_required(*PROCESSING)
def check_rerun_view(request, pk: int):
    order = _order(pk)
    return _act(
        request,
        order,
        RerunForm,
        lambda data: check_rerun(
            order=order,
            kind=data["kind"],
            actor=request.user,
            expected_version=data["version"],
        ),
        "Check run again: its result is in the verification panel.",
        "#checks-panel",
    )


@require_POST
@order_role_required(*STAFF)
def exception_raise_view(request, pk: int):
    order = _order(pk)
    return _act(
        request,
        order,
        ExceptionRaiseForm,
        lambda data: exception_raise(
            order=order,
            actor=request.user,
            kind=data["kind"],
            found=data["found"],
            line=data["line"],
            expected_version=data["version"],
        ),
        "Exception raised.",
        "#exceptions",
    )


def _exception(pk: int, exception_pk: int) -> OrderException:
    return get_object_or_404(
        OrderException.objects.select_related("order__customer"),
        pk=exception_pk,
        order_id=pk,
    )


@require_POST
@order_role_required(*STAFF)
def exception_step_view(request, pk: int, exception_pk: int):
    exception = _exception(pk, exception_pk)
    return _act(
        request,
        exception.order,
        ExceptionStepForm,
        lambda data: exception_add_step(
            exception=exception,
            actor=request.user,
            text=data["text"],
            expected_version=data["version"],
        ),
        "Step recorded.",
        f"#exception-{exception.pk}",
        key=f"_{exception.pk}",
    )


@require_POST
@order_role_required(*STAFF)
def exception_resolve_view(request, pk: int, exception_pk: int):
    exception = _exception(pk, exception_pk)
    return _act(
        request,
        exception.order,
        ExceptionResolveForm,
        lambda data: exception_resolve(
            exception=exception,
            actor=request.user,
            resolution=data["resolution"],
            customer_informed=data["customer_informed"] == "yes",
            communication=data["communication"],
            expected_version=data["version"],
        ),
        "Exception resolved.",
        f"#exception-{exception.pk}",
        key=f"_{exception.pk}",
    )


@require_POST
@order_role_required(*STAFF)
def send_email_view(request, pk: int):
    order = _order(pk)
    prefers_email = order.customer.preferred_channel == "email"
    return _act(
        request,
        order,
        EmailForm,
        lambda data: customer_notify(
            order=order,
            actor=request.user,
            purpose=data["purpose"],
            subject=data["subject"],
            content=data["content"],
            expected_version=data["version"],
        ),
        "E-mail queued to send."
        if prefers_email and order.customer.email
        else "Recorded as a message to give the customer on their preferred channel "
        "(not e-mailed).",
        "#communications",
    )


@require_POST
@order_role_required(*STAFF)
def log_call_view(request, pk: int):
    order = _order(pk)
    return _act(
        request,
        order,
        CallForm,
        lambda data: communication_record(
            order=order,
            actor=request.user,
            channel=Communication.Channel.PHONE,
            direction=data["direction"],
            purpose=data["purpose"],
            outcome=data["outcome"],
            content=data["notes"],
            expected_version=data["version"],
        ),
        "Phone call recorded.",
        "#communications",
    )


@require_POST
@order_role_required(*STAFF)
def communication_mark_sent_view(request, pk: int, communication_pk: int):
    """Record that a letter left to do was posted, or a text was sent."""
    order = _order(pk)
    return _act(
        request,
        order,
        MarkSentForm,
        lambda data: communication_mark_sent(
            order=order,
            communication_id=communication_pk,
            actor=request.user,
            expected_version=data["version"],
        ),
        "Recorded as sent.",
        f"#communication-{communication_pk}",
    )


urlpatterns = [
    path("<int:pk>/", order_detail, name="detail"),
    path("<int:pk>/checks/", checks_panel, name="checks_panel"),
    path("<int:pk>/checks/rerun/", check_rerun_view, name="check_rerun"),
    path("<int:pk>/confirm/", order_confirm_view, name="confirm"),
    path("<int:pk>/cancel/", order_cancel_view, name="cancel"),
    path("<int:pk>/follow-up/", order_follow_up_view, name="record_follow_up"),
    path("<int:pk>/close/", order_close_view, name="close"),
    path("<int:pk>/lines/<int:line_pk>/cancel/", line_cancel_view, name="line_cancel"),
    path("<int:pk>/exceptions/", exception_raise_view, name="exception_raise"),
    path(
        "<int:pk>/exceptions/<int:exception_pk>/steps/",
        exception_step_view,
        name="exception_add_step",
    ),
    path(
        "<int:pk>/exceptions/<int:exception_pk>/resolve/",
        exception_resolve_view,
        name="exception_resolve",
    ),
    path("<int:pk>/email/", send_email_view, name="send_email"),
    path("<int:pk>/calls/", log_call_view, name="log_call"),
    path(
        "<int:pk>/communications/<int:communication_pk>/sent/",
        communication_mark_sent_view,
        name="communication_mark_sent",
    ),
]
