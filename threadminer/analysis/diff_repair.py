"""Reading one hunk against its header's line counts, and undoing the damage mail does to it.

A hunk header promises how many old lines (context and removed) and new lines (context and
added) follow. Mail and archive pages damage hunks in these ways, and the counts are what
tells them apart:

- whitespace damage: a page or a paste loses the leading space of context lines (and the
  indentation), so a context line no longer starts with " " (the seed page); HTML mailers
  turn that space into a no-break space;
- hard wraps: a mailer breaks a long line (a code line, or the hunk header itself), and its
  tail starts a line of its own without a "+"/"-"/" " prefix;
- format=flowed joins: an empty context line " " ends in a space, read as a soft break, and
  is joined to the line after it (" +foo");
- truncation: a reply quotes only part of a hunk, so fewer lines follow than promised;
- a lost end: MIME and mailers drop the blank lines that end a text part, which may be the
  patch's last (empty) context lines.

A hunk whose lines all carry a prefix and fit its counts exactly is read on a fast path.
Otherwise `read_hunk` collects the hunk's lines (own lines of the diff's voice, up to the
next hunk or file header, the signature, prose, or the end of the quote); lines without a
diff prefix ("others") are kept only where evidence says they belong (diff lines follow
them, or counting them completes the hunk). Then each other is decided: the tail of a
hard-wrapped line where the line before was long enough to have been wrapped and the counts
leave no room for it as context, else a context line that lost its space. A hunk that still
holds fewer lines than promised is truncated; one that holds more diff lines before the
signature than its header says (a hand-edited header) is recounted. Nothing is decided
silently: the hunk keeps how many spaces it restored, lines it joined, lines it put back,
and whether it was recounted.
"""

from __future__ import annotations

import re

from typing import TYPE_CHECKING

from .diff_parts import RE_COMBINED_HUNK, RE_HUNK, RE_SNIP, DiffDraft, Hunk

if TYPE_CHECKING:
    from .diff_scan import Scanner

# A hard-wrapped line: the first word of the tail would have pushed the line before past
# the wrap width (mailers wrap at 72 to 78 columns; a long word moves whole, so the line
# before may be much shorter than the width).
WRAP_MIN_PREVIOUS = 40
WRAP_WIDTH = 72
# A line longer than this (plus two columns per quote level) was not wrapped by a mailer.
WRAP_MAX = 80
# Empty context lines that may be lost at the end of a text part (git's hunks end with at
# most three context lines).
MAX_LOST_END = 3
NBSP = "\u00a0"
RE_CODE_CHARS = re.compile(r"[;{}=#*/\\\[\]<>|&]|\w\(|->|::")


class _Item:
    __slots__ = ("line", "text", "cls", "confirmed", "wrappable", "nbsp")

    def __init__(self, line: int, text: str, cls: str, wrappable: bool = False):
        self.nbsp = cls == "nbsp"
        if self.nbsp:  # a context line whose space became a no-break space (HTML mailers)
            text, cls = " " + text[1:], " "
        self.line = line
        self.text = text
        self.cls = cls  # "+", "-", " ", "" (empty line), "\\", "other", "snip"
        self.confirmed = False  # an "other" that diff lines follow
        self.wrappable = wrappable  # an "other" that may be the tail of a wrapped line


def looks_like_prose(text: str) -> bool:
    """A sentence rather than a line of code: words, no code punctuation."""
    words = text.split()
    if len(words) < 3 or not text[:1].isalpha() or RE_CODE_CHARS.search(text):
        return False
    return text[:1].isupper() or text.rstrip()[-1:] in ".?!:,"


def _classify(text: str) -> str:
    c = text[:1]
    if c in ("+", "-", " ", "\\"):
        return c
    if c == NBSP:
        return "nbsp"  # a context line whose space became a no-break space (HTML mailers)
    if not text:
        return ""
    if RE_SNIP.match(text):
        return "snip"
    return "other"


def read_hunk(sc: Scanner, draft: DiffDraft, i: int) -> tuple[Hunk, int | None, bool]:
    """Read the hunk whose header is own line i; returns it and the next own line after it."""
    header = sc.text(draft, i)
    m = RE_HUNK.match(header)
    assert m is not None
    hunk = Hunk(header, int(m.group(1)), int(m.group(2) or 1), int(m.group(3)), int(m.group(4) or 1), m.group(5))
    sc.take(draft, i)
    end = _fast(sc, draft, hunk, i + 1)
    if end is not None:
        sc.take_span(draft, i + 1, end)
        return (hunk,) + sc.own_after(draft, end - 1)  # type: ignore[return-value]
    hunk.careful = True
    items = _collect(sc, draft, hunk, i)
    items = _trim_tail(draft, hunk, items)
    _decide(sc, draft, hunk, items)
    last = i
    for item in items:
        sc.take(draft, item.line)
        last = max(last, item.line)
    nxt, gap = sc.own_after(draft, last)
    if hunk.ends_at_header:
        _split_flowed_joins(hunk)
    if nxt is None and draft.depth == 0 and not any(raw.strip() for raw in sc.raws[last + 1:]):
        _restore_lost_end(hunk)
    return hunk, nxt, gap


def _fast(sc: Scanner, draft: DiffDraft, hunk: Hunk, start: int) -> int | None:
    """The end of a clean hunk starting at line `start`: adjacent own lines that all carry a
    diff prefix and fill the header's counts exactly, with nothing diff-like after them.
    None sends the hunk to the careful reading."""
    rests, voices, depths, n = sc.rests, sc.voices, sc.depths, sc.n
    voice, depth = draft.voice, draft.depth
    plain = not draft.indent and (not draft.space or not depth)
    spaced = not draft.indent and draft.space  # "> +foo": one space after the markers to drop
    markers = sc.markers
    quoted = draft.quoted
    old, new = hunk.old_len, hunk.new_len
    added = removed = marks = 0
    k = start
    texts = []
    while True:
        own = k < n and voices[k] == voice and depths[k] == depth and markers[k] >= quoted
        if own:
            if plain:
                t = rests[k]
            elif spaced:
                t = rests[k]
                if t[:1] == " " and markers[k]:
                    t = t[1:]
            else:
                t = sc.text(draft, k)
        if old <= 0 and new <= 0:
            if not own or t[:1] != "\\":
                break  # complete (a "\ No newline" marker may follow the last line)
        elif not own:
            return None
        c = t[:1]
        if c == " " or not t:
            old -= 1
            new -= 1
        elif c == "+":
            new -= 1
            added += 1
        elif c == "-":
            old -= 1
            removed += 1
        elif c == "\\":
            marks += 1
        else:
            return None
        if old < 0 or new < 0:
            return None
        if not plain:
            texts.append(t)
        k += 1
    after = k
    while after < n and voices[after] == voice and depths[after] == depth and markers[after] >= quoted:
        t = rests[after] if plain else sc.text(draft, after)
        if t[:1] in (" ", "+") or (t[:1] == "-" and t[:2] != "--"):
            return None  # diff lines go on past the counts: let the careful reading judge
        if t and after == k and t[:1] not in ("@", "d", "I", "B", "-", "\\"):
            return None  # maybe the tail of the last line, wrapped
        if t:
            break
        after += 1
    hunk.texts = rests[start:k] if plain else texts
    hunk.added, hunk.removed, hunk.no_newline = added, removed, marks
    hunk.old_seen, hunk.new_seen = hunk.old_len, hunk.new_len
    return k


def _collect(sc: Scanner, draft: DiffDraft, hunk: Hunk, i: int) -> list[_Item]:
    """The candidate lines of the hunk after its header (line i), in order (pass 1)."""
    items: list[_Item] = [_Item(i, sc.text(draft, i), "@")]  # the header: a long one may be wrapped too
    old = new = 0  # lines that certainly count: context, removed, added
    others = 0
    pending: list[_Item] = []  # others not yet followed by a diff line
    stripped = False  # an other that is no wrap tail was followed by diff lines: whitespace damage
    j, gap = sc.own_after(draft, i)
    while j is not None:
        t = sc.text(draft, j)
        if old >= hunk.old_len and new >= hunk.new_len:
            if not gap and t[:1] == "\\":
                items.append(_Item(j, t, "\\"))
                j, gap = sc.own_after(draft, j)
                continue
            if (not gap and _classify(t) == "other" and _wrap_eligible(sc, items, j) and not looks_like_prose(t)
                    and not sc.is_boundary(draft, j, t)):
                items.append(_Item(j, t, "other", True))  # the tail of the hunk's last line, wrapped
                j, gap = sc.own_after(draft, j)
                continue
            extra = _overlong(sc, draft, j) if not gap else None
            if extra:
                items.extend(extra)
                hunk.recounted = True
            break
        if gap and (not t or t[0] not in "+- \\"):
            break  # after a reviewer's comment only diff lines go on with the hunk
        if sc.is_boundary(draft, j, t):
            hunk.ends_at_header = True
            break
        item = _Item(j, t, _classify(t))
        cls = item.cls
        if (cls == "+" and new >= hunk.new_len or cls == "-" and old >= hunk.old_len
                or cls == " " and (old >= hunk.old_len or new >= hunk.new_len)):
            # A diff line the header has no room for: the header is wrong when diff lines
            # go on to the patch's own end (hand-edited); else the hunk ends here.
            extra = _overlong(sc, draft, j) if not gap and not pending else None
            if extra:
                items.extend(extra)
                hunk.recounted = True
            break
        if cls == "+":
            new += 1
        elif cls == "-":
            old += 1
        elif cls in (" ", ""):
            if old >= hunk.old_len or new >= hunk.new_len:
                break
            old += 1
            new += 1
        elif cls == "other":
            after_blank = items[-1].cls == ""
            if after_blank and (not (draft.damaged or stripped) or looks_like_prose(t)):
                break
            room = min(hunk.old_len - old, hunk.new_len - new)
            wrappable = _wrap_eligible(sc, items, j)
            if others >= room and not wrappable:
                break
            others += 1
        item.wrappable = cls == "other" and wrappable
        if cls == "other":
            pending.append(item)
        elif cls in ("+", "-", " ", "\\") and pending:
            for x in pending:
                x.confirmed = True
                stripped = stripped or not x.wrappable
            pending = []
        items.append(item)
        j, gap = sc.own_after(draft, j)
    return items


def _overlong(sc: Scanner, draft: DiffDraft, j: int) -> list[_Item] | None:
    """Diff lines that go on after the header's counts are used up, up to the signature,
    the next header or the end: the header undercounts (hand-edited). None when what
    follows is anything else."""
    run: list[_Item] = []
    gap = False
    k: int | None = j
    while k is not None and not gap:
        t = sc.text(draft, k)
        if sc.is_boundary(draft, k, t):
            break
        item = _Item(k, t, _classify(t))
        if item.cls not in ("+", "-", " ", "", "\\"):
            return None
        run.append(item)
        k, gap = sc.own_after(draft, k)
    # Only the patch's own end proves the header wrong: the signature or the next header
    # (what ends the text or a quote may be anything, a "-Name" sign-off say).
    if gap or k is None or not any(x.cls in ("+", "-") for x in run):
        return None
    return run


def _wrap_score(sc: Scanner, before: int, j: int) -> int:
    """How far past the wrap width line `before` would have run with the first word of
    line j on it (tabs expanded, as mail clients show them); negative when it fits."""
    width = len(sc.raws[before].expandtabs())
    if width < WRAP_MIN_PREVIOUS or width > WRAP_MAX + 2 * sc.markers[before]:
        return -1
    words = sc.rests[j].split()
    return width + 1 + (len(words[0]) if words else 0) - WRAP_WIDTH - 1


def _wrap_eligible(sc: Scanner, items: list[_Item], j: int) -> bool:
    """Could line j be the tail of the line before it, broken by a mailer?"""
    if not items or items[-1].cls not in ("+", "-", " ", "other", "@"):
        return False
    return _wrap_score(sc, items[-1].line, j) >= 0


def _trim_tail(draft: DiffDraft, hunk: Hunk, items: list[_Item]) -> list[_Item]:
    """Drop what follows the hunk's last certain line unless evidence keeps it: trailing
    blank lines (a separator, unless they complete the hunk) and unconfirmed others."""
    if hunk.recounted:
        return items
    last = max((n for n, x in enumerate(items) if x.cls in ("+", "-", " ", "\\", "@") or x.confirmed))
    tail = items[last + 1:]
    if not tail:
        return items
    head = items[:last + 1]
    old = sum(1 for x in items if x.cls in ("-", " ", "", "other"))
    new = sum(1 for x in items if x.cls in ("+", " ", "", "other"))
    if old == hunk.old_len and new == hunk.new_len and not any(x.cls == "snip" for x in tail):
        return items  # counted as context lines, they complete the hunk exactly
    damaged = draft.damaged or any(x.confirmed and not x.wrappable for x in head)
    keep = list(head)
    for x in tail:
        if x.cls == "other" and (x.wrappable or damaged and not looks_like_prose(x.text)):
            keep.append(x)
        elif x.cls in ("", "snip") and damaged:
            keep.append(x)
        else:
            break
    while len(keep) > len(head) and keep[-1].cls in ("", "snip"):
        keep.pop()
    return keep


def _decide(sc: Scanner, draft: DiffDraft, hunk: Hunk, items: list[_Item]) -> None:
    """Turn the items into hunk lines: each other becomes a context line that lost its space
    or the tail of a hard-wrapped line, as the counts and the line lengths say (pass 2)."""
    old = sum(1 for x in items if x.cls in ("-", " ", ""))
    new = sum(1 for x in items if x.cls in ("+", " ", ""))
    others = [n for n, x in enumerate(items) if x.cls == "other"]
    # How likely each other is a wrap tail: how far the line before (the header, for the
    # first) would have run past the wrap width with its first word.
    score = {n: _wrap_score(sc, items[n - 1].line, items[n].line) if items[n - 1].cls != "snip" else -10**6
             for n in others}
    eligible = {n for n in others if score[n] >= 0}
    wraps: set[int] = set()
    need_old, need_new = hunk.old_len - old, hunk.new_len - new
    likeliest = sorted(others, key=lambda n: -score[n])
    if others and hunk.recounted:
        wraps = set(eligible)  # the header's counts are wrong: they cannot arbitrate
    elif others:
        if need_old == need_new and 0 <= need_old <= len(others):
            # The counts complete the hunk with exactly need_old of the others as context
            # lines: the rest are wrap tails, the likeliest ones.
            wraps = set(likeliest[:len(others) - need_old])
        else:
            room = max(0, min(need_old, need_new))
            plain = [n for n in others if n not in eligible]
            # Where whitespace damage is seen, a long line before is no proof of a wrap;
            # where the counts leave no room for all as context, the likeliest are tails.
            wraps = set() if plain else set(eligible)
            if len(others) - len(wraps) > room:
                wraps = set(likeliest[:len(others) - room])
        wraps = {n for n in wraps if score[n] > -10**6}
        contexts = [n for n in others if n not in wraps]
        if len(contexts) > max(0, min(need_old, need_new)):
            cut = contexts[max(0, min(need_old, need_new))]  # no reading fits: the hunk ends there
            del items[cut:]
            wraps = {n for n in wraps if n < cut}
    texts: list[str] = []
    for n, x in enumerate(items):
        cls = x.cls
        if cls == "@":
            continue
        if cls == "snip":
            hunk.elided += 1
        elif cls == "other" and n in wraps and not texts:
            hunk.section += " " + x.text  # the tail of a long hunk header ("... foo(struct")
            hunk.header += " " + x.text
            hunk.wraps_joined += 1
        elif cls == "other" and n in wraps:
            prev = texts[-1]
            texts[-1] = (prev if prev.endswith(" ") else prev + " ") + x.text
            hunk.wraps_joined += 1
        elif cls == "other":
            texts.append(" " + x.text)
            hunk.spaces_restored += 1
            hunk.old_seen += 1
            hunk.new_seen += 1
        else:
            texts.append(x.text)
            hunk.nbsp_fixed += x.nbsp
            if cls in (" ", ""):
                hunk.old_seen += 1
                hunk.new_seen += 1
            elif cls == "+":
                hunk.added += 1
                hunk.new_seen += 1
            elif cls == "-":
                hunk.removed += 1
                hunk.old_seen += 1
            elif cls == "\\":
                hunk.no_newline += 1
    hunk.texts = texts
    if hunk.spaces_restored:
        draft.damaged = True
    if hunk.recounted:
        hunk.old_len, hunk.new_len = hunk.old_seen, hunk.new_seen


def _split_flowed_joins(hunk: Hunk) -> None:
    """Undo format=flowed joins: a mailer that reads a line ending in a space as a soft
    break joins an empty context line (" ") to the line after it, so " " + "+foo" shows as
    a context line " +foo". Done only for a hunk that runs to the next header or the
    signature (it is not an excerpt) and whose shortfall is exactly what splitting every
    such line gives back: one new line per " +", one old line per " -"."""
    short_old, short_new = hunk.old_len - hunk.old_seen, hunk.new_len - hunk.new_seen
    if short_old < 0 or short_new < 0 or not (short_old or short_new) or hunk.elided:
        return
    plus = [n for n, t in enumerate(hunk.texts) if t.startswith(" +")]
    minus = [n for n, t in enumerate(hunk.texts) if t.startswith(" -")]
    if (len(plus), len(minus)) != (short_new, short_old):
        return
    texts: list[str] = []
    for n, t in enumerate(hunk.texts):
        if n in plus or n in minus:
            texts.extend(["", t[1:]])
            hunk.flowed_split += 1
        else:
            texts.append(t)
    hunk.texts = texts
    hunk.added += len(plus)
    hunk.removed += len(minus)
    hunk.old_seen += len(minus)
    hunk.new_seen += len(plus)


def _restore_lost_end(hunk: Hunk) -> None:
    """The author's diff ends the text one to three lines short on both sides: the empty
    context lines that ended it were dropped with the part's trailing newlines."""
    short_old, short_new = hunk.old_len - hunk.old_seen, hunk.new_len - hunk.new_seen
    if 0 < short_old == short_new <= MAX_LOST_END and not hunk.elided:
        hunk.texts.extend([""] * short_old)
        hunk.old_seen += short_old
        hunk.new_seen += short_old
        hunk.ends_restored = short_old


def read_combined_hunk(sc: Scanner, draft: DiffDraft, i: int) -> tuple[Hunk, int | None, bool]:
    """A hunk of a combined diff ("@@@ -a,b -c,d +e,f @@@"): one prefix column per parent.
    A line counts for a parent unless its column is "+", for the result unless some column
    is "-". Read strictly (no repair): it ends where a line no longer fits."""
    header = sc.text(draft, i)
    m = RE_COMBINED_HUNK.match(header)
    assert m is not None
    ranges = [r.split(",") for r in m.group(2).split()]
    parents = [int(r[1]) if len(r) > 1 else 1 for r in ranges]
    width = len(parents)
    hunk = Hunk(header, int(ranges[0][0][1:]), sum(parents), int(m.group(3)), int(m.group(4) or 1), m.group(5))
    hunk.careful = True
    sc.take(draft, i)
    seen = [0] * width
    last = i
    j, gap = sc.own_after(draft, i)
    while j is not None and not gap:
        t = sc.text(draft, j)
        prefix = t[:width].ljust(width)
        done = all(s >= p for s, p in zip(seen, parents)) and hunk.new_seen >= hunk.new_len
        if done or any(c not in " +-" for c in prefix) or sc.is_boundary(draft, j, t):
            break
        for n, c in enumerate(prefix):
            if c != "+":
                seen[n] += 1
        if "-" not in prefix:
            hunk.new_seen += 1
        hunk.added += "+" in prefix and "-" not in prefix
        hunk.removed += "-" in prefix
        hunk.texts.append(t)
        sc.take(draft, j)
        last = j
        j, gap = sc.own_after(draft, j)
    hunk.old_seen = sum(min(s, p) for s, p in zip(seen, parents))
    nxt, gap = sc.own_after(draft, last)
    return hunk, nxt, gap


def read_loose_hunk(sc: Scanner, draft: DiffDraft, i: int) -> tuple[Hunk, int | None, bool]:
    """A hunk whose header gives no line numbers: its lines are read while they carry a
    diff prefix, and counted."""
    header = sc.text(draft, i)
    hunk = Hunk(header, 1, 0, 1, 0, "")
    hunk.careful = hunk.uncounted = True
    sc.take(draft, i)
    last = i
    j, gap = sc.own_after(draft, i)
    while j is not None and not gap:
        t = sc.text(draft, j)
        cls = _classify(t)
        if cls not in ("+", "-", " ", "\\", "") or sc.is_boundary(draft, j, t):
            break
        if cls == "":
            nxt = sc.peek(draft, j, 1)
            if not nxt or _classify(nxt[0]) not in ("+", "-", " ", "\\"):
                break
        hunk.texts.append(t)
        hunk.added += cls == "+"
        hunk.removed += cls == "-"
        hunk.no_newline += cls == "\\"
        hunk.old_seen += cls in ("-", " ", "")
        hunk.new_seen += cls in ("+", " ", "")
        sc.take(draft, j)
        last = j
        j, gap = sc.own_after(draft, j)
    hunk.old_len, hunk.new_len = hunk.old_seen, hunk.new_seen
    nxt, gap = sc.own_after(draft, last)
    return hunk, nxt, gap
