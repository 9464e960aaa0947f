"""The staff workspace's URLs: each views module lists its own routes."""

from .views import detail, documents, fulfilment, queues, receipt

app_name = "orders"

urlpatterns = [
    *queues.urlpatterns,
    *receipt.urlpatterns,
    *detail.urlpatterns,
    *fulfilment.urlpatterns,
    *documents.urlpatterns,
]
