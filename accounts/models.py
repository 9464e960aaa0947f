from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    """The jobs people do in OrderDesk; each is a Django group of the same name."""

    PROCESSOR = "processor", "Order processor"
    DISPATCHER = "dispatcher", "Dispatcher"
    SUPERVISOR = "supervisor", "Supervisor"
    LEARNER = "learner", "Learner"
    ASSESSOR = "assessor", "Assessor"


class User(AbstractUser):
    """A person who signs in. Roles are group memberships (see Role)."""

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def has_role(self, *roles: str) -> bool:
        """True for a superuser or a member of any of the named role groups."""
        if self.is_superuser:
            return True
        names = self.role_names
        return any(role in names for role in roles)

    @property
    def role_names(self) -> frozenset[str]:
        # Cached on the instance: a page asks several times per request.
        if not hasattr(self, "_role_names"):
            self._role_names = frozenset(self.groups.values_list("name", flat=True))
        return self._role_names
