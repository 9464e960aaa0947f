"""The supervisors' service dashboard, its targets and CSV export."""

import csv
from decimal import Decimal

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from accounts.permissions import role_required

from .. import kpis
from ..forms_dashboard import DashboardFilterForm, TargetsForm
from ..models import ServiceTarget


def _filtered(request):
    form = DashboardFilterForm(request.GET or None)
    if request.GET:
        period, group = form.period_and_group()
    else:
        period, group = kpis.Period.last_days(30), kpis.DAY
    return form, period, group


def _query(period: kpis.Period, group: str) -> str:
    return urlencode(
        {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "group": group,
        }
    )


def _fmt(value) -> str:
    """A figure as plain text for a spreadsheet: 72.0 -> "72", never "1e+06"."""
    if value is None:
        return ""
    return format(Decimal(str(value)).normalize(), "f")


def _chart_data(board: kpis.Dashboard) -> dict:
    """What static/js/dashboard.js draws, one series per chart (tables carry it too)."""
    charts = {
        kpi.key: {
            "label": f"{kpi.label} ({kpi.unit})",
            "labels": [row.label for row in kpi.series],
            "values": [row.value for row in kpi.series],
            "target": float(kpi.target.value),
        }
        for kpi in board.kpis
    }
    charts["exceptions"] = {
        "label": "Exceptions opened",
        "labels": [row.label for row in board.exceptions_series],
        "values": [row.value for row in board.exceptions_series],
        "target": None,
    }
    charts["complaints_opened"] = {
        "label": "Complaints opened",
        "labels": [row.label for row in board.complaints_opened_series],
        "values": [row.value for row in board.complaints_opened_series],
        "target": None,
    }
    return charts


@require_GET
@role_required(Role.SUPERVISOR)
def dashboard(request):
    form, period, group = _filtered(request)
    board = kpis.dashboard(period, group)
    query = _query(period, group)
    return render(
        request,
        "followup/dashboard.html",
        {
            "form": form,
            "board": board,
            "query": query,
            "group_label": kpis.GROUPS[group],
            "chart_data": _chart_data(board),
            "fell_back": bool(request.GET) and not form.is_valid(),
        },
    )


@require_GET
@role_required(Role.SUPERVISOR)
def dashboard_csv(request):
    _form, period, group = _filtered(request)
    board = kpis.dashboard(period, group)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="service-{period.start}-to-{period.end}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            "section",
            "measure",
            "group",
            "value",
            "unit",
            "count",
            "target",
            "better",
            "met",
        ]
    )
    for kpi in board.kpis:
        met = "" if kpi.met is None else ("yes" if kpi.met else "no")
        writer.writerow(
            [
                "total",
                kpi.label,
                f"{period.start} to {period.end}",
                _fmt(kpi.value),
                kpi.unit,
                kpi.count,
                _fmt(kpi.target.value),
                kpi.direction,
                met,
            ]
        )
        for name, extra in kpi.extra.items():
            writer.writerow(
                [
                    "total",
                    f"{kpi.label}: {name}",
                    "",
                    _fmt(extra),
                    kpi.unit,
                    kpi.count,
                    "",
                    "",
                    "",
                ]
            )
        for row in kpi.series:
            writer.writerow(
                [
                    group,
                    kpi.label,
                    row.label,
                    _fmt(row.value),
                    kpi.unit,
                    row.count,
                    "",
                    "",
                    "",
                ]
            )
        for row in kpi.by_person:
            writer.writerow(
                [
                    kpi.person_role,
                    kpi.label,
                    row.label,
                    _fmt(row.value),
                    kpi.unit,
                    row.count,
                    "",
                    "",
                    "",
                ]
            )
    for row in board.exceptions_by_kind:
        writer.writerow(
            [
                "exceptions by kind",
                "Exceptions opened",
                row.label,
                row.value,
                "exceptions",
                row.count,
                "",
                "",
                "",
            ]
        )
    writer.writerow(
        [
            "total",
            "Complaints opened",
            f"{period.start} to {period.end}",
            board.complaints_opened,
            "complaints",
            board.complaints_opened,
            "",
            "",
            "",
        ]
    )
    return response


@require_GET
@role_required(Role.SUPERVISOR)
def breaches(request, measure: str):
    if measure not in ServiceTarget.Measure.values:
        raise Http404("No such measure.")
    _form, period, group = _filtered(request)
    board = kpis.dashboard(period, group)
    kpi = board.kpi(measure)
    return render(
        request,
        "followup/dashboard_breaches.html",
        {
            "kpi": kpi,
            "period": period,
            "rows": kpis.breach_rows(kpi),
            "query": _query(period, group),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR)
def targets(request):
    current = kpis.targets()
    form = TargetsForm(request.POST or None, current=current)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                changed = 0
                for measure, value in form.cleaned_data.items():
                    if current[measure].is_default or current[measure].value != value:
                        ServiceTarget.objects.update_or_create(
                            measure=measure,
                            defaults={"target": value, "updated_by": request.user},
                        )
                        changed += 1
            messages.success(
                request,
                f"Targets saved ({changed} changed)."
                if changed
                else "No target changed.",
            )
            return redirect("followup:targets")
        return render(
            request,
            "followup/targets.html",
            {"form": form, "targets": current},
            status=400,
        )
    return render(request, "followup/targets.html", {"form": form, "targets": current})


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard.csv", dashboard_csv, name="dashboard_csv"),
    path("dashboard/breaches/<str:measure>/", breaches, name="breaches"),
    path("dashboard/targets/", targets, name="targets"),
]
