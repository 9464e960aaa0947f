"""The staff workspace's URLs: each views module lists its own routes."""

from .views import (
    amend,
    corrections,
    detail,
    documents,
    fulfilment,
    messages,
    payment,
    queues,
    receipt,
    stock,
)

app_name = "orders"

urlpatterns = [
    *queues.urlpatterns,
    *receipt.urlpatterns,
    *detail.urlpatterns,
    *fulfilment.urlpatterns,
    *documents.urlpatterns,
    *amend.urlpatterns,
    *stock.urlpatterns,
    *corrections.urlpatterns,
    *payment.urlpatterns,
    *messages.urlpatterns,
]
