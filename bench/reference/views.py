"""The two yardsticks the real pages are measured against.

- bare: the floor. A Django view that returns a few bytes through the whole
  middleware stack, touching neither the session nor the database.
- reference_list: the simplest correct order list. The same roles as the real list,
  50 orders a page in the model's default order (newest first), Django's Paginator
  (so a COUNT(*) over all orders), the customer joined with select_related and the
  lines fetched with prefetch_related, rendered by a plain template in the site's
  layout. No search, filters, sorting or age badges: what the features of the real
  list are compared with.
"""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import STAFF, role_required
from orders.models import Order

PAGE_SIZE = 50


@require_GET
def bare(request):
    return HttpResponse(b"ok\n", content_type="text/plain")


@require_GET
@role_required(*STAFF)
def reference_list(request):
    orders = Order.objects.select_related("customer").prefetch_related("lines")
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "bench_reference/order_list.html", {"page": page})
