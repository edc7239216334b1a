"""Bar charts drawn on the server as inline SVG (no script: the CSP allows none from elsewhere, and a phone draws
SVG well). Horizontal bars, one row per category: its label on a line of its own, then the bar with the value
just after it, so text never overlaps at 360 px. The widest bar takes BAR_SPAN percent of the width, leaving room
for its value."""

from dataclasses import dataclass

from django.utils.formats import get_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

ROW_HEIGHT = 44
BAR_SPAN = 70  # percent of the chart's width for the widest bar


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    percent: float
    value_x: float
    label_y: int
    bar_y: int
    value_y: int


def bar_chart(rows: list[dict], *, key: str, text=str) -> dict:
    top = max((row[key] for row in rows), default=0) or 1
    bars = [
        _bar(str(row["label"]), text(row[key]), round(float(row[key]) * BAR_SPAN / float(top), 2), index)
        for index, row in enumerate(rows)
    ]
    return {"bars": bars, "height": max(len(bars), 1) * ROW_HEIGHT}


def _bar(label: str, value_text: str, percent: float, index: int) -> Bar:
    top = index * ROW_HEIGHT
    return Bar(label=label, value_text=value_text, percent=percent, value_x=round(percent + 2, 2),
               label_y=top + 14, bar_y=top + 22, value_y=top + 33)


def bar_chart_svg(chart: dict, *, chart_id: str) -> str:
    """The chart as inline SVG markup: the picture for sighted people, hidden from screen readers (the page's
    sr-only table says the same). Built here rather than by a template loop: a year of days is 365 bars. Labels
    and values are escaped; the numbers are written as the template wrote them (the language's decimal mark)."""
    mark = get_format("DECIMAL_SEPARATOR")

    def number(value: float) -> str:
        return str(value).replace(".", mark)

    bars = "".join(
        f'<text x="0" y="{bar.label_y}" font-size="13" class="fill-current text-txt-black-900">{escape(bar.label)}'
        f'</text><rect x="0" y="{bar.bar_y}" width="{number(bar.percent)}%" height="14" rx="2" fill="currentColor">'
        f'</rect><text x="{number(bar.value_x)}%" y="{bar.value_y}" font-size="13" font-weight="600" '
        f'class="fill-current text-txt-black-900">{escape(bar.value_text)}</text>'
        for bar in chart["bars"])
    return format_html(
        '<svg class="w-full text-txt-primary" width="100%" height="{}" aria-hidden="true" focusable="false" '
        'data-chart="{}">{}</svg>', chart["height"], chart_id, mark_safe(bars))  # noqa: S308 - escaped above
