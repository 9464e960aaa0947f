"""The built-in wording of every message to a customer, one per Communication.Purpose.

Each entry is a subject and a body written as Django template text. A supervisor
can save their own wording (a MessageTemplate row, per purpose and per large-print
variant), which is used instead; "restore the built-in wording" deletes the row.

Messages are rendered by orders.services.messages.message_render with a fixed
context of plain values (never model instances, so a template cannot reach beyond
what is listed here):

- ``order``: reference, customer_po_ref, received_at (date-time), requested_date,
  promised_date (dates or None), status (its label), delivery_address (one line),
  delivery_postcode, payment_method (its label), card_last4
- ``customer``: name, company, email, phone, postal_address (one line)
- ``lines``: a list; each has line_number, product_code, description, quantity,
  unit_price, net, status (its label), restock_date (date or None), backordered,
  substituted, cancelled (booleans)
- ``totals``: net, vat, gross (money as text, e.g. "12.50")
- ``promised_date``: the order's promised delivery date (or None)
- ``sender``: name (the person sending), company, phone, email (the company's)
- ``extra``: whatever the caller adds, all optional, for example feedback_url,
  complaint (category, summary, remedy, resolution, target_date), reason,
  amount, call_back_at

Plain, polite UK English. Bodies are plain text: the e-mail is sent as text, the
letter keeps the line breaks. Every message says how to reach us and quotes the
reference.
"""

from dataclasses import dataclass

from .models import Communication

P = Communication.Purpose


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str


GREETING = "Dear {{ customer.name }},\n\n"
SIGN_OFF = (
    "\n\nIf you have any questions, please call us on {{ sender.phone }} or e-mail "
    "{{ sender.email }}, quoting {{ order.reference }}.\n\n"
    "Kind regards,\n\n{{ sender.name }}\n{{ sender.company }}"
)
LINES = (
    "{% for line in lines %}{% if not line.cancelled %}"
    "- {{ line.quantity }} x {{ line.description }} ({{ line.product_code }})\n"
    "{% endif %}{% endfor %}"
)
PO = (
    "{% if order.customer_po_ref %} (your reference {{ order.customer_po_ref }})"
    "{% endif %}"
)


def _body(text: str) -> str:
    return GREETING + text + SIGN_OFF


BUILT_IN: dict[str, Wording] = {
    P.ACKNOWLEDGEMENT: Wording(
        "We have received your order {{ order.reference }}",
        _body(
            "Thank you for your order " + "{{ order.reference }}" + PO + ", which we "
            'received on {{ order.received_at|date:"j F Y" }}.\n\n'
            "You ordered:\n" + LINES + "\nTotal including VAT: £{{ totals.gross }}\n\n"
            "We are checking stock and payment now, and will confirm your delivery "
            "date shortly."
        ),
    ),
    P.CONFIRMATION: Wording(
        "Your order {{ order.reference }} is confirmed",
        _body(
            "We are pleased to confirm your order {{ order.reference }}"
            + PO
            + ".\n\n"
            + LINES
            + "\nTotal including VAT: £{{ totals.gross }}\n\n"
            "{% if promised_date %}We will deliver by "
            '{{ promised_date|date:"l j F Y" }} '
            "to {{ order.delivery_address }}, {{ order.delivery_postcode }}."
            "{% else %}We will let you know your delivery date shortly.{% endif %}"
        ),
    ),
    P.QUERY: Wording(
        "A question about your order {{ order.reference }}",
        _body(
            "Thank you for your order {{ order.reference }}" + PO + ". Before we go "
            "ahead, we need to check something with you.\n\n"
            "{% if extra.reason %}{{ extra.reason }}\n\n{% endif %}"
            "Please reply to this message or call us so that we can put it right and "
            "get your order on its way."
        ),
    ),
    P.EXCEPTION_NOTICE: Wording(
        "An update on your order {{ order.reference }}",
        _body(
            "We are sorry to tell you that there is a problem with your order "
            "{{ order.reference }}" + PO + ".\n\n"
            "{% if extra.reason %}{{ extra.reason }}\n\n{% endif %}"
            "We are working on it now and will contact you again as soon as we know "
            "more. We apologise for the inconvenience."
        ),
    ),
    P.BACKORDER_NOTICE: Wording(
        "Part of your order {{ order.reference }} is on backorder",
        _body(
            "We are sorry, but we do not have enough stock for part of your order "
            "{{ order.reference }}" + PO + ".\n\n"
            "{% for line in lines %}{% if line.backordered %}"
            "- {{ line.quantity }} x {{ line.description }}: "
            '{% if line.restock_date %}expected on {{ line.restock_date|date:"j F Y" }}'
            "{% else %}we are waiting for a date from our supplier{% endif %}\n"
            "{% endif %}{% endfor %}\n"
            "{% if promised_date %}We now expect to deliver by "
            '{{ promised_date|date:"l j F Y" }}. '
            "{% endif %}If you would rather cancel these items or receive a "
            "substitute, please let us know."
        ),
    ),
    P.SUBSTITUTION_NOTICE: Wording(
        "A substitute item in your order {{ order.reference }}",
        _body(
            "One or more items in your order {{ order.reference }}" + PO + " are not "
            "available, so with your agreement we are sending a substitute.\n\n"
            "Your order now contains:\n" + LINES + "\n"
            "Total including VAT: £{{ totals.gross }}\n\n"
            "If the substitute is not suitable, please tell us before it is "
            "dispatched."
        ),
    ),
    P.PARTIAL_NOTICE: Wording(
        "Part of your order {{ order.reference }} is on its way",
        _body(
            "We have sent part of your order {{ order.reference }}" + PO + " so that "
            "you are not kept waiting for everything.\n\n"
            "Still to follow:\n"
            "{% for line in lines %}{% if line.backordered %}"
            "- {{ line.quantity }} x {{ line.description }}"
            '{% if line.restock_date %} (expected {{ line.restock_date|date:"j F Y" }})'
            "{% endif %}\n{% endif %}{% endfor %}\n"
            "There is no extra delivery charge for the remaining items."
        ),
    ),
    P.PAYMENT_PROBLEM: Wording(
        "Payment for your order {{ order.reference }}",
        _body(
            "We were unable to take payment for your order {{ order.reference }}"
            + PO
            + "{% if order.card_last4 %} using the card ending "
            "{{ order.card_last4 }}{% endif %}.\n\n"
            "{% if extra.reason %}{{ extra.reason }}\n\n{% endif %}"
            "Your order is on hold and nothing has been charged. Please call us to "
            "give another card or to arrange another way to pay, and we will send "
            "your goods as soon as we can."
        ),
    ),
    P.DISPATCH_NOTICE: Wording(
        "Your order {{ order.reference }} has been dispatched",
        _body(
            "Good news: your order {{ order.reference }}" + PO + " is on its way to "
            "{{ order.delivery_address }}, {{ order.delivery_postcode }}.\n\n"
            + LINES
            + "{% if promised_date %}\nIt should arrive by "
            '{{ promised_date|date:"l j F Y" }}.'
            "{% endif %}"
            "{% if extra.tracking_reference %}\nTracking reference: "
            "{{ extra.tracking_reference }}{% endif %}"
        ),
    ),
    P.DELIVERY_CHECK: Wording(
        "Did your order {{ order.reference }} arrive safely?",
        _body(
            "We are getting in touch to check that your order {{ order.reference }}"
            + PO
            + " arrived safely and that everything was as you expected.\n\n"
            "If anything is missing, damaged or not right, please tell us and we "
            "will put it right."
            "{% if extra.feedback_url %}\n\nYou can also tell us here: "
            "{{ extra.feedback_url }}{% endif %}"
        ),
    ),
    P.SATISFACTION_REQUEST: Wording(
        "How did we do with your order {{ order.reference }}?",
        _body(
            "Thank you for ordering from us. We would be grateful if you could tell "
            "us how satisfied you were with your order {{ order.reference }}, on a "
            "scale of 1 (very unhappy) to 5 (very happy), and anything we could do "
            "better."
            "{% if extra.feedback_url %}\n\nIt takes a minute here: "
            "{{ extra.feedback_url }}{% endif %}"
        ),
    ),
    P.FOLLOW_UP: Wording(
        "Following up your order {{ order.reference }}",
        _body(
            "We are following up your order {{ order.reference }}" + PO + " to make "
            "sure everything went well. If there is anything we can help with, "
            "please let us know."
            "{% if extra.feedback_url %}\n\nYou can reply here: "
            "{{ extra.feedback_url }}{% endif %}"
        ),
    ),
    P.COMPLAINT_ACK: Wording(
        "We have received your complaint about order {{ order.reference }}",
        _body(
            "Thank you for telling us about the problem with your order "
            "{{ order.reference }}. We are sorry that it has not been right.\n\n"
            "{% if extra.complaint.summary %}You told us: "
            "{{ extra.complaint.summary }}\n\n{% endif %}"
            "{{ sender.name }} is looking after your complaint personally"
            "{% if extra.complaint.target_date %} and will reply by "
            '{{ extra.complaint.target_date|date:"l j F Y" }}'
            "{% endif %}."
        ),
    ),
    P.COMPLAINT_RESOLUTION: Wording(
        "Your complaint about order {{ order.reference }}",
        _body(
            "Thank you for your patience while we looked into your complaint about "
            "order {{ order.reference }}.\n\n"
            "{% if extra.complaint.resolution %}{{ extra.complaint.resolution }}\n\n"
            "{% endif %}"
            "{% if extra.complaint.remedy %}What we will do: "
            "{{ extra.complaint.remedy }}.\n\n{% endif %}"
            "We hope this puts things right. If you are not satisfied, please tell "
            "us and we will look at it again."
        ),
    ),
    P.CANCELLATION: Wording(
        "Your order {{ order.reference }} has been cancelled",
        _body(
            "Your order {{ order.reference }}" + PO + " has been cancelled"
            "{% if extra.reason %}: {{ extra.reason }}{% else %}.{% endif %}\n\n"
            "Nothing will be delivered, and any payment taken will be refunded in "
            "full."
        ),
    ),
    P.REFUND: Wording(
        "Your refund for order {{ order.reference }}",
        _body(
            "We have refunded "
            "{% if extra.amount %}£{{ extra.amount }}{% else %}your payment{% endif %}"
            " for order {{ order.reference }}" + PO + "."
            "{% if order.card_last4 %} It will go back to the card ending "
            "{{ order.card_last4 }} and may take up to 5 working days to show."
            "{% endif %}"
        ),
    ),
    P.OTHER: Wording(
        "About your order {{ order.reference }}",
        _body(
            "{% if extra.reason %}{{ extra.reason }}"
            "{% else %}(Write your message here.){% endif %}"
        ),
    ),
}

# Purposes that are courtesy contact: only to customers who agreed to it.
COURTESY_PURPOSES = frozenset({P.DELIVERY_CHECK, P.SATISFACTION_REQUEST, P.FOLLOW_UP})

VARIANTS = {"standard": False, "large-print": True}


def built_in(purpose: str) -> Wording:
    """The built-in wording for a purpose (the large-print variant uses the same
    words: large print changes the letter's type size, not what it says)."""
    return BUILT_IN[purpose]
