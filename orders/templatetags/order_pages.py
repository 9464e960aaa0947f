"""Pieces every page of one order shows."""

from django import template

from ..views.practice import practice_banner as banner_for

register = template.Library()


@register.inclusion_tag("orders/_practice_banner.html")
def practice_banner(order):
    """On a practice order's pages: what it is, and the way back to the attempt."""
    return {"practice": banner_for(order)}
