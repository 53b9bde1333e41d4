"""Which proposal an outcome is about.

`Linker.link(mr, line, depth)` ties a statement at body line `line` (written by the voice at
quote depth `depth`) to a proposal, trying in order:

1. *quoted*: the nearest quoted block before the statement that comes from a proposal:
   the quote tree says which message each quoted block comes from; a block quoting code is
   matched to the proposal holding that code, a block of prose to the proposal made in the
   message it quotes; quotes of messages that proposed nothing are passed over;
2. *link*: a lore link to a proposal (in the thread, or a patch the caller found elsewhere),
   in the quoted block or in the statement's own message; for a test report, a link to a
   patch that is nowhere in the archive, in the block just before the statement or in the
   message it answers, stops the search (the report is about something we do not hold: a
   reviewer's request or objection answers the proposal under review, whatever it cites);
3. *reply*: up the reply chain, the nearest message that made a proposal (a patch, a cover
   letter, a reply with a diff or suggestion);
4. *subject*: the reply's subject names a patch of the thread ("Re: [PATCH v2 3/5] title").

Each result says which of these found it.
"""

from __future__ import annotations

import re
from typing import Iterable

from .proposals import Found, squash
from .quotes import TEXT
from .reading import MessageReading, ThreadReading
from .subjects import parse_subject, title_key

# A lore-style link naming a Message-ID ("https://lore.kernel.org/linux-mm/<id>/", "/r/<id>").
RE_MSGID_LINK = re.compile(
    r"https?://(?:lore\.kernel\.org|lkml\.kernel\.org|patch\.msgid\.link|msgid\.link|lore\.[\w.-]+|"
    r"[\w.-]*public-inbox[\w.-]*)/(?:[\w.+-]+/)?(?:r/)?([^/\s<>\"]+@[^/\s<>\"]+?)(?:/|\s|>|$|[.,;)])", re.I)
# Message-IDs that git send-email and b4 give patches: a link to one names a patch.
RE_PATCH_ID = re.compile(r"^(?:\d{14}\.\d+-\d+-|\d{8}-[\w-]+-v\d+-\d+-|\d+-\d+-\d+-git-send-email-)")
RE_PATCH_WORDS = re.compile(r"\b(?:patch|fix|commit|change|series)\b", re.I)


def links_in(text: str) -> list[tuple[str, str]]:
    """(Message-ID, the words around the link) for each lore-style link in a text."""
    from urllib.parse import unquote

    return [(unquote(m.group(1)).rstrip(".,;)"), text[max(0, m.start() - 160):m.end() + 80])
            for m in RE_MSGID_LINK.finditer(text)]


class Linker:
    """Proposals by the message that made them, and the ways to reach them."""

    def __init__(self, reading: ThreadReading, proposals: Iterable[Found], external: Iterable[Found] = ()):
        self.reading = reading
        self.by_message: dict[str, list[Found]] = {}
        self.quoted: list[Found] = []
        for f in proposals:
            if f.quoted_in is not None:
                self.quoted.append(f)
            else:
                self.by_message.setdefault(f.message_id, []).append(f)
        self.external: dict[str, Found] = {f.message_id: f for f in external}

    # --- choosing among one message's proposals -------------------------------------------

    @staticmethod
    def _choose(props: list[Found], quoted_code: str = "") -> Found:
        """The proposal of a message a statement is about: the one whose code is quoted,
        else its patch or cover, else its last diff or suggestion."""
        if quoted_code:
            for p in props:
                if p.code and len(p.code) >= 8 and (p.code[:80] in quoted_code or quoted_code[:80] in p.code):
                    return p
        for p in props:
            if p.kind in ("patch", "series"):
                return p
        return props[-1]

    def _quoted_ghost(self, author: str | None, date, source: str | None, text: str) -> Found | None:
        """A proposal known only from quotes, matching a quoted voice."""
        code = squash(text)
        best = None
        for q in self.quoted:
            if source and q.message_id == source:
                same = True
            else:
                same = q.voice_author == author and (q.date == date or date is None or q.date is None)
            if not same:
                continue
            if q.code and len(q.code) >= 8 and (q.code[:80] in code or code[:80] in q.code):
                return q
            best = best or q
        return best

    # --- the rules ------------------------------------------------------------------------

    def _reference(self, text: str) -> tuple[Found | None, bool]:
        """A proposal a text links to; (None, True) when it links to a patch we do not hold
        (a git send-email or b4 Message-ID, or a link written beside "patch", "fix"...)."""
        links = links_in(text)
        for mid, _ in links:
            if mid in self.by_message:
                return self._choose(self.by_message[mid]), False
            if mid in self.external:
                return self.external[mid], False
        for mid, around in links:
            if mid not in self.reading.by_id and (RE_PATCH_ID.match(mid) or RE_PATCH_WORDS.search(around)):
                return None, True
        return None, False

    def quoted_before(self, mr: MessageReading, line: int, depth: int,
                      external_stops: bool = True) -> tuple[Found | None, str]:
        """Rule 1 (and 2 for links inside quotes): walking the quoted blocks before `line`."""
        segs = mr.tree.segments
        seg = mr.tree.segment_at(line)
        start = segs.index(seg) if seg is not None else len(segs)
        nearest = True
        for j in range(start - 1, -1, -1):
            s = segs[j]
            if s.kind != TEXT:
                continue
            if s.depth < depth:
                break
            if s.depth == depth:
                continue
            voice = mr.tree.voices[s.voice]
            src = voice.source_message_id
            if src and src in self.by_message:
                return self._choose(self.by_message[src], squash(s.text)), "quoted"
            found, blocked = self._reference(s.text)
            if found is not None:
                return found, "link"
            if blocked and nearest and external_stops:
                return None, "external"  # right after a link to a patch we do not hold
            nearest = False
            if src and src in self.reading.by_id:
                continue  # a quote of a message that proposed nothing
            ghost = self._quoted_ghost(voice.author, voice.date, src, s.text)
            if ghost is not None:
                return ghost, "quoted"
        return None, ""

    def in_chain(self, mid: str, external_stops: bool = True) -> tuple[Found | None, str]:
        """Rules 2 and 3: the message's own links, then up the reply chain."""
        mr = self.reading.by_id.get(mid)
        if mr is not None:
            found, blocked = self._reference(mr.own_text(0))
            if found is not None:
                return found, "link"
            if blocked and external_stops:
                return None, "external"
        for n, anc in enumerate(self.reading.ancestors(mid)):
            if anc in self.by_message:
                return self._choose(self.by_message[anc]), "reply"
            if anc in self.external:
                return self.external[anc], "reply"
            amr = self.reading.by_id.get(anc)
            if amr is None:
                ghost = next((q for q in self.quoted if q.message_id == anc), None)
                if ghost is not None:
                    return ghost, "reply"
                continue
            found, blocked = self._reference(amr.own_text(0))
            if found is not None:
                return found, "link"
            if blocked and n == 0 and external_stops:
                return None, "external"  # answering a message about a patch we do not hold
        return None, ""

    def by_subject(self, mid: str) -> tuple[Found | None, str]:
        """Rule 4: the reply's subject names a patch or cover of the thread."""
        mr = self.reading.by_id.get(mid)
        if mr is None:
            return None, ""
        info = parse_subject(mr.message.subject)
        key = title_key(info.subject)
        if not key:
            return None, ""
        matches = [f for props in self.by_message.values() for f in props
                   if f.kind in ("patch", "series") and title_key(f.title) == key
                   and (info.counter is None or (f.counter or 0) == info.counter)]
        if info.version is not None:
            same = [f for f in matches if (f.version or 1) == info.version]
            matches = same or matches
        date = mr.message.date
        matches = [f for f in matches if f.date is None or date is None or f.date <= date]
        return (matches[-1], "subject") if matches else (None, "")

    def link(self, mr: MessageReading, line: int | None, depth: int = 0,
             external_stops: bool = True) -> tuple[Found | None, str]:
        """The proposal a statement at `line` (None: the message as a whole) is about
        (`external_stops`: a link to a patch we do not hold ends the search, see rule 2)."""
        if line is not None:
            found, how = self.quoted_before(mr, line, depth, external_stops)
            if found is not None or how == "external":
                return found, how
        if depth > 0:
            return None, ""  # a quoted voice's own reply chain is not known
        found, how = self.in_chain(mr.message.message_id, external_stops)
        if found is not None or how == "external":
            return found, how
        return self.by_subject(mr.message.message_id)
