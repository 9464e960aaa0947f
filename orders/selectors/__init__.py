"""Reads of orders, shaped for the pages (one module per page family)."""
