"""Charts as SVG built on the server: no JavaScript, no library, nothing the CSP must allow.

Shapes carry presentation attributes (fill, stroke), not `style`, so `style-src 'self'` is
enough. Text is laid out right to left (direction="rtl", so «۱۲ آذر» and «۲۴٬۰۰۰ تومان»
read in the right order); in that direction text-anchor "start" is the right edge. Every number drawn is in Persian digits; time axes are Jalali days, oldest on the
left as a reader of a Persian newspaper's charts expects; labels of the horizontal bar
charts sit on the right, where a Persian line starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from metavast.core.text import to_persian_digits

INK = "#334155"
GRID = "#e2e8f0"
BAR = "#0f766e"
ACCENT = "#b45309"
FONT = 'font-family="Vazirmatn, Tahoma, sans-serif"'


def fa_number(n: float) -> str:
    return to_persian_digits(f"{round(n):,}".replace(",", "٬"))


def nice_step(value: float, *, ticks: int = 4, integer: bool = False) -> float:
    """The smallest 1-2-2.5-5 x 10^k step with `ticks` steps reaching `value` (whole numbers
    on an axis of counts)."""
    if value <= 0:
        return 1
    magnitude = 10 ** max(len(str(int(value / ticks))) - 1, 0)
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if integer and step != int(step):
            continue
        if step * ticks >= value:
            return step
    return 10 * magnitude


def column_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    value_label: Callable[[float], str] = fa_number,
    width: int = 680,
    height: int = 240,
    color: str = BAR,
    integer: bool = False,
) -> SafeString:
    """Vertical bars over time: `points` are (x label, value), oldest first."""
    left, right, top, bottom = 78, 12, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max((v for _, v in points), default=0)
    top_value = 4 * nice_step(highest, integer=integer)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="analytics-chart" {FONT} direction="rtl" '
        f'font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5 if highest else 1):  # no data: the zero line alone, not five zeros
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="start" fill="{INK}">'
            f"{escape(value_label(value))}</text>"
        )
    n = max(len(points), 1)
    slot = plot_w / n
    label_every = max(1, round(n / 8))
    for i, (label, value) in enumerate(points):
        h = plot_h * (value / top_value) if top_value else 0
        x = left + i * slot + slot * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}" fill="{color}"><title>{escape(label)}: '
            f"{escape(value_label(value))}</title></rect>"
        )
        last = i == n - 1
        if last or (i % label_every == 0 and n - 1 - i >= label_every * 0.75):
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle" fill="{INK}">{escape(label)}</text>'
            )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        f'stroke="{INK}"/></svg>'
    )
    return mark_safe("".join(parts))


def bar_list_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    value_label: Callable[[float], str] = fa_number,
    width: int = 520,
    row: int = 26,
    color: str = BAR,
    note: Callable[[int, float], str] | None = None,
) -> SafeString:
    """Horizontal bars, largest first, labels on the right (RTL), bars growing leftwards."""
    label_w, value_w = 190, 110
    height = max(len(items), 1) * row + 8
    plot_w = width - label_w - value_w
    top_value = max((v for _, v in items), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="analytics-chart" {FONT} direction="rtl" '
        f'font-size="12">',
        f"<title>{escape(title)}</title>",
    ]
    if not items:
        parts.append(
            f'<text x="{width - 4}" y="20" text-anchor="start" fill="{INK}">هنوز داده‌ای نیست.</text>'
        )
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        w = plot_w * value / top_value
        shown = label if len(label) <= 28 else label[:27] + "…"
        parts.append(
            f'<text x="{width - 4}" y="{y + row * 0.65:.1f}" text-anchor="start" '
            f'fill="{INK}">{escape(shown)}</text>'
        )
        x_right = width - label_w
        parts.append(
            f'<rect x="{x_right - w:.1f}" y="{y + 4}" width="{w:.1f}" height="{row - 9}" '
            f'fill="{color}"><title>{escape(label)}</title></rect>'
        )
        text = value_label(value) + (note(i, value) if note else "")
        parts.append(
            f'<text x="{x_right - w - 6:.1f}" y="{y + row * 0.65:.1f}" text-anchor="start" '
            f'fill="{INK}">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def funnel_chart(steps: Sequence[tuple[str, float]], *, title: str) -> SafeString:
    """The funnel: each step's bar with its share of the first step."""
    first = steps[0][1] if steps else 0

    def share(i: int, value: float) -> str:
        if i == 0 or not first:
            return ""
        return f" ({to_persian_digits(f'{100 * value / first:.1f}').replace('.', '٫')}٪)"

    return bar_list_chart(steps, title=title, note=share, color=ACCENT, row=30)
