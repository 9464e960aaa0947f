"""Reads of customers, shaped for their callers."""

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Replace, Upper

from .models import Customer

CUSTOMER_SEARCH_MIN_LENGTH = 2
CUSTOMER_SEARCH_LIMIT = 10


def _live_customers() -> QuerySet[Customer]:
    """Real customers (never a practice scenario's), each with its postcode upper
    case and without spaces as compact_postcode ("LS11AA" finds "LS1 1AA")."""
    return Customer.objects.annotate(
        compact_postcode=Replace(Upper("postcode"), Value(" "), Value(""))
    ).filter(practice=False)


def customer_search(
    *, query: str, limit: int = CUSTOMER_SEARCH_LIMIT
) -> QuerySet[Customer]:
    """Live customers whose name, company, e-mail or postcode contains the query
    (a practice scenario's simulated customers are never found).

    Postcodes match with or without their space ("LS11AA" finds "LS1 1AA"). A query
    shorter than two characters matches nobody rather than everybody.
    """
    query = " ".join(query.split())
    if len(query) < CUSTOMER_SEARCH_MIN_LENGTH:
        return Customer.objects.none()
    compact = query.replace(" ", "").upper()
    return (
        _live_customers()
        .filter(
            Q(name__icontains=query)
            | Q(company__icontains=query)
            | Q(email__icontains=query)
            | Q(compact_postcode__contains=compact)
        )
        .order_by("name", "pk")[:limit]
    )


def customers_matching(*, name: str, email: str, postcode: str) -> QuerySet[Customer]:
    """Live customers who may be the person being added: the same e-mail address,
    or the same name at the same postcode (case, spacing and the postcode's space
    aside)."""
    compact = "".join(postcode.split()).upper()
    same = Q(name__iexact=" ".join(name.split()), compact_postcode=compact) & ~Q(
        compact_postcode=""
    )
    if email.strip():
        same |= Q(email__iexact=email.strip())
    return _live_customers().filter(same).order_by("pk")
