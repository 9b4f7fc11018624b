"""A small bar chart as inline SVG, rendered on the server (no JavaScript, no CDN)."""

from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT, TOP, BOTTOM = 600, 120, 16, 18


def bar_chart(series: list[tuple[date, int]], *, label: str) -> SafeString:
    """Bars for (day, value) pairs, each with a tooltip; an accessible title and summary."""
    peak = max((value for _, value in series), default=0)
    total = sum(value for _, value in series)
    slot = WIDTH / max(len(series), 1)
    usable = HEIGHT - TOP - BOTTOM
    bars = []
    for index, (day, value) in enumerate(series):
        height = 0 if peak == 0 else max(round(usable * value / peak), 1 if value else 0)
        bars.append((
            f"{index * slot + 1:.1f}", f"{TOP + usable - height}", f"{slot - 2:.1f}", height,
            f"{day:%Y-%m-%d}: {value}",
        ))
    body = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" class="bar" fill="#417690">'
        "<title>{}</title></rect>",
        bars,
    )
    first, last = (series[0][0], series[-1][0]) if series else (None, None)
    summary = f"{total} in {len(series)} days, at most {peak} a day"
    return format_html(
        '<svg class="usage-chart" role="img" aria-label="{label}: {summary}" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{label}: {summary}</title>"
        # Presentation attributes, not a <style> element: the CSP allows no inline style.
        '<g font-family="sans-serif" font-size="10" fill="#666">'
        '<line x1="0" y1="{base}" x2="{w}" y2="{base}" stroke="#ccc"/>{body}'
        '<text x="0" y="{h_text}">{first}</text>'
        '<text x="{w}" y="{h_text}" text-anchor="end">{last}</text>'
        '<text x="0" y="10">max {peak}/day</text></g></svg>',
        label=label, summary=summary, w=WIDTH, h=HEIGHT, base=HEIGHT - BOTTOM, body=body,
        h_text=HEIGHT - 4, first=f"{first:%Y-%m-%d}" if first else "",
        last=f"{last:%Y-%m-%d}" if last else "", peak=peak,
    )
