"""Crash reports and stack traces found in mail bodies, titled the way syzbot titles them.

`find_reports(body)` reads a decoded message body and returns every crash report in it
(oopses, WARNINGs, KASAN/KMSAN/KCSAN/KFENCE/UBSAN reports, lockdep splats, hung tasks, RCU
stalls, lockups, panics, memory leaks, a CPU caught spinning), at any quote depth. Each
line is cleaned first: quote markers (the depth is kept), syslog/journal prefixes, printk
levels, timestamps and caller ids are stripped, and lines a mail client hard-wrapped are
joined back. Reports printed by different tasks at once are kept apart by caller id.

`signatures(occurrences)` groups the same crash seen in several messages (or quoted again
and again down a thread) into one signature, as syzbot merges crashes whose titles or alt
titles meet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Iterable, Sequence

from . import trace_patterns as pat
from .lines import split_line
from .trace_titles import (CONTINUATIONS, GO_TRACEBACK, INFO_WITH_STACK, RE_HEADER_KEYWORD, RE_STACK_START,
                           SPIN_HEADER, Header, describe, header_of, title_key)

# Bump when the reports this module finds or their titles change (cached ones are recomputed).
VERSION = 2


@dataclass(frozen=True)
class Frame:
    """One stack frame as printed: `reliable` is False for "? func" and "(unreliable)" frames,
    `inline` for symbolised inlined frames ("func file.c:12 [inline]")."""

    function: str
    offset: int | None = None
    size: int | None = None
    module: str | None = None
    file: str | None = None
    line: int | None = None
    reliable: bool = True
    inline: bool = False

    def as_json(self) -> dict:
        return {"function": self.function, "offset": self.offset, "size": self.size, "module": self.module,
                "file": self.file, "line": self.line, "reliable": self.reliable, "inline": self.inline}


@dataclass(frozen=True)
class CrashReport:
    """One crash report in a message body. Lines are 1-based line numbers of the body;
    `text` is the report with quote markers and console prefixes removed."""

    title: str
    kind: str
    alt_titles: tuple[str, ...]
    frames: tuple[Frame, ...]
    kernel: str | None
    taint: str | None
    hardware: str | None
    cpu: int | None
    pid: int | None
    comm: str | None
    rip: str | None
    first_timestamp: float | None
    corrupted: bool
    depth: int
    first_line: int
    last_line: int
    text: str = field(repr=False)

    @property
    def titles(self) -> tuple[str, ...]:
        return (self.title,) + self.alt_titles


# --- Cleaning lines ----------------------------------------------------------------------

@dataclass(frozen=True)
class LogLine:
    """A body line with its prefixes stripped. `context` is what syzkaller calls it: the
    caller id ("T1234", "C1") when printed, "console" for a timestamp alone, "" for none."""

    number: int
    end: int
    depth: int
    text: str
    timestamp: float | None
    context: str
    console: bool
    width: int

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def clean_line(raw: str, number: int) -> LogLine:
    """Strip quote markers, syslog/journal/dmesg prefixes, printk level, timestamp, caller id."""
    width = len(raw.expandtabs())
    # Quote depth as the quote tree counts it, so a report's depth names its voice.
    depth, text = split_line(raw)
    console = False
    m = pat.RE_SYSLOG.match(text.lstrip())
    if m:
        text = text.lstrip()[m.end():]
        console = True
    m = pat.RE_DMESG_LEVEL.match(text)
    if m:
        text = text[m.end():]
        console = True
    m = pat.RE_GLUED_PREFIX.match(text)
    if m:
        text = text[m.end():]
    # A pasted log is often indented as a whole: its prefixes come after the indentation.
    probe = text
    if text[:1].isspace():
        stripped = text.lstrip()
        if pat.RE_TIMESTAMP.match(stripped) or pat.RE_LOGLEVEL.match(stripped):
            probe = stripped
    m = pat.RE_LOGLEVEL.match(probe)
    if m:
        probe = probe[m.end():]
        text = probe
        console = True
    timestamp = None
    context = "console" if console else ""
    m = pat.RE_TIMESTAMP.match(probe)
    if m:
        timestamp = float(m.group(1))
        context = m.group(2) or "console"
        text = probe[m.end():]
        console = True
    else:
        m = pat.RE_HUMAN_TIMESTAMP.match(probe) or pat.RE_CALLER_ONLY.match(probe)
        if m:
            text = probe[m.end():]
            context = m.group(1) if m.re is pat.RE_CALLER_ONLY else "console"
            console = True
    if text[:1] == "\t":
        # A block indented with tabs (commit messages indent pasted logs): the rules read
        # frames after spaces only.
        body = text.lstrip("\t")
        text = " " * (8 * (len(text) - len(body))) + body
    return LogLine(number, number, depth, text.rstrip("\r"), timestamp, context, console, width)


# printk lines are at most 1 KiB; a longer "line" is junk, a whole log with its newlines lost,
# or console noise glued in front of a kernel line.
MAX_LINE_CHARS = 4096
# No kernel line names more than a few report headers; a line with dozens is junk whose every
# keyword would be tried by every title rule.
MAX_KEYWORDS_PER_LINE = 8
# Control characters that are no text: serial consoles emit NUL runs (at a reboot, on a line
# glitch), and a console may pass on stray bytes. Tab, newline and escape are kept.
RE_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]+")
# Spaces HTML mailers write for indentation: read as plain spaces.
UNICODE_SPACES = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u3000": " "})
# A console prefix shortly before a header keyword on an over-long line.
RE_NEAR_PREFIX = re.compile(r"(?:<\d{1,2}>)?\[ *\d+\.\d+\]")


def bounded_line(raw: str) -> str:
    """The line without control junk, at most MAX_LINE_CHARS long. A longer line keeps its
    start (console prefixes) and, when the first header keyword lies beyond the cut, the
    header and what follows it, so the header is never cut short ("INFO: t")."""
    if RE_CONTROLS.search(raw):
        raw = RE_CONTROLS.sub("", raw)
    if not raw.isascii():
        # HTML mail indents pasted logs with no-break spaces: the rules read plain spaces.
        raw = raw.translate(UNICODE_SPACES)
    if len(raw) > MAX_LINE_CHARS:
        m = RE_HEADER_KEYWORD.search(raw)
        if m is not None and m.start() > MAX_LINE_CHARS - 1024:
            # From the console prefix right before the keyword, if there is one.
            near = RE_NEAR_PREFIX.search(raw, m.start() - 96, m.start())
            start = near.start() if near else m.start() - 64
            raw = raw[:64] + raw[start:start + MAX_LINE_CHARS - 64]
        else:
            raw = raw[:MAX_LINE_CHARS]
    for count, m in enumerate(RE_HEADER_KEYWORD.finditer(raw), 1):
        if count > MAX_KEYWORDS_PER_LINE:
            return raw[:m.start()]
    return raw


def clean_lines(body: str) -> list[LogLine]:
    """Every body line cleaned, hard-wrapped continuations joined to the line they belong to."""
    out: list[LogLine] = []
    for number, raw in enumerate(body.split("\n"), 1):
        line = clean_line(bounded_line(raw), number)
        # (A joined line stays bounded too: a chain of short lines must not grow without end.)
        if out and len(out[-1].text) < MAX_LINE_CHARS and _is_wrapped_tail(out[-1], line):
            prev = out[-1]
            # `width` becomes the tail's: a tail may itself have been wrapped again.
            out[-1] = LogLine(prev.number, line.number, prev.depth, (prev.text.rstrip() + " " + line.text.strip()
                                                                     if not prev.blank else " " + line.text.strip()),
                              prev.timestamp, prev.context, prev.console, line.width)
            continue
        out.append(line)
    return out


# Mail clients wrap at 72-80 columns (git and mutt 72, Gmail about 78) plus the quote markers
# they add; a line was wrapped when the next word would not have fitted.
WRAP_AT, WRAP_NEAR, WRAP_MAX = 70, 55, 100


def _is_wrapped_tail(prev: LogLine, line: LogLine) -> bool:
    """`line` is the tail of `prev` cut by a mail client: it has no console prefix of its own
    where `prev` had one (or `prev` is a header), its first word would not have fitted on
    `prev`, and it is not a line of its own (a frame, a header, console noise)."""
    if line.number != prev.end + 1 or line.depth != prev.depth or line.console or line.blank:
        return False
    tail = line.text
    first_word = tail.split(None, 1)[0]
    if prev.width > WRAP_MAX + 4 * prev.depth:
        return False
    # Wrapped before a word that would not fit, or inside a run of spaces near the margin.
    if prev.width + 1 + len(first_word) < WRAP_AT and prev.width < WRAP_NEAR:
        return False
    if tail[:1].isspace() or len(tail.strip()) > 80 or pat.RE_STANDALONE.match(tail):
        return False
    if _header_hit(line) is not None or pat.RE_CPU_LINE.search(tail) or RE_STACK_START.search(tail):
        return False
    if pat.RE_SENTENCE_START.match(tail) and len(pat.RE_WORD.findall(tail)) >= 5:
        # "The execution time of function ... is very": someone writing, not a cut log line.
        return False
    if prev.console:
        # A console line cut right after its prefix ("... kernel:") continues with its text.
        return prev.blank or not _is_frame_line(tail) or _ends_without_function(prev.text)
    # Without timestamps only a header or CPU line is rejoined (their tails are distinctive).
    if _header_hit(prev) is None and not pat.RE_CPU_LINE.search(prev.text):
        return False
    if _ends_without_function(prev.text):
        return True
    return len(tail.strip()) <= 40 and not _is_frame_line(tail) and len(pat.RE_WORD.findall(tail)) <= 3




def _ends_without_function(text: str) -> bool:
    """A WARNING or RIP line cut right before its function ("... at fs/foo.c:80")."""
    return pat.RE_AT_SOURCE_END.search(text) is not None


def _is_frame_line(text: str) -> bool:
    return _parse_frame(text) is not None


# --- Frames ----------------------------------------------------------------------------------

def _parse_frame(text: str) -> list[Frame] | None:
    """The frames a line holds (ARM's "(f) from (g)" names one), or None for another line."""
    m = pat.RE_ARM_FRAME.match(text)
    if m:
        return [Frame(m.group("function"), _hex(m.group("offset")), _hex(m.group("size")), m.group("module"))]
    m = pat.RE_ARM_FROM_FRAME.match(text)
    if m:
        return [Frame(m.group("function"))]
    m = pat.RE_FRAME.match(text)
    if m is None:
        return None
    offset = m.group("offset")
    file = m.group("file") or (m.group("dfile") if m.group("dfile") != "??" else None)
    if not (offset or m.group("file") or m.group("dfile") or m.group("pcs")):
        return None
    line = m.group("line") or m.group("dline")
    return [Frame(m.group("function"), _hex(offset), _hex(m.group("size")), m.group("module") or m.group("dmodule"),
                  file, int(line) if line else None,
                  reliable=not (m.group("unreliable") or m.group("ppc_unreliable")),
                  inline=bool(m.group("inline")))]


def _hex(value: str | None) -> int | None:
    return int(value, 16) if value else None


# --- Finding reports -------------------------------------------------------------------------

def _header_hit(line: LogLine, written: bool = True) -> tuple[Header, str] | None:
    """The header this line starts a report with, and the text before its keyword, when
    the keyword stands where a console puts it (line start, after a subsystem or device
    prefix, or after a timestamp where a console glued two lines): prose that mentions
    "BUG:" does not count."""
    found = header_of(line.text)
    if found is None:
        if written and pat.RE_SPIN_CPU.match(line.text):
            return SPIN_HEADER, ""
        return None
    header, pos = found
    if (header.bare_log_only and written) or (header.mail_only and not written):
        return None
    prefix = line.text[:pos]
    # (In a bare console log a console line is read as syzkaller reads it: the keyword counts
    # anywhere on it.)
    if (prefix.strip() and not header.anywhere and (written or not line.console)
            and not pat.RE_CONSOLE_PREFIX.match(prefix)
            and not pat.RE_GLUED_CONSOLE.search(prefix[-80:])):
        return None
    return header, prefix




@dataclass
class _Draft:
    """A report being collected from one quote depth's lines."""

    header: Header
    head: LogLine
    prefix: str
    context: str
    lines: list[LogLine] = field(default_factory=list)
    # The lines before the header that belong to it: a "cut here" line and the message
    # (WARN's text, "list_add corruption...") printed between it and the header.
    lead: list[LogLine] = field(default_factory=list)
    # A register dump that turned out to open a report whose header came after it.
    before: list[LogLine] = field(default_factory=list)
    # The report that cut this one short in the same task: its lines still name this one's
    # crash (a task prints one report, then the oops it caused while printing).
    cut_by: _Draft | None = None
    cpu_traceback: bool = False
    # A "vmalloc: allocation failure" or fault-injection stack came in: the title stops there.
    text_closed: bool = False
    # Merged into the report whose header came after it (marked, not removed: removing from
    # the middle of a long list is linear each time).
    dropped: bool = False


def _same_text(one: LogLine, other: LogLine) -> bool:
    """The same header printed twice (numbers aside), or one header line a symboliser split
    into its inlined frames ("BUG: KASAN: ... in idempotent kernel/module/main.c:3078 [inline]"
    then "BUG: KASAN: ... in init_module_from_file ...")."""
    first, second = one.text.strip(), other.text.strip()
    if RE_DIGITS.sub("N", first) == RE_DIGITS.sub("N", second):
        return True
    head = first.split(" in ", 1)[0]
    return first.endswith("[inline]") and " in " in first and second.startswith(head + " in ")


RE_DIGITS = re.compile(r"\d+")


def _streams(lines: list[LogLine]) -> dict[int, list[LogLine]]:
    by_depth: dict[int, list[LogLine]] = {}
    for line in lines:
        by_depth.setdefault(line.depth, []).append(line)
    return by_depth


# A word of writing: letters, maybe capitalised, maybe with punctuation after it.
RE_WRITTEN_WORD = re.compile(r"^[A-Za-z][a-z]*[,.;:!?]?$")


def _is_writing(line: LogLine) -> bool:
    """A line of sentences: six words or more, nearly all of them plain words (a tool's
    message has numbers, paths, addresses among its words)."""
    if not _is_prose(line) or RE_HEADER_KEYWORD.search(line.text):
        return False
    words = line.text.split()
    return len(words) >= 6 and sum(1 for w in words if RE_WRITTEN_WORD.match(w)) >= 0.8 * len(words)


def _is_written(lines: Sequence[LogLine]) -> bool:
    """A mail someone wrote, as opposed to a bare console log: two lines of writing, or the
    structure of a mail (trailers, a signature, a diff). A bare log holds at most a tool's
    sentence here and there ("Warning: Permanently added ... to the list of known hosts.").

    A bare log is read as syzkaller reads its console logs: a header keyword counts anywhere
    on a console line, a header line alone is a report, only syzkaller's own report kinds
    are found, a tool's line amid a report does not end it. Mail a person wrote is read with
    the care mail needs (prose mentions "BUG:", tools print "WARNING:") and with the trust a
    person's choice of what to paste deserves: the writer's text ends a report, a stack all
    of whose frames are marked unreliable is read anyway, and a WARNING whose stack was left
    out is named by the function its header line names."""
    writing = 0
    for line in lines:
        if not line.console and pat.RE_MAIL_BREAK.match(line.text):
            return True
        if _is_writing(line):
            writing += 1
            if writing >= 2:
                return True
    return False


def _is_prose(line: LogLine) -> bool:
    """A line of someone writing, not of a console: no prefix, not indented, not a known
    report line, with words."""
    text = line.text
    if line.console or line.blank or text[:1].isspace():
        return False
    if pat.RE_REPORT_PHRASE.match(text) or pat.RE_REGISTERS.match(text) or pat.RE_TRACE_MARKER.match(text):
        return False
    if pat.RE_STANDALONE.match(text) or _is_frame_line(text) or pat.RE_RIP.match(text) or GO_TRACEBACK.match(text):
        return False
    return pat.RE_WORD.search(text) is not None


# A paused report resumes only on the lines right after the text that paused it, and only if
# the timestamps go on (the same boot, seconds later).
RESUME_WITHIN = 3
RESUME_SECONDS = 10.0


def _continues(draft: _Draft, line: LogLine) -> bool:
    if line.blank:
        return False
    if draft.head.timestamp is None:
        return line.timestamp is None and _is_report_line(line.text)
    last = next((l.timestamp for l in reversed(draft.lines) if l.timestamp is not None), draft.head.timestamp)
    return line.timestamp is not None and last <= line.timestamp <= last + RESUME_SECONDS


def _has_rip_soon(stream: list[LogLine], index: int, context: str) -> bool:
    """A CPU line followed by a faulting instruction pointer within its register dump (x86
    prints RIP two lines on, powerpc NIP after its GPRs), before any call trace."""
    seen = 0
    for line in stream[index + 1:]:
        if line.context != context:
            continue
        if pat.RE_RIP.match(line.text):
            return True
        seen += 1
        if seen >= 16 or line.blank or RE_STACK_START.search(line.text):
            return False
    return False


def _lead_in(stream: list[LogLine], index: int, context: str) -> list[LogLine]:
    """The lines just before a header that open its report: back to a "cut here" (or a
    "=====" rule, a list corruption message) at most three lines up, in the same context."""
    for back in range(1, 4):
        if index - back < 0:
            break
        line = stream[index - back]
        if line.context != context or line.blank or _header_hit(line) is not None:
            break
        if pat.RE_LEAD_IN.match(line.text):
            return stream[index - back:index]
    return []


def _segment(stream: list[LogLine], written: bool = True) -> list[_Draft]:
    """Cut one depth's lines into report drafts.

    A header starts a report (a continuation header like "Kernel panic" or "invalid opcode"
    inside an open report is just one of its lines); a line belongs to the open report of its
    caller context; a paragraph of prose after a blank line ends every open report. In a
    bare console log (not `written` mail) a line of text only pauses the open reports (a
    console log holds the tools' own lines: "executing program", ssh warnings): when the same
    context's timestamps go on right after it, or (without timestamps) a report line follows
    it after blank lines only, so does the report."""
    drafts: list[_Draft] = []
    open_drafts: dict[str, _Draft] = {}
    paused: dict[str, _Draft] = {}
    paused_at = 0
    prev_blank = True
    for index, line in enumerate(stream):
        if paused and (index - paused_at > RESUME_WITHIN or not line.blank and not line.console
                       and not _is_report_line(line.text)):
            paused.clear()
        owner = open_drafts.get(line.context)
        if owner is None and line.context in paused and _continues(paused[line.context], line):
            owner = open_drafts[line.context] = paused.pop(line.context)
        if owner is None and line.context.startswith("C"):
            owner = next((d for d in open_drafts.values() if d.cpu_traceback), None)
        hit = _header_hit(line, written)
        if hit is not None:
            header, prefix = hit
            continuation = header.weak or any(c.search(line.text) for c in CONTINUATIONS)
            if header is SPIN_HEADER and not _has_rip_soon(stream, index, line.context):
                hit = None
            elif index + 1 < len(stream) and REPLAYED in stream[index + 1].text:
                # The console replays an old message after it: not a new report.
                hit = None
            elif owner is not None and continuation and not (owner.header.weak and not header.weak):
                hit = None
        if hit is not None:
            draft = _Draft(hit[0], line, hit[1], line.context, lead=_lead_in(stream, index, line.context))
            if owner is not None:
                del open_drafts[owner.context]
                if (owner.header.weak and not draft.header.weak) or (not owner.lines and _same_text(owner.head, line)):
                    # The CPU dump or Oops line came first and the header names the report;
                    # or the same header printed again and again (a stall warned every minute).
                    owner.dropped = True
                    draft.lead = owner.lead
                    # (The dropped draft's list is extended in place: copying it at every
                    # repeat would be quadratic in the repeats.)
                    draft.before = owner.before
                    draft.before.append(owner.head)
                    draft.before.extend(owner.lines)
                else:
                    if owner.context.startswith("T"):
                        owner.cut_by = draft
                    if draft.lead and owner.lines[-len(draft.lead):] == draft.lead:
                        del owner.lines[-len(draft.lead):]
            open_drafts[line.context] = draft
            drafts.append(draft)
        elif not line.console and pat.RE_MAIL_BREAK.match(line.text):
            # The mail's trailers, a diff, a signature: every report is over.
            open_drafts.clear()
            paused.clear()
        elif prev_blank and _is_prose(line):
            # The writer's text after a pasted log (or a tool's line amid a console log).
            paused = {} if written else dict(open_drafts)
            paused_at = index
            open_drafts.clear()
        elif owner is not None:
            if any(marker in line.text for marker in INFO_WITH_STACK) and owner.context in ("", "console"):
                owner.text_closed = True
            if "Sending NMI from CPU" in line.text:
                owner.cpu_traceback = True
            owner.lines.append(line)
        # A paragraph break is an empty line; a console's empty line (with a timestamp) is not.
        prev_blank = line.blank and not line.console
    return [draft for draft in drafts if not draft.dropped]


def find_reports(body: str) -> list[CrashReport]:
    """Every crash report in a decoded message body, in body order."""
    if not RE_HEADER_KEYWORD.search(body):
        return []
    reports: list[CrashReport] = []
    lines = clean_lines(body)
    written = _is_written(lines)
    # A cloud console that dropped the connection: whatever was printed last may be missing.
    hung_up = not written and CONSOLE_HANGUP in body
    for depth, stream in _streams(lines).items():
        for draft in _segment(stream, written):
            report = _build(draft, depth, written)
            if report is not None:
                if hung_up and not report.corrupted:
                    report = replace(report, corrupted=True)
                reports.append(report)
    reports.sort(key=lambda r: (r.first_line, r.depth))
    return reports


# printk's line when a console replays a message it printed before.
REPLAYED = "** replaying previous printk message **"
# GCE's serial port dropping the connection.
CONSOLE_HANGUP = "serialport: VM disconnected."

# Reports longer than this are cut off in the title text (syzkaller's panic_on_warn rule).
MIN_LINES_BEFORE_SKIP = 22
# How far the title text follows the reports that cut a task's report short: syzkaller reads
# every later line of the task; real chains are a few reports and some hundred lines (the
# syzkaller cases: 7 reports, 1,162 lines). Bounded, a hostile chain stays linear.
MAX_FOLLOWED_REPORTS = 8
MAX_TITLE_LINES = 2000


def _title_lines(draft: _Draft, questionable: bool) -> tuple[list[str], bool]:
    """The lines the title is read from: the header and the lines of its context (in a task
    context, on through any report that cut it short); unreliable frames left out (or, with
    `questionable`, kept without their "? " mark). Also whether any unreliable frame was seen."""
    out = [draft.head.text]
    members: list[LogLine] = list(draft.lines)
    follow = draft.cut_by
    followed = 0
    while follow is not None and followed < MAX_FOLLOWED_REPORTS and len(members) < MAX_TITLE_LINES:
        members.append(follow.head)
        members.extend(follow.lines)
        follow = follow.cut_by
        followed += 1
    del members[MAX_TITLE_LINES:]
    saw_questionable = False
    min_lines = 16 if "BUG: KMSAN:" in draft.head.text else MIN_LINES_BEFORE_SKIP
    for count, line in enumerate(members, 2):
        text = line.text
        if draft.text_closed and any(marker in text for marker in INFO_WITH_STACK):
            break
        if "Disabling lock debugging due to kernel taint" in text:
            continue
        if count > min_lines and ("Kernel panic - not syncing" in text
                                  or "WARNING: possible circular locking dependency detected" in text):
            break
        m = pat.RE_QUESTION_MARK.search(text)
        unreliable = "<EOI>" not in text and (m is not None or text.rstrip().endswith(" (unreliable)"))
        if unreliable:
            saw_questionable = True
            if questionable:
                text = text[:m.start()] + text[m.end():] if m else text.rstrip()[:-len(" (unreliable)")]
            elif line.context:
                # syzkaller drops unreliable frames of timestamped logs; untimestamped ones stay
                # (a "? func" line is no frame to the rules, but can mark a stack's start).
                continue
        out.append(text)
    return out, saw_questionable




def _build(draft: _Draft, depth: int, written: bool = True) -> CrashReport | None:
    lines, saw_questionable = _title_lines(draft, questionable=False)
    desc = describe(lines, draft.header, written)
    if (desc.guilty == "corrupted" or desc.corrupted) and saw_questionable and written \
            and not draft.context.startswith(("T", "C")):
        # Every frame is marked unreliable (common in x86 reports pasted into mail): read them
        # anyway, for the title and for whether the stack is there at all. Not in a bare
        # console log, nor with caller ids (syzbot's logs): syzkaller calls such reports
        # corrupted.
        retry = describe(_title_lines(draft, questionable=True)[0], draft.header, written)
        if desc.guilty == "corrupted":
            if retry.guilty not in (None, "corrupted"):
                desc = retry
        elif retry.title == desc.title and not retry.corrupted:
            desc = retry
    members = draft.before + [draft.head] + draft.lines
    frames: list[Frame] = []
    for line in draft.lines:
        parsed = _parse_frame(line.text)
        if parsed:
            frames.extend(parsed)
    if not _is_report(draft, desc, frames, written):
        return None
    meta = _metadata(draft.lead + members)
    last = max((line.end for line in members if not line.blank and not _is_prose(line)), default=draft.head.end)
    first = (draft.lead or members)[0].number
    text_lines = [line.text for line in draft.lead + members]
    while text_lines and not text_lines[-1].strip():
        text_lines.pop()
    return CrashReport(title=desc.title, kind=desc.kind, alt_titles=desc.alt_titles, frames=tuple(frames),
                       kernel=meta.get("kernel"), taint=meta.get("taint"), hardware=meta.get("hardware"),
                       cpu=meta.get("cpu"), pid=meta.get("pid"), comm=meta.get("comm"), rip=meta.get("rip"),
                       first_timestamp=meta.get("timestamp"), corrupted=desc.corrupted, depth=depth,
                       first_line=first, last_line=last, text="\n".join(text_lines))


def _is_report(draft: _Draft, desc, frames: list[Frame], written: bool = True) -> bool:
    """Mail quotes titles and tools print "WARNING:" too: in `written` mail a header line alone
    is a report only when a console printed it; else the lines after it must look like a
    report (any report line for a specific header; a stack for a generic one such as a bare
    "WARNING: ..."). In a bare log, as for syzkaller, every header is a report."""
    if desc.rule is not None and desc.rule.needs is not None:
        # Its own evidence decides (a goroutine dump after "fatal error:").
        return any(desc.rule.needs.search(line.text) for line in [draft.head] + draft.lines[:200])
    if not written:
        return True
    if draft.header.weak and desc.guilty in (None, "corrupted"):
        # An Oops line, NMI backtrace or register dump names no crash without its function
        # (an NMI backtrace of the CPU that asked for it has none: it is not spinning).
        return False
    if draft.head.console or pat.RE_DEVICE_PREFIX.match(draft.prefix or "-"):
        return True
    stack = bool(frames) or any(RE_STACK_START.search(line.text) or pat.RE_RIP.match(line.text)
                                for line in draft.lines)
    if desc.rule is None or desc.rule.weak:
        return stack
    if desc.rule.alone or draft.header.alone:
        return True
    return stack or any(_is_report_line(line.text) for line in draft.lines)


def _is_report_line(text: str) -> bool:
    return bool(text.strip()) and (pat.RE_REPORT_PHRASE.match(text) is not None or pat.RE_REGISTERS.match(text)
                                   is not None or pat.RE_CPU_LINE.search(text) is not None
                                   or _is_frame_line(text) or pat.RE_TRACE_MARKER.match(text) is not None
                                   or pat.RE_RIP.match(text) is not None)


def _metadata(lines: Sequence[LogLine]) -> dict:
    meta: dict = {}
    for line in lines:
        text = line.text
        if "timestamp" not in meta and line.timestamp is not None:
            meta["timestamp"] = line.timestamp
        if "cpu" not in meta:
            m = pat.RE_CPU_LINE.search(text)
            if m:
                meta["cpu"] = int(m.group("cpu"))
                meta["pid"] = int(m.group("pid"))
                meta["comm"] = m.group("comm").strip() or None
                if m.group("kernel"):
                    meta.setdefault("kernel", m.group("kernel"))
                    meta.setdefault("taint", _taint(m.group("taint")))
        if "kernel" not in meta:
            m = pat.RE_TAINT_LINE.match(text)
            if m:
                meta["kernel"] = m.group("kernel")
                meta["taint"] = _taint(m.group("taint"))
        if "hardware" not in meta:
            m = pat.RE_HARDWARE.match(text)
            if m:
                meta["hardware"] = m.group("hardware")
        if "rip" not in meta:
            m = pat.RE_RIP.match(text)
            if m:
                meta["rip"] = m.group("function")
    return meta


def _taint(flags: str | None) -> str | None:
    """Taint letters without the padding ("G        W" -> "GW"); None when not tainted."""
    return "".join(flags.split()) if flags else None


# --- Signatures: one crash across messages -----------------------------------------------------

@dataclass(frozen=True)
class Occurrence:
    """A report as found in one message, with who wrote it there."""

    message_id: str
    report: CrashReport
    author: str | None = None
    voice: int | None = None
    date: datetime | None = None
    source: str | None = None


@dataclass(frozen=True)
class Signature:
    """One crash: its title (the first occurrence's), every title it is known by, and where
    it was seen."""

    key: str
    title: str
    kind: str
    titles: tuple[str, ...]
    occurrences: tuple[Occurrence, ...]

    @property
    def message_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o.message_id for o in self.occurrences))

    @property
    def authors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o.author for o in self.occurrences if o.author))


def _mergeable(title: str) -> bool:
    """Titles with an unknown frame would merge unrelated crashes."""
    return "corrupted" not in title


def signature_titles(report: CrashReport) -> tuple[str, ...]:
    """What a report is known by for grouping: its title and alt titles; a report whose
    titles are all "... in corrupted" is known by its text (its quoted copies are one crash,
    two different cut reports are not)."""
    titles = tuple(t for t in report.titles if _mergeable(t))
    if titles:
        return titles
    return ("text:" + title_key(" ".join(report.text.split())),)


def signatures(occurrences: Iterable[Occurrence]) -> list[Signature]:
    """Group occurrences of the same crash: two reports are one crash when their titles or
    alt titles meet (so "KASAN: use-after-free Read in f" and "general protection fault in f"
    are one via "bad-access in f", as on syzbot). Signatures come in order of first sight."""
    groups: list[list[Occurrence]] = []
    group_titles: list[set[str]] = []
    index_of: dict[str, int] = {}
    for occurrence in occurrences:
        titles = signature_titles(occurrence.report)
        hits = sorted({index_of[t] for t in titles if t in index_of})
        if not hits:
            groups.append([occurrence])
            group_titles.append(set(titles))
            target = len(groups) - 1
        else:
            target = hits[0]
            groups[target].append(occurrence)
            group_titles[target].update(titles)
            for other in hits[1:]:
                groups[target].extend(groups[other])
                group_titles[target].update(group_titles[other])
                groups[other] = []
                for title in group_titles[other]:
                    index_of[title] = target
                group_titles[other] = set()
        for title in titles:
            index_of[title] = target
    out = []
    for members, titles in zip(groups, group_titles):
        if not members:
            continue
        first = members[0].report
        ordered = (first.title,) + tuple(sorted(t for t in titles if t != first.title and not t.startswith("text:")))
        key = title_key(first.title if _mergeable(first.title) else min(titles))
        out.append(Signature(key, first.title, first.kind, ordered, tuple(members)))
    return out


def find_occurrences(msg, source: str | None = None, tree=None,
                     reports: Sequence[CrashReport] | None = None) -> list[Occurrence]:
    """The reports in one message with who wrote each. `tree` is the message's quote tree
    (`quotes.parse(msg)`, anything with `voice_at(line)`); without one, depth 0 is the
    message's author and a quoted report's author is unknown. `reports`: the message's
    reports when already found."""
    if reports is None:
        reports = find_reports(msg.body)
    out = []
    for report in reports:
        if tree is not None:
            voice = tree.voice_at(report.first_line)
            index, author = voice.index, voice.author
            date = voice.date if voice.index else msg.date
        elif report.depth == 0:
            index, author, date = 0, msg.author.name or msg.author.email or None, msg.date
        else:
            index, author, date = None, None, None
        out.append(Occurrence(msg.message_id, report, author, index, date, source))
    return out


def occurrences_in(messages: Iterable[tuple[str | None, object]]) -> list[Occurrence]:
    """Every report in (source, message) pairs, with who wrote it: the quote tree is parsed
    only for messages that hold a report."""
    from .quotes import parse as quote_tree

    found: list[Occurrence] = []
    for source, msg in messages:
        reports = find_reports(msg.body)
        if reports:
            found.extend(find_occurrences(msg, source, quote_tree(msg), reports))
    return found
