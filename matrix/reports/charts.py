"""Bar charts drawn on the server as inline SVG (no script: the CSP allows none from elsewhere, and a phone draws
SVG well). Horizontal bars, one row per category: its label on a line of its own, then the bar with the value
just after it, so text never overlaps at 360 px. The widest bar takes BAR_SPAN percent of the width, leaving room
for its value."""

from dataclasses import dataclass

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
