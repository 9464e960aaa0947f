"""The follow-up queue and recording a follow-up (staff)."""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import PROCESSING, STAFF, role_required
from orders.access import ensure_may_open, is_practice, order_role_required
from orders.exceptions import OrderRuleError
from orders.models import Order, OrderLine

from ..forms import FollowUpRecordForm
from ..models import Complaint, FollowUp
from ..services import follow_up_record


@require_GET
@role_required(*PROCESSING)
def follow_up_queue(request):
    """Due follow-ups of live orders, the longest due first, overdue ones marked."""
    now = timezone.now()
    follow_ups = list(
        FollowUp.objects.filter(
            status=FollowUp.Status.DUE, order__practice_learner__isnull=True
        )
        .select_related("order__customer", "owner")
        .order_by("due_at", "pk")
    )
    overdue = sum(1 for follow_up in follow_ups if follow_up.due_at <= now)
    return render(
        request,
        "followup/queue.html",
        {"follow_ups": follow_ups, "now": now, "overdue": overdue},
    )


def _follow_up(pk: int) -> FollowUp:
    return get_object_or_404(
        FollowUp.objects.select_related("order__customer", "owner").prefetch_related(
            Prefetch(
                "order__lines",
                queryset=OrderLine.objects.select_related("product").order_by(
                    "line_number"
                ),
            )
        ),
        pk=pk,
    )


@require_http_methods(["GET", "POST"])
@role_required(*PROCESSING)
def follow_up_record_view(request, pk: int):
    """Record what came of a follow-up: method, outcome, satisfaction, comments."""
    follow_up = _follow_up(pk)
    order = follow_up.order
    ensure_may_open(request.user, order, *PROCESSING)
    status = 200
    if request.method == "POST":
        form = FollowUpRecordForm(request.POST, order=order)
        if form.is_valid():
            data = form.cleaned_data
            try:
                follow_up_record(
                    follow_up=follow_up,
                    actor=request.user,
                    method=data["method"],
                    outcome=data["outcome"],
                    satisfaction=data["satisfaction"],
                    comments=data["comments"],
                    complaint=data["complaint"],
                    complaint_category=data["complaint_category"],
                    expected_version=data["version"],
                )
            except OrderRuleError as error:
                messages.error(request, str(error))
                return redirect("followup:record", pk=follow_up.pk)
            follow_up.refresh_from_db()
            if follow_up.status == FollowUp.Status.DONE:
                messages.success(
                    request, f"Follow-up for order {order.reference} recorded."
                )
            else:
                messages.success(
                    request,
                    f"Attempt recorded; the follow-up for order {order.reference} "
                    "is still due.",
                )
            return redirect("followup:queue")
        status = 400
        # Errors on the hidden version field have no place beside a field.
        unplaced = [str(e) for e in form.non_field_errors()] + [
            str(e) for field in form.hidden_fields() for e in field.errors
        ]
        messages.error(
            request, " ".join(unplaced) or "Please correct the fields marked below."
        )
    else:
        form = FollowUpRecordForm(order=order)
    return render(
        request,
        "followup/record.html",
        {
            "follow_up": follow_up,
            "order": order,
            "form": form,
            "overdue": follow_up.due_at <= timezone.now(),
            "can_record": follow_up.status == FollowUp.Status.DUE,
        },
        status=status,
    )


@require_GET
@order_role_required(*STAFF, lookup="order_pk")
def order_follow_ups(request, order_pk: int):
    """A live order's follow-ups and complaints (a practice order has neither: its
    learner records the follow-up on the order page)."""
    order = get_object_or_404(Order.objects.select_related("customer"), pk=order_pk)
    if is_practice(order):
        raise Http404("No such order.")
    follow_ups = order.follow_ups.select_related("owner", "completed_by").order_by(
        "due_at", "pk"
    )
    complaints = Complaint.objects.filter(order=order).select_related("owner")
    return render(
        request,
        "followup/order.html",
        {
            "order": order,
            "follow_ups": follow_ups,
            "complaints": complaints,
            "now": timezone.now(),
            "order_url": reverse("orders:detail", args=[order.pk]),
        },
    )


urlpatterns = [
    path("", follow_up_queue, name="queue"),
    path("<int:pk>/record/", follow_up_record_view, name="record"),
    path("order/<int:order_pk>/", order_follow_ups, name="order"),
]
