"""Messages to the customer: wording from templates, the right channel, sent once.

- message_render: a purpose's subject and body (the supervisor's wording if saved,
  else the built-in one) rendered in a sandbox with a fixed context of plain values.
- channel_for: the channel (and large print) from the customer's preference and
  accessibility needs, with the reason in words.
- message_send: send an e-mail (queued, sent once by communication_send_task) or
  record a phone call (its outcome), a letter (printable as a PDF) or a text.
- message_template_save / message_template_restore: a supervisor's wording.
"""

from django.db import transaction
from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone

from accounts.models import Role
from accounts.permissions import STAFF

from .. import tasks as order_tasks
from ..documents import LETTERHEAD
from ..exceptions import OrderRuleError
from ..message_templates import BUILT_IN, COURTESY_PURPOSES
from ..models import Communication, MessageTemplate, Order, OrderEvent, OrderLine
from .background import enqueue_after_commit
from .channels import channel_for, reachable
from .dates import ensure_not_too_far_ahead
from .events import event_record
from .lifecycle import ensure_role, order_lock, order_save

C = Communication.Channel
SENDABLE_CHANNELS = (C.EMAIL, C.PHONE, C.LETTER, C.SMS)
CALL_OUTCOMES = (
    Communication.Outcome.REACHED,
    Communication.Outcome.VOICEMAIL,
    Communication.Outcome.NO_ANSWER,
    Communication.Outcome.CALL_BACK,
)

# Sandbox: no loaders (no {% include %}/{% extends %} of files), no libraries to
# {% load %}, and plain text out (no HTML escaping of e-mail text).
_ENGINE = Engine(loaders=[], libraries={}, autoescape=False, debug=False)
_FORBIDDEN_TAGS = ("{% debug", "{%debug")


class MessageTemplateError(OrderRuleError):
    """A template's text cannot be used; the message says where and why."""


# -- rendering ---------------------------------------------------------------------


def message_context(order: Order, *, sender=None, extra: dict | None = None) -> dict:
    """The fixed, documented context (see orders/message_templates.py)."""
    customer = order.customer
    lines = []
    for line in order.lines.all().order_by("line_number"):
        lines.append(
            {
                "line_number": line.line_number,
                "product_code": line.product_code,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": f"{line.unit_price:.2f}",
                "net": f"{line.net:.2f}",
                "status": str(line.get_status_display()),
                "restock_date": line.restock_date,
                "backordered": line.status == OrderLine.Status.BACKORDERED,
                "substituted": line.substitute_for_id is not None,
                "cancelled": line.status in OrderLine.INACTIVE_STATUSES,
            }
        )
    sender_name = ""
    if sender is not None:
        sender_name = sender.get_full_name() or sender.get_username()
    return {
        "order": {
            "reference": order.reference,
            "customer_po_ref": order.customer_po_ref,
            "received_at": timezone.localtime(order.received_at),
            "requested_date": order.requested_date,
            "promised_date": order.promised_date,
            "status": str(order.get_status_display()),
            "delivery_address": ", ".join(
                part.strip() for part in order.delivery_address.splitlines() if part
            ),
            "delivery_postcode": order.delivery_postcode,
            "payment_method": str(order.get_payment_method_display()),
            "card_last4": order.card_last4,
        },
        "customer": {
            "name": customer.name,
            "company": customer.company,
            "email": customer.email,
            "phone": customer.phone,
            "postal_address": ", ".join(customer.postal_address.splitlines()),
        },
        "lines": lines,
        "totals": {
            "net": f"{order.net_total:.2f}",
            "vat": f"{order.vat_total:.2f}",
            "gross": f"{order.gross_total:.2f}",
        },
        "promised_date": order.promised_date,
        "sender": {
            "name": sender_name or f"The {LETTERHEAD['name']} team",
            "company": LETTERHEAD["name"],
            "phone": LETTERHEAD["phone"],
            "email": LETTERHEAD["email"],
        },
        "extra": dict(extra or {}),
    }


def _compile(text: str, field: str):
    if any(tag in text for tag in _FORBIDDEN_TAGS):
        raise MessageTemplateError(f"The {field} cannot use the debug tag.")
    try:
        return _ENGINE.from_string(text)
    except TemplateSyntaxError as error:
        raise MessageTemplateError(
            f"The {field} has a template error: {error}. Check the {{{{ }}}} and "
            "{% %} markers are paired and each {% if %} or {% for %} is closed."
        ) from error
    except TemplateDoesNotExist as error:  # pragma: no cover - no loaders
        raise MessageTemplateError(
            f"The {field} refers to another template, which is not allowed."
        ) from error


def render_text(text: str, context: dict, *, field: str = "body") -> str:
    """Render one template text in the sandbox; any error is a MessageTemplateError."""
    template = _compile(text, field)
    try:
        return template.render(Context(context, autoescape=False))
    except MessageTemplateError:
        raise
    except Exception as error:  # a filter given a bad argument, an include, ...
        raise MessageTemplateError(
            f"The {field} could not be filled in with the order's details: {error}"
        ) from error


def template_validate(*, subject: str, body: str, context: dict) -> dict[str, str]:
    """Errors by field name ('subject', 'body') for template text; empty if fine."""
    errors = {}
    for field, text in (("subject", subject), ("body", body)):
        try:
            render_text(text, context, field=field)
        except MessageTemplateError as error:
            errors[field] = str(error)
    return errors


def wording_for(purpose: str, *, large_print: bool = False) -> tuple[str, str, bool]:
    """(subject, body, customised) for a purpose: the saved wording, else built-in.

    The large-print variant without wording of its own uses the saved standard
    wording (large print changes the type size of the letter, not the words).
    """
    if purpose not in Communication.Purpose.values:
        raise OrderRuleError("Choose what the message is about.")
    variants = [True, False] if large_print else [False]
    saved = {
        t.large_print: t
        for t in MessageTemplate.objects.filter(
            purpose=purpose, large_print__in=variants
        )
    }
    for variant in variants:
        if variant in saved:
            return saved[variant].subject, saved[variant].body, variant == large_print
    wording = BUILT_IN[purpose]
    return wording.subject, wording.body, False


def message_render(
    *,
    order: Order,
    purpose: str,
    large_print: bool = False,
    extra: dict | None = None,
    sender=None,
) -> tuple[str, str]:
    """The subject and body of a message about the order, ready to preview.

    Raises MessageTemplateError (an OrderRuleError) naming the problem if the
    saved wording cannot be rendered; never anything else.
    """
    subject_text, body_text, _ = wording_for(purpose, large_print=large_print)
    context = message_context(order, sender=sender, extra=extra)
    subject = render_text(subject_text, context, field="subject")
    body = render_text(body_text, context, field="body")
    # A subject is one line: collapse any line breaks the template left.
    return " ".join(subject.split())[:200], body.strip()


# -- channel -----------------------------------------------------------------------

# -- sending -----------------------------------------------------------------------


@transaction.atomic
def message_send(
    *,
    order: Order,
    actor,
    purpose: str,
    channel: str,
    subject: str,
    body: str,
    large_print: bool = False,
    override_reason: str = "",
    call_outcome: str | None = None,
    call_back_at=None,
    expected_version: int | None = None,
) -> Communication:
    """Send (e-mail) or record (phone call, letter, text) a message to the customer.

    Refused, with the reason: an unknown purpose or channel, an empty message, a
    channel other than the recommended one without a reason, courtesy contact to a
    customer who has not agreed to it, a channel the customer has no details for, a
    phone call without its outcome, or a call-back time that is not in the future
    (or is more than a year ahead: an input error on call_back_at).
    """
    ensure_role(actor, *STAFF, order=order)
    errors = []
    if purpose not in Communication.Purpose.values:
        errors.append("Choose what the message is about.")
    if channel not in SENDABLE_CHANNELS:
        errors.append("Choose e-mail, phone, letter or text message.")
    if not body.strip():
        errors.append("Write the message.")
    if errors:
        raise OrderRuleError(" ".join(errors))
    order = order_lock(order, expected_version)
    customer = order.customer
    if purpose in COURTESY_PURPOSES and not customer.consent_to_contact:
        raise OrderRuleError(
            f"{customer.name} has not agreed to courtesy contact (follow-ups and "
            "surveys), so this message cannot be sent. Record any contact they "
            "start themselves instead."
        )
    recommended, _, _ = channel_for(customer)
    override_reason = override_reason.strip()
    if channel != recommended and not override_reason:
        raise OrderRuleError(
            f"{customer.name} should be contacted by "
            f"{C(recommended).label.lower()}. Give the reason for using "
            f"{C(channel).label.lower()} instead."
        )
    if not reachable(customer, channel):
        detail = {
            C.EMAIL: "e-mail address",
            C.PHONE: "phone number",
            C.SMS: "phone number",
            C.LETTER: "postal address",
        }[channel]
        raise OrderRuleError(
            f"{customer.name} has no {detail} recorded. Correct their details or "
            "choose another channel."
        )
    if channel == C.PHONE:
        if call_outcome not in CALL_OUTCOMES:
            raise OrderRuleError(
                "Record how the call went: spoke to the customer, left a voicemail, "
                "no answer, or asked to be called back."
            )
        if call_outcome == Communication.Outcome.CALL_BACK:
            if call_back_at is None:
                raise OrderRuleError(
                    "Give the date and time to call the customer back."
                )
            if call_back_at <= timezone.now():
                raise OrderRuleError(
                    "The call-back time has passed: give a date and time in the future."
                )
            ensure_not_too_far_ahead(call_back_at, field="call_back_at")
        elif call_back_at is not None:
            raise OrderRuleError(
                "A call-back time is only for a customer who asked to be called back."
            )
        outcome = call_outcome
    elif channel == C.EMAIL:
        outcome = Communication.Outcome.QUEUED
    else:
        # A letter to print and post, a text to send from the phone: to do.
        outcome = Communication.Outcome.PENDING
    if channel != C.PHONE and (call_outcome or call_back_at):
        raise OrderRuleError("A call outcome is only recorded for a phone call.")
    communication = Communication.objects.create(
        order=order,
        channel=channel,
        purpose=purpose,
        subject=" ".join(subject.split())[:200],
        content=body.strip(),
        outcome=outcome,
        actor=actor,
        call_back_at=call_back_at if channel == C.PHONE else None,
        large_print=bool(large_print),
        channel_override_reason=override_reason if channel != recommended else "",
    )
    event_record(
        order=order,
        kind=OrderEvent.Kind.COMMUNICATION,
        actor=actor,
        data={
            "communication_id": communication.pk,
            "channel": channel,
            "direction": communication.direction,
            "purpose": purpose,
            "outcome": outcome,
            "large_print": communication.large_print,
            "channel_override_reason": communication.channel_override_reason,
            "call_back_at": call_back_at.isoformat() if call_back_at else None,
            "subject": communication.subject,
            "content": communication.content,
        },
    )
    order_save(order, [])
    if outcome == Communication.Outcome.QUEUED:
        enqueue_after_commit(
            order_tasks.communication_send_task, communication_id=communication.pk
        )
    return communication


# -- supervisors' wording ----------------------------------------------------------


def _sample_context() -> dict:
    order = (
        Order.objects.filter(practice_learner__isnull=True)
        .select_related("customer")
        .order_by("-received_at")
        .first()
    )
    if order is not None:
        return message_context(order)
    return {"order": {}, "customer": {}, "lines": [], "totals": {}, "extra": {}}


@transaction.atomic
def message_template_save(
    *,
    actor,
    purpose: str,
    large_print: bool,
    subject: str,
    body: str,
    context: dict | None = None,
) -> MessageTemplate:
    """Save a supervisor's wording for one purpose (and variant), replacing any.

    Refused if the text has a template error (the messages name the field).
    """
    ensure_role(actor, Role.SUPERVISOR)
    if purpose not in Communication.Purpose.values:
        raise OrderRuleError("Choose what the message is about.")
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise OrderRuleError("Write both the subject and the message.")
    errors = template_validate(
        subject=subject, body=body, context=context or _sample_context()
    )
    if errors:
        raise MessageTemplateError(" ".join(errors.values()))
    template, _ = MessageTemplate.objects.update_or_create(
        purpose=purpose,
        large_print=large_print,
        defaults={"subject": subject, "body": body, "updated_by": actor},
    )
    return template


@transaction.atomic
def message_template_restore(*, actor, purpose: str, large_print: bool) -> bool:
    """Go back to the built-in wording; True if a saved wording was removed."""
    ensure_role(actor, Role.SUPERVISOR)
    deleted, _ = MessageTemplate.objects.filter(
        purpose=purpose, large_print=large_print
    ).delete()
    return bool(deleted)
