"""Small inline SVG charts for the reports: no JavaScript, no CDN, readable offline.

Drawn by hand because the report must be one self-contained file that opens anywhere,
years later, without fetching a charting library.
"""

from __future__ import annotations

from html import escape

_BAR = "#3b6ea8"
_ALT = "#c4703a"


def histogram(values: list[float], *, bins: int = 10, width: int = 260, height: int = 110) -> str:
    """Distribution of scores in [0, 1]: ``bins`` equal buckets, counts on top."""
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, max(0, int(value * bins)))] += 1
    top = max(counts) or 1
    plot_h = height - 28
    bar_w = (width - 20) / bins
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="distribution">'
    ]
    for i, count in enumerate(counts):
        h = plot_h * count / top
        x = 10 + i * bar_w
        y = 12 + plot_h - h
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
            f'fill="{_BAR}"><title>{i / bins:.1f}–{(i + 1) / bins:.1f}: {count}</title></rect>'
        )
        if count:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 2:.1f}" font-size="9" '
                f'text-anchor="middle">{count}</text>'
            )
    base = 12 + plot_h
    parts.append(f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#888"/>')
    for label, x in (("0", 10), ("0.5", width / 2), ("1", width - 10)):
        parts.append(
            f'<text x="{x}" y="{base + 12}" font-size="9" text-anchor="middle">{label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def bars(
    rows: list[tuple[str, float]],
    *,
    unit: str = "",
    compare: list[float] | None = None,
    width: int = 560,
    digits: int = 1,
) -> str:
    """Horizontal bars, one per row; ``compare`` draws a second, thinner bar per row."""
    row_h = 22 if compare is None else 30
    height = row_h * len(rows) + 10
    label_w = 150
    top = max([v for _, v in rows] + (compare or []) + [1e-9])
    span = width - label_w - 80
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="bars">'
    ]
    for i, (label, value) in enumerate(rows):
        y = 5 + i * row_h
        w = span * value / top
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" font-size="11" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="13" fill="{_BAR}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" font-size="10">'
            f"{value:.{digits}f}{unit}</text>"
        )
        if compare is not None:
            other = compare[i]
            w2 = span * other / top
            parts.append(
                f'<rect x="{label_w}" y="{y + 18}" width="{w2:.1f}" height="7" fill="{_ALT}"/>'
                f'<text x="{label_w + w2 + 4:.1f}" y="{y + 26}" font-size="9" fill="{_ALT}">'
                f"{other:.{digits}f}{unit}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
