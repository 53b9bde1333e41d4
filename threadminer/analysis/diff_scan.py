"""Where diffs are in a run of numbered lines: their starts, file headers, hunks and ends.

The scanner reads `Lines` (each line with its quote depth and voice from the quote tree, and
its text after the quote markers). A diff is written by one voice at one depth; lines of
other voices inside it (a reviewer's comments between quoted pieces of a patch) are gaps:
the diff goes on after a gap only where its own next line continues it (the rest of an
open hunk, a new hunk header, a new file header).

What starts a diff: `diff --git` with an extended header or `---` after it; `---`/`+++`
and a hunk header (plain unified diffs, optionally after `diff -u ...` or CVS/SVN's
`Index:` and `====` lines); a bare hunk header `@@ -a,b +c,d @@` (a quoted excerpt);
`Binary files X and Y differ`; the labels git writes before an interdiff or a range-diff.
Prose starting with "diff" is not a start: each start needs the header lines that follow it.

Hunks are read against their header's line counts by `diff_repair.read_hunk`.
"""

from __future__ import annotations

from .diff_parts import (RE_GIT_HEADER, RE_DIFF_COMMAND, RE_GIT_EXTENDED, RE_OLD_FILE, RE_NEW_FILE, RE_HUNK,
                          RE_COMBINED_HUNK, RE_COMBINED_HEADER, RE_COMBINED_EXTENDED, RE_LOOSE_HUNK, RE_INDEX, RE_RULE,
                          RE_INDEX_PREAMBLE, RE_BINARY_FILES, RE_GIT_BINARY, RE_BINARY_BLOCK, RE_BASE85, RE_INTERDIFF_LABEL,
                          RE_RANGEDIFF_LABEL, RE_RANGE_PAIR, RE_VERSION, RE_DASH_SIGNOFF, RE_SNIP, STARTS, LABELS,
                          FIRST_CHARS, Lines, FileDraft, DiffDraft)
from .diff_range import read_range_diff
from .diff_repair import read_combined_hunk, read_hunk, read_loose_hunk


class Scanner:
    """Finds every diff in `lines` (`scan()`); one instance per body or attachment."""

    def __init__(self, lines: Lines):
        self.raws = lines.raws
        self.rests = lines.rests
        self.markers = lines.markers
        self.depths = lines.depths
        self.voices = lines.voices
        n = self.n = len(lines.rests)
        self.used = [False] * n
        # The next line of the same voice and depth, for reading across gaps.
        if not any(lines.depths) and not any(lines.voices):
            self.next_same = list(range(1, n + 1))
        else:
            self.next_same = [n] * n
            last: dict[tuple[int, int], int] = {}
            for i in range(n - 1, -1, -1):
                key = (lines.voices[i], lines.depths[i])
                self.next_same[i] = last.get(key, n)
                last[key] = i

    # --- navigation ---------------------------------------------------------------------

    def own_after(self, draft: DiffDraft, i: int) -> tuple[int | None, bool]:
        """The first unused line of the draft's voice and depth after line i, and whether
        other voices' lines lie between. In a quoted diff, a blank line quoted less deeply
        (the quote tree joins it to the quote before it) is the replier's, not an empty
        context line."""
        j = self.next_same[i] if i < self.n else self.n
        if draft.quoted:
            markers, rests, quoted = self.markers, self.rests, draft.quoted
            while j < self.n and (self.used[j] or markers[j] < quoted and not rests[j].strip()):
                j = self.next_same[j]
        else:
            while j < self.n and self.used[j]:
                j = self.next_same[j]
        if j >= self.n:
            return None, False
        return j, j != i + 1

    def text(self, draft: DiffDraft, i: int) -> str:
        """Line i as the draft reads it: quote markers and the draft's indent removed."""
        rest = self.rests[i]
        strip = draft.strip_quoted if self.markers[i] else draft.indent
        if not strip or rest[:1] != " ":
            return rest
        n = len(rest) - len(rest.lstrip(" "))
        return rest[min(n, strip):]

    def take(self, draft: DiffDraft, i: int) -> None:
        """Line i is the draft's. (Lines are taken in order; one that does not follow the
        last taken comes after other voices' lines: a gap.)"""
        self.used[i] = True
        if draft.first < 0 or i < draft.first:
            draft.first = i
        if i > draft.last:
            if draft.last >= 0 and i > draft.last + 1:
                draft.gaps += 1
            draft.last = i

    def take_span(self, draft: DiffDraft, a: int, b: int) -> None:
        """Take lines a..b-1, all of the draft's voice and adjacent."""
        if b > a:
            self.used[a:b] = [True] * (b - a)
            self.take(draft, a)
            draft.last = max(draft.last, b - 1)

    def peek(self, draft: DiffDraft, i: int, ahead: int) -> list[str]:
        """The texts of the next `ahead` lines of the draft's voice after line i, without gaps."""
        out = []
        while len(out) < ahead:
            j, gap = self.own_after(draft, i)
            if j is None or gap:
                break
            out.append(self.text(draft, j))
            i = j
        return out

    # --- the scan -----------------------------------------------------------------------

    def scan(self) -> list[DiffDraft]:
        found = []
        used = self.used
        for i, rest in enumerate(self.rests):
            if used[i]:
                continue
            head = rest[:1]
            if head == " ":
                rest = rest.lstrip(" ")
                head = rest[:1]
            if head not in FIRST_CHARS:
                continue
            if not (rest.startswith(STARTS) or rest.startswith(LABELS)
                    or (head in "-0123456789" and RE_RANGE_PAIR.match(rest))):
                continue
            draft = self.try_start(i)
            if draft is not None and draft.first >= 0:
                found.append(draft)
        return found

    def try_start(self, i: int) -> DiffDraft | None:
        space = bool(self.markers[i]) and self.rests[i][:1] == " "
        draft = DiffDraft(self.voices[i], self.depths[i], space, quoted=self.markers[i])
        t = self.text(draft, i)
        if t.startswith(STARTS):
            return self.read_diff(draft, i)
        if RE_INTERDIFF_LABEL.match(t):
            return self.after_label(draft, i)
        if RE_RANGEDIFF_LABEL.match(t) or RE_RANGE_PAIR.match(t):

            start: int | None = i
            if not RE_RANGE_PAIR.match(t):
                start = self.next_nonblank(draft, i)
                if start is None or not RE_RANGE_PAIR.match(self.text(draft, start)):
                    return None
                self.used[i] = True  # the label
            return read_range_diff(self, draft, start)
        return None

    def next_nonblank(self, draft: DiffDraft, i: int) -> int | None:
        j, gap = self.own_after(draft, i)
        while j is not None and not gap and not self.text(draft, j).strip():
            j, gap = self.own_after(draft, j)
        return None if j is None or gap else j

    def after_label(self, draft: DiffDraft, i: int) -> DiffDraft | None:
        """The diff under an "Interdiff against v1:" label, indented or not."""
        j = self.next_nonblank(draft, i)
        if j is None:
            return None
        t = self.text(draft, j)
        draft.indent = len(t) - len(t.lstrip(" "))
        draft.kind = "interdiff"
        found = self.read_diff(draft, j)
        if found is not None:
            self.used[i] = True
        return found

    # --- one diff -----------------------------------------------------------------------

    def file_start(self, draft: DiffDraft, i: int, t: str) -> str | None:
        """The kind of file header line i starts ("git", "index", "unified", "command",
        "binary"), or None."""
        c = t[:1]
        if c == "d":
            if t.startswith(("diff --cc ", "diff --combined ")):
                nxt = self.peek(draft, i, 1)
                if nxt and (RE_COMBINED_EXTENDED.match(nxt[0]) or RE_OLD_FILE.match(nxt[0])):
                    return "combined"
                return None
            if t.startswith("diff --git "):
                nxt = self.peek(draft, i, 1)
                # (A reply may cut the lines between "diff --git" and the first hunk.)
                if nxt and (RE_GIT_EXTENDED.match(nxt[0]) or RE_OLD_FILE.match(nxt[0]) or RE_BINARY_FILES.match(nxt[0])
                            or RE_GIT_BINARY.match(nxt[0]) or nxt[0].startswith("diff --git ") or RE_HUNK.match(nxt[0])):
                    return "git"
                return None
            if t.startswith("diff ") and RE_DIFF_COMMAND.match(t):
                nxt = self.peek(draft, i, 3)
                if len(nxt) == 3 and RE_OLD_FILE.match(nxt[0]) and RE_NEW_FILE.match(nxt[1]) and RE_HUNK.match(nxt[2]):
                    return "command"
                if nxt and RE_BINARY_FILES.match(nxt[0]):
                    return "command"
            return None
        if c == "I":
            if t.startswith("Index: ") and RE_INDEX.match(t):
                nxt = self.peek(draft, i, 1)
                return "index" if nxt and RE_RULE.match(nxt[0]) else None
            return None
        if c == "-":
            if t.startswith("--- ") and RE_OLD_FILE.match(t):
                nxt = self.peek(draft, i, 2)
                if len(nxt) == 2 and RE_NEW_FILE.match(nxt[0]) and (RE_HUNK.match(nxt[1])
                                                                     or RE_COMBINED_HUNK.match(nxt[1])):
                    return "unified"
            return None
        if c == "B" and t.startswith("Binary files ") and RE_BINARY_FILES.match(t):
            return "binary"
        return None

    def read_diff(self, draft: DiffDraft, i: int) -> DiffDraft | None:
        t = self.text(draft, i)
        kind = self.file_start(draft, i, t)
        if kind is None and not RE_HUNK.match(t):
            return None
        draft.format = {"git": "git", "index": "index", "unified": "unified", "command": "unified",
                        "binary": "binary", "combined": "combined", None: "hunk"}[kind]
        j: int | None = i
        gap = False
        while j is not None:
            t = self.text(draft, j)
            kind = self.file_start(draft, j, t)
            if kind is not None:
                j, gap = self.read_file(draft, j, kind, gap)
            elif RE_HUNK.match(t) or RE_COMBINED_HUNK.match(t):
                if not draft.files:
                    draft.files.append(self.cut_file_header(draft, j))
                j, gap = self.read_hunks(draft, draft.files[-1], j, gap)
            else:
                break
            # Own blank lines and snips may separate the pieces of a quoted patch.
            while j is not None and self.is_filler(draft, j):
                nxt, g = self.own_after(draft, j)
                if nxt is None or not self.continues(draft, nxt):
                    j = None
                    break
                j, gap = nxt, gap or g
            if j is not None and not self.continues(draft, j):
                break
        return draft if draft.first >= 0 else None

    def cut_file_header(self, draft: DiffDraft, j: int) -> FileDraft:
        """The file of a hunk quoted without its header: a reply that cut "diff --git",
        "index" and "---" may still keep the "+++ b/path" line just above the hunk."""
        f = FileDraft()
        before = j - 1
        if before >= 0 and not self.used[before] and self.voices[before] == draft.voice \
                and self.depths[before] == draft.depth:
            m = RE_NEW_FILE.match(self.text(draft, before))
            if m:
                f.new_name = m.group(1)
                f.header.append(self.text(draft, before))
                self.take(draft, before)
        return f

    def is_filler(self, draft: DiffDraft, j: int) -> bool:
        t = self.text(draft, j)
        return not t.strip() or bool(RE_SNIP.match(t))

    def continues(self, draft: DiffDraft, j: int) -> bool:
        """Does own line j go on with the diff after a finished file or hunk?"""
        t = self.text(draft, j)
        return bool(RE_HUNK.match(t) or RE_COMBINED_HUNK.match(t)) or self.file_start(draft, j, t) is not None

    def read_file(self, draft: DiffDraft, i: int, kind: str, gap: bool) -> tuple[int | None, bool]:
        """Read one file's header and hunks from line i; returns the next own line after it."""
        f = FileDraft()
        draft.files.append(f)
        j: int | None = i
        if kind != "unified":
            t = self.text(draft, i)
            self.take(draft, i)
            f.header.append(t)
            if kind == "git":
                f.git_paths = RE_GIT_HEADER.match(t).group(1)  # type: ignore[union-attr]
            elif kind == "combined":
                f.combined = True
                f.index_path = RE_COMBINED_HEADER.match(t).group(1)  # type: ignore[union-attr]
            elif kind == "index":
                f.index_path = RE_INDEX.match(t).group(1).strip()  # type: ignore[union-attr]
            elif kind == "binary":
                f.binary = True
                return self.own_after(draft, i)
            j, gap = self.own_after(draft, i)
            # Extended header lines (git), or what CVS/SVN write between "Index:" and "---".
            while j is not None and not gap:
                t = self.text(draft, j)
                if kind == "git" and RE_GIT_EXTENDED.match(t):
                    self._extended(f, t)
                elif kind == "combined" and RE_COMBINED_EXTENDED.match(t):
                    self._extended(f, t)
                elif kind == "index" and (RE_RULE.match(t) or RE_INDEX_PREAMBLE.match(t)):
                    pass
                else:
                    break
                f.header.append(t)
                self.take(draft, j)
                j, gap = self.own_after(draft, j)
            if j is None or gap:
                return j, gap
        t = self.text(draft, j)
        if RE_BINARY_FILES.match(t):
            f.binary = True
            f.header.append(t)
            self.take(draft, j)
            return self.own_after(draft, j)
        if RE_GIT_BINARY.match(t):
            f.binary = True
            return self.read_git_binary(draft, f, j)
        nxt = self.peek(draft, j, 1)
        if not (RE_OLD_FILE.match(t) and nxt and RE_NEW_FILE.match(nxt[0])):
            return j, gap
        f.old_name = RE_OLD_FILE.match(t).group(1)  # type: ignore[union-attr]
        f.header.append(t)
        self.take(draft, j)
        j, gap = self.own_after(draft, j)
        t = self.text(draft, j)  # type: ignore[arg-type]
        f.new_name = RE_NEW_FILE.match(t).group(1)  # type: ignore[union-attr]
        f.header.append(t)
        self.take(draft, j)  # type: ignore[arg-type]
        j, gap = self.own_after(draft, j)  # type: ignore[arg-type]
        if j is not None and (RE_LOOSE_HUNK.match(self.text(draft, j)) or RE_COMBINED_HUNK.match(self.text(draft, j))):
            return self.read_hunks(draft, f, j, gap)
        return j, gap

    @staticmethod
    def _extended(f: FileDraft, t: str) -> None:
        if t.startswith("new file mode"):
            f.new_file = True
        elif t.startswith("deleted file mode"):
            f.deleted = True
        elif t.startswith(("old mode", "new mode")):
            f.mode_change = True
        elif t.startswith(("rename from ", "rename old ")):
            f.rename_from = t.split(" ", 2)[2]
        elif t.startswith(("rename to ", "rename new ")):
            f.rename_to = t.split(" ", 2)[2]
        elif t.startswith("copy from "):
            f.copy_from = t[len("copy from "):]
        elif t.startswith("copy to "):
            f.copy_to = t[len("copy to "):]

    def read_git_binary(self, draft: DiffDraft, f: FileDraft, i: int) -> tuple[int | None, bool]:
        """"GIT binary patch", then "literal N"/"delta N" blocks of base85 lines, each
        followed by a blank line."""
        f.header.append(self.text(draft, i))
        self.take(draft, i)
        j, gap = self.own_after(draft, i)
        while j is not None and not gap:
            t = self.text(draft, j)
            if not t.strip():
                nxt = self.peek(draft, j, 1)
                if not nxt or not RE_BINARY_BLOCK.match(nxt[0]):
                    # The blank line closing the last block belongs to it.
                    f.header.append("")
                    self.take(draft, j)
                    return self.own_after(draft, j)
            elif not (RE_BINARY_BLOCK.match(t) or RE_BASE85.match(t)):
                break
            f.header.append(t)
            self.take(draft, j)
            j, gap = self.own_after(draft, j)
        return j, gap

    def read_hunks(self, draft: DiffDraft, f: FileDraft, i: int, gap: bool) -> tuple[int | None, bool]:

        j: int | None = i
        while j is not None:
            t = self.text(draft, j)
            if RE_HUNK.match(t):
                hunk, j, gap = read_hunk(self, draft, j)
            elif RE_COMBINED_HUNK.match(t):
                hunk, j, gap = read_combined_hunk(self, draft, j)
                f.combined = True
            elif f.new_name is not None and RE_LOOSE_HUNK.match(t):
                hunk, j, gap = read_loose_hunk(self, draft, j)
            else:
                break
            f.hunks.append(hunk)
        return j, gap

    def is_signature(self, draft: DiffDraft, i: int) -> bool:
        """Is own line i the "-- " that opens the signature after a patch?"""
        t = self.text(draft, i)
        if t.rstrip() != "--":
            return False
        nxt = self.peek(draft, i, 1)
        return not nxt or not nxt[0].strip() or bool(RE_VERSION.match(nxt[0].strip()))

    def is_signoff(self, draft: DiffDraft, i: int, t: str) -> bool:
        """Is own line i a name signed with dashes, alone after a blank line?"""
        if not RE_DASH_SIGNOFF.match(t) or i == 0 or self.rests[i - 1].strip(" >"):
            return False
        nxt = self.peek(draft, i, 1)
        return not nxt or not nxt[0].strip()

    def is_boundary(self, draft: DiffDraft, i: int, t: str) -> bool:
        """Does own line i (text t) end an open hunk: a new hunk or file header, or the
        signature?"""
        c = t[:1]
        if c == "@":
            return bool(RE_HUNK.match(t) or RE_COMBINED_HUNK.match(t))
        if c == "-":
            if t[:2] == "--" and (self.is_signature(draft, i) or self.file_start(draft, i, t) is not None):
                return True
            return self.is_signoff(draft, i, t)
        if c in ("d", "I", "B"):
            return self.file_start(draft, i, t) is not None
        return False
