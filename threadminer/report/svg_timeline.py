"""A thread's timeline drawn as inline SVG: one lane per kind of event, time running right.

Threads have long silences (the seed thread: two weeks of discussion, then one message 17
months later), so a plain time axis would crush the discussion into a corner. Gaps longer
than `GAP_CAP` are drawn as `GAP_CAP` with a break mark saying how long they really were;
within the cap the axis is true to time.

Every shape links to the message it happened in (an anchor of the page) and carries its
details in a <title> tooltip. Text from mail is escaped; the SVG uses presentation
attributes only (no style attributes: the page's Content-Security-Policy forbids them).
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Callable, Iterable

from ..analysis.timeline import Event
from .terminal import printable

GAP_CAP = timedelta(days=2)
WIDTH, LEFT, RIGHT, TOP, LANE = 960, 130, 20, 34, 34
LANES = (("messages", ("posted", "replied")), ("proposals", ("proposal", "new version")),
         ("outcomes", ("outcome", "applied")), ("crashes", ("crash reported",)))
# Colours by verdict (outcomes) and kind (the rest): green good, red bad, amber asked.
COLOURS = {"works": "#1a7f37", "reviewed": "#1a7f37", "acked": "#1a7f37", "applied": "#0550ae",
           "does-not-work": "#cf222e", "regresses": "#cf222e", "nacked": "#cf222e", "build-failure": "#cf222e",
           "changes-requested": "#bf8700", "superseded": "#8250df", "posted": "#24292f", "replied": "#6e7781",
           "proposal": "#8250df", "new version": "#8250df", "crash reported": "#cf222e"}


def esc(text: str | None) -> str:
    return escape(printable(text or ""), quote=True)


def render_svg(events: Iterable[Event], anchor: Callable[[str], str | None]) -> str:
    """The SVG element; `anchor(message_id)` is the page anchor of a message (None: no link)."""
    dated = [e for e in events if e.date is not None]
    if not dated:
        return '<p class="muted">No dated events.</p>'
    times = sorted({e.date for e in dated})
    # Position of each distinct instant on a time axis with long gaps capped.
    pos, breaks, x = {times[0]: 0.0}, [], 0.0
    for before, after in zip(times, times[1:]):
        gap = after - before
        x += min(gap, GAP_CAP).total_seconds()
        pos[after] = x
        if gap > GAP_CAP:
            breaks.append((x - GAP_CAP.total_seconds() / 2, gap))
    span = x or 1.0
    plot = WIDTH - LEFT - RIGHT

    def px(seconds: float) -> float:
        return round(LEFT + plot * seconds / span, 1)

    height = TOP + LANE * len(LANES) + 30
    out = [f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
           f'width="100%" role="img" aria-label="Timeline of the thread">']
    for i, (label, _) in enumerate(LANES):
        y = TOP + LANE * i + LANE / 2
        out.append(f'<text x="8" y="{y + 4}" font-size="13" fill="#57606a">{label}</text>'
                   f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" stroke="#d0d7de"/>')
    for seconds, gap in breaks:
        x0 = px(seconds)
        out.append(f'<line x1="{x0}" x2="{x0}" y1="{TOP - 6}" y2="{height - 26}" stroke="#8c959f" '
                   f'stroke-dasharray="3 3"/><text x="{x0}" y="{TOP - 10}" font-size="11" text-anchor="middle" '
                   f'fill="#57606a">+{_duration(gap)}</text>')
    out.extend(_ticks(times, pos, px, height))
    lane_of = {kind: i for i, (_, kinds) in enumerate(LANES) for kind in kinds}
    for e in dated:
        y = TOP + LANE * lane_of[e.kind] + LANE / 2
        colour = COLOURS.get(e.verdict or e.kind, "#24292f")
        tip = esc(f"{e.date:%Y-%m-%d %H:%M} UTC, {e.kind}{' ' + e.proposal if e.proposal else ''}"
                  f"{' (' + e.verdict + ')' if e.verdict else ''}: {e.who or 'unknown'}: {e.text[:200]}")
        shape = (f'<circle cx="{px(pos[e.date])}" cy="{y}" r="6" fill="{colour}" fill-opacity="0.85" '
                 f'stroke="#ffffff" data-kind="{esc(e.kind)}"><title>{tip}</title></circle>')
        target = anchor(e.message_id)
        out.append(f'<a href="#{target}">{shape}</a>' if target else shape)
    out.append("</svg>")
    return "".join(out)


def _ticks(times: list, pos: dict, px: Callable[[float], float], height: int) -> list[str]:
    """Date labels: the first instant of each day, skipped when too close to the last label."""
    out, last_x, last_day = [], -1e9, None
    for t in times:
        x = px(pos[t])
        if t.date() == last_day or x - last_x < 70:
            continue
        # Labels near the right edge end at their point instead of running off the picture.
        anchor = "end" if x > WIDTH - RIGHT - 40 else "middle"
        out.append(f'<text x="{x}" y="{height - 8}" font-size="11" text-anchor="{anchor}" '
                   f'fill="#57606a">{t:%d %b %Y}</text>')
        last_x, last_day = x, t.date()
    return out


def _duration(gap: timedelta) -> str:
    days = gap.days
    if days >= 60:
        return f"{days // 30} months"
    return f"{days} days" if days >= 2 else f"{int(gap.total_seconds() // 3600)} h"
