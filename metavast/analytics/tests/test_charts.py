"""The SVG charts: Persian digits, whole-number axes for counts, escaped labels, no script."""

from __future__ import annotations

import re

from metavast.analytics.charts import bar_list_chart, column_chart, funnel_chart, nice_step


def _texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_count_axis_ticks_are_distinct_whole_numbers():
    svg = column_chart([("۱ آذر", 2), ("۲ آذر", 1)], title="سفارش", integer=True)
    assert _texts(svg)[:5] == ["۰", "۱", "۲", "۳", "۴"]
    assert nice_step(7, integer=True) == 2
    assert nice_step(7_300_000) == 2_000_000
    assert nice_step(0) == 1


def test_no_data_draws_one_zero_line():
    svg = column_chart([("۱ آذر", 0), ("۲ آذر", 0)], title="فروش")
    assert [t for t in _texts(svg) if t == "۰"] == ["۰"]


def test_labels_are_escaped_and_there_is_no_script():
    svg = bar_list_chart([("<script>alert(1)</script>", 3)], title="جست‌وجو")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'direction="rtl"' in svg and "style=" not in svg


def test_funnel_shows_each_steps_share_of_the_first():
    svg = funnel_chart([("بازدید", 200), ("سبد", 50), ("پرداخت", 5)], title="قیف")
    texts = _texts(svg)
    assert "۵۰ (۲۵٫۰٪)" in texts and "۵ (۲٫۵٪)" in texts
    assert not re.search(r"[0-9]", "".join(texts))
