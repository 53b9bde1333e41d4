"""Dates to UTC: RFC 2822 headers, archive-page forms, and US Eastern time as hypermail prints it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_tz

MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}

# Zone names seen in real headers and archive pages, as hours east of UTC. Hypermail's "EST"
# and "EDT" are handled apart (see eastern_to_utc): lkml.iu.edu prints EST all year round.
ZONES = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 1, "CET": 1, "MET": 1, "CEST": 2,
    "MEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "IST": 5.5, "CST": -6, "CDT": -5, "MST": -7,
    "MDT": -6, "PST": -8, "PDT": -7, "JST": 9, "KST": 9, "HKT": 8, "AEST": 10, "AEDT": 11,
}

# hypermail (lkml.iu.edu): "Wed Oct 19 2022 - 19:43:09 EST"
RE_HYPERMAIL = re.compile(
    r"^\s*(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3})\w*\s+(\d{1,2}),?\s+(\d{4})\s*-\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([A-Za-z]{2,5})?\s*$")
# asctime / pipermail: "Fri Jan  1 09:20:34 2010", "Fri Jan 1 03:50:51 UTC 2010"
RE_ASCTIME = re.compile(
    r"^\s*(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3})\w*\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(?:([A-Za-z]{2,5}|[+-]\d{4})\s+)?(\d{4})\s*$")
# ISO 8601: "2022-10-19T23:42:56Z", "2022-10-19 23:42:56 +0000"
RE_ISO = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC|GMT)?\s*$")


def _nth_sunday(year: int, month: int, n: int) -> datetime:
    """The n-th Sunday of a month (n=-1 for the last)."""
    if n > 0:
        first = datetime(year, month, 1)
        offset = (6 - first.weekday()) % 7
        return first + timedelta(days=offset + 7 * (n - 1))
    nxt = datetime(year + (month == 12), month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def eastern_offset_hours(local: datetime) -> int:
    """UTC offset of US Eastern local time at `local` (naive), with US daylight-saving rules."""
    year = local.year
    if year >= 2007:
        start = _nth_sunday(year, 3, 2).replace(hour=2)
        end = _nth_sunday(year, 11, 1).replace(hour=2)
    elif year >= 1987:
        start = _nth_sunday(year, 4, 1).replace(hour=2)
        end = _nth_sunday(year, 10, -1).replace(hour=2)
    else:
        start = _nth_sunday(year, 4, -1).replace(hour=2)
        end = _nth_sunday(year, 10, -1).replace(hour=2)
    return -4 if start <= local < end else -5


def eastern_to_utc(local: datetime) -> datetime:
    """US Eastern wall-clock time (as hypermail's "EST" really is) to aware UTC."""
    return (local - timedelta(hours=eastern_offset_hours(local))).replace(tzinfo=timezone.utc)


def _zone_hours(name: str | None) -> float | None:
    if not name:
        return None
    name = name.strip().upper()
    if re.fullmatch(r"[+-]\d{4}", name):
        sign = 1 if name[0] == "+" else -1
        return sign * (int(name[1:3]) + int(name[3:5]) / 60)
    return ZONES.get(name)


def _month(name: str) -> int | None:
    return MONTHS.get(name[:3].lower())


def _utc(naive: datetime, hours: float) -> datetime:
    return (naive - timedelta(hours=hours)).replace(tzinfo=timezone.utc)


def parse_date(value: str | None) -> datetime | None:
    """Parse any date form met in mail and archives to an aware UTC datetime, or None."""
    if not value:
        return None
    value = " ".join(value.split())
    if not value:
        return None
    try:
        m = RE_HYPERMAIL.match(value)
        if m:
            mon = _month(m.group(1))
            if mon is None:
                return None
            naive = datetime(int(m.group(3)), mon, int(m.group(2)), int(m.group(4)), int(m.group(5)),
                             int(m.group(6) or 0))
            zone = (m.group(7) or "EST").upper()
            if zone in ("EST", "EDT"):
                return eastern_to_utc(naive)
            hours = _zone_hours(zone)
            return _utc(naive, hours or 0)
        m = RE_ASCTIME.match(value)
        if m:
            mon = _month(m.group(1))
            if mon is None:
                return None
            naive = datetime(int(m.group(7)), mon, int(m.group(2)), int(m.group(3)), int(m.group(4)),
                             int(m.group(5) or 0))
            return _utc(naive, _zone_hours(m.group(6)) or 0)
        m = RE_ISO.match(value)
        if m:
            naive = datetime(*(int(m.group(i) or 0) for i in range(1, 7)))
            zone = m.group(7)
            hours = 0.0
            if zone and zone not in ("Z", "UTC", "GMT"):
                zone = zone.replace(":", "")
                hours = _zone_hours(zone) or 0.0
            return _utc(naive, hours)
        return _parse_rfc2822(value)
    except (ValueError, OverflowError):
        return None


def _parse_rfc2822(value: str) -> datetime | None:
    # Drop trailing comments "(PST)" and stray dots ("Thu, 20 Oct 2022 10:42:56 +1100 (AEDT)").
    cleaned = re.sub(r"\([^)]*\)", " ", value).strip()
    parsed = parsedate_tz(cleaned)
    if parsed is None:
        return None
    year = parsed[0]
    if year < 100:  # two-digit years, RFC 2822 section 4.3
        year += 2000 if year < 50 else 1900
    if not 1970 <= year <= 2100:
        return None
    naive = datetime(year, *parsed[1:6])
    offset = parsed[9]
    tail = cleaned.split()[-1]
    if offset is None or (offset == 0 and tail.isalpha() and tail.upper() in ZONES):
        # A named zone parsedate_tz does not know (it answers 0 or None): look it up.
        return _utc(naive, _zone_hours(tail) or 0.0)
    return (naive - timedelta(seconds=offset)).replace(tzinfo=timezone.utc)


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with a trailing Z, as the JSON contract writes dates."""
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    # fromisoformat is a C parser, far faster than strptime on the store's many dates.
    return datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
