"""Requests per day and status class as an inline SVG stacked bar chart with a scale, rendered
on the server (no JavaScript, no CDN)."""

from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH, TOP, BOTTOM = 600, 16, 18

# Per-status colours of the stacked chart (WCAG AA against white for the legend's text too).
STATUS_COLOURS = {"2xx": "#2e7d32", "3xx": "#1565c0", "4xx": "#b26a00", "5xx": "#c62828"}
LEFT, STACK_HEIGHT, TICKS = 44, 160, 4


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... (a round scale maximum) at least `value`."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _axis(top: int, usable: int, maximum: int) -> list[tuple[str, str, str, int]]:
    """(y of the line, y of its label, x2, value) of each tick of a scale from 0 to maximum:
    quarters of it, those that are whole numbers (requests do not come in halves)."""
    ticks = []
    for index in range(TICKS + 1):
        if maximum * index % TICKS:
            continue
        value = maximum * index // TICKS
        y = top + usable - usable * value / maximum
        ticks.append((f"{y:.1f}", f"{y + 3:.1f}", str(WIDTH), value))
    return ticks


def stacked_bar_chart(series: list[tuple[date, dict[str, int]]], *, label: str,
                      colours: dict[str, str] = STATUS_COLOURS) -> SafeString:
    """Stacked bars for (day, {class: value}) pairs, one colour per class (`colours`, in stacking
    order from the bottom), with a labelled scale, a legend, a tooltip per segment and an
    accessible title and summary."""
    totals = [sum(values.get(name, 0) for name in colours) for _, values in series]
    peak, total = max(totals, default=0), sum(totals)
    maximum = nice_ceiling(max(peak, 1))
    plot_width = WIDTH - LEFT
    slot = plot_width / max(len(series), 1)
    usable = STACK_HEIGHT - TOP - BOTTOM
    segments = []
    for index, (day, values) in enumerate(series):
        below = 0
        for name in colours:
            value = values.get(name, 0)
            if not value:
                continue
            bottom_y = TOP + usable - usable * below / maximum
            below += value
            top_y = TOP + usable - usable * below / maximum
            segments.append((
                f"{LEFT + index * slot + 1:.1f}", f"{top_y:.1f}", f"{max(slot - 2, 1):.1f}",
                f"{bottom_y - top_y:.1f}", colours[name], f"{day:%Y-%m-%d}: {value} × {name}",
            ))
    bars = format_html_join(
        "", '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
        segments)
    axis = format_html_join(
        "", '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd"/>'
        '<text x="{}" y="{}" text-anchor="end">{}</text>',
        [(LEFT, line, width, line, LEFT - 4, text_y, value)
         for line, text_y, width, value in _axis(TOP, usable, maximum)])
    legend = format_html_join(
        "", '<rect x="{}" y="2" width="8" height="8" fill="{}"/><text x="{}" y="10">{}</text>',
        [(WIDTH - 60 * (len(colours) - position), colour,
          WIDTH - 60 * (len(colours) - position) + 11, name)
         for position, (name, colour) in enumerate(colours.items())])
    by_class = ", ".join(
        f"{sum(values.get(name, 0) for _, values in series)} {name}" for name in colours)
    summary = _("{total} in {days} days ({by_class}), at most {peak} a day").format(
        total=total, days=len(series), by_class=by_class, peak=peak)
    first, last = (series[0][0], series[-1][0]) if series else (None, None)
    return format_html(
        '<svg class="usage-chart" role="img" aria-label="{label}: {summary}" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{label}: {summary}</title>"
        '<g font-family="sans-serif" font-size="10" fill="#555">{axis}{bars}{legend}'
        '<text x="{left}" y="{h_text}">{first}</text>'
        '<text x="{w}" y="{h_text}" text-anchor="end">{last}</text></g></svg>',
        label=label, summary=summary, w=WIDTH, h=STACK_HEIGHT, axis=axis, bars=bars,
        legend=legend, left=LEFT, h_text=STACK_HEIGHT - 4,
        first=f"{first:%Y-%m-%d}" if first else "", last=f"{last:%Y-%m-%d}" if last else "",
    )
