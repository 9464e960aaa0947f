"""Forms for the staff pages (one module per page family)."""
