"""Filling in the receipt form in the browser, as more than one test does."""

from tests.conftest import APPROVE_CARD


def take_by_email_paying_by_card(page, card: str = APPROVE_CARD) -> None:
    """Say the order came by e-mail and is paid by card, with the card number."""
    page.get_by_role("group", name="How the order came in").get_by_label(
        "E-mail"
    ).check()
    page.get_by_role("group", name="Payment method").get_by_label(
        "Card", exact=True
    ).check()
    page.get_by_label("Card number").fill(card)
