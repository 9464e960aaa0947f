from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from .models import Role
from .permissions import STAFF


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """POST only (Django's default), so a link or prefetch cannot sign anyone out."""


def home(request):
    """Staff start at their queues; everyone else sees what is there for them."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if request.user.has_role(*STAFF):
        return redirect("orders:queues")
    if request.user.has_role(Role.LEARNER, Role.ASSESSOR):
        try:  # revision lives to the right of accounts: reach it by name only
            return redirect(reverse("revision:overview"))
        except NoReverseMatch:
            pass
    return render(request, "home.html")
