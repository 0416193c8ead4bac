from __future__ import annotations

from marketplace.charts import bar_chart


def test_bars_are_proportional_and_labelled():
    svg = bar_chart(
        [("Mon", 100), ("Tue", 50)], title="Spend per day", value_text=lambda v: f"{v} ct"
    )
    assert 'aria-label="Spend per day"' in svg
    assert 'height="152.0"' in svg and 'height="76.0"' in svg  # 152 px is the top
    assert "<title>Tue: 50 ct</title>" in svg


def test_labels_are_escaped_and_empty_data_draws_nothing():
    assert "<script>" not in bar_chart([("<script>", 1)], title="<b>")
    assert bar_chart([], title="Nothing") == ""
