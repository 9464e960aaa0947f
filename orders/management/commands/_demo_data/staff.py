"""Demo accounts: one per role, and a superuser. Passwords are in README.md."""

from accounts.models import Role

from .specs import DemoAccount

ACCOUNTS = (
    DemoAccount("processor", Role.PROCESSOR, "Jade", "Turner"),
    DemoAccount("dispatcher", Role.DISPATCHER, "Lee", "Barker"),
    DemoAccount("supervisor", Role.SUPERVISOR, "Sunita", "Rao"),
    DemoAccount("learner", Role.LEARNER, "Ellie", "Watson"),
    DemoAccount("assessor", Role.ASSESSOR, "Martin", "Clarke"),
    DemoAccount("admin", None, "Alex", "Kerr"),
)
