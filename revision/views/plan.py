"""The learner's revision plan: setting its start date, moving it, ticking days off."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Role
from accounts.permissions import role_required

from ..exceptions import PlanDayNotYetError, RevisionError
from ..forms_plan import PlanStartForm, PlanTickForm
from ..selectors.plan import PlanDayView, plan_for
from ..services.plan import PLAN_DAYS, plan_day_tick, plan_start

DAYS_A_WEEK = 7


@dataclass
class PlanDayRow:
    """A plan day as the page shows it: which week, which day of that week."""

    view: PlanDayView
    week: int
    day_of_week: int
    error: str = ""  # why ticking it off was refused, shown beside it


def _rows(days: list[PlanDayView], errors: dict[int, str]) -> list[PlanDayRow]:
    return [
        PlanDayRow(
            view=day,
            week=(day.day - 1) // DAYS_A_WEEK + 1,
            day_of_week=(day.day - 1) % DAYS_A_WEEK + 1,
            error=errors.get(day.day, ""),
        )
        for day in days
    ]


def _plan_page(
    request,
    *,
    form: PlanStartForm | None = None,
    errors: dict[int, str] | None = None,
    status: int = 200,
):
    today = timezone.localdate()
    plan, days = plan_for(learner=request.user, today=today)
    if form is None:
        initial = {"starts_on": plan.starts_on if plan else today}
        form = PlanStartForm(initial=initial, today=today)
    return render(
        request,
        "revision/plan.html",
        {
            "plan": plan,
            "days": _rows(days, errors or {}),
            "done": sum(day.done for day in days),
            "plan_days": PLAN_DAYS,
            "ends_on": days[-1].date if days else None,
            "form": form,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.LEARNER)
def plan(request):
    if request.method == "GET":
        return _plan_page(request)
    form = PlanStartForm(request.POST, today=timezone.localdate())
    if not form.is_valid():
        return _plan_page(request, form=form, status=400)
    had_plan = hasattr(request.user, "revision_plan")
    starts_on = form.cleaned_data["starts_on"]
    plan_start(learner=request.user, starts_on=starts_on)
    when = f"{starts_on:%a} {starts_on.day} {starts_on:%b %Y}"
    if had_plan:
        messages.success(
            request,
            f"Your plan now starts on {when}. The days you ticked off stay ticked.",
        )
    else:
        messages.success(request, f"Your plan is set: day 1 is {when}.")
    return redirect("revision:plan")


@require_POST
@role_required(Role.LEARNER)
def plan_tick(request, day: int):
    if not 1 <= day <= PLAN_DAYS:
        raise Http404("A plan has fourteen days.")
    form = PlanTickForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Use the day's button to tick it off.")
        return _plan_page(request, status=400)
    done = form.cleaned_data["done"]
    try:
        plan_day_tick(learner=request.user, day=day, done=done)
    except PlanDayNotYetError as error:
        # Said beside the day. htmx swaps in only a successful answer, so it gets
        # the page with the error as 200; a plain form post gets it as 400.
        return _plan_page(
            request,
            errors={error.day: str(error)},
            status=200 if request.htmx else 400,
        )
    except RevisionError as error:
        messages.error(request, str(error))
        return redirect("revision:plan")
    if request.htmx:
        # htmx swaps in just this day (and the count) from the page.
        return _plan_page(request)
    if done:
        messages.success(request, f"Day {day} ticked off. Well done.")
    else:
        messages.success(request, f"Day {day} is no longer ticked off.")
    return redirect(reverse("revision:plan") + f"#day-{day}")


urlpatterns = [
    path("plan/", plan, name="plan"),
    path("plan/days/<int:day>/", plan_tick, name="plan_tick"),
]
