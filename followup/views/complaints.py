"""Complaints: list, open, HEAT steps, remedy, resolution (staff).

Each action is a POST: its form validates; the service does the work at the
version of the order the page was opened at; a refusal becomes a message in the
service's own words; invalid input re-shows the page (400) with the messages next
to the fields; success goes back to the complaint (post/redirect/get).
"""

from collections.abc import Callable

from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import STAFF, role_required
from orders.access import ensure_may_open, is_practice, order_role_required
from orders.exceptions import OrderRuleError
from orders.models import Communication, Order, OrderEvent

from ..complaints import (
    HEAT_STEPS,
    RejectRight,
    complaint_open,
    complaint_record_heat,
    complaint_refusal,
    complaint_resolve,
    complaint_set_remedy,
    heat_complete,
)
from ..forms_complaints import ComplaintOpenForm, HeatForm, RemedyForm, ResolveForm
from ..models import Complaint

RESOLVED_SHOWN = 50
COMPLAINT_PURPOSES = (
    Communication.Purpose.COMPLAINT_ACK,
    Communication.Purpose.COMPLAINT_RESOLUTION,
)


def _form_errors(form) -> str:
    """A summary for the top of the page; each message also sits by its field,
    except the hidden version's and the whole form's, which are spelt out here."""
    whole = [
        message
        for name in ("__all__", "version")
        for message in form.errors.get(name, [])
    ]
    fields = [name for name in form.errors if name not in ("__all__", "version")]
    if fields:
        whole.append(
            "Please correct the highlighted field."
            if len(fields) == 1
            else f"Please correct the {len(fields)} highlighted fields."
        )
    return " ".join(dict.fromkeys(whole))


def _complaint(pk: int, user) -> Complaint:
    """The complaint, or 404 (a practice order's to anyone but its learner)."""
    complaint = get_object_or_404(
        Complaint.objects.select_related(
            "order__customer",
            "opened_by",
            "heat_recorded_by",
            "owner",
            "resolved_by",
            "follow_up",
        ),
        pk=pk,
    )
    ensure_may_open(user, complaint.order, *STAFF)
    return complaint


# -- the list ----------------------------------------------------------------------


@require_GET
@role_required(*STAFF)
def complaint_list(request: HttpRequest) -> HttpResponse:
    """Open complaints first (soonest target first, overdue ones marked), then the
    most recently resolved: live orders' only."""
    today = timezone.localdate()
    base = Complaint.objects.filter(
        order__practice_learner__isnull=True
    ).select_related("order__customer", "owner")
    open_complaints = list(
        base.filter(status=Complaint.Status.OPEN)
        .annotate(
            overdue_first=Case(
                When(target_date__lt=today, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("overdue_first", "target_date", "opened_at", "pk")
    )
    resolved = list(
        base.filter(status=Complaint.Status.RESOLVED).order_by("-resolved_at", "-pk")[
            :RESOLVED_SHOWN
        ]
    )
    rows = [
        {
            "complaint": complaint,
            "overdue": complaint.target_date is not None
            and complaint.target_date < today,
            "heat": sum(1 for _, field, _ in HEAT_STEPS if getattr(complaint, field)),
        }
        for complaint in open_complaints
    ]
    context = {
        "rows": rows,
        "overdue_count": sum(1 for row in rows if row["overdue"]),
        "resolved": resolved,
        "resolved_shown": RESOLVED_SHOWN,
        "heat_total": len(HEAT_STEPS),
        "today": today,
    }
    return render(request, "followup/complaint_list.html", context)


# -- opening one -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@order_role_required(*STAFF, lookup="order_pk")
def complaint_open_view(request: HttpRequest, order_pk: int) -> HttpResponse:
    """Record a complaint about an order in the customer's own words (a live
    order's: a practice scenario has no complaints pages)."""
    order = get_object_or_404(Order.objects.select_related("customer"), pk=order_pk)
    if is_practice(order):
        raise Http404("No such order.")
    refusal = complaint_refusal(order)
    if refusal:
        # Why, and no form: the order page offers a complaint only from dispatch.
        return render(
            request,
            "followup/complaint_open.html",
            {"order": order, "refusal": refusal},
            status=200 if request.method == "GET" else 409,
        )
    right = RejectRight.for_order(order, timezone.localdate())
    if request.method == "GET":
        form = ComplaintOpenForm(order=order)
        status = 200
    else:
        form = ComplaintOpenForm(request.POST, order=order)
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = complaint_open(
                    order=order,
                    actor=request.user,
                    customer_words=data["customer_words"],
                    category=data["category"],
                    expected_version=data["version"],
                )
            except OrderRuleError as error:
                messages.error(request, str(error))
                return redirect(request.path)
            messages.success(
                request,
                "Complaint recorded and acknowledged to the customer. Now record "
                "the HEAT steps.",
            )
            return redirect("followup:complaint", pk=complaint.pk)
        messages.error(request, _form_errors(form))
        status = 400
    context = {"order": order, "form": form, "right": right}
    return render(request, "followup/complaint_open.html", context, status=status)


# -- one complaint -----------------------------------------------------------------


def _render_complaint(
    request: HttpRequest, complaint: Complaint, bound: dict | None = None, status=200
) -> HttpResponse:
    bound = bound or {}
    order = complaint.order
    right = RejectRight.for_complaint(complaint)
    events = list(
        OrderEvent.objects.filter(
            order=order,
            kind__in=(
                OrderEvent.Kind.COMPLAINT_OPENED,
                OrderEvent.Kind.COMPLAINT_STEP,
                OrderEvent.Kind.COMPLAINT_RESOLVED,
            ),
            data__complaint_id=complaint.pk,
        )
        .select_related("actor")
        .order_by("at", "pk")
    )
    step_by = {
        e.data.get("step"): e
        for e in events
        if e.kind == OrderEvent.Kind.COMPLAINT_STEP
    }
    steps = [
        {
            "name": name,
            "words": words,
            "at": getattr(complaint, field),
            "by": step_by[name].by if name in step_by else "",
        }
        for name, field, words in HEAT_STEPS
    ]
    remedy_events = [
        e
        for e in events
        if e.kind == OrderEvent.Kind.COMPLAINT_STEP and e.data.get("step") == "remedy"
    ]
    is_open = complaint.status == Complaint.Status.OPEN
    remedy_labels = dict(Complaint.Remedy.choices)

    def form(slot: str, make: Callable[[], object]):
        return bound.get(slot) or make()

    context = {
        "complaint": complaint,
        "order": order,
        "right": right,
        "steps": steps,
        "heat_complete": heat_complete(complaint),
        "remedy_history": [
            {
                "event": e,
                "remedy": remedy_labels.get(e.data.get("remedy"), ""),
                "note": e.data.get("note", ""),
            }
            for e in remedy_events
        ],
        "communications": list(
            order.communications.filter(purpose__in=COMPLAINT_PURPOSES).order_by(
                "at", "pk"
            )
        ),
        "is_open": is_open,
        "overdue": is_open
        and complaint.target_date is not None
        and complaint.target_date < timezone.localdate(),
        "heat_form": form("heat", lambda: HeatForm(order=order, complaint=complaint))
        if is_open and not heat_complete(complaint)
        else None,
        "remedy_form": form(
            "remedy",
            lambda: RemedyForm(
                order=order,
                initial={"remedy": complaint.remedy} if complaint.remedy else None,
            ),
        )
        if is_open
        else None,
        "resolve_form": form("resolve", lambda: ResolveForm(order=order))
        if is_open
        else None,
        "can_resolve": is_open and heat_complete(complaint) and bool(complaint.remedy),
    }
    return render(request, "followup/complaint_detail.html", context, status=status)


@require_GET
@role_required(*STAFF)
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one complaint, and the forms for its next steps."""
    return _render_complaint(request, _complaint(pk, request.user))


def _act(
    request: HttpRequest,
    pk: int,
    slot: str,
    make_form: Callable[[Complaint], object],
    service: Callable[[Complaint, dict], object],
    success: str,
    anchor: str,
) -> HttpResponse:
    complaint = _complaint(pk, request.user)
    form = make_form(complaint)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _render_complaint(request, complaint, bound={slot: form}, status=400)
    try:
        service(complaint, form.cleaned_data)
    except OrderRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect(reverse("followup:complaint", args=[pk]) + anchor)


@require_POST
@role_required(*STAFF)
def complaint_heat_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "heat",
        lambda c: HeatForm(request.POST, order=c.order, complaint=c),
        lambda c, data: complaint_record_heat(
            complaint=c,
            actor=request.user,
            heard=data.get("heard", False),
            empathised=data.get("empathised", False),
            apologised=data.get("apologised", False),
            owner=data.get("owner"),
            action_plan=data.get("action_plan", ""),
            expected_version=data["version"],
        ),
        "HEAT steps recorded.",
        "#heat",
    )


@require_POST
@role_required(*STAFF)
def complaint_remedy_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "remedy",
        lambda c: RemedyForm(request.POST, order=c.order),
        lambda c, data: complaint_set_remedy(
            complaint=c,
            actor=request.user,
            remedy=data["remedy"],
            note=data["note"],
            expected_version=data["version"],
        ),
        "Remedy recorded.",
        "#remedy",
    )


@require_POST
@role_required(*STAFF)
def complaint_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "resolve",
        lambda c: ResolveForm(request.POST, order=c.order),
        lambda c, data: complaint_resolve(
            complaint=c,
            actor=request.user,
            resolution=data["resolution"],
            customer_satisfied=data["customer_satisfied"],
            expected_version=data["version"],
        ),
        "Complaint resolved; the customer has been sent the resolution.",
        "",
    )


urlpatterns = [
    path("complaints/", complaint_list, name="complaints"),
    path(
        "order/<int:order_pk>/complaint/",
        complaint_open_view,
        name="complaint_open",
    ),
    path("complaints/<int:pk>/", complaint_detail, name="complaint"),
    path("complaints/<int:pk>/heat/", complaint_heat_view, name="complaint_heat"),
    path("complaints/<int:pk>/remedy/", complaint_remedy_view, name="complaint_remedy"),
    path(
        "complaints/<int:pk>/resolve/",
        complaint_resolve_view,
        name="complaint_resolve",
    ),
]
