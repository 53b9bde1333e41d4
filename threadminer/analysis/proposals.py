"""Proposals in a thread: the changes people put forward, whatever their form.

`find_proposals(reading)` returns, in the order they were made:

- *patches* and *series*: each series revision `series.find_series` finds (a cover letter is
  a `series` proposal, each patch a `patch` proposal; a patch sent alone is a `patch`), and
  `git request-pull` messages (a pull request is a `series`);
- *diffs* inside replies: an unquoted diff (or a patch attached to a reply);
- *suggestions*: code that is not a diff, written by the message's author and introduced by
  prose that proposes it ("I would have thought:", "How about", "Try:"), and `#syz test:`
  requests that name a tree and commit instead of carrying a diff;
- proposals known only from a quote: a diff or suggestion in a quoted voice whose message is
  not in the archive (a pasted archive page quotes the whole discussion): the quote is all
  there is of it, so it stands for the proposal, read from the message that quotes it;
- patches known only from the replies to them: a patch cross-posted to another list often
  reaches an archive only through the replies that cc it ("Re: [PATCH v2] title" answering a
  Message-ID the archive lacks); the missing message stands for the patch, its title and
  version from the replies' subject, its author and date from their attribution lines.

A `Found` is the analysis's working copy of a proposal (the public value is `Proposal`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from ..message import Message
from .code_blocks import CodeBlock
from .reading import MessageReading, ThreadReading
from .pulls import find_pull_request
from .series import EPOCH, Series, find_series
from .subjects import parse_subject, title_key

RE_SYZ_TEST = re.compile(r"^#syz test:?\s*(\S+)?\s*(\S+)?", re.M)
RE_WS = re.compile(r"\s+")


@dataclass
class Found:
    """A proposal while the analysis works on it."""

    kind: str
    message_id: str
    author: str | None
    author_email: str | None
    date: datetime | None
    title: str
    version: int | None = None
    files: tuple[str, ...] = ()
    series_message_ids: tuple[str, ...] = ()
    first_line: int | None = None
    last_line: int | None = None
    counter: int | None = None  # a patch's n of n/N
    series_key: tuple | None = None  # the revision it belongs to (patches and covers)
    code: str = ""  # the code, whitespace removed, to recognise quotes of it
    changed: frozenset[str] = frozenset()  # a diff's +/- lines (a suggestion's lines), whitespace removed
    quoted_in: str | None = None  # known only from a quote in this message
    voice_author: str | None = None
    in_thread: bool = True
    missing: bool = False  # its message is not in the archive: known from the replies to it
    first_reply: datetime | None = None  # a missing patch: when the first reply to it came
    id: str = ""
    outcomes: list = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (self.kind, self.message_id, self.first_line, self.quoted_in)


def squash(text: str) -> str:
    """Code with all whitespace removed (quotes re-wrap and pages strip indentation)."""
    return RE_WS.sub("", text)


def diff_core(text: str) -> str:
    """The +/- lines of a diff, whitespace removed: what stays the same when it is quoted."""
    return "".join(squash(line) for line in text.split("\n")
                   if line[:1] in "+-" and not line.startswith(("+++", "---")))


def changed_lines(text: str) -> frozenset[str]:
    """A diff's substantive +/- lines, whitespace removed (to tell a revision of it)."""
    out = set()
    for line in text.split("\n"):
        if line[:1] in "+-" and not line.startswith(("+++", "---")):
            core = squash(line[1:])
            if len(core) >= 6:
                out.add(core)
    return frozenset(out)


def code_lines(text: str) -> frozenset[str]:
    """A code suggestion's substantive lines, whitespace removed (to tell a revision of it)."""
    return frozenset(core for core in (squash(line) for line in text.split("\n")) if len(core) >= 6)


# An introduction this short ("ie this:") says too little to name a proposal.
SHORT_INTRO_WORDS = 4


def _title(mr: MessageReading, block: CodeBlock, fallback: str) -> str:
    """A proposal's title: the prose introducing it; when that is only a few words, the
    first sentence of the voice's paragraph before it ("So one way to solve this might be
    to try to take the xa_lock ..."), or the intro with the code's first line."""
    intro = " ".join(block.intro.split()).rstrip(":").strip()
    if len(intro.split()) > SHORT_INTRO_WORDS:
        return intro[:160]
    before = [s for s in mr.sentences(block.voice) if s.last_line < block.first_line]
    if intro:
        before = [s for s in before if " ".join(s.text.split()).rstrip(":").strip() != intro]
    if before and block.kind == "diff":
        paragraph = before[-1].paragraph
        first = next(s for s in before if s.paragraph == paragraph)
        return first.text[:160]
    code = next((line.strip() for line in block.text.split("\n") if line.strip()), "")
    if intro and code and block.kind == "suggestion":
        return f"{intro}: {code}"[:160]
    return intro[:160] if intro else fallback


def series_proposals(series: list[Series], messages: dict[str, Message]) -> list[Found]:
    """A `series` proposal per cover letter, a `patch` proposal per patch."""
    out: list[Found] = []
    for s in series:
        key = s.key
        patch_ids = tuple(p.message_id for p in s.patches if p.carried_from is None)
        if s.cover_message_id and s.cover_message_id in messages and not s.cover_carried:
            cover = messages[s.cover_message_id]
            out.append(Found("series", s.cover_message_id, cover.author.name or cover.author.email or None,
                             cover.author.email or None, cover.date, s.title, s.version,
                             tuple(dict.fromkeys(f.path for p in s.patches for f in p.files)), patch_ids,
                             counter=0, series_key=key))
        for p in s.patches:
            if p.carried_from is not None or p.message_id not in messages:
                continue
            msg = messages[p.message_id]
            out.append(Found("patch", p.message_id, msg.author.name or msg.author.email or None,
                             msg.author.email or None, msg.date, p.title, p.version,
                             tuple(f.path for f in p.files), counter=p.counter, series_key=key))
    return out


def _pull_requests(reading: ThreadReading, taken: set[str]) -> list[Found]:
    out = []
    for mid, msg in reading.messages.items():
        if mid in taken:
            continue
        info = parse_subject(msg.subject)
        if info.reply or not (info.pull or find_pull_request(msg)):
            continue
        out.append(Found("series", mid, msg.author.name or msg.author.email or None, msg.author.email or None,
                         msg.date, info.subject or msg.subject, info.version or 1, counter=0,
                         series_key=(mid, "pull")))
    return out


def _block_proposal(mr: MessageReading, block: CodeBlock, quoted: bool) -> Found:
    msg = mr.message
    voice = mr.tree.voices[block.voice] if block.voice < len(mr.tree.voices) else mr.tree.voices[0]
    subject = parse_subject(msg.subject).subject or msg.subject
    fallback = f"diff to {', '.join(block.files)}" if block.files else subject
    if quoted:
        author, email, date = voice.author, None, voice.date
        mid = voice.source_message_id or msg.message_id
    else:
        author, email, date = msg.author.name or msg.author.email or None, msg.author.email or None, msg.date
        mid = msg.message_id
    code = diff_core(block.text) if block.kind == "diff" else squash(block.text)
    return Found(block.kind, mid, author, email, date, _title(mr, block, fallback), None, block.files,
                 first_line=block.first_line, last_line=block.last_line, code=code or squash(block.text),
                 changed=changed_lines(block.text) if block.kind == "diff" else code_lines(block.text),
                 quoted_in=msg.message_id if quoted else None, voice_author=voice.author)


# Added lines that only print or dump: a debugging patch.
RE_PRINTING = re.compile(r"^\+\s*(?:printk|pr_\w+|dev_\w+|trace_printk|dump_\w+|WARN\w*|BUG_ON|print_\w+|printf|"
                         r"fprintf|puts|show_\w+)\s*\(")


def is_diagnostic(text: str, intro: str, reading: ThreadReading) -> bool:
    """A debugging patch (to gather information, not to change the kernel): introduced as
    one, or most of its added lines only print."""
    if any(rx.search(intro) for rx in reading.lexicon.proposals.get("diagnostic_intro", ())):
        return True
    added = [line for line in text.split("\n") if line.startswith("+") and not line.startswith("+++")
             and line[1:].strip()]
    removed = [line for line in text.split("\n") if line.startswith("-") and not line.startswith("---")
               and line[1:].strip()]
    printing = sum(1 for line in added if RE_PRINTING.match(line))
    # Only adds lines, most of which print: instrumentation (a patch that rewrites printing
    # code removes lines too).
    return bool(added) and not removed and printing * 2 > len(added)


def _is_proposed(block: CodeBlock, reading: ThreadReading) -> bool:
    """A diff proposes unless it is a debugging patch; other code does when the prose
    introducing it says so."""
    if block.kind == "diff":
        return not is_diagnostic(block.text, block.intro, reading)
    return any(rx.search(block.intro) for rx in reading.lexicon.proposals.get("suggestion_intro", ()))


def reply_proposals(reading: ThreadReading, taken: set[str]) -> list[Found]:
    """Diffs and suggestions written in replies, and those known only from quotes."""
    out: list[Found] = []
    seen_quoted: dict[tuple, Found] = {}
    for mid in reading.order:
        mr = reading.by_id[mid]
        own_posting = mid in taken
        if own_posting and all(seg.depth == 0 for seg in mr.tree.segments):
            continue  # a posting's own code is the patch itself; it quotes nothing
        for block in mr.code_blocks:
            if not _is_proposed(block, reading):
                continue
            if block.depth == 0:
                if own_posting:
                    continue  # the patch itself
                out.append(_block_proposal(mr, block, quoted=False))
                continue
            voice = mr.tree.voices[block.voice]
            if voice.source_message_id and voice.source_message_id in reading.by_id:
                continue  # a quote of a message we hold: its proposal is found there
            found = _block_proposal(mr, block, quoted=True)
            key = (voice.author, voice.date, found.code[:200])
            if key in seen_quoted:
                continue
            seen_quoted[key] = found
            out.append(found)
        if not own_posting and not any(b.depth == 0 and b.kind == "diff" for b in mr.code_blocks):
            out.extend(_attached_diffs(mr, reading))
            out.extend(_syz_test_requests(mr))
    return out


def _attached_diffs(mr: MessageReading, reading: ThreadReading) -> list[Found]:
    """A patch attached to a reply ("an even more elaborate patch (attached)")."""
    from .patch_text import diff_files, patch_text

    msg = mr.message
    out = []
    for att in msg.attachments:
        probe = Message(msg.message_id, msg.subject, msg.author, msg.date, None, (), "", (att,))
        if patch_text(probe) is None or is_diagnostic(att.text, att.filename or "", reading):
            continue
        files = tuple(f.path for f in diff_files(att.text))
        name = att.filename or "attachment"
        out.append(Found("diff", msg.message_id, msg.author.name or msg.author.email or None,
                         msg.author.email or None, msg.date, f"{name} (attached)", None, files,
                         code=diff_core(att.text), changed=changed_lines(att.text)))
    return out


def _syz_test_requests(mr: MessageReading) -> list[Found]:
    """`#syz test: <tree> <commit>` without a diff: a request to test a tree's commit."""
    msg = mr.message
    for seg in mr.tree.segments:
        if seg.depth != 0:
            continue
        m = RE_SYZ_TEST.search(seg.text)
        if m and m.group(1):
            line = seg.first_line + seg.text[:m.start()].count("\n")
            return [Found("suggestion", msg.message_id, msg.author.name or msg.author.email or None,
                          msg.author.email or None, msg.date, m.group(0).strip(), None, (),
                          first_line=line, last_line=line, code=squash(m.group(0)))]
    return []


def missing_patches(reading: ThreadReading, found: list[Found]) -> list[Found]:
    """Patches the archive lacks but whose replies it holds (see the module docstring): a
    missing message answered as "Re: [PATCH ...] title" that answers no message the archive
    holds but a posting (a cover letter: a patch, unlike a reply, has no other parent),
    unless a posting of the thread has that title (then it is a missing reply in that
    patch's discussion, or the patch under a mangled Message-ID). Of a chain of missing
    messages, the topmost is the patch (the others are missing replies to it)."""
    known = set(reading.messages)
    have = {f.message_id for f in found}
    postings = {title_key(f.title) for f in found if f.kind in ("patch", "series")}
    posted = {f.message_id for f in found if f.kind in ("patch", "series") and f.quoted_in is None}
    def patch_info(ghost: str):
        return next((i for i in (parse_subject(reading.messages[k].subject) for k in direct.get(ghost, ()))
                     if i.reply and (i.patch or i.rfc) and not i.pull and i.subject), None)

    def identity(info) -> tuple:
        return (title_key(info.subject), info.counter or 0, info.version or 1)

    direct: dict[str, list[str]] = {}
    for mid in reading.order:
        parent = reading.parent_of.get(mid)
        if parent and parent not in known:
            direct.setdefault(parent, []).append(mid)
    infos = {g: patch_info(g) for g in direct}
    replies: dict[str, list[str]] = {}
    for ghost, kids in direct.items():
        info = infos[ghost]
        if info is None or ghost in have:
            continue
        # Up through missing messages of the same patch: the topmost is the patch, those
        # below it missing replies to it (a missing message answered under another
        # title, version or number is another patch: a v2 sent in reply to v1).
        top, seen = ghost, {ghost}
        while True:
            up = reading.parent_of.get(top)
            if up is None or up in known or up in seen or up in have:
                break
            if infos.get(up) is not None and identity(infos[up]) != identity(info):
                break
            top = up
            seen.add(up)
        up = reading.parent_of.get(top)
        if top not in have and (up is None or up in posted or up not in known):
            replies.setdefault(top, []).extend(kids)
            if infos.get(top) is None:
                infos[top] = info
    out: list[Found] = []
    taken: set[tuple] = set()
    for ghost, kids in replies.items():
        info = infos[ghost]
        if title_key(info.subject) in postings:
            continue
        same = (title_key(info.subject), info.counter or 0, info.version or 1)
        if same in taken:
            continue
        taken.add(same)
        # Its author: a voice quoting it (resolved to it), else the voice a direct reply
        # quotes (deeper quotes are too often someone else's to be trusted unresolved).
        voices = [v for k in kids for v in reading.by_id[k].tree.voices[1:] if v.author]
        direct = [v for k in kids if reading.parent_of.get(k) == ghost for v in reading.by_id[k].tree.voices[1:]
                  if v.author and v.depth == 1 and v.source_message_id in (None, ghost)]
        voice = next((v for v in voices if v.source_message_id == ghost), None) or next(iter(direct), None)
        author, date = (voice.author, voice.date) if voice is not None else (None, None)
        kind = "series" if info.counter == 0 and (info.total or 0) > 1 else "patch"
        out.append(Found(kind, ghost, author, None, date, info.subject, info.version or 1, counter=info.counter,
                         series_key=(ghost, "missing"), missing=True,
                         first_reply=min((reading.messages[k].date for k in kids if reading.messages[k].date),
                                         default=None)))
    return out


def find_proposals(reading: ThreadReading) -> tuple[list[Found], list[Series]]:
    """The thread's proposals in order of appearance (ids p1, p2, ... set), and its series."""
    series = list(find_series(reading.messages.values(), reading.parent_of))
    found = series_proposals(series, reading.messages)
    taken = {f.message_id for f in found}
    found += _pull_requests(reading, taken)
    taken = {f.message_id for f in found}
    found += reply_proposals(reading, taken)
    found += missing_patches(reading, found)
    position = {mid: i for i, mid in enumerate(reading.order)}
    found.sort(key=lambda f: (f.date is None, f.date or EPOCH, position.get(f.quoted_in or f.message_id, len(position)),
                              0 if f.kind == "series" else 1, f.counter or 0, f.first_line or 0))
    for i, f in enumerate(found, 1):
        f.id = f"p{i}"
    return found, series
