"""Staff pages for orders, one module per kind of work (see orders/urls.py)."""
