"""Reconciliation and reports pages (Supervisors). Thin: parse, call reconciliation/selectors, render, audit."""

import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from matrix.backoffice.audit import audit_record
from matrix.backoffice.models import Role
from matrix.backoffice.permissions import staff_required
from matrix.core.csvsafe import SafeWriter
from matrix.core.money import money_format
from matrix.reports import selectors
from matrix.reports.charts import bar_chart, bar_chart_svg
from matrix.reports.forms import PeriodForm, SettlementUploadForm
from matrix.reports.models import ReconciliationRun
from matrix.reports.reconciliation import SettlementFileError, reconciliation_run
from matrix.reports.tasks import reports_summary_refresh

SECTIONS_CACHE_SECONDS = 15 * 60


@staff_required(Role.SUPERVISOR)
def reconciliation_list(request: HttpRequest) -> HttpResponse:
    form = SettlementUploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["settlement_file"]
        try:
            run = reconciliation_run(request=request, actor=request.user,
                                     settlement_date=form.cleaned_data["settlement_date"],
                                     file_name=upload.name, content=upload.read())
        except SettlementFileError as exc:
            problems = exc.problems
            audit_record(request=request, action="reconciliation.refused",
                         details={"file_name": upload.name[:200], "problems": problems})
        else:
            messages.success(request, _("The settlement file was reconciled."))
            return redirect("backoffice:reconciliation_detail", pk=run.pk)
    runs = Paginator(ReconciliationRun.objects.select_related("uploaded_by__staff_member"), 25).get_page(
        request.GET.get("page"))
    return render(request, "reports/reconciliation_list.html", {"form": form, "problems": problems, "runs": runs},
                  status=400 if problems or form.errors else 200)


@staff_required(Role.SUPERVISOR)
def reconciliation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ReconciliationRun.objects.select_related("uploaded_by__staff_member"), pk=pk)
    lines = run.lines.select_related("payment__contribution__registration__person")
    audit_record(request=request, action="reconciliation.view", target=run)
    return render(request, "reports/reconciliation_detail.html", {"run": run, "lines": lines})


def _period(request: HttpRequest) -> tuple[PeriodForm, selectors.Period]:
    """The period asked for, or the default (the last 365 days) beside the form's errors when it is invalid."""
    form = PeriodForm(request.GET)
    valid = form if form.is_valid() else PeriodForm({})
    valid.is_valid()
    return form, selectors.Period(valid.cleaned_data["date_from"], valid.cleaned_data["date_to"])


def _section(name: str, rows: list[dict]) -> dict:
    title, _function, amounts = selectors.REPORTS[name]
    section = {"name": name, "title": title, "rows": rows, "amounts": amounts,
               "count_svg": bar_chart_svg(bar_chart(rows, key="count"), chart_id=f"{name}-count")}
    if amounts:
        section["amount_svg"] = bar_chart_svg(bar_chart(rows, key="amount", text=money_format),
                                              chart_id=f"{name}-amount")
    return section


def _key(kind: str, state, period: selectors.Period, *parts: str) -> str:
    """A cache key for what the summary's refresh `state` gives for `period` in the current language: a new
    refresh is a new key, so nothing kept is ever older than the figures the page says it shows."""
    return f"reports:{kind}:" + hashlib.sha256("|".join([
        state.refreshed_at.isoformat() if state else "-", period.start.isoformat(), period.end.isoformat(),
        get_language() or "", *parts]).encode()).hexdigest()


def _figures(period: selectors.Period, state) -> dict[str, list[dict]]:
    """Every report's rows for the period, kept per refresh (the page's sections and the CSV exports share them)."""
    key = _key("figures", state, period)
    figures = cache.get(key)
    if figures is None:
        figures = selectors.report_figures(period, state=state)
        cache.set(key, figures, SECTIONS_CACHE_SECONDS)
    return figures


def _page_html(request: HttpRequest, form: PeriodForm, period: selectors.Period, state) -> str:
    """The page's content: the period's form, the figures of the moment and the sections. All of it follows from
    the summary's refresh, the period, the language and the query (the form's values and errors, the export
    links), so it is kept in the cache under them: a page view renders only the staff layout around it."""
    query = request.GET.urlencode()
    key = _key("page", state, period, query)
    html = cache.get(key)
    if html is None:
        figures = _figures(period, state)
        html = render_to_string("reports/includes/page.html", {
            "form": form, "period": period, "as_of": state.refreshed_at if state else None,
            "sections": [_section(name, figures[name]) for name in selectors.REPORTS], "query": query,
            **selectors.figures_of_the_moment(state)})
        cache.set(key, html, SECTIONS_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - rendered by our template above


@staff_required(Role.SUPERVISOR)
def reports(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    state = selectors.summary_state()
    if state is None and cache.add("reports:summary:first-refresh", True, SECTIONS_CACHE_SECONDS):
        # Never refreshed (a new installation): ask for the first refresh now rather than at beat's next turn.
        # With a broker it runs in a worker and the page says the figures are being prepared; without one (Celery
        # eager, as in development) it has run by the next line.
        reports_summary_refresh.delay()
        state = selectors.summary_state()
    page_html = _page_html(request, form, period, state)
    audit_record(request=request, action="report.view",
                 details={"date_from": period.start.isoformat(), "date_to": period.end.isoformat()})
    return render(request, "reports/reports.html", {"page_html": page_html})


@staff_required(Role.SUPERVISOR)
def report_export(request: HttpRequest, report: str) -> HttpResponse:
    if report not in selectors.REPORTS:
        raise Http404
    _form, period = _period(request)
    title, _function, amounts = selectors.REPORTS[report]
    rows = _figures(period, selectors.summary_state())[report]
    audit_record(request=request, action="report.export", details={
        "report": report, "date_from": period.start.isoformat(), "date_to": period.end.isoformat()})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report}-{period.start}-{period.end}.csv"'
    writer = SafeWriter(response)
    writer.writerow([_("Category"), _("Count")] + ([_("Amount (RM)")] if amounts else []))
    for row in rows:
        writer.writerow([row["label"], row["count"]] + ([f"{row['amount']:.2f}"] if amounts else []))
    return response
