"""The staff queues and the order list: where people find the work to do."""

from datetime import datetime
from functools import cache

from crispy_forms.utils import render_crispy_form
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.permissions import STAFF, role_required

from ..forms.lists import SORT_CHOICES, OrderListForm
from ..models import Order
from ..selectors.lists import (
    QUEUES,
    line_summaries,
    order_list,
    queue_for_order,
    queue_orders,
    queue_summaries,
    queues_for,
    stage_details,
)

PAGE_SIZE = 50

# Column headings that sort the list: (heading, sort key ascending).
SORTABLE_COLUMNS = {
    "reference": "Reference",
    "customer": "Customer",
    "received": "Received",
    "total": "Total",
}
SORT_LABELS = dict(SORT_CHOICES)


@require_GET
@role_required(*STAFF)
def queue_overview(request):
    """The queues this person works: how many orders, how many overdue, the oldest."""
    now = timezone.now()
    summaries = queue_summaries(queues_for(request.user), now)
    return render(request, "orders/queue_overview.html", {"summaries": summaries})


@require_GET
@role_required(*STAFF)
def queue_detail(request, slug: str):
    """One queue's orders, oldest first, each against the queue's target time."""
    queue = QUEUES.get(slug)
    if queue is None:
        raise Http404("No such queue.")
    if not request.user.has_role(*queue.roles):
        raise PermissionDenied(
            f"The {queue.title.lower()} queue is not part of your role."
        )
    now = timezone.now()
    page = Paginator(queue_orders(queue), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(order, queue.timing(order, now)) for order in page]
    context = {
        "queue": queue,
        "target": queue.target,
        "page": page,
        "rows": rows,
        "overdue_on_page": sum(1 for _, timing in rows if timing.overdue),
        "queues": queues_for(request.user),
    }
    return render(request, "orders/queue_detail.html", context)


def _sort_headings(current: str) -> dict[str, dict]:
    """Each sortable column: the sort its heading link gives, and aria-sort."""
    headings = {}
    for key, label in SORTABLE_COLUMNS.items():
        ascending = current == key
        descending = current == f"-{key}"
        headings[key] = {
            "key": key,
            "label": label,
            # A click on the sorted column reverses it; newest/largest first
            # is the useful start for dates and money.
            "next": (
                f"-{key}"
                if ascending or (not descending and key in ("received", "total"))
                else key
            ),
            "aria_sort": (
                "ascending" if ascending else "descending" if descending else ""
            ),
        }
    return headings


@cache
def _blank_form_html() -> str:
    """The unbound search form's HTML: the same for every request."""
    return render_crispy_form(OrderListForm())


@cache
def _default_filters() -> dict:
    return OrderListForm(data={}).filters()


def _list_rows(orders: list[Order], now: datetime) -> list[dict]:
    """The list's rows as ready-made text: the template only prints them.

    Formatting here rather than in template tags keeps a 50-row page cheap to
    render (template variable lookups and {% url %} per row add up).
    """
    stage_details(orders)
    lines = line_summaries([order.pk for order in orders])
    rows = []
    for order in orders:
        queue = queue_for_order(order)
        timing = queue.timing(order, now) if queue else None
        late = (
            f"Overdue in ‘{queue.title}’: {timing.against_target}"
            if timing and timing.overdue
            else ""
        )
        rows.append(
            {
                "order": order,
                "url": reverse("orders:detail", args=[order.pk]),
                "reference": order.reference,
                "customer": order.customer.name,
                "company": order.customer.company,
                "received": timezone.localtime(order.received_at).strftime(
                    "%-d %b %Y %H:%M"
                ),
                "channel": order.get_channel_display(),
                "lines": lines.get(order.pk, ""),
                "status": order.get_status_display(),
                "open_exception": order.has_open_exception,
                "late": late,
                "total": f"£{order.gross_total:,.2f}",
            }
        )
    return rows


@require_GET
@role_required(*STAFF)
def order_list_view(request):
    """All orders: search, filter, sort and page through them."""
    now = timezone.now()
    # A request with no search fields (the first visit, or only ?page=) shows the
    # blank form, rendered once per process: crispy costs ~10 ms a render, a third
    # of the page's time.
    searched = any(name in request.GET for name in OrderListForm.base_fields)
    form = OrderListForm(request.GET) if searched else None
    filters = form.filters() if form else dict(_default_filters())
    page = Paginator(order_list(now=now, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = _list_rows(list(page), now)
    context = {
        "form": form,
        "blank_form": None if form else _blank_form_html(),
        "page": page,
        "rows": rows,
        "sort": filters["sort"],
        "sort_label": SORT_LABELS[filters["sort"]],
        "headings": _sort_headings(filters["sort"]),
        "filtered": any(
            value not in ("", None, False)
            for key, value in filters.items()
            if key != "sort"
        ),
    }
    template = "orders/order_list.html"
    if request.htmx and request.htmx.target == "order-list":
        template = "orders/_order_list_results.html"
    return render(request, template, context)


urlpatterns = [
    path("queues/", queue_overview, name="queues"),
    path("queues/<slug:slug>/", queue_detail, name="queue"),
    path("", order_list_view, name="list"),
]
