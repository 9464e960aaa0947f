"""Contacting the customer from a template, letters as PDF, and supervisors' wording.

- orders:contact (staff): choose the purpose, see the recommended channel and why,
  preview and edit the message (the call script for a phone call), then send it or
  record it.
- orders:letter (staff): a letter sent from the contact page, as a PDF to print.
- orders:message_templates / orders:message_template_edit (supervisors): every
  purpose's wording, edited with a preview against a recent order.
"""

import logging

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from accounts.permissions import STAFF, role_required

from ..access import order_role_required
from ..documents import LETTERHEAD, PdfUnavailable, pdf_response, render_pdf
from ..exceptions import OrderInputError, OrderRuleError
from ..forms.detail import add_input_errors
from ..forms.messages import ContactForm, PurposeForm, TemplateForm
from ..message_templates import BUILT_IN, VARIANTS
from ..models import Communication, MessageTemplate, Order
from ..services.messages import (
    MessageTemplateError,
    channel_for,
    message_context,
    message_render,
    message_send,
    message_template_restore,
    message_template_save,
    render_text,
    template_validate,
    wording_for,
)

logger = logging.getLogger(__name__)
C = Communication.Channel


def _order(pk: int) -> Order:
    return get_object_or_404(Order.objects.select_related("customer"), pk=pk)


def _letters(order: Order):
    return order.communications.filter(channel=C.LETTER).order_by("-at", "-pk")


@require_http_methods(["GET", "POST"])
@order_role_required(*STAFF)
def contact(request, pk: int):
    """Choose a purpose, preview the message on the right channel, send or record it."""
    order = _order(pk)
    customer = order.customer
    recommended, recommended_large, why = channel_for(customer)
    context = {
        "order": order,
        "customer": customer,
        "recommended": recommended,
        "recommended_label": C(recommended).label,
        "recommended_large": recommended_large,
        "why": why,
        "letters": _letters(order),
    }
    status = 200
    if request.method == "POST":
        form = ContactForm(request.POST, order=order, recommended=recommended)
        if form.is_valid():
            data = form.cleaned_data
            try:
                communication = message_send(
                    order=order,
                    actor=request.user,
                    purpose=data["purpose"],
                    channel=data["channel"],
                    subject=data["subject"],
                    body=data["body"],
                    large_print=data["large_print"],
                    override_reason=data["override_reason"],
                    call_outcome=data["call_outcome"] or None,
                    call_back_at=data["call_back_at"],
                    expected_version=data["version"],
                )
            except OrderInputError as error:
                add_input_errors(form, error)
            except OrderRuleError as error:
                form.add_error(None, str(error))
            else:
                return _sent(request, order, communication)
        for field in ("version", "purpose"):
            # Hidden fields: their errors are shown above the form.
            for message in form.errors.get(field, []):
                form.add_error(None, message)
        purpose = form.data.get("purpose", "")
        channel = form.data.get("channel", "")
        status = 400
        purpose_form = PurposeForm(initial={"purpose": purpose, "channel": channel})
        context.update(
            purpose_form=purpose_form,
            form=form,
            purpose=purpose if purpose in Communication.Purpose.values else "",
            channel=channel,
        )
        return render(request, "orders/contact.html", context, status=status)

    purpose_form = PurposeForm(request.GET if "purpose" in request.GET else None)
    form = None
    if purpose_form.is_bound:
        if purpose_form.is_valid():
            data = purpose_form.cleaned_data
            purpose = data["purpose"]
            channel = data["channel"] or recommended
            large_print = (
                recommended_large
                if not data["large_print"]
                else data["large_print"] == "yes"
            )
            subject = body = ""
            try:
                subject, body = message_render(
                    order=order,
                    purpose=purpose,
                    large_print=large_print,
                    sender=request.user,
                )
            except OrderRuleError as error:
                context["render_error"] = (
                    f"{error} A supervisor can correct the wording on the message "
                    "templates page; meanwhile write the message yourself."
                )
            form = ContactForm(
                order=order,
                recommended=recommended,
                initial={
                    "purpose": purpose,
                    "channel": channel,
                    "large_print": large_print,
                    "subject": subject,
                    "body": body,
                },
            )
            context.update(purpose=purpose, channel=channel, large_print=large_print)
        else:
            status = 400
    context.update(purpose_form=purpose_form, form=form)
    return render(request, "orders/contact.html", context, status=status)


def _sent(request, order: Order, communication: Communication):
    if communication.channel == C.EMAIL:
        messages.success(
            request, f"E-mail to {order.customer.name} queued; it is sent once."
        )
    elif communication.channel == C.PHONE:
        outcome = communication.get_outcome_display()
        if communication.call_back_at:
            when = timezone.localtime(communication.call_back_at)
            outcome += f" (call back {when:%d/%m/%Y %H:%M})"
        messages.success(request, f"Call recorded: {outcome}.")
    elif communication.channel == C.LETTER:
        messages.success(
            request,
            "Letter recorded. Download it from “Letters for this order” below, "
            "then print and post it.",
        )
        return redirect(reverse("orders:contact", args=[order.pk]) + "#letters")
    else:
        messages.success(
            request, "Text message recorded: send it from the office phone."
        )
    return redirect(reverse("orders:detail", args=[order.pk]) + "#communications")


@require_http_methods(["GET"])
@order_role_required(*STAFF)
def letter(request, pk: int, communication_pk: int):
    """A letter recorded on the contact page, as a PDF (large print if it was)."""
    order = _order(pk)
    communication = get_object_or_404(
        Communication, pk=communication_pk, order=order, channel=C.LETTER
    )
    context = {
        "order": order,
        "customer": order.customer,
        "communication": communication,
        "letterhead": LETTERHEAD,
        "printed_on": timezone.localdate(),
        "pdf": True,
    }
    html = render_to_string("orders/documents/letter.html", context, request=request)
    try:
        pdf = render_pdf(html, base_url=request.build_absolute_uri())
    except PdfUnavailable as error:
        logger.error("Letter PDF refused: %s", error)
        context["pdf"] = False
        context["unavailable"] = True
        return HttpResponse(
            render_to_string("orders/documents/letter.html", context, request=request)
        )
    return pdf_response(
        pdf, filename=f"{order.reference}-letter-{communication.pk}.pdf"
    )


# -- supervisors' wording ----------------------------------------------------------


@require_http_methods(["GET"])
@role_required(Role.SUPERVISOR)
def message_templates(request):
    """Every purpose, standard and large print, with the wording used now."""
    saved = {(t.purpose, t.large_print): t for t in MessageTemplate.objects.all()}
    rows = []
    for purpose, label in Communication.Purpose.choices:
        variants = []
        for slug, large_print in VARIANTS.items():
            template = saved.get((purpose, large_print))
            standard = saved.get((purpose, False))
            used = template or standard or BUILT_IN[purpose]
            variants.append(
                {
                    "slug": slug,
                    "label": "Large print" if large_print else "Standard",
                    "subject": used.subject,
                    "customised": template,
                    "as_standard": large_print and not template and standard,
                    "url": reverse(
                        "orders:message_template_edit", args=[purpose, slug]
                    ),
                }
            )
        rows.append({"purpose": purpose, "label": label, "variants": variants})
    return render(request, "orders/message_templates.html", {"rows": rows})


def _recent_orders():
    """Live orders to preview a wording on: never a learner's practice order."""
    return list(
        Order.objects.filter(practice_learner__isnull=True)
        .select_related("customer")
        .order_by("-received_at", "-pk")[:20]
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR)
def message_template_edit(request, purpose: str, variant: str):
    """Edit one purpose's wording, preview it on a recent order, or restore it."""
    if purpose not in Communication.Purpose.values or variant not in VARIANTS:
        raise Http404("No such message template.")
    large_print = VARIANTS[variant]
    label = Communication.Purpose(purpose).label
    orders = _recent_orders()
    by_pk = {order.pk: order for order in orders}
    subject, body, customised = wording_for(purpose, large_print=large_print)
    status = 200
    action = request.POST.get("action", "preview")
    self_url = reverse("orders:message_template_edit", args=[purpose, variant])

    if request.method == "POST" and action == "restore":
        removed = message_template_restore(
            actor=request.user, purpose=purpose, large_print=large_print
        )
        messages.success(
            request,
            "Built-in wording restored."
            if removed
            else "This message already uses the built-in wording.",
        )
        return redirect(self_url)

    if request.method == "POST":
        form = TemplateForm(request.POST, orders=orders)
    else:
        initial = {"subject": subject, "body": body}
        if orders:
            initial["preview_order"] = orders[0].pk
        if "preview_order" in request.GET:
            form = TemplateForm(
                {
                    "subject": subject,
                    "body": body,
                    "preview_order": request.GET["preview_order"],
                },
                orders=orders,
            )
        else:
            form = TemplateForm(orders=orders, initial=initial)

    preview = None
    preview_order = orders[0] if orders else None
    if form.is_bound and form.is_valid():
        preview_order = by_pk.get(form.cleaned_data["preview_order"]) or preview_order
        sample = (
            message_context(preview_order, sender=request.user) if preview_order else {}
        )
        errors = template_validate(
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            context=sample,
        )
        for field, message in errors.items():
            form.add_error(field, message)
        if errors:
            status = 400
        elif action == "save" and request.method == "POST":
            try:
                message_template_save(
                    actor=request.user,
                    purpose=purpose,
                    large_print=large_print,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    context=sample,
                )
            except MessageTemplateError as error:
                form.add_error("body", str(error))
                status = 400
            except OrderRuleError as error:
                form.add_error(None, str(error))
                status = 400
            else:
                messages.success(request, f"Wording for “{label}” saved.")
                return redirect(self_url)
        if not errors and preview_order is not None:
            preview = {
                "subject": render_text(
                    form.cleaned_data["subject"], sample, field="subject"
                ),
                "body": render_text(form.cleaned_data["body"], sample).strip(),
            }
    elif form.is_bound:
        status = 400
    elif preview_order is not None:
        try:
            sample = message_context(preview_order, sender=request.user)
            preview = {
                "subject": render_text(subject, sample, field="subject"),
                "body": render_text(body, sample).strip(),
            }
        except MessageTemplateError as error:
            messages.error(request, str(error))

    return render(
        request,
        "orders/message_template_edit.html",
        {
            "purpose": purpose,
            "label": label,
            "variant": variant,
            "large_print": large_print,
            "customised": customised,
            "form": form,
            "preview": preview,
            "preview_order": preview_order,
            "self_url": self_url,
        },
        status=status,
    )


urlpatterns = [
    path("<int:pk>/contact/", contact, name="contact"),
    path(
        "<int:pk>/communications/<int:communication_pk>/letter.pdf",
        letter,
        name="letter",
    ),
    path("templates/", message_templates, name="message_templates"),
    path(
        "templates/<str:purpose>/<str:variant>/",
        message_template_edit,
        name="message_template_edit",
    ),
]
