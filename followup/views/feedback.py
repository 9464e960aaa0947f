"""The customer's private feedback page (no account needed)."""

urlpatterns: list = []
