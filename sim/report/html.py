"""One self-contained HTML page: sections of text, tables and figures next to it."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.8em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.6em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
img { max-width: 100%; } .note { color: #666; font-size: 0.9em; }
"""


@dataclass
class Section:
    """A heading, a caption, and optionally a figure (a file beside the page) and a table."""

    title: str
    caption: str = ""
    image: str | None = None
    header: Sequence[str] = ()
    rows: list[Sequence[str]] = field(default_factory=list)


def page(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """The HTML text of the report."""
    e = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="note">{e(subtitle)}</p>',
    ]
    for s in sections:
        parts.append(f"<h2>{e(s.title)}</h2>")
        if s.caption:
            parts.append(f'<p class="note">{e(s.caption)}</p>')
        if s.image:
            parts.append(f'<img src="{e(s.image)}" alt="{e(s.title)}">')
        if s.header:
            parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in s.header) + "</tr>")
            for row in s.rows:
                parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def fmt_range(low: float, high: float) -> str:
    """``low–high`` for a table cell; one em dash when the range is undefined (NaN)."""
    if low != low or high != high:
        return "—"
    return f"{fmt(low)}–{fmt(high)}"


def fmt(x: float, digits: int = 3) -> str:
    """A number for a table cell; an em dash for NaN."""
    if x != x:
        return "—"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"
