"""Exports and their verification.

The exports page and the download serve the portfolio's learner and its assigned
assessor only (anyone else: 404, so a portfolio's existence is not revealed).
The verification page serves assessors and supervisors (others: 403); an assessor
verifies exports of portfolios assigned to them, a supervisor any export.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from accounts.permissions import role_required

from ..exceptions import ExportInvalid, PortfolioError
from ..exports import export_file, export_request, exports_of, may_use_exports
from ..models import Export, Portfolio
from ..verification import MAX_UPLOAD, verify_export

IN_PROGRESS = (Export.Status.QUEUED, Export.Status.BUILDING)


class ExportUploadForm(forms.Form):
    export = forms.FileField(
        label="Portfolio export (.zip)",
        help_text="The ZIP file OrderDesk gave you, unchanged; at most 50 MB.",
        error_messages={
            "required": "Choose the export's ZIP file.",
            "empty": "The file is empty.",
        },
    )

    def clean_export(self):
        upload = self.cleaned_data["export"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.0f} MB; an export is at "
                "most 50 MB. Choose the ZIP OrderDesk gave you."
            )
        return upload


def _portfolio(request: HttpRequest, pk: int) -> Portfolio:
    portfolio = get_object_or_404(
        Portfolio.objects.select_related("learner", "assessor"), pk=pk
    )
    if not may_use_exports(request.user, portfolio):
        raise Http404("No such portfolio.")
    return portfolio


def _export(request: HttpRequest, pk: int) -> Export:
    export = get_object_or_404(
        Export.objects.select_related("portfolio", "requested_by"), pk=pk
    )
    if not may_use_exports(request.user, export.portfolio):
        raise Http404("No such export.")
    return export


def _back(request: HttpRequest, portfolio: Portfolio) -> str | None:
    """The portfolio's own page for whoever is looking, once it exists."""
    if request.user.pk == portfolio.learner_id:
        candidates = [("portfolio:mine", [])]
    else:
        candidates = [("portfolio:review", [portfolio.pk])]
    for name, args in candidates:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


@require_http_methods(["GET", "POST"])
@login_required
def exports(request: HttpRequest, pk: int) -> HttpResponse:
    """Request an export (POST); the portfolio's exports, their progress and
    downloads (GET)."""
    portfolio = _portfolio(request, pk)
    if request.method == "POST":
        try:
            export = export_request(portfolio=portfolio, actor=request.user)
        except PortfolioError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"Export {export.pk} is being built. It appears below with a "
                "download link when it is ready.",
            )
        return redirect("portfolio:exports", pk=portfolio.pk)
    rows = list(exports_of(portfolio))
    context = {
        "portfolio": portfolio,
        "exports": rows,
        "building": any(row.status in IN_PROGRESS for row in rows),
        "back_url": _back(request, portfolio),
        "is_learner": request.user.pk == portfolio.learner_id,
    }
    return render(request, "portfolio/export_list.html", context)


@require_GET
@login_required
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    """One export's status, progress and download link (htmx polls it)."""
    export = _export(request, pk)
    return render(request, "portfolio/_export_status.html", {"export": export})


@require_GET
@login_required
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The export's ZIP, to its learner and assessor only."""
    export = _export(request, pk)
    if export.status != Export.Status.READY:
        raise Http404("This export is not ready.")
    file_path = export_file(export)
    if file_path is None:
        messages.error(
            request,
            f"The file of export {export.pk} is no longer on the server. Request a "
            "new export.",
        )
        return redirect("portfolio:exports", pk=export.portfolio_id)
    username = export.portfolio.learner.get_username()
    return FileResponse(
        file_path.open("rb"),
        as_attachment=True,
        filename=f"portfolio-{username}-export-{export.pk}.zip",
        content_type="application/zip",
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.ASSESSOR, Role.SUPERVISOR)
def verify(request: HttpRequest) -> HttpResponse:
    """Upload an export; the page says whether it matches what was signed off."""
    report, status = None, 200
    if request.method == "POST":
        form = ExportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["export"]
            try:
                report = verify_export(upload)
            except ExportInvalid as error:
                form.add_error("export", str(error))
            else:
                portfolio = report.portfolio
                if (
                    portfolio is not None
                    and not request.user.has_role(Role.SUPERVISOR)
                    and portfolio.assessor_id != request.user.pk
                ):
                    form.add_error(
                        "export",
                        "This export is of a portfolio that is not assigned to you. "
                        "Ask a supervisor to verify it.",
                    )
                    report = None
            finally:
                upload.close()
        if form.errors:
            status = 400
    else:
        form = ExportUploadForm()
    return render(
        request,
        "portfolio/verify.html",
        {"form": form, "report": report},
        status=status,
    )


urlpatterns = [
    path("<int:pk>/exports/", exports, name="exports"),
    path("exports/<int:pk>/status/", export_status, name="export_status"),
    path("exports/<int:pk>/download/", export_download, name="export_download"),
    path("verify/", verify, name="verify"),
]
