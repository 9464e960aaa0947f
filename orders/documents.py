"""Printed documents: which exist, who may print them, and HTML → PDF (WeasyPrint).

The same template serves the browser (print it with the browser's Print) and the
PDF download. WeasyPrint renders with the print media type and reads the
documents' stylesheet through OrderDesk's own static files only: it fetches nothing
from the network, so nothing a customer typed can make the server load a URL.
"""

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse

from accounts.permissions import FULFILMENT, STAFF

LETTERHEAD = {
    "name": "OrderDesk Supplies Ltd",
    "address": "Unit 4, Riverside Trading Estate, Leeds LS10 1AB",
    "phone": "0113 496 0000",
    "email": "orders@orderdesk.example",
    "company_number": "Registered in England and Wales, company number 01234567",
    "vat_number": "VAT registration GB 123 4567 89",
}


@dataclass(frozen=True)
class DocumentKind:
    slug: str
    template: str
    roles: tuple[str, ...]


ORDER_DOCUMENTS: dict[str, DocumentKind] = {
    # The acknowledgement until the order is confirmed, then the confirmation slip.
    "confirmation": DocumentKind(
        "confirmation", "orders/documents/confirmation.html", STAFF
    ),
    "picking-list": DocumentKind(
        "picking-list", "orders/documents/picking_list.html", FULFILMENT
    ),
}
DELIVERY_NOTE = DocumentKind(
    "delivery-note", "orders/documents/delivery_note.html", FULFILMENT
)


class PdfUnavailable(Exception):
    """WeasyPrint or its system libraries (Pango) are not installed here."""


def weasyprint_module():
    """Import WeasyPrint, or raise PdfUnavailable saying why it cannot load."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:
        raise PdfUnavailable(f"WeasyPrint cannot load: {error}") from error
    return weasyprint


def _static_fetcher_class(weasyprint):
    class StaticFileFetcher(weasyprint.urls.URLFetcher):
        """Serve OrderDesk's static files to WeasyPrint; refuse every other URL."""

        def __init__(self, static_prefix: str):
            super().__init__()
            self.static_prefix = static_prefix

        def fetch(self, url, headers=None):
            if not url.startswith(self.static_prefix):
                raise ValueError(f"Documents load only OrderDesk's static files: {url}")
            name = unquote(urlsplit(url[len(self.static_prefix) :]).path)
            if ".." in name.split("/"):
                raise ValueError(f"Not a static file: {url}")
            path = None
            if staticfiles_storage.exists(name):
                path = staticfiles_storage.path(name)
            else:
                path = finders.find(name)
            if not path:
                raise ValueError(f"No such static file: {name}")
            with open(path, "rb") as file:
                body = file.read()
            content_type = "text/css" if name.endswith(".css") else ""
            return weasyprint.urls.URLFetcherResponse(
                url,
                body=body,
                headers={"Content-Type": content_type} if content_type else None,
            )

    return StaticFileFetcher


def render_document(html: str, *, base_url: str):
    """Lay out the document's HTML for print: a WeasyPrint Document (its pages).

    base_url is the page's own absolute URL, so links such as
    /static/css/documents.css resolve; only static files are fetched.
    """
    weasyprint = weasyprint_module()
    static_prefix = _absolute(base_url, settings.STATIC_URL)
    fetcher = _static_fetcher_class(weasyprint)(static_prefix)
    return weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=fetcher, media_type="print"
    ).render()


def render_pdf(html: str, *, base_url: str) -> bytes:
    """The document's HTML as PDF bytes."""
    return render_document(html, base_url=base_url).write_pdf()


def pdf_response(pdf: bytes, *, filename: str) -> HttpResponse:
    """A PDF download named filename."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _absolute(base_url: str, static_url: str) -> str:
    parts = urlsplit(base_url)
    if urlsplit(static_url).scheme:
        return static_url
    return f"{parts.scheme}://{parts.netloc}/{static_url.lstrip('/')}"
