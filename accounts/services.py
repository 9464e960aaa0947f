from django.contrib.auth.models import Group
from django.db import transaction

from .models import Role, User


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: Role | str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a person with one role; staff roles may also use the admin."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=Role(role) == Role.SUPERVISOR,
    )
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=Role(role).value))
    return user
