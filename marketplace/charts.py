"""Small bar charts as inline SVG, drawn on the server: no JavaScript, and the
page's content security policy stays strict (presentation attributes only)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, GAP, LABEL_SPACE = 640, 180, 4, 28


def bar_chart(
    points: Sequence[tuple[str, int]],
    *,
    title: str,
    value_text: Callable[[int], str] = str,
) -> Markup:
    """A bar per (label, value); ``title`` names the chart for screen readers,
    and each bar carries its label and value as a tooltip."""
    if not points:
        return Markup("")
    top = max(value for _label, value in points) or 1
    bar_width = max(2, (WIDTH - GAP * (len(points) - 1)) / len(points))
    plot = HEIGHT - LABEL_SPACE
    every = max(1, len(points) // 12)  # at most a dozen labels under the bars
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(points):
        x = index * (bar_width + GAP)
        height = round(plot * value / top, 1)
        parts.append(
            f'<rect x="{x:.1f}" y="{plot - height:.1f}" width="{bar_width:.1f}" '
            f'height="{height}" fill="#0b6e69"><title>{escape(label)}: '
            f"{escape(value_text(value))}</title></rect>"
        )
        if index % every == 0:
            parts.append(
                f'<text x="{x + bar_width / 2:.1f}" y="{HEIGHT - 8}" font-size="11" '
                f'text-anchor="middle" fill="#5b6675">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every dynamic part is escaped above
