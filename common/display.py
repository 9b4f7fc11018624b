"""Small HTML pieces the admin lists share, so they fit the screen (static/product/admin.css):
a compact date and time that may wrap between the two, and a long value cut with an ellipsis
whose whole text stays in the title."""

from datetime import datetime

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString


def compact_datetime(value: datetime | None, *, seconds: bool = False,
                     empty: str = "—") -> SafeString | str:
    """`2026-12-02 10:47` (local time; `10:47:03` with seconds), breaking between the date and
    the time if it must."""
    if value is None:
        return empty
    local = timezone.localtime(value)
    time = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return format_html('<time class="compact" datetime="{}"><span>{}</span> <span>{}</span>'
                       "</time>", local.isoformat(), f"{local:%Y-%m-%d}", time)


def clipped(text: str, *, kind: str = "") -> SafeString:
    """`text` on one line, cut with an ellipsis past its column's width, whole in the title."""
    classes = f"clip clip-{kind}" if kind else "clip"
    return format_html('<span class="{}" title="{}">{}</span>', classes, text, text)
