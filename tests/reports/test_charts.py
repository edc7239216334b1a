from decimal import Decimal

from matrix.reports.charts import BAR_SPAN, ROW_HEIGHT, bar_chart


def test_bars_are_shares_of_the_widest_with_the_value_after_each():
    chart = bar_chart([{"label": "A", "amount": Decimal("50.00")}, {"label": "B", "amount": Decimal("200.00")},
                       {"label": "C", "amount": Decimal("0.00")}], key="amount", text=lambda v: f"RM {v}")
    assert [bar.percent for bar in chart["bars"]] == [BAR_SPAN / 4, BAR_SPAN, 0]
    assert [bar.value_x for bar in chart["bars"]] == [BAR_SPAN / 4 + 2, BAR_SPAN + 2, 2]
    assert chart["bars"][1].value_text == "RM 200.00" and chart["height"] == 3 * ROW_HEIGHT
    # Each row's label sits above its own bar, below the previous row.
    assert chart["bars"][1].label_y > chart["bars"][0].value_y


def test_an_empty_chart_draws_nothing():
    assert bar_chart([], key="count") == {"bars": [], "height": ROW_HEIGHT}


def test_the_svg_escapes_labels_and_writes_every_bar():
    from matrix.reports.charts import bar_chart_svg

    chart = bar_chart([{"label": "<b>A&B</b>", "count": 3}, {"label": "C", "count": 6}], key="count")
    svg = str(bar_chart_svg(chart, chart_id="x-count"))
    assert svg.startswith('<svg class="w-full text-txt-primary" width="100%" height="88" aria-hidden="true"')
    assert 'data-chart="x-count"' in svg and "&lt;b&gt;A&amp;B&lt;/b&gt;" in svg and "<b>" not in svg
    assert svg.count("<rect ") == 2 and f'width="{BAR_SPAN / 2}%"' in svg and f'width="{float(BAR_SPAN)}%"' in svg
