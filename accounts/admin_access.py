"""What a supervisor may do in the admin.

The roles are groups without Django model permissions (a role is checked by name in
the pages), so without this a supervisor, who is staff, would open an admin with
almost nothing in it. Each ModelAdmin or inline says what supervisors may do there;
superusers keep Django's rules, and every other role has no admin at all.
"""

from accounts.models import Role

VIEW, ADD, CHANGE = "view", "add", "change"


class SupervisorsMay:
    """ModelAdmin/inline mixin: `supervisors_may` names the actions a supervisor has
    here (view, add, change); nothing is ever deleted through it. Put it first in the
    bases, so a read-only base still refuses what is not named."""

    supervisors_may: frozenset[str] = frozenset({VIEW})

    def _supervisor_may(self, request, action: str) -> bool:
        user = request.user
        return (
            action in self.supervisors_may
            and user.is_active
            and user.is_staff
            and not user.is_superuser
            and user.has_role(Role.SUPERVISOR)
        )

    def has_module_permission(self, request) -> bool:
        return self._supervisor_may(request, VIEW) or super().has_module_permission(
            request
        )

    def has_view_permission(self, request, obj=None) -> bool:
        return self._supervisor_may(request, VIEW) or super().has_view_permission(
            request, obj
        )

    def has_add_permission(self, request, *args) -> bool:
        # ModelAdmin passes (request); an inline passes (request, obj).
        return self._supervisor_may(request, ADD) or super().has_add_permission(
            request, *args
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return self._supervisor_may(request, CHANGE) or super().has_change_permission(
            request, obj
        )
