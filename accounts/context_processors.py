"""The navigation bar: each role sees only what it may use."""

from django.urls import NoReverseMatch, reverse

from .models import Role
from .permissions import FULFILMENT, PROCESSING, STAFF

NAVIGATION = [
    # (label, url name, roles that may use it)
    ("Queues", "orders:queues", STAFF),
    ("Orders", "orders:list", STAFF),
    ("New order", "orders:receive", PROCESSING),
    ("Goods in", "orders:goods_in", FULFILMENT),
    ("Follow-ups", "followup:queue", PROCESSING),
    ("Complaints", "followup:complaints", STAFF),
    ("Dashboard", "followup:dashboard", (Role.SUPERVISOR,)),
    ("Message templates", "orders:message_templates", (Role.SUPERVISOR,)),
    ("Administration", "admin:index", (Role.SUPERVISOR,)),
    ("The unit", "revision:overview", (Role.LEARNER, Role.ASSESSOR, Role.SUPERVISOR)),
    ("Quizzes", "revision:quizzes", (Role.LEARNER,)),
    ("Practice", "revision:practice", (Role.LEARNER,)),
    ("Reviews", "revision:review", (Role.LEARNER,)),
    ("Progress", "revision:progress", (Role.LEARNER,)),
    ("Plan", "revision:plan", (Role.LEARNER,)),
    ("Portfolio", "portfolio:mine", (Role.LEARNER,)),
    ("Portfolios", "portfolio:assessor_list", (Role.ASSESSOR,)),
    ("Verify an export", "portfolio:verify", (Role.ASSESSOR, Role.SUPERVISOR)),
]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    path = request.path
    items = []
    for label, name, roles in NAVIGATION:
        if user.has_role(*roles):
            try:
                url = reverse(name)
            except NoReverseMatch:  # a page not built yet
                continue
            items.append({"label": label, "url": url, "current": path == url})
    return {"navigation": items}
