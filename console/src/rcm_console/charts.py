"""Bar charts as inline SVG, drawn on the server: no chart library, nothing to build, and
the numbers stay in the page as text (a screen reader reads the table beside each one)."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from markupsafe import Markup

WIDTH, ROW, LABEL = 560, 26, 190


def bars(title: str, rows: list[tuple[str, float | Decimal]], unit: str = "") -> Markup:
    """One horizontal bar per (label, value), scaled to the largest."""
    top = max((float(v) for _, v in rows), default=0.0) or 1.0
    height = ROW * len(rows) + 8
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" class="chart"><title>{escape(title)}</title>'
    ]
    for i, (name, value) in enumerate(rows):
        label = name if len(name) <= 24 else name[:23] + "…"
        y = 4 + i * ROW
        length = (WIDTH - LABEL - 90) * float(value) / top
        shown = f"{float(value):,.1f}{unit}" if unit == "%" else f"{unit}{float(value):,.2f}"
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL}" y="{y + 3}" width="{length:.1f}" height="{ROW - 8}" '
            f'fill="#0b5cad"/><text x="{LABEL + length + 6:.1f}" y="{y + 16}">{shown}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped or a number
