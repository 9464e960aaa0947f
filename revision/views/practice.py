"""Practice on simulated orders (learners): the practice queue and scenario library,
one attempt (the order as the customer sent it, the conversation, the simulated
customer and warehouse, finishing), and the result.

The order itself is processed on the staff order pages (/orders/<pk>/), which link
back here through `practice_order`. An attempt that is not the requesting learner's
is a 404. Actions go through revision.services.practice; a refusal comes back as a
message on the page it was made from.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.permissions import role_required
from orders.models import Order

from ..exceptions import RevisionError
from ..forms_practice import PracticeAbandonForm
from ..models import PracticeAttempt, Scenario
from ..selectors.practice import (
    attempt_of,
    conversation,
    incoming_heading,
    practice_overview,
    result_view,
)
from ..services.practice import (
    practice_customer_replies,
    practice_finish,
    practice_fulfil,
    practice_start,
)


def _attempt(request: HttpRequest, pk: int) -> PracticeAttempt:
    return get_object_or_404(attempt_of(learner=request.user), pk=pk)


def _ended(attempt: PracticeAttempt) -> bool:
    return attempt.status != PracticeAttempt.Status.IN_PROGRESS


# -- the practice page -------------------------------------------------------------


@require_GET
@role_required(Role.LEARNER)
def practice(request: HttpRequest) -> HttpResponse:
    """The learner's practice queue, the scenario library and past attempts."""
    overview = practice_overview(learner=request.user)
    return render(request, "revision/practice_list.html", {"overview": overview})


@require_POST
@role_required(Role.LEARNER)
def practice_start_view(request: HttpRequest, identifier: str) -> HttpResponse:
    """Start a scenario: its order arrives in the learner's practice queue."""
    scenario = get_object_or_404(Scenario, identifier=identifier, active=True)
    try:
        attempt = practice_start(learner=request.user, scenario=scenario)
    except RevisionError as error:
        messages.error(request, str(error))
        return redirect("revision:practice")
    messages.success(
        request,
        f"Scenario {scenario.identifier} started: order {attempt.order.reference} "
        "is in your practice queue.",
    )
    return redirect("revision:practice_attempt", pk=attempt.pk)


# -- one attempt -------------------------------------------------------------------


def _render_attempt(
    request: HttpRequest,
    attempt: PracticeAttempt,
    abandon_form: PracticeAbandonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    order = attempt.order
    context = {
        "attempt": attempt,
        "scenario": attempt.scenario,
        "order": order,
        "incoming_heading": incoming_heading(attempt.scenario.channel),
        "messages_with_customer": conversation(order),
        "may_fulfil": order.status == Order.Status.CONFIRMED,
        "abandon_form": abandon_form or PracticeAbandonForm(),
    }
    return render(request, "revision/practice_attempt.html", context, status=status)


@require_GET
@role_required(Role.LEARNER)
def attempt_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The scenario, the order as the customer sent it, the link to the order in
    OrderDesk, the conversation so far, and the attempt's actions."""
    attempt = _attempt(request, pk)
    if _ended(attempt):
        return redirect("revision:practice_result", pk=attempt.pk)
    return _render_attempt(request, attempt)


@require_GET
@role_required(Role.LEARNER)
def practice_order(request: HttpRequest, order_pk: int) -> HttpResponse:
    """From a practice order's pages back to its attempt."""
    attempt = get_object_or_404(
        attempt_of(learner=request.user),
        order__pk=order_pk,  # not order_id: an id too large must be a 404, not a 500
    )
    return redirect("revision:practice_attempt", pk=attempt.pk)


def _back(attempt: PracticeAttempt, anchor: str = "") -> str:
    url = reverse("revision:practice_attempt", args=[attempt.pk])
    return f"{url}#{anchor}" if anchor else url


@require_POST
@role_required(Role.LEARNER)
def replies(request: HttpRequest, pk: int) -> HttpResponse:
    """The simulated customer answers the messages the learner has sent."""
    attempt = _attempt(request, pk)
    try:
        made = practice_customer_replies(attempt=attempt, learner=request.user)
    except RevisionError as error:
        messages.error(request, str(error))
        return redirect(_back(attempt))
    if made:
        count = len(made)
        messages.success(
            request,
            f"{count} new repl{'ies' if count > 1 else 'y'} from the customer.",
        )
    else:
        messages.info(
            request,
            "No new replies: the customer answers the messages you send them "
            "from the order's Contact page.",
        )
    return redirect(_back(attempt, "conversation"))


@require_POST
@role_required(Role.LEARNER)
def fulfil(request: HttpRequest, pk: int) -> HttpResponse:
    """The simulated warehouse picks, dispatches and delivers the order."""
    attempt = _attempt(request, pk)
    try:
        order = practice_fulfil(attempt=attempt, learner=request.user)
    except RevisionError as error:
        messages.error(request, str(error))
        return redirect(_back(attempt))
    messages.success(
        request,
        f"The warehouse picked, dispatched and delivered {order.reference} "
        "(simulated). Now follow it up with the customer from the order page.",
    )
    return redirect(_back(attempt))


@require_POST
@role_required(Role.LEARNER)
def finish(request: HttpRequest, pk: int) -> HttpResponse:
    """End the attempt and score it; abandoning needs the box ticked."""
    attempt = _attempt(request, pk)
    abandon = request.POST.get("abandon") == "1"
    if abandon and not _ended(attempt):
        form = PracticeAbandonForm(request.POST)
        if not form.is_valid():
            return _render_attempt(request, attempt, abandon_form=form, status=400)
    try:
        practice_finish(attempt=attempt, learner=request.user, abandon=abandon)
    except RevisionError as error:
        messages.error(request, str(error))
        return redirect(_back(attempt))
    return redirect("revision:practice_result", pk=attempt.pk)


# -- the result --------------------------------------------------------------------


@require_GET
@role_required(Role.LEARNER)
def result(request: HttpRequest, pk: int) -> HttpResponse:
    """Each marking point's verdict with its evidence and advice, and the attempt
    beside the model handling, step by step."""
    attempt = get_object_or_404(
        attempt_of(learner=request.user).select_related("result"), pk=pk
    )
    if not _ended(attempt) or not hasattr(attempt, "result"):
        return redirect("revision:practice_attempt", pk=attempt.pk)
    context = {
        "attempt": attempt,
        "scenario": attempt.scenario,
        "order": attempt.order,
        "result": attempt.result,
        "view": result_view(attempt),
    }
    return render(request, "revision/practice_result.html", context)


urlpatterns = [
    path("practice/", practice, name="practice"),
    path(
        "practice/<slug:identifier>/start/",
        practice_start_view,
        name="practice_start",
    ),
    path("practice/attempts/<int:pk>/", attempt_detail, name="practice_attempt"),
    path("practice/attempts/<int:pk>/replies/", replies, name="practice_replies"),
    path("practice/attempts/<int:pk>/fulfil/", fulfil, name="practice_fulfil"),
    path("practice/attempts/<int:pk>/finish/", finish, name="practice_finish"),
    path("practice/attempts/<int:pk>/result/", result, name="practice_result"),
    path("practice/orders/<int:order_pk>/", practice_order, name="practice_order"),
]
