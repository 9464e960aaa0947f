"""The assessor's pages: the learners assigned to them, and one portfolio's review
criterion by criterion, with sign-off and the recorded unlock.

Only portfolios whose assessor is the person asking exist for them; any other is a
404. A refusal (PortfolioError, or bad input) is shown next to the form it came
from, and nothing changes.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.permissions import role_required
from revision.models import ContentItem, Section

from ..exceptions import PortfolioError
from ..forms import ReviewForm, SignOffForm, UnlockForm
from ..models import DECLARATION, Portfolio
from ..selectors import assigned_portfolios, portfolio_view
from ..services import evidence_check, review_record, sign_off, sign_off_undo


def _assigned(request: HttpRequest, pk: int) -> Portfolio:
    return get_object_or_404(
        Portfolio.objects.select_related("learner", "assessor"),
        pk=pk,
        assessor=request.user,
    )


def _review_prefix(identifier: str) -> str:
    return f"review-{identifier}"


def _back(portfolio: Portfolio, anchor: str) -> str:
    return f"{reverse('portfolio:review', args=[portfolio.pk])}#{anchor}"


@require_GET
@role_required(Role.ASSESSOR)
def assessor_list(request: HttpRequest) -> HttpResponse:
    """The learners assigned to the assessor, with their portfolios' standing."""
    rows = assigned_portfolios(request.user)
    return render(request, "portfolio/portfolio_assessor_list.html", {"rows": rows})


def _render_review(
    request: HttpRequest,
    portfolio: Portfolio,
    *,
    review_form: tuple[str, ReviewForm] | None = None,
    sign_off_form: SignOffForm | None = None,
    unlock_form: UnlockForm | None = None,
    status: int = 200,
) -> HttpResponse:
    view = portfolio_view(portfolio, with_history=True)
    for row in view.criteria:
        if review_form and review_form[0] == row.identifier:
            row.form = review_form[1]
        else:
            row.form = ReviewForm(prefix=_review_prefix(row.identifier))
    check = None
    if view.status.locked:
        matches, now, count = evidence_check(portfolio, view.status.latest)
        check = {"matches": matches, "final_hash": now, "event_count": count}
    context = {
        "view": view,
        "learner": portfolio.learner,
        "check": check,
        "declaration": DECLARATION,
        "sign_off_form": sign_off_form or SignOffForm(),
        "unlock_form": unlock_form or UnlockForm(),
    }
    return render(request, "portfolio/portfolio_review.html", context, status=status)


@require_GET
@role_required(Role.ASSESSOR)
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """Criterion by criterion: the criterion, what it must show, the evidence per
    order, the review history and the judgement form; then the sign-off."""
    return _render_review(request, _assigned(request, pk))


@require_POST
@role_required(Role.ASSESSOR)
def review_record_view(request: HttpRequest, pk: int, criterion: str) -> HttpResponse:
    """Record the assessor's judgement and comment on one criterion."""
    portfolio = _assigned(request, pk)
    item = get_object_or_404(
        ContentItem,
        identifier=criterion,
        section=Section.ASSESSMENT_CRITERION,
        active=True,
    )
    form = ReviewForm(request.POST, prefix=_review_prefix(item.identifier))
    if form.is_valid():
        try:
            review_record(
                portfolio=portfolio,
                assessor=request.user,
                criterion=item,
                verdict=form.cleaned_data["verdict"],
                comment=form.cleaned_data["comment"],
            )
        except PortfolioError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Your judgement on {item.identifier} is saved.")
            return redirect(_back(portfolio, f"criterion-{item.identifier}"))
    return _render_review(
        request, portfolio, review_form=(item.identifier, form), status=400
    )


@require_POST
@role_required(Role.ASSESSOR)
def sign_off_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign the portfolio off with the declaration; it is locked as it stands."""
    portfolio = _assigned(request, pk)
    form = SignOffForm(request.POST)
    if form.is_valid():
        try:
            sign_off(
                portfolio=portfolio,
                assessor=request.user,
                declared=form.cleaned_data["declared"],
            )
        except PortfolioError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"The portfolio of {portfolio.learner} is signed off and locked.",
            )
            return redirect(_back(portfolio, "sign-off"))
    return _render_review(request, portfolio, sign_off_form=form, status=400)


@require_POST
@role_required(Role.ASSESSOR)
def unlock_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo the sign-off, on the record with the reason."""
    portfolio = _assigned(request, pk)
    form = UnlockForm(request.POST)
    if form.is_valid():
        try:
            sign_off_undo(
                portfolio=portfolio,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except PortfolioError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"The portfolio of {portfolio.learner} is unlocked; the reason is "
                "on the record.",
            )
            return redirect(_back(portfolio, "sign-off"))
    return _render_review(request, portfolio, unlock_form=form, status=400)


urlpatterns = [
    path("assessor/", assessor_list, name="assessor_list"),
    path("<int:pk>/review/", review, name="review"),
    path(
        "<int:pk>/review/<slug:criterion>/",
        review_record_view,
        name="review_record",
    ),
    path("<int:pk>/sign-off/", sign_off_view, name="sign_off"),
    path("<int:pk>/unlock/", unlock_view, name="unlock"),
]
