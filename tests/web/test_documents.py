"""Printable documents: confirmation slip, picking list, delivery note (HTML and PDF).

How the PDFs are checked without a PDF text extractor (poppler may not be
installed): the bytes served must be a PDF (`%PDF`), and its metadata, read by
inflating the PDF's compressed streams, must carry the order reference (WeasyPrint
writes the page <title> there). The printed text itself is checked on WeasyPrint's
own laid-out document, rendered from the same HTML by the same function the view
uses: every text box on every page, including the page-number footer that only
the documents' stylesheet adds, so that proves the stylesheet was read too.
"""

import re
import zlib

import pytest
from django.urls import reverse

from orders.documents import (
    PdfUnavailable,
    _static_fetcher_class,
    render_document,
    weasyprint_module,
)
from orders.models import Order
from orders.services import (
    order_cancel,
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    verification_run,
)
from tests.conftest import skip_or_fail

DOCUMENTS = ["confirmation", "picking-list"]


@pytest.fixture
def needs_weasyprint():
    try:
        weasyprint_module()
    except PdfUnavailable as error:
        skip_or_fail(f"needs WeasyPrint and its system libraries (Pango): {error}")


@pytest.fixture
def verified(receive, stocked_product):
    """A verified order of two lines (3 and 2 units)."""
    first, second = stocked_product(100), stocked_product(100)
    order = receive([(first.code, 3), (second.code, 2)], customer_po_ref="PO-7781")
    return verification_run(order_id=order.pk, worker="test-worker")


@pytest.fixture
def confirmed(verified, processor, tomorrow):
    return order_confirm(order=verified, actor=processor, promised_date=tomorrow)


@pytest.fixture
def shipment(confirmed, dispatcher):
    """A part shipment: 2 of line 1's 3 units."""
    order = order_start_fulfilment(order=confirmed, actor=dispatcher)
    first = order.lines.get(line_number=1)
    return order_dispatch(
        order=order,
        actor=dispatcher,
        carrier="Royal Mail",
        tracking_reference="RM123456GB",
        quantities={first.pk: 2},
    )


def _document_url(order: Order, kind: str) -> str:
    return reverse("orders:document", args=[order.pk, kind])


def _pdf_metadata(pdf: bytes) -> str:
    """The PDF's strings, its compressed streams inflated (titles, bookmarks)."""
    chunks = [pdf]
    for match in re.finditer(rb"/Length (\d+)[^>]*>>\s*stream\r?\n", pdf):
        data = pdf[match.end() : match.end() + int(match.group(1))]
        try:
            chunks.append(zlib.decompress(data))
        except zlib.error:
            continue
    text = b"\n".join(chunks)
    # Non-ASCII strings are written as UTF-16 hex: <FEFF...>.
    decoded = [
        bytes.fromhex(hexa.decode())[2:].decode("utf-16-be", "replace")
        for hexa in re.findall(rb"<FEFF((?:[0-9A-Fa-f]{4})+)>", text, re.IGNORECASE)
    ]
    return text.decode("latin-1") + "\n" + "\n".join(decoded)


def _printed_text(response) -> str:
    """The text WeasyPrint lays out on the pages for the HTML version of a response."""
    html = response.content.decode()
    document = render_document(
        html, base_url="http://testserver" + response.request["PATH_INFO"]
    )
    texts = []
    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(getattr(box, "text", None), str):
                texts.append(box.text)
    return " ".join(texts)


# --- confirmation slip -----------------------------------------------------------


def test_before_confirmation_the_slip_is_an_acknowledgement_with_the_date_to_follow(
    client, processor, verified
):
    # given a verified order, not yet confirmed
    client.force_login(processor)
    # when a processor opens its confirmation slip
    response = client.get(_document_url(verified, "confirmation"))
    # then it acknowledges the order, lists its lines and totals, and promises no date
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Order acknowledgement</h1>" in page
    assert "OrderDesk Supplies Ltd" in page
    assert verified.reference in page
    assert "PO-7781" in page
    for line in verified.lines.all():
        assert line.product_code in page
        assert line.description in page
    assert f"£{verified.gross_total}" in page
    assert "To follow" in page
    assert "Your delivery date will follow" in page


def test_after_confirmation_the_slip_states_the_promised_date(
    client, processor, confirmed, tomorrow
):
    client.force_login(processor)
    page = client.get(_document_url(confirmed, "confirmation")).content.decode()
    assert "<h1>Order confirmation</h1>" in page
    assert f"{tomorrow:%A} {tomorrow.day} {tomorrow:%B %Y}" in page
    assert "To follow" not in page


@pytest.mark.parametrize("role", ["dispatcher", "supervisor"])
def test_other_staff_may_print_the_confirmation_slip(client, request, role, confirmed):
    client.force_login(request.getfixturevalue(role))
    response = client.get(_document_url(confirmed, "confirmation"))
    assert response.status_code == 200


# --- picking list ----------------------------------------------------------------


def test_picking_list_lists_what_to_pick_for_a_dispatcher(
    client, dispatcher, confirmed
):
    # given a confirmed order of 3 and 2 units
    client.force_login(dispatcher)
    # when the dispatcher prints the picking list
    response = client.get(_document_url(confirmed, "picking-list"))
    # then it shows the reference, each line and the quantity to pick, and sign-offs
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Picking list</h1>" in page
    assert confirmed.reference in page
    for line in confirmed.lines.all():
        assert line.product_code in page
    assert "5 items to pick" in page
    assert "Picked by" in page
    assert "Checked by" in page


def test_picking_list_is_refused_to_a_processor(client, processor, confirmed):
    # given a processor (processing work, not the warehouse's)
    client.force_login(processor)
    # when they ask for the picking list, then it is refused
    assert client.get(_document_url(confirmed, "picking-list")).status_code == 403


def assert_no_list_to_pick(response, reason: str) -> None:
    """A page saying why there is no picking list: no lines to pick, no PDF."""
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert reason in page
    assert "to pick</caption>" not in page
    assert "Tick when picked" not in page
    assert "Picked by" not in page


@pytest.mark.parametrize("query", [{}, {"format": "pdf"}])
def test_picking_list_of_an_order_on_hold_says_it_is_not_ready_to_pick(
    client, dispatcher, held_order, query
):
    # given an order on hold, never confirmed, and a dispatcher
    order = held_order()
    client.force_login(dispatcher)
    # when its picking list is asked for, as HTML or PDF
    response = client.get(_document_url(order, "picking-list"), query)
    # then a page says why, and there is nothing to pick from
    assert_no_list_to_pick(
        response,
        f"Order {order.reference} is not ready to pick (its status is on hold).",
    )


@pytest.mark.parametrize("query", [{}, {"format": "pdf"}])
def test_picking_list_of_a_cancelled_order_says_there_is_nothing_to_pick(
    client, dispatcher, processor, verified, query
):
    order = order_cancel(order=verified, actor=processor, reason="Ordered twice")
    client.force_login(dispatcher)
    response = client.get(_document_url(order, "picking-list"), query)
    assert_no_list_to_pick(
        response, f"Order {order.reference} is cancelled: there is nothing to pick."
    )


def test_picking_list_of_a_dispatched_order_says_it_has_all_been_picked(
    client, dispatcher, confirmed
):
    order = order_start_fulfilment(order=confirmed, actor=dispatcher)
    order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    client.force_login(dispatcher)
    response = client.get(_document_url(order, "picking-list"))
    assert_no_list_to_pick(response, "has been dispatched")


def test_picking_list_is_printed_while_the_order_is_being_fulfilled(
    client, dispatcher, shipment
):
    # given an order part shipped (2 of line 1's 3 units gone), still being fulfilled
    client.force_login(dispatcher)
    # when its picking list is printed, then it lists what is left to pick
    response = client.get(_document_url(shipment.order, "picking-list"))
    assert response.status_code == 200
    assert "3 items to pick" in response.content.decode()


def test_pages_offer_the_picking_list_only_when_there_is_one_to_pick(
    client, dispatcher, held_order, confirmed
):
    client.force_login(dispatcher)
    # given an order on hold: neither its page nor its fulfilment page offers it
    held = held_order()
    for name in ("orders:detail", "orders:fulfil"):
        page = client.get(reverse(name, args=[held.pk])).content.decode()
        assert _document_url(held, "picking-list") not in page
    # and given a confirmed order, both do
    for name in ("orders:detail", "orders:fulfil"):
        page = client.get(reverse(name, args=[confirmed.pk])).content.decode()
        assert _document_url(confirmed, "picking-list") in page


# --- delivery note ---------------------------------------------------------------


def test_delivery_note_shows_what_the_shipment_contained(client, dispatcher, shipment):
    # given a part shipment of 2 units of line 1
    order = shipment.order
    first = order.lines.get(line_number=1)
    second = order.lines.get(line_number=2)
    client.force_login(dispatcher)
    # when its delivery note is opened
    response = client.get(reverse("orders:delivery_note", args=[shipment.pk]))
    # then it lists only what the shipment held, says more will follow, and has a
    # signature line
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Delivery note</h1>" in page
    assert f"{order.reference}/1" in page
    assert "Royal Mail" in page
    assert "RM123456GB" in page
    assert first.product_code in page
    assert second.product_code not in page
    assert "Goods in this delivery: 2 items" in page
    assert "This is a part delivery" in page
    assert "Signature" in page


def test_delivery_note_is_refused_to_a_processor(client, processor, shipment):
    client.force_login(processor)
    response = client.get(reverse("orders:delivery_note", args=[shipment.pk]))
    assert response.status_code == 403


def test_delivery_note_of_an_unknown_shipment_is_not_found(client, dispatcher):
    client.force_login(dispatcher)
    response = client.get(reverse("orders:delivery_note", args=[999999]))
    assert response.status_code == 404


# --- every document: roles and bad addresses ---------------------------------------


@pytest.mark.parametrize("role", ["learner", "assessor"])
def test_documents_are_refused_to_learners_and_assessors(
    client, request, role, shipment
):
    # given a live order with a shipment, and someone who sees no live orders
    client.force_login(request.getfixturevalue(role))
    urls = [_document_url(shipment.order, kind) for kind in DOCUMENTS]
    urls.append(reverse("orders:delivery_note", args=[shipment.pk]))
    # when they ask for any of its documents, as HTML or PDF, then it is refused
    for url in urls:
        assert client.get(url).status_code == 403
        assert client.get(url, {"format": "pdf"}).status_code == 403


def test_documents_send_an_anonymous_visitor_to_sign_in(client, shipment):
    urls = [_document_url(shipment.order, kind) for kind in DOCUMENTS]
    urls.append(reverse("orders:delivery_note", args=[shipment.pk]))
    for url in urls:
        response = client.get(url, {"format": "pdf"})
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_documents_refuse_a_post(client, dispatcher, shipment):
    # given an order with a shipment, and a dispatcher who may print its documents
    client.force_login(dispatcher)
    urls = [_document_url(shipment.order, kind) for kind in DOCUMENTS]
    urls.append(reverse("orders:delivery_note", args=[shipment.pk]))
    # when any of them is posted to, then the method is refused
    for url in urls:
        assert client.post(url).status_code == 405
        assert client.get(url).status_code == 200


def test_an_unknown_document_kind_is_not_found(client, supervisor, confirmed):
    client.force_login(supervisor)
    assert client.get(_document_url(confirmed, "invoice")).status_code == 404


def test_a_document_of_an_unknown_order_is_not_found(client, supervisor):
    client.force_login(supervisor)
    url = reverse("orders:document", args=[999999, "confirmation"])
    assert client.get(url).status_code == 404


# --- PDF -------------------------------------------------------------------------


@pytest.mark.usefixtures("needs_weasyprint")
@pytest.mark.parametrize("kind", DOCUMENTS)
def test_order_documents_download_as_pdf(client, supervisor, confirmed, kind):
    # given a confirmed order
    client.force_login(supervisor)
    url = _document_url(confirmed, kind)
    # when the document is asked for as PDF
    response = client.get(url, {"format": "pdf"})
    # then a PDF is downloaded, named after the order and the document
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{confirmed.reference}-{kind}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    assert confirmed.reference in _pdf_metadata(response.content)
    # and the printed pages carry the letterhead, reference and lines
    printed = _printed_text(client.get(url))
    assert "OrderDesk Supplies Ltd" in printed
    assert confirmed.reference in printed
    for line in confirmed.lines.all():
        assert line.product_code in printed
    assert "Page 1 of 1" in printed  # from documents.css: the stylesheet was read


@pytest.mark.usefixtures("needs_weasyprint")
def test_delivery_note_downloads_as_pdf(client, dispatcher, shipment):
    # given a shipment
    client.force_login(dispatcher)
    url = reverse("orders:delivery_note", args=[shipment.pk])
    order = shipment.order
    # when its delivery note is asked for as PDF
    response = client.get(url, {"format": "pdf"})
    # then a PDF is downloaded, carrying the reference and what was sent
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{order.reference}-delivery-note-1.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    assert order.reference in _pdf_metadata(response.content)
    printed = _printed_text(client.get(url))
    assert order.reference in printed
    assert order.lines.get(line_number=1).product_code in printed
    assert "Signature" in printed


def test_without_weasyprint_the_pdf_link_explains_and_offers_the_printable_page(
    client, supervisor, confirmed, monkeypatch
):
    # given a server where WeasyPrint cannot load
    def unavailable():
        raise PdfUnavailable("no Pango")

    monkeypatch.setattr("orders.documents.weasyprint_module", unavailable)
    client.force_login(supervisor)
    url = _document_url(confirmed, "confirmation")
    # when a PDF is asked for
    response = client.get(url, {"format": "pdf"}, follow=True)
    # then the printable page is shown with a message saying to print it instead
    assert response.redirect_chain == [(url, 302)]
    assert "PDF download is not available" in response.content.decode()


@pytest.mark.usefixtures("needs_weasyprint")
def test_pdf_rendering_fetches_only_orderdesks_static_files():
    # given the fetcher WeasyPrint is given for documents
    fetcher = _static_fetcher_class(weasyprint_module())("http://testserver/static/")
    # when it is asked for the documents' stylesheet, then it reads the file
    response = fetcher.fetch("http://testserver/static/css/documents.css")
    assert b"@page" in response.read()
    response.close()
    # and anything else (another site, a path outside static) is refused unread
    for url in (
        "http://example.com/x.css",
        "file:///etc/passwd",
        "http://testserver/static/../config/settings.py",
        "http://testserver/static/css/missing.css",
    ):
        with pytest.raises(ValueError, match="static file"):
            fetcher.fetch(url)


def test_documents_make_a_fixed_number_of_queries(
    client, supervisor, shipment, django_assert_num_queries
):
    # given an order with a shipment
    order = shipment.order
    client.force_login(supervisor)
    # when each document is opened, then each makes a fixed number of queries:
    # session, user, whose practice order it is, roles, order with customer, lines,
    # shipments with people, shipment lines (and the delivery note first finds the
    # shipment's order)
    for kind in DOCUMENTS:
        with django_assert_num_queries(8):
            client.get(_document_url(order, kind))
    with django_assert_num_queries(8):
        client.get(reverse("orders:delivery_note", args=[shipment.pk]))
