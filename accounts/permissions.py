"""Who may use which page: every view names the roles it serves."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

from .models import Role

STAFF = (Role.PROCESSOR, Role.DISPATCHER, Role.SUPERVISOR)
PROCESSING = (Role.PROCESSOR, Role.SUPERVISOR)
FULFILMENT = (Role.DISPATCHER, Role.SUPERVISOR)


def role_required(*roles: str) -> Callable:
    """Sign-in required, then one of the roles (or a superuser), else 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not request.user.has_role(*roles):
                raise PermissionDenied("Your role does not include this page.")
            return view(request, *args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


class RoleRequiredMixin(LoginRequiredMixin):
    """Class-based form of role_required: set `roles` on the view."""

    roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_role(*self.roles):
            raise PermissionDenied("Your role does not include this page.")
        return super().dispatch(request, *args, **kwargs)
