"""Bar charts drawn on the server as inline SVG (no script: the CSP allows none from elsewhere, and a phone draws
SVG well). Horizontal bars, one row per category with its label above the bar and the value after it, so text
is never squeezed at 360 px. Bar widths are percentages of the widest value."""

from dataclasses import dataclass

ROW_HEIGHT = 40


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    percent: float
    label_y: int
    bar_y: int


def bar_chart(rows: list[dict], *, key: str, text=str) -> dict:
    top = max((row[key] for row in rows), default=0) or 1
    bars = [
        Bar(label=str(row["label"]), value_text=text(row[key]), percent=round(float(row[key]) * 100 / float(top), 2),
            label_y=index * ROW_HEIGHT + 14, bar_y=index * ROW_HEIGHT + 20)
        for index, row in enumerate(rows)
    ]
    return {"bars": bars, "height": max(len(bars), 1) * ROW_HEIGHT}
