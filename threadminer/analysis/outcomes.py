"""Proposals and what became of them: the `outcomes` analysis and its values.

A proposal is a change someone put forward in the thread: a patch, a series revision, a diff
inside a reply, or a code suggestion that is not a diff. An outcome is what a later message
reports about it, in the contract's vocabulary, always with the verbatim evidence, the
message that carries it and the rule that recognised it.

`find_outcomes(messages, parent_of, trees, traces, lexicon, others=...)` is the analysis: a
pure function of one thread's messages, their quote trees and crash reports, the lexicon,
and candidate messages from other threads (newer versions posted elsewhere, patches the
thread links to), which the caller looks up. The steps, each in its own module:

1. proposals (`proposals.py`): series, patches, reply diffs, suggestions, quoted ones;
2. claims (`claims.py`): what each message states, structured (trailers, bots, applied
   mails) or prose (the lexicon's rules, `verdicts.py`, over `sentences.py`);
3. links (`links.py`): each claim tied to a proposal: the proposal quoted just before the
   statement, a link, the reply chain, the subject;
4. checks: a review, NAK or apply by the proposal's own author is not one; the author's
   own words in the message that posts a proposal are part of it; a trailer the patch
   already carried is not new;
5. versions (`versions.py`): a newer revision supersedes the older, across threads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping, Sequence

from ..message import Message
from .claims import Claim, ghost_voice_claims, message_claims
from .lexicon import Lexicon
from .links import Linker
from .proposals import Found, find_proposals
from .quotes import QuoteTree
from .reading import EPOCH, MessageReading, ThreadReading
from .series import find_series
from .subjects import title_key
from .trailers import commit_trailers, same_address
from .traces import Occurrence
from .superseded import version_outcomes

# Bump when the proposals or outcomes found change.
VERSION = 5

VERDICTS = ("works", "does-not-work", "regresses", "reviewed", "acked", "nacked", "changes-requested",
            "applied", "superseded", "build-failure")
KINDS = ("patch", "series", "diff", "suggestion")
# Prose verdicts that are addressed to the proposal's author (see `_Assembler.addressed`).
ADDRESSED = frozenset({"changes-requested"})
# Verdicts of test reports: from a proposal's own author they need his own run ("I tested").
TEST_REPORTS = frozenset({"works", "does-not-work", "regresses"})
# Reports that may be about a patch the thread only links to (a test of a fix posted
# elsewhere, "applied <link>"); reviews and objections answer the proposal under review.
ABOUT_LINKED = frozenset({"works", "does-not-work", "regresses", "build-failure", "applied"})
# Evidence longer than this is cut (a "sentence" without punctuation can be a paragraph).
MAX_EVIDENCE = 600


@dataclass(frozen=True)
class Outcome:
    """One thing reported about a proposal."""

    verdict: str                 # one of VERDICTS
    by: str | None               # who said it (display name)
    by_email: str | None
    message_id: str              # the message that says it
    date: datetime | None
    evidence: str                # verbatim: the sentence or trailer line (whitespace normalised)
    rule: str                    # which rule recognised it (see the lexicon)
    structured: bool             # a trailer, applied mail, bot report or new version; else prose
    traces: tuple[str, ...] = ()  # titles of crash reports the message attributes to the proposal
    link: str = ""               # how it was tied to the proposal: "quoted", "reply", "patch-link", ...
    superseded_by: str | None = None  # a newer version's Message-ID (verdict "superseded")
    line: int | None = None      # the body line of `message_id` (or of `quoted_in`) the evidence starts on
    quoted_in: str | None = None  # said in a message missing from the archive, read from a quote in this one


@dataclass(frozen=True)
class Proposal:
    """One proposed change and its outcomes, in date order."""

    id: str                      # "p1", "p2", ... in order of appearance in the thread
    kind: str                    # one of KINDS
    author: str | None
    author_email: str | None
    message_id: str
    date: datetime | None
    version: int | None
    title: str
    files: tuple[str, ...]
    outcomes: tuple[Outcome, ...] = ()
    series_message_ids: tuple[str, ...] = ()  # a series: its patches
    first_line: int | None = None  # a diff or suggestion inside a body: where it starts
    last_line: int | None = None
    quoted_in: str | None = None  # known only from a quote in this message (its own is not archived)
    in_thread: bool = True        # False: a proposal of another thread this one's outcomes are about
    missing: bool = False         # its message is not in the archive: known from the replies to it


# --- who is who -------------------------------------------------------------------------------

def same_person(name: str | None, email: str | None, other_name: str | None, other_email: str | None) -> bool:
    """One person: the same address, or the same name (people write from several addresses)."""
    if email and other_email and same_address(email, other_email):
        return True
    return bool(name) and bool(other_name) and " ".join(name.lower().split()) == " ".join(other_name.lower().split())


# --- from claims to outcomes ----------------------------------------------------------------------

class _Assembler:
    def __init__(self, reading: ThreadReading, found: list[Found], linker: Linker):
        self.reading = reading
        self.found = found
        self.linker = linker
        self.postings = {f.message_id for f in found if f.kind in ("patch", "series") and f.quoted_in is None}
        self._own_trailers: dict[str, set[str]] = {}

    def own_trailers(self, proposal: Found) -> set[str]:
        """The trailer lines a patch carried as posted (lower-case, whitespace folded)."""
        mid = proposal.message_id
        if mid not in self._own_trailers:
            msg = self.reading.messages.get(mid)
            lines = set()
            if msg is not None and proposal.kind == "patch":
                for t in commit_trailers(msg.body):
                    lines.add(f"{t.lname}:{t.value.lower()}")
            self._own_trailers[mid] = lines
        return self._own_trailers[mid]

    def targets(self, mr: MessageReading, claim: Claim) -> list[tuple[Found, str]]:
        """The proposals a claim is about, and how each was found."""
        linked, how = None, ""
        if claim.target:
            if claim.target in self.linker.by_message:
                linked, how = self.linker._choose(self.linker.by_message[claim.target]), "patch-link"
            elif claim.target in self.linker.external:
                linked, how = self.linker.external[claim.target], "patch-link"
        if linked is None:
            linked, how = self.linker.link(mr, claim.line, claim.depth, claim.verdict in ABOUT_LINKED)
        if claim.titles:
            by_title = self._by_titles(claim.titles, linked, mr.message.date)
            if by_title:
                return [(f, "title") for f in self._whole_series(by_title)]
        if claim.who == "author":
            own = self._own_proposal(mr, linked)
            if own is not None:
                return [(own, how if own is linked else "own")]
        if linked is None:
            return []
        if claim.counters and linked.kind == "series":
            patches = [f for f in self.found if f.series_key == linked.series_key and f.kind == "patch"
                       and f.counter in claim.counters]
            if patches:
                return [(p, how) for p in patches]
        return [(linked, how)]

    def _own_proposal(self, mr: MessageReading, linked: Found | None) -> Found | None:
        """What an author-only claim ("I'll drop my patch") is about: the proposal it is tied
        to when the speaker made it, else the speaker's latest proposal before it."""
        msg = mr.message
        me = (msg.author.name or msg.author.email or None, msg.author.email or None)
        if linked is not None and same_person(me[0], me[1], linked.author, linked.author_email):
            return linked
        own = [f for f in self.found if f.quoted_in is None and same_person(me[0], me[1], f.author, f.author_email)
               and (f.date is None or msg.date is None or f.date <= msg.date) and f.message_id != msg.message_id]
        return own[-1] if own else None

    def _whole_series(self, patches: list[Found]) -> list[Found]:
        """Every patch of one revision applied at once: one outcome on its cover letter."""
        keys = {p.series_key for p in patches}
        if len(keys) != 1 or None in keys:
            return patches
        key = keys.pop()
        members = {f.message_id for f in self.found if f.series_key == key and f.kind == "patch"}
        cover = next((f for f in self.found if f.series_key == key and f.kind == "series"), None)
        if cover is not None and members == {p.message_id for p in patches}:
            return [cover]
        return patches

    def _by_titles(self, titles: Sequence[str], linked: Found | None, date) -> list[Found]:
        out = []
        pool = [f for f in self.found if f.kind == "patch" and (f.date is None or date is None or f.date <= date)]
        for title in titles:
            key = title_key(title)
            same = [f for f in pool if title_key(f.title) == key]
            if linked is not None and linked.series_key is not None:
                same = [f for f in same if f.series_key == linked.series_key] or same
            if same:
                out.append(same[-1])
        return out

    def keep(self, mr: MessageReading, claim: Claim, proposal: Found, who: tuple[str | None, str | None],
             voice_source: str | None, how: str = "") -> bool:
        """The checks of step 4 (see the module docstring)."""
        mid = mr.message.message_id
        is_author = same_person(who[0], who[1], proposal.author, proposal.author_email)
        if claim.who == "other" and is_author:
            return False
        if claim.who == "author" and not is_author:
            return False
        if claim.prose and claim.verdict in ADDRESSED and not self.addressed(mr, proposal, how):
            return False
        if claim.prose and proposal.kind == "suggestion" and how != "quoted" \
                and self.reading.parent_of.get(mid) != proposal.message_id:
            return False  # a suggestion is answered where it is quoted or replied to, not down the thread
        if claim.prose and is_author and claim.verdict in TEST_REPORTS and "own_test" not in claim.contexts:
            return False  # the author arguing for his change, not reporting a run of it
        if claim.prose:
            if claim.depth == 0 and proposal.message_id == mid and proposal.quoted_in is None:
                return False  # the author's own words about what he posts here
            if claim.depth > 0 and (proposal.message_id == voice_source or
                                    (proposal.quoted_in and proposal.voice_author == who[0])):
                return False  # a quoted author's words about his own proposal
        if claim.rule.startswith("trailer.") and proposal.kind == "patch":
            t = claim.evidence.split(":", 1)
            if len(t) == 2 and f"{t[0].strip().lower()}:{' '.join(t[1].split()).lower()}" in {
                    " ".join(x.split()) for x in self.own_trailers(proposal)}:
                return False
        when = mr.message.date if claim.depth == 0 else mr.tree.voices[claim.voice].date
        if proposal.date and when and proposal.date > when:
            return False  # an outcome cannot come before what it is about
        return True

    def addressed(self, mr: MessageReading, proposal: Found, how: str) -> bool:
        """Is the message an answer to the proposal or to its author? (A change request is
        addressed to the author: it answers the proposal, or a message of its author, or
        quotes its author or the proposal itself within two levels, or names the author.)"""
        if how == "quoted" and any(v.depth <= 2 and v.source_message_id == proposal.message_id
                                   for v in mr.tree.voices[1:]):
            return True
        parent = self.reading.parent_of.get(mr.message.message_id)
        if parent is not None and parent in (proposal.message_id, proposal.quoted_in):
            return True
        pmsg = self.reading.messages.get(parent) if parent else None
        if pmsg is not None and same_person(pmsg.author.name, pmsg.author.email, proposal.author, proposal.author_email):
            return True
        if any(v.depth <= 2 and same_person(v.author, None, proposal.author, None) for v in mr.tree.voices[1:]):
            return True
        # "Thorsten, please fix it!": the author named in the message.
        first = (proposal.author or "").split()[0] if (proposal.author or "").split() else ""
        return len(first) > 2 and re.search(rf"(?m)^\s*{re.escape(first)}\b", mr.own_text(0)) is not None

    def outcomes_of(self, mr: MessageReading, claims: Iterable[Claim]) -> list[tuple[Found, Outcome]]:
        out = []
        msg = mr.message
        for claim in claims:
            if claim.depth == 0:
                who = (msg.author.name or msg.author.email or None, msg.author.email or None)
                mid, date, quoted_in, source = msg.message_id, msg.date, None, None
            else:
                voice = mr.tree.voices[claim.voice]
                who = (voice.author, None)
                source = voice.source_message_id
                mid, date, quoted_in = source or msg.message_id, voice.date, msg.message_id
            for proposal, how in self.targets(mr, claim):
                if not self.keep(mr, claim, proposal, who, source, how):
                    continue
                evidence = claim.evidence if len(claim.evidence) <= MAX_EVIDENCE else claim.evidence[:MAX_EVIDENCE] + "…"
                out.append((proposal, Outcome(claim.verdict, who[0], who[1], mid, date, evidence, claim.rule,
                                              claim.structured, claim.traces, how, None, claim.line, quoted_in)))
        return out


def _add(proposal: Found, outcome: Outcome) -> None:
    """One outcome per (message, verdict) for a proposal; a structured one wins over prose
    ("Tested-by" and "this fixes it" in one message are one outcome)."""
    for i, other in enumerate(proposal.outcomes):
        if other.message_id == outcome.message_id and other.verdict == outcome.verdict:
            if outcome.structured and not other.structured:
                proposal.outcomes[i] = outcome
            return
    proposal.outcomes.append(outcome)


def _external_patches(other_series, others: Mapping[str, Message]) -> list[Found]:
    """Patches and covers of other threads, for links from this thread to reach."""
    out = []
    for s in other_series:
        for p in s.patches:
            msg = others.get(p.message_id)
            if msg is None:
                continue
            out.append(Found("patch", p.message_id, msg.author.name or msg.author.email or None, msg.author.email or None,
                             msg.date, p.title, p.version, tuple(f.path for f in p.files), counter=p.counter,
                             series_key=s.key, in_thread=False))
        if s.cover_message_id and s.cover_message_id in others:
            msg = others[s.cover_message_id]
            out.append(Found("series", s.cover_message_id, msg.author.name or msg.author.email or None,
                             msg.author.email or None, msg.date, s.title, s.version, counter=0, series_key=s.key,
                             series_message_ids=tuple(p.message_id for p in s.patches), in_thread=False))
    return out


def _freeze(f: Found, pid: str) -> Proposal:
    outcomes = sorted(f.outcomes, key=lambda o: (o.date or EPOCH, o.message_id, o.line or 0))
    return Proposal(pid, f.kind, f.author, f.author_email, f.message_id, f.date, f.version, f.title, f.files,
                    tuple(outcomes), f.series_message_ids, f.first_line, f.last_line, f.quoted_in, f.in_thread,
                    f.missing)


def find_outcomes(messages: Iterable[Message], parent_of: Mapping[str, str | None],
                  trees: Mapping[str, QuoteTree], traces: Mapping[str, Sequence[Occurrence]], lexicon: Lexicon,
                  others: Iterable[Message] = (), others_parent: Mapping[str, str | None] | None = None,
                  ) -> tuple[Proposal, ...]:
    """The proposals of one thread with their outcomes (see the module docstring).

    `messages`: the thread's messages; `parent_of`: each one's parent Message-ID (a ghost's
    id when the parent is missing); `trees` and `traces`: each message's quote tree and crash
    reports, by Message-ID; `others`: messages of other threads that may be revisions of the
    thread's series or patches it links to, with `others_parent`, their parents.
    """
    reading = ThreadReading.build(messages, parent_of, trees, traces, lexicon)
    found, series = find_proposals(reading)
    others = [m for m in others if m.message_id not in reading.messages]
    other_msgs = {m.message_id: m for m in others}
    other_series = list(find_series(others, others_parent)) if others else []
    superseded, external = version_outcomes(found, series, other_series, reading.messages, reading.parent_of,
                                            others)
    linkable = {f.message_id: f for f in _external_patches(other_series, other_msgs)}
    linkable.update({f.message_id: f for f in external})
    linker = Linker(reading, found, linkable.values())
    assembler = _Assembler(reading, found, linker)
    known = set(reading.by_id)
    seen_ghost: set[tuple] = set()
    used_external: dict[str, Found] = {f.message_id: f for f in external}
    for mid in reading.order:
        mr = reading.by_id[mid]
        claims = message_claims(mr, lexicon, posting=mid in assembler.postings)
        ghost = []
        if mid not in assembler.postings:
            for c in ghost_voice_claims(mr, lexicon, known):
                voice = mr.tree.voices[c.voice]
                key = (voice.author, voice.date, c.verdict, c.evidence)
                if key not in seen_ghost:
                    seen_ghost.add(key)
                    ghost.append(c)
        for proposal, outcome in assembler.outcomes_of(mr, claims + ghost):
            if not proposal.in_thread:
                used_external.setdefault(proposal.message_id, proposal)
            _add(proposal, outcome)
    for s in superseded:
        msg = s.message
        _add(s.proposal, Outcome("superseded", msg.author.name or msg.author.email or None, msg.author.email or None,
                                 msg.message_id, msg.date, s.evidence, s.rule, s.structured, (), s.link,
                                 msg.message_id))
    proposals = [_freeze(f, f.id) for f in found]
    extra = sorted(used_external.values(), key=lambda f: (f.date or EPOCH, f.message_id))
    proposals += [_freeze(f, f"p{len(found) + i}") for i, f in enumerate(extra, 1) if f.outcomes]
    return tuple(proposals)
