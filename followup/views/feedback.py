"""The customer's private feedback page (no account needed)."""

from django.shortcuts import render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from orders.exceptions import OrderRuleError

from ..forms import FeedbackForm
from ..services import FeedbackLinkInvalid, feedback_link_find, feedback_record


def _invalid(request, error: FeedbackLinkInvalid):
    return render(
        request,
        "followup/feedback_invalid.html",
        {"message": str(error)},
        status=error.status,
    )


@never_cache
@csrf_protect
def feedback(request, token: str):
    """Rate an order (1 to 5) and comment, once, by the link in our e-mail.

    Shows only the order's reference and its first line.
    """
    try:
        link = feedback_link_find(token)
    except FeedbackLinkInvalid as error:
        return _invalid(request, error)
    order = link.follow_up.order
    first_line = order.lines.select_related("product").order_by("line_number").first()
    status = 200
    if request.method == "POST":
        form = FeedbackForm(request.POST)
        if form.is_valid():
            try:
                feedback_record(
                    token=token,
                    satisfaction=form.cleaned_data["satisfaction"],
                    comments=form.cleaned_data["comments"],
                )
            except FeedbackLinkInvalid as error:
                return _invalid(request, error)
            except OrderRuleError as error:
                form.add_error(None, str(error))
                status = 400
            else:
                return render(
                    request, "followup/feedback_thanks.html", {"order": order}
                )
        else:
            status = 400
    else:
        form = FeedbackForm()
    return render(
        request,
        "followup/feedback.html",
        {"order": order, "first_line": first_line, "form": form},
        status=status,
    )


urlpatterns = [
    path("feedback/<str:token>/", feedback, name="feedback"),
]
