"""Attribution lines: who a quote is from and when, in the forms real mailers write.

Each form below was seen in the corpora (ksummit, linux-modules, the seed thread,
wayland-devel); the tests cite a Message-ID for each:

- ``On Thu, Oct 20, 2022 at 09:46:16AM +1100, Dave Chinner wrote:`` (mutt);
- ``On Wed, Oct 19, 2022 at 12:47 PM Dave Chinner <david@fromorbit.com> wrote:`` (Gmail: no
  comma before the name, no zone, a narrow no-break space before PM, often wrapped so the
  address and ``wrote:`` start the next line);
- ``On Tue, 2018-05-29 at 17:10 +0300, Pekka Paalanen wrote:`` (Evolution),
  ``On Mon, 12 Feb 2018 16:51:51 +0200`` / ``Marius Vlad <...> wrote:`` (Claws, two lines),
  ``On 8/29/25 12:54 PM, Name wrote:`` (Thunderbird), ``On Mon 21-08-23 21:23:18, Name wrote:``,
  ``On 2025-01-13 12:09:27 [+0100], Name wrote:``;
- ``Le 03/01/2025 à 16:40, Name a écrit :``, ``Am 12.03.24 um 10:15 schrieb Name:``,
  ``2024年7月31日(水) 22:16 Name <addr>:`` (Gmail in Japanese);
- ``Name <addr> writes:`` (Gnus), ``Quoting Name (2023-02-22 04:14:37)`` (alot),
  ``* Name <addr> [220626 05:53]:`` (mutt with a short date), and names only
  (``Greg KH wrote:``).

`-----Original Message-----` header blocks span several lines: `parse_header_block` reads them.
Only about a quarter of attributions carry an address; `quotes` matches names to senders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta, timezone

from ..dates import MONTHS, ZONES, parse_date
from ..people import deobfuscate_address, parse_person

# Month names beyond English that attribution lines use (German, French, Spanish, Dutch).
MONTH_WORDS = dict(MONTHS)
MONTH_WORDS.update({
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "mai": 5, "juni": 6, "juli": 7,
    "oktober": 10, "dezember": 12, "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4,
    "juin": 6, "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6,
    "julio": 7, "agosto": 8, "septiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "mei": 5, "maart": 3, "okt": 10, "dez": 12, "mär": 3, "déc": 12, "févr": 2, "avr": 4, "juil": 7,
})
WEEKDAY_WORDS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|"
    "montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|mo|di|mi|do|fr|sa|so|"
    "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lun|mer|jeu|ven|sam|dim")
# ("mar" for mardi is left out: it is March far more often.)
RE_WEEKDAY = re.compile(rf"^(?:{WEEKDAY_WORDS})\.?,?\s+(?:dem\s+)?", re.I)
# Words that sit between date and time: "at" (mutt, Gmail), "à" (French), "um" (German).
RE_FILLER = re.compile(r"(?:^|\s)(?:at|à|a las|um|om|alle)(?=\s)", re.I)
SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u200a\u2007]+")

# ("11:45???PM": a narrow no-break space mis-decoded by an archive.)
TIME = r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?(?:[\s?]*(?P<ampm>[AaPp]\.?\s?[Mm]\.?))?"
ZONE = r"(?P<zone>[+-]\d{2}:?\d{2}|\[[+-]\d{4}\]|(?:GMT|UTC)[+-]\d{1,2}(?::?\d{2})?|UTC|GMT|[A-Z]{3,5})"
TAIL = rf"(?:,?\s+{TIME})?(?:\s*{ZONE})?"
RE_DATE_FORMS = [
    # "Oct 20, 2022 09:46:16AM +1100", "January 5, 2024, 10:00"
    ("mdy", re.compile(rf"^(?P<mon>[^\W\d_]{{3,9}})\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}}){TAIL}$")),
    # "20 Oct 2022 09:04:24 +1100", "20. März 2020, 17:41:18 CET"
    ("dmy", re.compile(rf"^(?P<d>\d{{1,2}})\.?\s+(?P<mon>[^\W\d_]{{3,9}})\.?\s+(?P<y>\d{{4}}){TAIL}$")),
    # "2018-05-29 17:10 +0300", "2025-01-21 14:48:09+0100", "2022/12/15 22:51"
    ("iso", re.compile(rf"^(?P<y>\d{{4}})[-/](?P<m>\d{{1,2}})[-/](?P<d>\d{{1,2}})(?:[T\s]+{TIME})?(?:\s*{ZONE})?$")),
    # "(23/03/30 09:23)" (year first in parentheses)
    ("paren-ymd", re.compile(rf"^\((?P<y>\d{{2}})/(?P<m>\d{{2}})/(?P<d>\d{{2}}){TAIL}\)$")),
    # "16-Oct-25 12:16 PM"
    ("d-mon-y", re.compile(rf"^(?P<d>\d{{1,2}})-(?P<mon>[^\W\d_]{{3}})-(?P<y>\d{{2}}|\d{{4}}){TAIL}$")),
    # "8/29/25 12:54 PM", "03/01/2025 16:40", "12.03.24 10:15", "21-08-23 21:23:18"
    ("numeric", re.compile(rf"^(?P<a>\d{{1,2}})(?P<sep>[/.-])(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{2}}|\d{{4}}){TAIL}$")),
    # "2024年7月31日(水) 22:16"
    ("cjk", re.compile(rf"^(?P<y>\d{{4}})年(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})日(?:\s*[(（][^)）]*[)）]|周.|星期.)?{TAIL}$")),
    # "220626 05:53" (mutt's %y%m%d)
    ("yymmdd", re.compile(rf"^(?P<y>\d{{2}})(?P<m>\d{{2}})(?P<d>\d{{2}}){TAIL}$")),
]


@dataclass(frozen=True)
class AttributionDate:
    """When an attribution says the quoted message was written.

    `candidates` hold one instant, or two when the form is ambiguous ("03/01/2025" is March
    or January). Without a zone (`zoned` False) the instants are the wall clock read as UTC,
    so the true time is within 14 hours of them; without a time (`timed` False) only the day
    is known.
    """

    candidates: tuple[datetime, ...]
    zoned: bool
    timed: bool

    def matches(self, when: datetime | None) -> bool:
        """Could a message dated `when` (its Date header) be the one this attribution means?"""
        if when is None:
            return False
        for c in self.candidates:
            diff = abs((c - when).total_seconds())
            if not self.timed:
                if diff <= 38 * 3600:
                    return True
            elif self.zoned:
                if diff <= 120:
                    return True
            elif diff <= 14 * 3600 + 90:
                # Unknown zone: the difference is a whole number of half hours (zones are),
                # give or take the seconds a minute-precision clock drops.
                rest = diff % 1800
                if rest <= 90 or rest >= 1800 - 90:
                    return True
        return False

    @property
    def exact(self) -> datetime | None:
        """The instant, when the attribution fixes it (a time and a zone, no ambiguity)."""
        if self.zoned and self.timed and len(self.candidates) == 1:
            return self.candidates[0]
        return None


@dataclass(frozen=True)
class Attribution:
    """A parsed attribution: the text as written (lines joined by a space), who and when."""

    text: str
    name: str
    email: str
    date: AttributionDate | None
    form: str  # "on-wrote", "apple", "wrote", "writes", "quoting", "star", "header-block", "cjk"


def _clean(text: str) -> str:
    return SPACES.sub(" ", text).strip()


def _hour(h: int, ampm: str | None) -> int:
    if not ampm:
        return h
    pm = ampm.lower().startswith("p")
    if h == 12:
        return 12 if pm else 0
    return h + 12 if pm else h


def _year(y: str) -> int:
    value = int(y)
    if len(y) == 2:
        value += 2000 if value < 70 else 1900
    return value


def parse_attribution_date(text: str, day_first: bool = False) -> AttributionDate | None:
    """Parse the date part of an attribution; None when `text` is not (only) a date.

    `day_first` orders the readings of an ambiguous numeric date (French and German mailers
    write day/month, American ones month/day).
    """
    text = _clean(text).strip(",")
    text = RE_WEEKDAY.sub("", text, count=1)
    text = re.sub(r"(?<=\d)\.\s+(?=\d)", ".", text)  # "03. 03. 26" (Czech and Slovak mailers)
    text = re.sub(r"(?<=\d:)\s+(?=\d\d)", "", text)  # "19: 50" (a hair space inside the time)
    # Chinese mailers: "2022/6/13 下午4:17" (下午 afternoon, 上午 morning).
    text = re.sub(r"(下午|上午)\s*(\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)",
                  lambda m: f"{m.group(2)} {'PM' if m.group(1) == '下午' else 'AM'}", text)
    text = _clean(RE_FILLER.sub(" ", text))
    if not text or not (text[0].isdigit() or text[0].isalpha() or text[0] == "("):
        return None
    for form, regex in RE_DATE_FORMS:
        m = regex.match(text)
        if not m:
            continue
        groups = m.groupdict()
        ymd: list[tuple[int, int, int]] = []
        if form in ("mdy", "dmy", "d-mon-y"):
            mon = MONTH_WORDS.get(groups["mon"].lower()) or MONTH_WORDS.get(groups["mon"][:3].lower())
            if mon is None:
                return None
            ymd.append((_year(groups["y"]), mon, int(groups["d"])))
        elif form in ("iso", "cjk", "yymmdd", "paren-ymd"):
            ymd.append((_year(groups["y"]), int(groups["m"]), int(groups["d"])))
        else:
            a, b, y = int(groups["a"]), int(groups["b"]), _year(groups["y"])
            if groups["sep"] in ".-":
                day_first = True  # 12.03.24 and 21-08-23 are day first everywhere
            orders = [(y, b, a), (y, a, b)] if day_first else [(y, a, b), (y, b, a)]
            ymd.extend(dict.fromkeys(orders))
        timed = groups.get("h") is not None
        zone_hours: float | None = None
        zone = groups.get("zone")
        if zone:
            zone = re.sub(r"^(?:GMT|UTC)(?=[+-])", "", zone.strip("[]"))
            if re.fullmatch(r"[+-]\d{1,2}", zone):
                zone = f"{zone[0]}{int(zone[1:]):02d}00"
            elif re.fullmatch(r"[+-]\d:\d{2}", zone):
                zone = f"{zone[0]}0{zone[1:]}"
            if re.fullmatch(r"[+-]\d{2}:?\d{2}", zone):
                zone = zone.replace(":", "")
                zone_hours = (1 if zone[0] == "+" else -1) * (int(zone[1:3]) + int(zone[3:5]) / 60)
            elif zone in ZONES:
                zone_hours = ZONES[zone]
            else:
                return None  # a capitalised word, not a zone: this is not a date alone
        out = []
        for y, mo, d in ymd:
            try:
                naive = datetime(y, mo, d, _hour(int(groups["h"]), groups.get("ampm")) if timed else 0,
                                 int(groups["mi"]) if timed else 0, int(groups.get("s") or 0) if timed else 0)
            except (ValueError, TypeError):
                continue
            out.append((naive - timedelta(hours=zone_hours or 0)).replace(tzinfo=timezone.utc))
        if not out:
            return None
        return AttributionDate(tuple(out), zone_hours is not None, timed)
    # RFC 2822 dates with odd spacing ("20 Oct 2022 09:04:24 +1100 (AEDT)").
    parsed = parse_date(text) if re.search(r"[+-]\d{4}(?:\s*\([^)]*\))?$", text) else None
    if parsed is not None:
        return AttributionDate((parsed,), True, True)
    return None


# --- names ---------------------------------------------------------------------------

NAME_PARTICLES = frozenset("de da del della der den di du la le van von ten ter bin al el y mac st".split())
NOT_NAMES = frozenset("""i you he she we they it this that someone somebody everyone who which also and but so
    as if when then there here what previously earlier above below patch commit message mail email thread
    reply original linus's my your his her our their the one someone's already quoted cover letter""".split())
RE_EMAIL = re.compile(r"(?<![\w.+=-])[\w.+=-]++(?:@|\s++at\s++)[\w-]++(?:\.[\w-]++)++")


def looks_like_name(name: str) -> bool:
    """A person's name as attributions write it: a few capitalised words or one handle."""
    name = name.strip().strip('"').strip("'")
    if not name or len(name) > 60:
        return False
    name = re.sub(r"\s*\([^)]*\)$", "", name)  # "Yury Norov (NVIDIA)"
    words = name.split()
    if not 1 <= len(words) <= 5:
        return False
    if any(w.lower().strip(",.") in NOT_NAMES for w in words):
        return False
    if len(words) == 1:
        return bool(re.fullmatch(r"[\w.'-]{2,40}", words[0], re.U)) and not words[0].isdigit()
    for w in words:
        if w.lower() in NAME_PARTICLES:
            continue
        if not (w[0].isupper() or re.fullmatch(r"[A-Z]\.?", w) or not w[0].isascii() and w[0].isalpha()):
            return False
        if re.search(r"[0-9:;!?]", w):
            return False
    return True


def _person(text: str, loose: bool = False) -> tuple[str, str] | None:
    """(name, email) from "Name <addr>", "Name (addr)", "<addr>", "addr", "Name"; None if
    the text is not a person. `loose` (after a parsed date, where the form leaves no doubt)
    also takes lower-case names such as "kernel test robot"."""
    text = _clean(text).strip(",").strip()
    text = re.sub(r"(?<!\s)\s++via\s++\S++(?:\s++\S++)?+$", "", text)  # "Name via BPF", "Name via B4 Relay"
    if not text:
        return None
    m = re.fullmatch(r"(.*?)(?<!\s)\s*+[<(\[]\s*+(" + RE_EMAIL.pattern + r")\s*+[>)\]]", text)
    if m:
        name = m.group(1).strip().strip('"').strip("'")
        if name and not looks_like_name(name):
            return None
        return name, deobfuscate_address(m.group(2))[0]
    if RE_EMAIL.fullmatch(text):
        return "", parse_person(text).email
    if looks_like_name(text) or loose and re.fullmatch(r"[\w.'-]+(?: [\w.'-]+){0,4}", text, re.U):
        return re.sub(r"\s*\([^)]*\)$", "", text.strip('"').strip("'")), ""
    return None


# --- attribution lines ---------------------------------------------------------------

VERBS = (r"wrote|writes|said|says|a\s+écrit|a\s+ecrit|schrieb|escribió|escreveu|ha\s+scritto|schreef|"
         r"skrev|napisał|kirjoitti|написал|написала")
OPENERS = r"On|Le|Am|El|Em|Il|Op|Den|Dne|W\s+dniu|Pada"
# (A lazy part ends on a non-space and the spaces after it are possessive: lazy text then
# optional spaces would rescan every run of spaces, quadratic on a line of blanks.)
RE_ON_WROTE = re.compile(rf"^(?P<opener>{OPENERS})\s++(?P<mid>.*?\S)\s*+(?:{VERBS})\s*+:?+\s*+$", re.I)
# Apple Mail: "On Sep 30, 2022, at 1:28 PM, Name <addr> wrote:", written as the first line
# *inside* the quote it introduces (so at depth d it names the depth-d voice).
RE_APPLE = re.compile(r"^On [A-Z][a-z]{2,8} \d{1,2}, \d{4}, at \d{1,2}:\d{2}")
RE_WROTE = re.compile(rf"^(?P<who>.*?\S)\s++(?:{VERBS})\s*+:\s*+$", re.I)
# German: "Am 12.03.24 um 10:15 schrieb Name:" (the name after the verb).
RE_AM_SCHRIEB = re.compile(r"^Am\s++(?>(?P<date>.*?\S)\s++schrieb\s++)(?P<who>.*?\S)\s*+:\s*+$")
RE_QUOTING = re.compile(r"^Quoting\s++(?P<who>.*?\S)\s*+(?:\((?P<date>[^()\d]*+\d[^()]*+)\))?+\s*+:?+\s*+$")
RE_STAR = re.compile(r"^\*\s++(?P<who>.*?\S)\s*+\[(?P<date>[^\[\]]++)\]\s*+:\s*+$")
# Gmail in Chinese: "Name <addr> 于2022年10月20日周四 09:27写道：".
# (The name ends at the first "于" a date follows; the line's end decides the rest, so trying
# later ones, each rereading the line, could never help.)
RE_CJK_WROTE = re.compile(r"^(?>(?P<who>.*?\S)\s*+于(?=\s*+\d{4}年))\s*+(?P<date>\d{4}年.*?\S)"
                          r"\s*+写道\s*+[:：]\s*+$")
# Gmail in Japanese: "2024年7月31日(水) 22:16 Name <addr>:".
RE_CJK_DATE_FIRST = re.compile(r"^(?P<date>\d{4}年\d{1,2}月\d{1,2}日\S*+\s++\d{1,2}:\d{2})"
                               r"\s++(?P<who>.*?\S)\s*+[:：]\s*+$")


# The last word of a date: it holds a digit ("2022,", "09:46:16AM", "[+0100]"), or is AM/PM
# or a zone name ("PM", "CET", "(EST)").
RE_DATE_LAST_TOKEN = re.compile(r"\d|^\(?(?:[AaPp]\.?[Mm]\.?|[A-Z]{2,5})\)?,?$")


def _split_date_person(mid: str, day_first: bool) -> tuple[AttributionDate | None, tuple[str, str]] | None:
    """Split "Thu, Oct 20, 2022 at 09:46:16AM +1100, Dave Chinner" at the longest prefix that
    is a date; the rest must be a person."""
    mid = _clean(mid)
    tokens = mid.split(" ")
    for k in range(len(tokens) - 1, 0, -1):
        if not RE_DATE_LAST_TOKEN.search(tokens[k - 1]):
            continue  # a date ends in a number, AM/PM or a zone: not in a name's word
        date = parse_attribution_date(" ".join(tokens[:k]), day_first)
        if date is None:
            continue
        who = _person(" ".join(tokens[k:]), loose=True)
        if who is not None:
            return date, who
    who = _person(mid)
    if who is not None:
        return None, who
    # "On Fri, 14 Oct 2022, Name wrote:" with a date the parser does not know: split at
    # the last comma and accept it when the part before holds a year.
    if ", " in mid:
        head, tail = mid.rsplit(", ", 1)
        who = _person(tail)
        if who is not None and re.search(r"\b(?:19|20)\d\d\b|(?<!\d)\d++[/.-]\d|\d{1,2}:\d{2}", head):
            return None, who
    return None


@lru_cache(maxsize=8192)
def parse_attribution(text: str) -> Attribution | None:
    """Parse one attribution (one line, or two lines joined by a space); None if it is not one.
    (Cached: a thread quotes the same attribution lines again and again, deeper each time.)"""
    line = _clean(text)
    if not line or len(line) > 240:
        return None
    written = " ".join(text.split("\n")).strip()  # as written: narrow no-break spaces kept
    m = RE_ON_WROTE.match(line)
    if m:
        day_first = m.group("opener").lower() in ("le", "am", "el", "em", "il", "op", "den", "dne")
        split = _split_date_person(m.group("mid"), day_first)
        if split is not None:
            date, (name, email) = split
            form = "apple" if RE_APPLE.match(line) else "on-wrote"
            return Attribution(written, name, email, date, form)
    m = RE_AM_SCHRIEB.match(line)
    if m:
        who = _person(m.group("who"))
        if who is not None:
            return Attribution(written, who[0], who[1], parse_attribution_date(m.group("date"), True), "on-wrote")
    m = RE_QUOTING.match(line)
    if m:
        who = _person(m.group("who"))
        if who is not None:
            date = parse_attribution_date(m.group("date")) if m.group("date") else None
            return Attribution(written, who[0], who[1], date, "quoting")
    m = RE_STAR.match(line)
    if m:
        who = _person(m.group("who"))
        if who is not None:
            return Attribution(written, who[0], who[1], parse_attribution_date(m.group("date")), "star")
    m = RE_CJK_WROTE.match(line) or RE_CJK_DATE_FIRST.match(line)
    if m:
        who = _person(m.group("who"))
        if who is not None:
            return Attribution(written, who[0], who[1], parse_attribution_date(m.group("date")), "cjk")
    m = RE_WROTE.match(line)
    if m and not RE_ON_WROTE.match(line):
        who_text = m.group("who")
        # "Name wrote on Tue, ...": not seen in the corpora, so only the plain form.
        who = _person(who_text)
        if who is not None:
            form = "writes" if line.rstrip(": ").lower().endswith("writes") else "wrote"
            return Attribution(written, who[0], who[1], None, form)
    return None


RE_OPENS = re.compile(rf"^(?:{OPENERS})\s+\S")
# The last word of each verb in VERBS, for a cheap first look.
VERB_ENDINGS = tuple({v.split("\\s+")[-1] for v in VERBS.split("|")})
RE_ENDS = re.compile(rf"(?:{VERBS})\s*+:?+\s*+$|写道\s*+[:：]$", re.I)
# Every line of every body is asked; the verb and its colon sit in the last characters.
ENDING_CHARS = 40


def could_start_attribution(line: str) -> bool:
    """True for the first half of an attribution wrapped over two lines ("On Mon, ... PM Name")."""
    if len(line) > 300:
        return False
    line = _clean(line)
    return bool(RE_OPENS.match(line)) and not RE_ON_WROTE.match(line) and len(line) < 200


def could_end_attribution(line: str) -> bool:
    """True for a line that ends an attribution ("... wrote:", "<addr> wrote:", "...写道：")."""
    if len(line) > 300:
        return False
    # Every line of every body is asked: most end neither in a colon nor in a verb.
    tail = line.rstrip(" \t\u00a0\u202f").lower()
    if not tail.endswith((":", "：")) and not tail.endswith(VERB_ENDINGS) and "quoting" not in tail[:12]:
        return False
    line = _clean(line)
    return bool(RE_ENDS.search(line[-ENDING_CHARS:])) or bool(RE_AM_SCHRIEB.match(line)) or bool(
        RE_QUOTING.match(line) or RE_STAR.match(line) or RE_CJK_DATE_FIRST.match(line))


# --- header blocks ("-----Original Message-----") ---------------------------------------

RE_BLOCK_START = re.compile(
    r"^\s*(?:-{3,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Forwarded message|"
    r"Mensaje original|Start of forwarded message)\s*-{3,}|_{10,}|-{5,}\s*On .* wrote\s*-{5,})\s*$", re.I)
RE_BLOCK_FIELD = re.compile(r"^\s*\*?(From|Sent|Date|To|Cc|Subject|Von|Gesendet|An|Betreff|De|Envoyé|À|Objet)\s*:\*?\s*(.*)$",
                            re.I)


def is_block_start(line: str) -> bool:
    return bool(RE_BLOCK_START.match(line))


def parse_header_block(lines: list[str]) -> tuple[Attribution, int] | None:
    """(attribution, number of lines it spans) for a header block at the start of `lines`:
    an optional "-----Original Message-----" rule, then From:/Sent:/To:/Subject: fields.

    A From: field alone is not enough (patches start with an in-body "From:"): the block
    needs its rule, or both a From: and a Sent:/Date: field.
    """
    i = 0
    ruled = False
    if lines and RE_BLOCK_START.match(lines[0]):
        ruled = True
        i = 1
    fields: dict[str, str] = {}
    start = i
    while i < len(lines) and i - start < 12:
        m = RE_BLOCK_FIELD.match(lines[i])
        if m:
            key = m.group(1).lower()
            key = {"von": "from", "de": "from", "gesendet": "sent", "envoyé": "sent", "an": "to", "à": "to",
                   "betreff": "subject", "objet": "subject"}.get(key, key)
            fields.setdefault(key, m.group(2).strip())
            i += 1
        elif fields and lines[i].startswith((" ", "\t")) and lines[i].strip():
            i += 1  # a folded To: or Cc: list
        elif not fields and not lines[i].strip() and ruled:
            i += 1
            start = i
        else:
            break
    if "from" not in fields or not (ruled or "sent" in fields or "date" in fields):
        return None
    if not ruled and "subject" not in fields:
        return None
    person = parse_person(fields["from"])
    date_text = fields.get("sent") or fields.get("date") or ""
    date = parse_attribution_date(date_text) if date_text else None
    if date is None and date_text:
        parsed = parse_date(date_text)
        date = AttributionDate((parsed,), True, True) if parsed else None
    text = " ".join(_clean(x) for x in lines[:i] if x.strip())
    return Attribution(text, person.name, person.email, date, "header-block"), i
