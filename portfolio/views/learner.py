"""The learner's portfolio: the criteria with the assessor's feedback, the orders in
it with their evidence and reflections, adding and removing orders; and one order's
evidence, which its learner and the portfolio's assigned assessor may read.

A learner sees only their own portfolio (created on the first visit); an entry that
is neither theirs nor assigned to the assessor asking is a 404. A refusal
(PortfolioError, or bad input) is shown next to the form it came from and changes
nothing.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.permissions import role_required

from ..exceptions import PortfolioError
from ..forms import EntryAddForm, ReflectionForm
from ..models import Entry, Portfolio
from ..selectors import addable_orders, entry_evidence, entry_for, portfolio_view
from ..services import entry_add, entry_remove, portfolio_for, reflection_save


def _portfolio(request: HttpRequest) -> Portfolio:
    portfolio = portfolio_for(request.user)
    portfolio.learner = request.user  # already loaded: spare the page a query
    return portfolio


def _reflection_prefix(entry: Entry) -> str:
    return f"reflection-{entry.pk}"


def _render_mine(
    request: HttpRequest,
    portfolio: Portfolio,
    *,
    add_form: EntryAddForm | None = None,
    reflection_form: tuple[int, ReflectionForm] | None = None,
    remove_error: tuple[int, str] | None = None,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    view = portfolio_view(portfolio)
    add_form = add_form or EntryAddForm(orders=addable_orders(portfolio))
    for row in view.entries:
        if reflection_form and reflection_form[0] == row.entry.pk:
            row.reflection_form = reflection_form[1]
        else:
            row.reflection_form = ReflectionForm(
                prefix=_reflection_prefix(row.entry),
                initial={"text": row.entry.reflection},
            )
        row.remove_error = (
            remove_error[1] if remove_error and remove_error[0] == row.entry.pk else ""
        )
    # A locked portfolio hides its forms: a refusal is shown by the lock instead.
    context = {"view": view, "add_form": add_form, "refusal": refusal}
    return render(request, "portfolio/portfolio_mine.html", context, status=status)


@require_GET
@role_required(Role.LEARNER)
def mine(request: HttpRequest) -> HttpResponse:
    """The criteria summary with the feedback, the orders, and the sign-off."""
    return _render_mine(request, _portfolio(request))


@require_POST
@role_required(Role.LEARNER)
def entry_add_view(request: HttpRequest) -> HttpResponse:
    """Add one of the learner's orders to the portfolio."""
    portfolio = _portfolio(request)
    form = EntryAddForm(request.POST, orders=addable_orders(portfolio))
    if form.is_valid():
        try:
            entry = entry_add(learner=request.user, order=form.cleaned_data["order"])
        except PortfolioError as error:
            form.add_error(None, str(error))
            return _render_mine(
                request, portfolio, add_form=form, refusal=str(error), status=400
            )
        messages.success(request, f"{entry.order.reference} is now in your portfolio.")
        return redirect(f"{reverse('portfolio:mine')}#entry-{entry.pk}")
    return _render_mine(request, portfolio, add_form=form, status=400)


def _own_entry(request: HttpRequest, pk: int, portfolio: Portfolio) -> Entry:
    return get_object_or_404(
        Entry.objects.select_related("order"), pk=pk, portfolio=portfolio
    )


@require_POST
@role_required(Role.LEARNER)
def entry_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an order out of the portfolio (not while it is signed off)."""
    portfolio = _portfolio(request)
    entry = _own_entry(request, pk, portfolio)
    reference = entry.order.reference
    try:
        entry_remove(learner=request.user, entry=entry)
    except PortfolioError as error:
        return _render_mine(
            request,
            portfolio,
            remove_error=(entry.pk, str(error)),
            refusal=str(error),
            status=400,
        )
    messages.success(request, f"{reference} was taken out of your portfolio.")
    return redirect("portfolio:mine")


@require_POST
@role_required(Role.LEARNER)
def reflection_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the learner's reflection on one order."""
    portfolio = _portfolio(request)
    entry = _own_entry(request, pk, portfolio)
    form = ReflectionForm(request.POST, prefix=_reflection_prefix(entry))
    if form.is_valid():
        try:
            reflection_save(
                learner=request.user, entry=entry, text=form.cleaned_data["text"]
            )
        except PortfolioError as error:
            form.add_error(None, str(error))
            return _render_mine(
                request,
                portfolio,
                reflection_form=(entry.pk, form),
                refusal=str(error),
                status=400,
            )
        messages.success(
            request, f"Your reflection on {entry.order.reference} is saved."
        )
        return redirect(f"{reverse('portfolio:mine')}#entry-{entry.pk}")
    return _render_mine(
        request, portfolio, reflection_form=(entry.pk, form), status=400
    )


@require_GET
@role_required(Role.LEARNER, Role.ASSESSOR)
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One order's evidence: the stages, every event by stage, the criteria it
    meets with the events behind each, and the reflection."""
    entry = entry_for(request.user, pk)
    if entry is None:
        raise Http404("No such order in a portfolio you may read.")
    is_learner = entry.portfolio.learner_id == request.user.pk
    context = {"page": entry_evidence(entry), "is_learner": is_learner}
    return render(request, "portfolio/entry_detail.html", context)


urlpatterns = [
    path("", mine, name="mine"),
    path("entries/add/", entry_add_view, name="entry_add"),
    path("entries/<int:pk>/", entry_detail, name="entry"),
    path("entries/<int:pk>/remove/", entry_remove_view, name="entry_remove"),
    path("entries/<int:pk>/reflection/", reflection_view, name="reflection"),
]
