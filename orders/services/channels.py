"""How to reach a customer: their accessibility needs first, then their preferred
channel, falling back to a channel their record has the details for. Used for every
message, whether a person sends it (messages) or a transition does (the
acknowledgement, the confirmation, the dispatch notice: communications)."""

from customers.models import ContactChannel

C = ContactChannel

_LARGE_PRINT = ("large print", "large-print", "largeprint", "partially sighted")
_PHONE_ONLY = ("phone only", "telephone only", "by phone", "no letters", "blind")
_TEXT = ("bsl", "deaf", "hard of hearing", "text only", "text message", "sms")


def reachable(customer, channel: str) -> bool:
    if channel == C.EMAIL:
        return bool(customer.email)
    if channel in (C.PHONE, C.SMS):
        return bool(customer.phone)
    if channel == C.LETTER:
        return bool(customer.address_line1 and customer.postcode)
    return False


def channel_for(customer) -> tuple[str, bool, str]:
    """(channel, large_print, why): how to reach this customer.

    Accessibility needs come first (large print, phone only, BSL or text), then the
    preferred channel; a channel without the details to use it falls back to one
    that has them.
    """
    needs = " ".join(customer.accessibility_needs.lower().split())
    preferred = customer.preferred_channel
    preferred_label = ContactChannel(preferred).label.lower()
    large_print = any(word in needs for word in _LARGE_PRINT)
    reasons = []
    channel = preferred
    # A need for writing comes first: "deaf, text me, not by phone" names the phone
    # only to rule it out.
    text_only = any(word in needs for word in _TEXT)
    if not text_only and any(word in needs for word in _PHONE_ONLY):
        channel = C.PHONE
        reasons.append(
            f"their accessibility needs say “{customer.accessibility_needs.strip()}”, "
            "so phone them"
        )
        large_print = False
    elif text_only:
        if preferred in (C.EMAIL, C.SMS, C.LETTER) and reachable(customer, preferred):
            channel = preferred
        else:
            channel = C.SMS if customer.phone else C.EMAIL
        reasons.append(
            f"their accessibility needs say “{customer.accessibility_needs.strip()}”, "
            "so write to them (text message, e-mail or letter), not a voice call"
        )
    else:
        reasons.append(f"they prefer {preferred_label}")
    if not reachable(customer, channel):
        missing = channel
        fallback = next(
            (
                c
                for c in (C.EMAIL, C.PHONE, C.LETTER, C.SMS)
                if c != missing and reachable(customer, c)
            ),
            channel,
        )
        if fallback != channel:
            reasons.append(
                f"but no {C(missing).label.lower()} details are recorded, so use "
                f"{C(fallback).label.lower()}"
            )
            channel = fallback
    if large_print:
        reasons.append("in large print (their accessibility needs ask for it)")
    why = "Recommended because " + ", ".join(reasons) + "."
    return channel, large_print, why
