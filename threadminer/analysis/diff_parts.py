"""The pieces a diff is read into, and the patterns that recognise its lines: shared by the
scanner (`diff_scan`), the hunk reader (`diff_repair`) and range-diffs (`diff_range`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

RE_GIT_HEADER = re.compile(r"^diff --git (\S.*)$")
RE_DIFF_COMMAND = re.compile(r"^diff (?:-{1,2}[\w=.,-]+\s+)+\S")  # diff -u / -urN / -r REV (hg)
RE_GIT_EXTENDED = re.compile(
    r"^(?:old mode \d+|new mode \d+|deleted file mode \d+|new file mode \d+|similarity index \d+%|"
    r"dissimilarity index \d+%|rename from .+|rename to .+|rename old .+|rename new .+|copy from .+|"
    r"copy to .+|index [0-9a-fA-F]+\.\.[0-9a-fA-F]+(?: \d+)?)$")
RE_OLD_FILE = re.compile(r"^--- (\S.*)$")
RE_NEW_FILE = re.compile(r"^\+\+\+ (\S.*)$")
# "@@ -12,8 +12,9 @@ context"; three "@" are tolerated (a hand-edited "@@@").
RE_HUNK = re.compile(r"^@{2,3} -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @{2,3}(.*)$")
# A combined diff (a merge's conflict resolution): one column and one "-" range per parent.
RE_COMBINED_HUNK = re.compile(r"^(@{3,}) ((?:-\d+(?:,\d+)? ){2,})\+(\d+)(?:,(\d+))? \1(.*)$")
RE_COMBINED_HEADER = re.compile(r"^diff --(?:cc|combined) (\S.*)$")
RE_COMBINED_EXTENDED = re.compile(r"^(?:index [0-9a-fA-F,]+\.\.[0-9a-fA-F]+|mode [0-7,]+\.\.[0-7]+|"
                                  r"new file mode \d+|deleted file mode [0-7,]+)$")
# A hunk header without line numbers ("@@ -XXX,10 +XXX,13 @@", "@@ foo() @@"), read only
# under a file's "---"/"+++" lines.
RE_LOOSE_HUNK = re.compile(r"^@@ .*@@")
RE_INDEX = re.compile(r"^Index: (\S.*)$")
RE_RULE = re.compile(r"^={20,}\s*$")
# Lines CVS and SVN write between "Index:"/"====" and "---".
RE_INDEX_PREAMBLE = re.compile(r"^(?:RCS file: |retrieving revision |diff |Property changes on: |Cannot display: )")
RE_BINARY_FILES = re.compile(r"^Binary files (.+?) and (.+?) differ$")
RE_GIT_BINARY = re.compile(r"^GIT binary patch$")
RE_BINARY_BLOCK = re.compile(r"^(?:literal|delta) \d+$")
# A base85 line of a git binary patch: a length letter, then 5 characters per 4 bytes.
RE_BASE85 = re.compile(r"^[A-Za-z][0-9A-Za-z!#$%&()*+;<=>?@^_`{|}~-]{5,}$")
RE_INTERDIFF_LABEL = re.compile(r"^Interdiff(?: (?:against|vs\.?|since|from) [\w.-]+)?:\s*$", re.I)
RE_RANGEDIFF_LABEL = re.compile(r"^Range-diff(?: (?:against|vs\.?|since|from) [\w.-]+)?:\s*$", re.I)
# "1:  a1b2c3d ! 1:  e4f5a6b subject" / "-:  ------- > 2:  1234567 subject"
RE_RANGE_PAIR = re.compile(r"^\s*(?:\d+|-):\s+(?:[0-9a-f]{4,}|-{4,})\s+[=!<>]\s+(?:\d+|-):\s+(?:[0-9a-f]{4,}|-{4,})(?:\s.*)?$")
# The version git format-patch writes under the "-- " signature ("2.39.0", "1.9.1").
RE_VERSION = re.compile(r"^(?:git-series )?\d+\.[\w.+-]*$")
# A name signed with dashes under a message ("-Saravana", "- Sedat -"), not a removed line.
RE_DASH_SIGNOFF = re.compile(r"^-{1,2} ?[A-Z][\w.'-]{1,25}(?: [A-Z][\w.'-]{1,25})?(?: ?-+)?$")
# Lines that stand for an elided part of a quote ("[...]", "<snip>").
RE_SNIP = re.compile(r"^\s*(?:\[\s*(?:\.\.\.|…|snip(?:ped)?|trimmed|cut)[^\]]*\]|<\s*snip\w*\s*>|\.{3,}|…|"
                     r"-+\s*snip\s*-+|\(snip\))\s*$", re.I)
STARTS = ("diff ", "Index: ", "--- ", "@@", "Binary files ")
LABELS = ("Interdiff", "Range-diff", "interdiff", "range-diff")
FIRST_CHARS = frozenset("dIi-@BRr0123456789")


@dataclass
class Lines:
    """The lines a scan reads, as parallel lists (line number = index + 1): each line as
    written, its text after the quote markers (the space after them kept), its marker
    count, and the depth and voice the quote tree gives it."""

    raws: list[str]
    rests: list[str]
    markers: list[int]
    depths: list[int]
    voices: list[int]


@dataclass
class Hunk:
    header: str  # as written
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    section: str
    texts: list[str] = field(default_factory=list)  # the hunk's lines, repaired
    added: int = 0
    removed: int = 0
    old_seen: int = 0  # context and removed lines present
    new_seen: int = 0  # context and added lines present
    no_newline: int = 0
    spaces_restored: int = 0  # context lines that had lost their leading space
    wraps_joined: int = 0  # hard-wrapped lines joined back
    recounted: bool = False  # the header's counts were wrong for a whole hunk
    ends_restored: int = 0  # empty context lines lost at the end of the text, put back
    nbsp_fixed: int = 0  # context lines that began with a no-break space instead of a space
    flowed_split: int = 0  # empty context lines joined to the next line (format=flowed), split again
    ends_at_header: bool = False  # its lines run to the next header or the signature
    elided: int = 0  # "[...]" lines inside the hunk
    careful: bool = False  # not read on the fast path (see diff_repair)
    uncounted: bool = False  # the header gave no line counts: they are read from the lines

    @property
    def complete(self) -> bool:
        return self.old_seen == self.old_len and self.new_seen == self.new_len

    def header_for(self, old: int, new: int) -> str:
        return f"@@ -{self.old_start},{old} +{self.new_start},{new} @@{self.section}"


@dataclass
class FileDraft:
    header: list[str] = field(default_factory=list)  # lines before the hunks, as written
    git_paths: str | None = None  # what follows "diff --git"
    index_path: str | None = None  # CVS/SVN "Index:"
    old_name: str | None = None  # from "---"
    new_name: str | None = None  # from "+++"
    rename_from: str | None = None
    rename_to: str | None = None
    copy_from: str | None = None
    copy_to: str | None = None
    new_file: bool = False
    deleted: bool = False
    mode_change: bool = False
    binary: bool = False
    combined: bool = False  # "diff --cc": one column per parent
    hunks: list[Hunk] = field(default_factory=list)


@dataclass
class DiffDraft:
    """One diff as found: which lines it spans, its files, and how its lines are written:
    `space` when a quoting mailer put a space after the markers ("> +foo"), `indent` when
    git indented it (an interdiff after a patch's "---")."""

    voice: int
    depth: int
    space: bool = False
    indent: int = 0
    quoted: int = 0  # how many quote markers its first line carries
    kind: str = "diff"
    format: str = "unified"
    first: int = -1  # indices of its first and last lines
    last: int = -1
    files: list[FileDraft] = field(default_factory=list)
    gaps: int = 0  # places where other voices' lines interrupt it
    damaged: bool = False  # lost leading spaces were seen: later hunks may show them too
    text_lines: list[str] | None = None  # a range-diff keeps its lines as written
    range_stats: tuple[int, int, int] = (0, 0, 0)  # range-diff: hunks, added, removed
    range_files: list[tuple[str, int, int]] = field(default_factory=list)  # range-diff: path, added, removed

    @property
    def strip_quoted(self) -> int:
        return self.indent + (1 if self.space else 0)
