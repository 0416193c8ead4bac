"""Small bar charts as inline SVG, drawn on the server: no JavaScript, and the
page's content security policy stays strict (presentation attributes only).

The chart scales with its column; on a phone (static/css/app.css) the labels
are drawn at 22 units instead of 11, about 12 px on screen, and every other
one (class ``minor``) is hidden so the larger ones do not overlap."""

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
        text = _bar_label(label, index, len(points), every, x, bar_width)
        if text:
            parts.append(text)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every dynamic part is escaped above


def _bar_label(label: str, index: int, count: int, every: int, x: float, bar_width: float) -> str:
    """The label under a bar, or "" for bars without one. Labels count from the newest
    bar, which always has one; on a phone the stylesheet draws them larger and hides
    the minor ones (every other). The outermost align with the chart's edges."""
    back = count - 1 - index
    if back % every:
        return ""
    kind = "label minor" if (back // every) % 2 else "label"
    if back == 0:
        anchor, at = "end", x + bar_width
    elif index == 0:
        anchor, at = "start", x
    else:
        anchor, at = "middle", x + bar_width / 2
    return (
        f'<text class="{kind}" x="{at:.1f}" y="{HEIGHT - 8}" font-size="11" '
        f'text-anchor="{anchor}" fill="#5b6675">{escape(label)}</text>'
    )
