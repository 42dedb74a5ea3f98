"""Charts drawn on the server as SVG: horizontal bars, each labelled with its figure.

Nothing is loaded in the browser; each chart has a title and a description for screen
readers, and the page shows the same figures in a table.
"""

from html import escape

BAR = 22
GAP = 8
LABEL_WIDTH = 230
BAR_WIDTH = 360
COLOURS = ("#1f4e8c", "#3b6fb0", "#5a8ac6", "#7ea3d3", "#a5bfe2")


def bars(title: str, items: list[tuple[str, float]], shown: list[str] | None = None,
         chart_id: str = "chart") -> str:
    """A horizontal bar chart of (label, value); `shown` are the figures written at each bar."""
    shown = shown or [f"{v:g}" for _, v in items]
    top = max((v for _, v in items), default=0) or 1
    height = len(items) * (BAR + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + 90
    description = "; ".join(f"{label} : {figure}" for (label, _), figure in zip(items, shown, strict=True))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'font-family="Helvetica, Arial, sans-serif" font-size="13">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for index, ((label, value), figure) in enumerate(zip(items, shown, strict=True)):
        y = GAP + index * (BAR + GAP)
        length = max(value / top * BAR_WIDTH, 1 if value else 0)
        parts += [
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR * 0.7:.1f}" text-anchor="end" fill="#1d2430">'
            f'{escape(label)}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR}" '
            f'fill="{COLOURS[index % len(COLOURS)]}"/>',
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + BAR * 0.7:.1f}" fill="#1d2430">'
            f'{escape(figure)}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)
