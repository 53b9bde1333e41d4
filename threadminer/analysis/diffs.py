"""Every diff in a message: the author's patch, diffs quoted at any depth, patch attachments.

`find_diffs(msg, tree)` reads the body lines, numbered as `lines.body_lines` numbers them,
with the depth and voice the quote tree gives each (`quotes.parse`), so a diff's voice is
the one `threadminer quotes` shows; quote markers are stripped by depth. Patch attachments
(`msg.attachments`) are read as unquoted text of the message's author. Each `Diff` says
which files it touches (renames, copies, mode changes, binary files), its hunks and +/-
counts, and how it was read:

- `truncated`: some hunk holds fewer lines than its header promises (a quoted excerpt), a
  "[...]" elides part of it, or a file's header is there without its hunks; the counts are
  those of the lines that are there;
- `repaired`: damage was undone to read it (context lines that lost their leading space,
  hard-wrapped lines joined, empty context lines split from the line a mailer joined them
  to, a header whose counts were wrong recounted); `text` is the repaired diff and `notes`
  say what was done.

`kind` is "interdiff" or "range-diff" for the blocks git writes under "Interdiff against v1:"
and "Range-diff against v1:" (cover letters, or after a patch's "---"): they describe how a
series changed, they are not the patch. The diffstat before a patch is not part of it; where
its totals disagree with the author's complete diff, a note says so.

A hunk whose lines all carry a diff prefix and fill its header's counts exactly is read on
a fast path (it checks what unidiff's parser checks); every other diff is parsed with
unidiff once repaired (a truncated hunk's header given the counts of its lines, for that
check only), and a disagreement is written in `notes`. The scanning itself is in
`diff_scan` (starts, headers, ends), `diff_repair` (hunks against their counts) and
`diff_range` (range-diffs).

Cost: `might_hold_diff` (a few substring tests) turns away bodies without a diff; without a
tree, one is built only when a quoted line starts like a diff (or a header block could make
unquoted lines someone else's), since unquoted lines are the author's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from ..message import Message
from .diff_parts import DiffDraft, FileDraft, Lines
from .diff_scan import Scanner
from .lines import MAX_DEPTH, RE_MARKERS, split_body
from .quotes import QuoteTree, parse as quote_tree

VERSION = 1

DEV_NULL = "/dev/null"
# Every diff holds one of these: a hunk header, a diff command line, a binary notice, a CVS
# or SVN "Index:", a git range-diff label. A body without any costs one pass of `in` each.
HINTS = ("@@ -", "diff -", "Binary files ", "Index: ", "Range-diff", "range-diff")
RE_DATE_SUFFIX = re.compile(r"\s+\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:\s*[+-]\d{4})?$")
RE_SVN_SUFFIX = re.compile(r"\s+\((?:revision \d+|working copy|nonexistent)\)$")


@dataclass(frozen=True)
class FileChange:
    """One file a diff touches. `old_path` is set for renames and copies only."""

    path: str
    old_path: str | None
    status: str  # "modified", "added", "deleted", "renamed", "copied", "mode"
    added: int
    removed: int
    binary: bool


@dataclass(frozen=True)
class Diff:
    """One diff in a message. Line numbers are 1-based in the body as `lines.body_lines`
    numbers it, or in the attachment's text when `attachment` names one."""

    message_id: str
    voice: int
    depth: int
    author: str | None
    kind: str  # "diff", "interdiff", "range-diff"
    format: str  # "git", "unified", "index" (CVS/SVN), "binary", "hunk" (no file header), "range-diff"
    files: tuple[FileChange, ...]
    hunks: int
    added: int
    removed: int
    truncated: bool
    repaired: bool
    no_newline: int  # "\ No newline at end of file" markers
    text: str
    first_line: int
    last_line: int
    attachment: str | None = None
    notes: tuple[str, ...] = ()

    def as_json(self) -> dict:
        return {"message_id": self.message_id, "voice": self.voice, "depth": self.depth, "author": self.author,
                "kind": self.kind, "format": self.format,
                "files": [{"path": f.path, "old_path": f.old_path, "status": f.status, "added": f.added,
                           "removed": f.removed, "binary": f.binary} for f in self.files],
                "hunks": self.hunks, "added": self.added, "removed": self.removed, "truncated": self.truncated,
                "repaired": self.repaired, "no_newline": self.no_newline, "lines": [self.first_line, self.last_line],
                "attachment": self.attachment, "notes": list(self.notes), "text": self.text}


def might_hold_diff(text: str) -> bool:
    """The cheap test every message goes through: False means no diff can be in `text`."""
    return any(hint in text for hint in HINTS)


def find_diffs(msg: Message, tree: QuoteTree | None = None) -> tuple[Diff, ...]:
    """Every diff in `msg`, body first (in body order), then its patch attachments. `tree` is
    `quotes.parse(msg, context)`; without one it is parsed here when the body may hold a
    diff and has quoted lines (then quoted voices have no thread context to name them)."""
    found: list[Diff] = []
    if might_hold_diff(msg.body):
        if tree is None and needs_tree(msg.body):
            tree = quote_tree(msg)
        lines = body_lines_of(msg.body, tree)
        drafts = Scanner(lines).scan()
        if tree is None and any(d.voice < 0 for d in drafts):
            tree = quote_tree(msg)  # a quoted diff needs_tree did not foresee
            lines = body_lines_of(msg.body, tree)
            drafts = Scanner(lines).scan()
        for draft in drafts:
            voice = tree.voices[draft.voice] if tree is not None and draft.voice < len(tree.voices) else None
            author = voice.author if voice is not None else (msg.author.display or None) if not draft.voice else None
            found.append(build(msg.message_id, draft, author, None, lines.raws))
    body = msg.body.strip()
    for att in msg.attachments:
        if not might_hold_diff(att.text) or att.text.strip() == body:
            continue  # a message that is only a patch keeps it as body and attachment
        author = tree.author if tree is not None else (msg.author.display or None)
        lines = plain_lines(att.text)
        for draft in Scanner(lines).scan():
            found.append(build(msg.message_id, draft, author, att.filename or att.content_type, lines.raws))
    return tuple(found)


# --- lines ---------------------------------------------------------------------------------

# What makes quotes.parse give a line a voice other than the author's: a quote marker, or
# a header block ("-----Original Message-----", "From:"/"Sent:" fields). Without a tree,
# one is built only where a quoted line starts like a diff or a header block is present;
# otherwise the diffs are on unquoted lines, which are the author's (voice 0, depth 0).
RE_BLOCK_SIGNS = re.compile(
    r"^(?:[ \t]*\*?(?:From|Von|De)\s*:|[ \t]*(?:-{3,}[ \t]*(?:Original Message|Ursprüngliche Nachricht|"
    r"Message d'origine|Forwarded message|Mensaje original|Start of forwarded message)|_{10,}|-{5,}\s*On ))",
    re.M | re.I)
RE_QUOTED_START = re.compile(r"^>[>\s]*(?:diff |Index: |@@@? -|Binary files |Interdiff|Range-diff|range-diff|"
                             r"(?:\d+|-):\s+(?:[0-9a-f]{4,}|-{4,})\s+[=!<>]\s)", re.M)


def needs_tree(body: str) -> bool:
    """Must the quote tree be built to know whose the diffs of `body` are? The in-body
    "From:" opening a patch does not count (quotes.parse does not take it for a quote)."""
    if RE_QUOTED_START.search(body):
        return True
    for m in RE_BLOCK_SIGNS.finditer(body):
        if body[:m.start()].strip() or not body[m.start():m.start() + 8].lstrip().startswith("From"):
            return True
    return False


def body_lines_of(body: str, tree: QuoteTree | None) -> Lines:
    """The body's lines with the depth and voice the quote tree gives them. Without a tree
    (`needs_tree` said no diff is quoted), unquoted lines are the author's and quoted ones
    belong to no voice a diff is read in."""
    raws = split_body(body)
    if "\r" in body:
        raws = [raw.rstrip("\r") for raw in raws]
    n = len(raws)
    depths, voices = [0] * n, [0] * n
    if tree is not None:
        for seg in tree.segments:
            a, b = seg.first_line - 1, min(seg.last_line, n)
            if seg.depth:
                depths[a:b] = [seg.depth] * (b - a)
            if seg.voice:
                voices[a:b] = [seg.voice] * (b - a)
    if not body.startswith(">") and "\n>" not in body:
        return Lines(raws, raws, [0] * n, depths, voices)
    rests, markers = list(raws), [0] * n
    match = RE_MARKERS.match
    for n_line, raw in enumerate(raws):
        if raw[:1] == ">":
            m = match(raw)
            rests[n_line] = raw[m.end():]  # type: ignore[union-attr]
            markers[n_line] = min(m.group(0).count(">"), MAX_DEPTH)  # type: ignore[union-attr]
            if tree is None:
                depths[n_line], voices[n_line] = markers[n_line], -1
    return Lines(raws, rests, markers, depths, voices)


def plain_lines(text: str) -> Lines:
    """An attachment's lines: the author's, unquoted."""
    raws = [raw.rstrip("\r") for raw in split_body(text)]
    zeros = [0] * len(raws)
    return Lines(raws, raws, zeros, zeros, zeros)


# --- from a draft to a Diff ----------------------------------------------------------------

def build(message_id: str, draft: DiffDraft, author: str | None, attachment: str | None,
          raws: list[str] | None = None) -> Diff:
    first, last = draft.first + 1, draft.last + 1
    if draft.kind == "range-diff":
        hunks, added, removed = draft.range_stats
        files = tuple(FileChange(path, None, "modified", a, r, False) for path, a, r in draft.range_files)
        return Diff(message_id, draft.voice, draft.depth, author, draft.kind, draft.format, files, hunks, added,
                    removed, False, False, 0, "\n".join(draft.text_lines or []) + "\n", first, last, attachment)
    if any(f.combined for f in draft.files):
        draft.format = "combined"
    files = tuple(file_change(f) for f in draft.files if f.header)
    hunks = [h for f in draft.files for h in f.hunks]
    added = sum(h.added for h in hunks)
    removed = sum(h.removed for h in hunks)
    # (A file with "---"/"+++" lines and no hunk lost its hunks: git never writes that.)
    truncated = any(not h.complete or h.elided for h in hunks) or any(
        f.new_name is not None and not f.hunks and not f.binary for f in draft.files)
    repaired = any(h.spaces_restored or h.wraps_joined or h.recounted or h.ends_restored or h.nbsp_fixed
                   or h.flowed_split for h in hunks)
    notes = _notes(draft)
    if any(h.careful for h in hunks):
        problem = _unidiff_problem(draft, added, removed)
        if problem:
            notes.append(problem)
    if raws is not None and draft.kind == "diff" and not draft.depth and not truncated:
        stat = _diffstat_above(raws, draft.first)
        if stat is not None and stat != (added, removed):
            notes.append(f"the diffstat above it says +{stat[0]}/-{stat[1]}")
    return Diff(message_id, draft.voice, draft.depth, author, draft.kind, draft.format, files, len(hunks), added,
                removed, truncated, repaired, sum(h.no_newline for h in hunks), render(draft), first, last,
                attachment, tuple(notes))


def render(draft: DiffDraft, exact_counts: bool = False) -> str:
    """The diff's text (markers stripped, repairs applied). With `exact_counts`, every hunk
    header carries the counts of the lines present (for parsing a truncated excerpt)."""
    out: list[str] = []
    for f in draft.files:
        if exact_counts and f.new_name and not f.old_name:
            out.append("--- " + f.new_name)  # a quote that kept only "+++": unidiff wants both
        out.extend(f.header)
        for h in f.hunks:
            if exact_counts and not h.texts:
                continue  # a header quoted without its lines: nothing to parse
            if h.recounted or (exact_counts and (not h.complete or h.uncounted)):
                out.append(h.header_for(h.old_seen, h.new_seen))
            else:
                out.append(h.header)
            out.extend(h.texts)
    return "\n".join(out) + "\n"


def _notes(draft: DiffDraft) -> list[str]:
    notes = []
    for f in draft.files:
        name = _display_name(f)
        for n, h in enumerate(f.hunks, 1):
            where = f"{name} hunk {n}" if name else f"hunk {n}"
            if h.spaces_restored:
                notes.append(f"{where}: {h.spaces_restored} context lines had lost their leading space")
            if h.nbsp_fixed:
                notes.append(f"{where}: {h.nbsp_fixed} context lines began with a no-break space instead of a space")
            if h.flowed_split:
                notes.append(f"{where}: {h.flowed_split} empty context lines joined to the next line (format=flowed) "
                             "split again")
            if h.wraps_joined:
                notes.append(f"{where}: {h.wraps_joined} hard-wrapped lines joined")
            if h.ends_restored:
                notes.append(f"{where}: {h.ends_restored} empty context lines lost at the end of the text put back")
            if h.uncounted:
                notes.append(f"{where}: the header gives no line numbers; counts read from the lines")
            elif h.recounted:
                notes.append(f"{where}: header {h.header.split(' @@')[0].strip('@ ')} recounted from the lines present")
            elif not h.complete:
                notes.append(f"{where}: {h.old_seen} of {h.old_len} old and {h.new_seen} of {h.new_len} new lines present")
            if h.elided:
                notes.append(f"{where}: {h.elided} elided parts")
    if draft.gaps:
        notes.append(f"interrupted by other text {draft.gaps} times")
    return notes


def _unidiff_problem(draft: DiffDraft, added: int, removed: int) -> str | None:
    """unidiff's reading of the rendered diff, when it disagrees with ours."""
    if not any(f.hunks for f in draft.files) or any(f.combined for f in draft.files):
        return None  # (unidiff does not read combined diffs)
    text = render(draft, exact_counts=True)
    if draft.format == "hunk" and not draft.files[0].header:
        text = "--- a\n+++ b\n" + text  # unidiff needs a file around a bare hunk
    try:
        patch = PatchSet(text, metadata_only=True)
    except (UnidiffParseError, ValueError, TypeError) as exc:
        return f"unidiff rejects it: {exc}"
    if (patch.added, patch.removed) != (added, removed):
        return f"unidiff counts +{patch.added}/-{patch.removed}"
    return None


# git's diffstat total, written between a patch's "---" and its diff.
RE_DIFFSTAT_TOTAL = re.compile(r"^ ?\d+ files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?")
DIFFSTAT_REACH = 60  # lines above a diff searched for it (a diffstat lists a line per file)


def _diffstat_above(raws: list[str], first: int) -> tuple[int, int] | None:
    """(insertions, deletions) of the diffstat just above line index `first`, if any: git's
    count of the same patch, which confirms the diff was read whole."""
    for k in range(first - 1, max(-1, first - DIFFSTAT_REACH), -1):
        raw = raws[k]
        if raw == "---" or raw.startswith(("diff ", "@@")):
            return None
        if " changed" in raw:
            m = RE_DIFFSTAT_TOTAL.match(raw)
            if m:
                return int(m.group(1) or 0), int(m.group(2) or 0)
    return None


# --- files ---------------------------------------------------------------------------------

def file_change(f: FileDraft) -> FileChange:
    added = sum(h.added for h in f.hunks)
    removed = sum(h.removed for h in f.hunks)
    old, new = _paths(f)
    if f.rename_from or f.rename_to:
        status = "renamed"
    elif f.copy_from or f.copy_to:
        status = "copied"
    elif f.new_file or old == DEV_NULL:
        status = "added"
    elif f.deleted or new == DEV_NULL:
        status = "deleted"
    elif f.mode_change and not f.hunks and not f.binary:
        status = "mode"
    else:
        status = "modified"
    path = old if new == DEV_NULL or not new else new
    old_path = old if status in ("renamed", "copied") else None
    return FileChange(path or "", old_path, status, added, removed, f.binary)


def _display_name(f: FileDraft) -> str:
    old, new = _paths(f)
    return (old if new == DEV_NULL or not new else new) or ""


def _paths(f: FileDraft) -> tuple[str | None, str | None]:
    """(old path, new path) of a file, prefixes ("a/", "b/", "linux.orig/") removed."""
    if f.rename_from or f.copy_from:
        return _unquote(f.rename_from or f.copy_from), _unquote(f.rename_to or f.copy_to)
    old = _clean(f.old_name) if f.old_name else None
    new = _clean(f.new_name) if f.new_name else None
    if f.index_path:
        path = _unquote(f.index_path)
        return (DEV_NULL if old == DEV_NULL else path), (DEV_NULL if new == DEV_NULL else path)
    if f.git_paths is not None:
        git_old, git_new = _split_git_paths(f.git_paths)
        old = old if old == DEV_NULL else git_old
        new = new if new == DEV_NULL else git_new
        return old, new
    if old is None and new is None:
        m = re.match(r"^Binary files (.+?) and (.+?) differ$", f.header[-1]) if f.header else None
        if m:
            old, new = _clean(m.group(1)), _clean(m.group(2))
        else:
            return None, None
    return _strip_level(old, new)


def _clean(name: str) -> str:
    """A name from a "---"/"+++" line without its timestamp or SVN revision."""
    name = name.split("\t")[0].strip()
    if " " in name:  # (a timestamp written with spaces; most names have none)
        name = RE_SVN_SUFFIX.sub("", RE_DATE_SUFFIX.sub("", name)).strip()
    return _unquote(name)


def _unquote(name: str | None) -> str | None:
    if name and len(name) > 1 and name[0] == name[-1] == '"':
        try:
            return name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape").encode(
                "latin-1").decode("utf-8", "replace")
        except (UnicodeError, ValueError):
            return name[1:-1]
    return name


def _split_git_paths(paths: str) -> tuple[str, str]:
    """The two paths of "diff --git a/X b/Y" (or without prefixes, "X Y")."""
    if paths.startswith('"'):
        m = re.match(r'^("(?:[^"\\]|\\.)*")\s+(.+)$', paths)
        if m:
            return _strip_prefix(_unquote(m.group(1)), "a/"), _strip_prefix(_unquote(m.group(2)), "b/")
    for m in re.finditer(r" b/", paths):
        left, right = paths[:m.start()], paths[m.end():]
        if left.startswith("a/") and left[2:] == right:
            return right, right
    half = len(paths) // 2
    if len(paths) % 2 == 1 and paths[half] == " " and paths[:half] == paths[half + 1:]:
        return paths[:half], paths[:half]
    if " b/" in paths:
        left, _, right = paths.rpartition(" b/")
        return _strip_prefix(left, "a/"), right
    left, _, right = paths.partition(" ")
    return left, right or left


def _strip_prefix(path: str | None, prefix: str) -> str:
    path = path or ""
    return path[len(prefix):] if path.startswith(prefix) else path


def _strip_level(old: str | None, new: str | None) -> tuple[str | None, str | None]:
    """Drop the leading directory both names carry when it differs between them ("a/" and
    "b/", "linux.orig/" and "linux/"), as `patch -p1` would; keep names that agree."""
    real = [n for n in (old, new) if n and n != DEV_NULL]
    if not real:
        return old, new
    heads = {n.split("/", 1)[0] for n in real if "/" in n}
    if len(real) == 2 and "/" in real[0] and "/" in real[1] and len(heads) == 2 or heads <= {"a", "b"} and heads:
        def cut(n: str | None) -> str | None:
            return n.split("/", 1)[1] if n and n != DEV_NULL and "/" in n else n
        return cut(old), cut(new)
    return old, new
