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


def test_every_other_label_is_minor_so_a_phone_can_hide_it():
    svg = bar_chart([(f"d{n}", n) for n in range(14)], title="Per day")
    assert svg.count('class="label"') == 7 and svg.count('class="label minor"') == 7
    # The newest bar's label is never hidden, and ends at the chart's right edge.
    assert '<text class="label" x="640.0" y="172" font-size="11" text-anchor="end"' in svg
