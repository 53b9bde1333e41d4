"""Quote trees: who said what in a message body, at which quote depth, quoting which message.

`parse(msg, context)` splits a body into segments (runs of lines of one voice, depth and
kind) and builds the voices tree of CONTRACT.md: voice 0 is the message's author; an
attribution line at depth d ("On ..., X wrote:") names the author of the depth d+1 blocks
that follow it; quoted blocks without one continue the voice last quoted at that depth, so
inline answers interleaved with quotes keep their order and their voice. Signatures
("-- "), list footers and attribution lines are segments of their own kinds.

With a `ThreadContext` (the other messages of the thread), each voice's
`source_message_id` is resolved: by the attribution's name and date against the thread's
senders, by matching the quoted text against the messages' own (unquoted) text with all
whitespace removed (so re-wrapping, Gmail's dropped trailing spaces and tabs turned to
spaces do not matter), then by the In-Reply-To chain. A voice whose message is not in the
thread keeps the Message-ID the headers give for it, if any: it is a ghost (see
`ghosts.py`).

Line numbers are 1-based over ``msg.body.split("\\n")`` (a final newline ends the last line,
it does not start a new one). Segment text is the lines with their quote markers removed.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Iterable

from .attribution import (Attribution, could_end_attribution, could_start_attribution, is_block_start,
                          parse_attribution, parse_header_block)
from .context import ThreadContext, normalise
from .lines import Line, body_lines
from ..message import RE_FOOTER_WORDS, Message

# Lines that stand for an elided part of a quote.
RE_SNIP = re.compile(r"^\s*(?:\[\s*(?:\.\.\.|…|snip(?:ped)?|trimmed|cut)[^\]]*\]|<\s*snip\w*\s*>|\.{3,}|…|"
                     r"-+\s*snip\s*-+|\(snip\))\s*$", re.I)
RE_FOOTER_RULE = re.compile(r"^_{20,}\s*$")
# A quoted line the mailer re-wrapped is usually at least this long (most wrap at 72-80).
REWRAP_MIN_PREVIOUS = 60
REWRAP_WIDTH = 72
# Shortest quoted text (whitespace removed) worth matching against other messages.
MIN_MATCH_CHARS = 20

# Bump when the trees this module builds change (the store recomputes cached ones).
VERSION = 1

TEXT, ATTRIBUTION, HEADER, SIGNATURE, QUOTED_SIGNATURE, FOOTER = (
    "text", "attribution", "header", "signature", "quoted-signature", "footer")


@dataclass(frozen=True)
class Voice:
    """One speaker inside a body: the author (depth 0) or a quoted message (depth >= 1)."""

    index: int
    depth: int
    parent: int | None
    author: str | None
    date: datetime | None
    source_message_id: str | None
    attribution: str | None  # the "On ... wrote:" line(s), as written


@dataclass(frozen=True)
class Segment:
    """A run of body lines of one voice, depth and kind; line numbers are 1-based."""

    voice: int
    depth: int
    text: str
    first_line: int
    last_line: int
    kind: str  # "text", "attribution", "header", "signature", "quoted-signature", "footer"


@dataclass(frozen=True)
class QuoteTree:
    """The voices and segments of one message."""

    message_id: str
    author: str | None
    date: datetime | None
    voices: tuple[Voice, ...]
    segments: tuple[Segment, ...]

    def voice_at(self, line: int) -> Voice:
        """The voice that wrote body line `line` (1-based). Lines outside the body (an
        attachment's, say) are the author's: voice 0."""
        seg = self.segment_at(line)
        return self.voices[seg.voice] if seg is not None else self.voices[0]

    def segment_at(self, line: int) -> Segment | None:
        """The segment holding body line `line`, or None outside the body."""
        if not self.segments or line < 1 or line > self.segments[-1].last_line:
            return None
        return self.segments[bisect.bisect_right(self._firsts, line) - 1]

    @cached_property
    def _firsts(self) -> list[int]:
        return [s.first_line for s in self.segments]

    def text_of(self, voice: int) -> str:
        """What one voice says in this body: its text segments, joined."""
        return "\n".join(s.text for s in self.segments if s.voice == voice and s.kind == TEXT).strip("\n")


# --- lines and depths --------------------------------------------------------------------

def _rewrapped(lines: list[Line], i: int) -> bool:
    """Is line i the tail of a quoted line the mailer wrapped, which lost its markers?

    "> ... a long quoted line that the mailer wrapped at seventy-two\\ncolumns\\n> next":
    the line sits between two quoted lines of the same depth, the line before is long and
    does not end a sentence, and its first word would not have fitted on it.
    """
    if i == 0 or i + 1 >= len(lines):
        return False
    prev, line, nxt = lines[i - 1], lines[i], lines[i + 1]
    if line.blank or prev.blank or nxt.blank or not prev.markers or nxt.markers != prev.markers:
        return False
    if line.markers >= prev.markers or len(line.raw) > 80 or not re.search(r"[^\W_]", line.content):
        return False  # (a row of "^^^^" under a quoted word is an annotation, not a tail)
    tail = prev.raw.rstrip()
    if len(tail) < REWRAP_MIN_PREVIOUS or tail.endswith((".", "!", "?", ":", ";")):
        return False
    first_word = line.content.split()[0] if line.content.split() else ""
    if len(tail) + 1 + len(first_word) <= REWRAP_WIDTH:
        return False
    return not could_end_attribution(line.content)


# --- building the tree -------------------------------------------------------------------

@dataclass
class _VoiceDraft:
    index: int
    depth: int
    parent: int | None
    attribution: Attribution | None


def _is_signature_start(lines: list[Line], i: int, depth: int) -> bool:
    content = lines[i].content
    if content == "-- " or (lines[i].markers and content == "--" and lines[i].raw.endswith(" ")):
        return True
    if content.rstrip() != "--":
        return False
    # "--" without its space (pages and some mailers drop it): a signature only when a
    # few short lines of the same depth follow and nothing else.
    rest = 0
    for line in lines[i + 1:]:
        if line.markers != lines[i].markers:
            break
        if not line.blank:
            rest += 1
    return 1 <= rest <= 6


def _is_footer_start(lines: list[Line], i: int) -> bool:
    if not RE_FOOTER_RULE.match(lines[i].content):
        return False
    tail = [x.content for x in lines[i + 1:i + 9] if x.markers == lines[i].markers]
    return bool(tail) and bool(RE_FOOTER_WORDS.search("\n".join(tail)))


def _nonblank_from(lines: list[Line]) -> list[int]:
    """For each index, the first non-blank line at or after it (len(lines) when none)."""
    out = [len(lines)] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        out[i] = i if not lines[i].blank else out[i + 1]
    return out


def _attribution_at(lines: list[Line], depths: list[int], i: int, deeper1: bool,
                    deeper2: bool) -> tuple[Attribution, int] | None:
    """(attribution, lines it spans) starting at line i: one line when `deeper1` (a deeper
    quote follows it), two when `deeper2` (a deeper quote follows the next line)."""
    depth = depths[i]
    line = lines[i]
    spans: list[int] = []
    if (deeper2 and i + 1 < len(lines) and depths[i + 1] == depth and lines[i + 1].markers == line.markers
            and not lines[i + 1].blank and could_end_attribution(lines[i + 1].content)
            and could_start_attribution(line.content)):
        spans.append(2)  # wrapped over two lines: "On <date> Name" / "<addr> wrote:"
    if deeper1 and could_end_attribution(line.content):
        spans.append(1)
    for span in spans:
        text = " ".join(x.content.strip() for x in lines[i:i + span])
        att = parse_attribution(text)
        if att is not None:
            return att, span
    return None


def _build(lines: list[Line]) -> tuple[list[_VoiceDraft], list[tuple[int, int, str]], list[int]]:
    """Voices and, per line, (voice, depth, kind); also the depth of each line."""
    depths = [x.markers for x in lines]
    for i in range(1, len(lines) - 1):
        # (A re-wrapped tail is less deep than the line before: most lines stop at that.)
        if lines[i - 1].markers > lines[i].markers and _rewrapped(lines, i):
            depths[i] = lines[i - 1].markers
    voices = [_VoiceDraft(0, 0, None, None)]
    active: list[int | None] = [0]
    marks: list[tuple[int, int, str] | None] = [None] * len(lines)

    def chain(depth: int) -> int:
        """The current voice at `depth`, creating unnamed quoted voices down to it."""
        if depth < len(active):
            return active[depth]  # (`active` never holds None between calls: nothing to create)
        while len(active) <= depth:
            active.append(None)
        for d in range(1, depth + 1):
            if active[d] is None:
                voices.append(_VoiceDraft(len(voices), d, active[d - 1], None))
                active[d] = voices[-1].index
                del active[d + 1:]
                active.extend([None] * (depth - d))
        return active[depth]  # type: ignore[return-value]

    def open_voice(depth: int, att: Attribution) -> None:
        """An attribution at `depth` starts a new voice at depth + 1."""
        writer = chain(depth)
        voices.append(_VoiceDraft(len(voices), depth + 1, writer, att))
        del active[depth + 1:]
        active.append(voices[-1].index)

    n = len(lines)
    nonblank_from = _nonblank_from(lines)
    first_text = nonblank_from[0]
    i = 0
    while i < n:
        line, depth = lines[i], depths[i]
        if line.blank:
            i += 1
            continue
        # Signatures ("--"), footers ("____") and header-block rules all start with "-" or
        # "_": other lines are not asked.
        ruled = line.content.lstrip()[:1] in ("-", "_")
        if ruled and (_is_signature_start(lines, i, depth) or _is_footer_start(lines, i)):
            kind = FOOTER if RE_FOOTER_RULE.match(line.content) else SIGNATURE if depth == 0 else QUOTED_SIGNATURE
            voice = chain(depth)
            j = i
            while j < n and (lines[j].markers == line.markers or lines[j].blank and not lines[j].markers):
                if lines[j].blank and j + 1 < n and lines[j + 1].markers != line.markers and not lines[j + 1].blank:
                    break
                marks[j] = (voice, depth, kind)
                j += 1
            i = j
            continue
        if (ruled and is_block_start(line.content)) or line.content.startswith(("From:", "*From:*")):
            same = [x.content for x in lines[i:i + 16]]
            block = parse_header_block(same)
            if block is not None and i == first_text and not depth and not is_block_start(line.content):
                block = None  # "From:" opening a body is git's in-body header of a patch, not a quote
            if block is not None and all(x.markers == line.markers for x in lines[i:i + block[1]]):
                att, span = block
                before = next((depths[j] for j in range(i - 1, -1, -1) if not lines[j].blank), 0)
                if depth >= 1 and before < depth:
                    # The block opens a quote ("> -----Original Message-----" quoted with
                    # the text under it): it names the voice of its own depth.
                    open_voice(depth - 1, att)
                    for j in range(i, i + span):
                        marks[j] = (active[depth], depth, HEADER)  # type: ignore[misc]
                    i += span
                    continue
                writer = chain(depth)
                for j in range(i, i + span):
                    marks[j] = (writer, depth, HEADER)
                open_voice(depth, att)
                # The original message follows unquoted (Outlook): it is one level deeper.
                for j in range(i + span, n):
                    if lines[j].markers < line.markers and not lines[j].blank:
                        break
                    depths[j] += 1
                i += span
                continue
        # Only a line a deeper quote follows (the next non-blank line after it, or after it
        # and the next, at most 3 on) can start an attribution: most lines stop at this
        # look ahead, before any pattern is tried.
        after = nonblank_from[i + 1]
        deeper1 = after < i + 4 and after < n and depths[after] > depth
        after = nonblank_from[i + 2] if i + 2 <= n else n
        deeper2 = after < i + 5 and after < n and depths[after] > depth
        found = _attribution_at(lines, depths, i, deeper1, deeper2) if deeper1 or deeper2 else None
        if found is not None:
            att, span = found
            before = next((j for j in range(i - 1, -1, -1) if not lines[j].blank), None)
            if (att.form == "apple" and depth >= 1 and (before is None or depths[before] < depth)
                    and (before is None or marks[before] is None or marks[before][2] != ATTRIBUTION)):
                # Apple Mail writes its attribution inside the quote: it names this voice.
                open_voice(depth - 1, att)
                for j in range(i, i + span):
                    marks[j] = (active[depth], depth, ATTRIBUTION)  # type: ignore[misc]
                i += span
                continue
            writer = chain(depth)
            for j in range(i, i + span):
                marks[j] = (writer, depth, ATTRIBUTION)
            open_voice(depth, att)
            i += span
            continue
        marks[i] = (chain(depth), depth, TEXT)
        i += 1

    # Blank lines join the block before them, except after an attribution or header (they
    # lead into the quote) and where a bare ">" fits the next block's depth better.
    filled: list[tuple[int, int, str]] = []
    following: list[tuple[int, int, str] | None] = [None] * n
    upcoming = None
    for i in range(n - 1, -1, -1):
        following[i] = upcoming
        if marks[i] is not None:
            upcoming = marks[i]
    prev = None
    for i in range(n):
        mark = marks[i]
        if mark is not None:
            filled.append(mark)
            prev = mark
            continue
        nxt = following[i]
        markers = lines[i].markers
        choice = prev
        if prev is None or prev[2] in (ATTRIBUTION, HEADER):
            choice = nxt or prev
        elif markers and prev[1] < markers and nxt is not None and nxt[1] >= markers:
            choice = nxt
        if choice is None:
            choice = (0, 0, TEXT)
        if choice[2] in (ATTRIBUTION, HEADER):
            choice = (choice[0], choice[1], TEXT)
        filled.append(choice)
    return voices, filled, depths


def _segments(lines: list[Line], marks: list[tuple[int, int, str]]) -> list[Segment]:
    segments: list[Segment] = []
    start = 0
    for i in range(1, len(lines) + 1):
        if i < len(lines) and marks[i] == marks[start]:
            continue
        voice, depth, kind = marks[start]
        text = "\n".join(x.content if x.markers else x.raw for x in lines[start:i])
        segments.append(Segment(voice, depth, text, start + 1, i, kind))
        start = i
    return segments


# --- resolving sources -------------------------------------------------------------------

def _chunks(text: str) -> list[str]:
    """Normalised pieces of a voice's text to look for: paragraphs, split at snips."""
    out: list[str] = []
    cur: list[str] = []
    for line in text.split("\n") + [""]:
        if not line.strip() or RE_SNIP.match(line):
            piece = normalise("\n".join(cur))
            if len(piece) >= MIN_MATCH_CHARS:
                out.append(piece)
            cur = []
        else:
            cur.append(line)
    return out


def _text_scores(chunks: list[str], context: ThreadContext, candidates: Iterable[str]) -> dict[str, int]:
    scores: dict[str, int] = {}
    for mid in candidates:
        own = context.own(mid)
        score = 0
        for chunk in chunks:
            if chunk in own:
                score += len(chunk)
        if score:
            scores[mid] = score
    return scores


def _resolve(msg: Message, context: ThreadContext | None, drafts: list[_VoiceDraft],
             texts: dict[int, str]) -> list[str | None]:
    """The source Message-ID of every voice (voice 0 is the message itself)."""
    sources: list[str | None] = [msg.message_id] + [None] * (len(drafts) - 1)
    if context is None:
        # Without the thread, only the headers tell: a single depth-1 voice is the parent.
        first = [d for d in drafts if d.depth == 1]
        if len(first) == 1 and msg.in_reply_to:
            sources[first[0].index] = msg.in_reply_to
        return sources
    me = context.message(msg.message_id) or msg
    for draft in drafts[1:]:
        att = draft.attribution
        parent_source = sources[draft.parent] if draft.parent is not None else None
        parent_msg = me if draft.parent == 0 else context.message(parent_source)
        chain = [m for m in (parent_msg.parent_ids if parent_msg else ()) if m != msg.message_id]
        chunks = _chunks(texts.get(draft.index, ""))
        named = att is not None and bool(att.name or att.email)

        def author_ok(mid: str) -> bool:
            if not named:
                return True
            return context.is_by(mid, att.name, att.email)  # type: ignore[union-attr]

        found: str | None = None
        total = sum(len(c) for c in chunks)
        # Messages the attribution's name and date fit.
        hits: list[str] = []
        if named and att.date is not None:
            hits = [m for m in context.sent_by(att.name, att.email, att.date.candidates)
                    if m != msg.message_id and att.date.matches(context.messages[m].date)]
        # Messages whose own text holds the quoted text: ancestors first, then any.
        scores: dict[str, int] = {}
        if chunks:
            scores = _text_scores(chunks, context, [m for m in dict.fromkeys(chain + hits) if m in context.messages])
            if max(scores.values(), default=0) < total / 2:
                rest = [m for m in context.text_candidates(chunks, exclude=msg.message_id) if m not in scores]
                scores.update(_text_scores(chunks, context, rest))
        top = max(scores.values(), default=0)
        # 1. Name and date, confirmed by the text when it can be; a date that fits by chance
        # (an unknown zone leaves a few candidates) yields to text that clearly fits elsewhere.
        if hits:
            confirmed = [m for m in hits if scores.get(m)]
            if confirmed:
                found = max(confirmed, key=lambda m: (scores[m], m in chain))
            elif not (top and top >= total / 2):
                found = sorted(hits, key=lambda m: m not in chain)[0]
        # 2. The text alone, preferring the named author, then the ancestors.
        if found is None and top:
            ranked = sorted((m for m, s in scores.items() if s == top),
                            key=lambda m: (not author_ok(m), m not in chain,
                                           chain.index(m) if m in chain else 0))
            if att is None or not att.date or author_ok(ranked[0]) or top >= total / 2:
                found = ranked[0]
        # 3. The In-Reply-To chain: the message the parent answered, when the name fits.
        if found is None and parent_msg is not None:
            for position, mid in enumerate(chain):
                if mid in context.messages:
                    if author_ok(mid) and (att is None or att.date is None
                                           or att.date.matches(context.messages[mid].date)):
                        found = mid
                        break
                    if not named:
                        break
                elif position == 0:
                    found = mid  # the parent's parent is not in the archive: a ghost
                    break
                else:
                    break
        sources[draft.index] = found
    return sources


# --- the public entry point --------------------------------------------------------------

def parse(msg: Message, context: ThreadContext | None = None) -> QuoteTree:
    """The quote tree of `msg`; with `context`, voices are resolved to thread messages."""
    lines = body_lines(msg.body)
    drafts, marks, _ = _build(lines)
    segments = _segments(lines, marks)
    texts: dict[int, str] = {}
    for seg in segments:
        if seg.kind == TEXT:
            texts[seg.voice] = texts.get(seg.voice, "") + seg.text + "\n"
    sources = _resolve(msg, context, drafts, texts)
    voices: list[Voice] = []
    for draft in drafts:
        source = sources[draft.index]
        if draft.index == 0:
            voices.append(Voice(0, 0, None, msg.author.display or None, msg.date, msg.message_id, None))
            continue
        known = context.message(source) if context is not None else None
        att = draft.attribution
        if known is not None:
            author: str | None = known.author.display or None
            date = known.date
        else:
            author, date = None, None
            if att is not None:
                person = context.sender(att.name, att.email) if context is not None else None
                author = (person.display if person else None) or att.name or (
                    att.email.split("@")[0] if att.email else None)
                date = att.date.exact if att.date else None
        voices.append(Voice(draft.index, draft.depth, draft.parent, author, date, source,
                            att.text if att else None))
    return QuoteTree(msg.message_id, msg.author.display or None, msg.date, tuple(voices), tuple(segments))
