"""git-am-ready mailboxes of patch series, with the trailers collected from replies.

`render(series, trailers, messages)` renders one series revision (found by
`analysis.series`, its trailers collected by `analysis.series_trailers`) as the `.mbx` that
`git am` applies and the `.cover` beside it, in the layout `b4 am` writes:

- one message per patch, `From git@z Thu Jan  1 00:00:00 1970` separated (git-am's mbox:
  body lines are not `>From`-escaped, as `git format-patch` does not escape them);
- headers Subject (`[PATCH RFC v3 2/7] title`: other tags dropped), From, Date (as the
  original message wrote it), Message-Id, then MIME headers (UTF-8, 7bit or 8bit);
- the body as `git mailinfo --scissors` reads it: text above a `-- >8 --` line dropped,
  in-body `From:`/`Subject:`/`Date:` lines taken as the author, subject and date;
- the collected trailers appended after the patch's own, in b4's default order (the order
  the replies were posted; then trailers given to an identical patch of another revision;
  then the cover letter's), without repeating a trailer already there.

The patch's own text is kept as written: b4 also rewrites the trailers already present
into its normalised form (`Cc: <a@b>` becomes `Cc: a@b`); threadminer leaves them alone.

`write_exports(exports, outdir)` writes the files (names made from date, author and title,
sanitised) and returns the `patches --json` records of the contract. Choosing which
revisions to export, across threads, is `threadminer.patches`'s work.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import format_datetime, getaddresses
from typing import Iterable, Mapping

from ..analysis.patch_text import RE_DIFFSTAT, patch_text
from ..analysis.series import Series, ThreadIndex
from ..analysis.subjects import SubjectInfo, parse_subject
from ..analysis.series_trailers import SeriesTrailers
from ..message import Message
from .files import write_bytes_atomic

FROM_LINE = b"From git@z Thu Jan  1 00:00:00 1970\n"
MAX_NAME = 100


@dataclass(frozen=True)
class Export:
    """One series revision ready to write: the mailbox, the cover, and what went in."""

    series: Series
    trailers: SeriesTrailers
    mbx: bytes
    cover: bytes | None
    name: str  # file name stem, sanitised


# --- rendering ---------------------------------------------------------------------------

def render(series: Series, trailers: SeriesTrailers, by_id: Mapping[str, Message], signoff: str | None = None,
           link: str | None = None) -> Export:
    """One revision ready to write: its mailbox (a message per patch) and cover."""
    mbx = b"".join(FROM_LINE + am_message(by_id[p.message_id], series, p.counter, trailers, signoff, link)
                   for p in series.patches)
    cover = None
    if series.cover_message_id and series.cover_message_id in by_id:
        cover = am_message(by_id[series.cover_message_id], series, 0, None, None)
    return Export(series, trailers, mbx, cover, file_stem(series))


def am_message(msg: Message, series: Series, counter: int, trailers: SeriesTrailers | None,
               signoff: str | None = None, link: str | None = None) -> bytes:
    """One message of the mailbox (without its From_ line)."""
    text = patch_text(msg) if counter else None
    body = text if text is not None else msg.body
    author, subject, date, body = mailinfo(body, _person(msg), msg.subject, _date_header(msg))
    # Counters and RFC from the Subject header; the title from the one git am will use.
    info = parse_subject(msg.subject)
    title = parse_subject(subject).subject
    added: list[str] = []
    if trailers is not None:
        pt = trailers.for_patch(msg.message_id)
        if pt is not None:
            added = [c.trailer.as_text() for c in pt.added]
    if link and "%s" in link:
        line = f"Link: {link.replace('%s', msg.message_id)}"
        if line.lower() not in body.lower() and line not in added:
            added.append(line)
    if signoff and f"signed-off-by: {signoff.lower()}" not in body.lower():
        added.append(f"Signed-off-by: {signoff}")
    body = add_trailers(body, added)
    head = [("Subject", am_subject(series, info, title, counter or None)), ("From", author), ("Date", date),
            ("Message-Id", f"<{msg.message_id}>"), ("MIME-Version", "1.0"),
            ("Content-Type", 'text/plain; charset="utf-8"'),
            ("Content-Transfer-Encoding", "7bit" if body.isascii() else "8bit")]
    lines = [fold_header(name, value) for name, value in head]
    # A blank line ends each message (git-am's mbox, as b4 writes it).
    return ("\n".join(lines) + "\n\n" + body + "\n").encode("utf-8", "surrogateescape")


def am_subject(series: Series, info: SubjectInfo, title: str, counter: int | None = None) -> str:
    """`[PATCH RFC v3 2/7] title`, as b4 writes it: the revision when the series names one,
    the counter when the message had one (the slot the patch fills, `counter`, when the
    series corrected a slip in its numbering); list tags and other prefixes dropped."""
    parts = ["PATCH"]
    if info.rfc:
        parts.append("RFC")
    if series.version_explicit or series.partial_reroll:
        parts.append(f"v{series.version_label}")
    if info.counter is not None:
        n = counter or info.counter
        parts.append(f"{n}/{max(info.total or 0, n)}")
    return f"[{' '.join(parts)}] {title}"


RE_PATCH_BREAK = re.compile(r"^(?:---(?:[ \t]+\S|[ \t]*$)|diff -|Index: )")
RE_INBODY = re.compile(r"^(From|Subject|Date):[ \t]*(.*)$", re.I)
RE_FORMAT_PATCH_FROM = re.compile(r"^From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$")


def is_scissors(line: str) -> bool:
    """A "-- >8 --" cut line, by git mailinfo's measure: scissors (>8, 8<, >%, %<) and
    dashes make up the line's perforation, which is at least 8 visible characters wide,
    over a third of the line, and mostly dashes and scissors rather than gaps."""
    scissors = gap = perforation = 0
    in_perforation = False
    first = last = -1
    i = 0
    while i < len(line):
        ch = line[i]
        if ch.isspace():
            if in_perforation:
                perforation += 1
                gap += 1
            i += 1
            continue
        last = i
        if first < 0:
            first = i
        if ch == "-":
            in_perforation = True
            perforation += 1
        elif line[i:i + 2] in (">8", "8<", ">%", "%<"):
            in_perforation = True
            perforation += 2
            scissors += 2
            last = i + 1
            i += 1
        else:
            in_perforation = False
        i += 1
    visible = last - first + 1 if first >= 0 else 0
    return bool(scissors) and visible >= 8 and visible < perforation * 3 and gap * 2 < perforation


def mailinfo(body: str, author: str, subject: str, date: str) -> tuple[str, str, str, str]:
    """(author, subject, date, body) as `git mailinfo --scissors` reads a patch mail: a
    format-patch file's own header, text above a scissors line, and in-body From/Subject/
    Date lines at the top of the body."""
    lines = body.split("\n")
    if lines and RE_FORMAT_PATCH_FROM.match(lines[0]):
        lines = lines[1:]  # an attached `git format-patch` file: its header block follows
    # Scissors count only in the commit message, above the patch.
    for i, line in enumerate(lines):
        if RE_PATCH_BREAK.match(line):
            break
        if is_scissors(line):
            lines = lines[i + 1:]
            break
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        m = RE_INBODY.match(line)
        if not m:
            break
        name, value = m.group(1).lower(), m.group(2).strip()
        i += 1
        while i < len(lines) and lines[i][:1] in (" ", "\t") and lines[i].strip():
            value += " " + lines[i].strip()  # a folded header line
            i += 1
        if name == "from" and value:
            author = value
        elif name == "subject" and value:
            subject = value
        elif name == "date" and value:
            date = value
    return author, subject, date, "\n".join(lines[i:])


def split_body(body: str) -> tuple[str, str, str]:
    """(message, basement, signature) of a patch mail, as b4 splits it: the signature below
    the last `-- ` line, the basement below the first `---` line (or from the diff on)."""
    body = body.replace("\r", "").strip("\n")
    signature = ""
    if "\n-- \n" in body:
        body, signature = body.rsplit("\n-- \n", 1)
    basement = ""
    message = body
    if _has_diff(body) or RE_DIFFSTAT.search(body):
        m = re.search(r"^---[ \t]*\n", body, re.M)
        if m:
            message, basement = body[: m.start()], body[m.end():]
        elif "\ndiff " in body:
            message, rest = body.split("\ndiff ", 1)
            basement = "diff " + rest
        elif "\n--- a/" in body:
            message, rest = body.split("\n--- a/", 1)
            basement = "--- a/" + rest
    return message.strip("\n"), basement, signature


def _has_diff(text: str) -> bool:
    return bool(re.search(r"^(?:---.*\n\+\+\+|GIT binary patch|diff --git \w/\S+ \w/\S+)", text, re.M | re.I))


RE_TRAILER_LINE = re.compile(r"^\s*(\w\S+):\s+\S")


def add_trailers(body: str, added: list[str]) -> str:
    """The body with `added` trailer lines after the last paragraph of the commit message
    (a paragraph of its own when that one holds no trailer), rebuilt as b4 rebuilds it."""
    message, basement, signature = split_body(body)
    paragraphs = message.split("\n\n")
    last = paragraphs[-1] if paragraphs else ""
    has_trailers = any(RE_TRAILER_LINE.match(line) for line in last.split("\n"))
    out = message.rstrip("\n") + "\n" if message else ""
    if added:
        if message and not has_trailers:
            out += "\n"
        out += "".join(t + "\n" for t in added)
    ends_with_trailers = bool(added) or has_trailers
    if basement:
        if not ends_with_trailers:
            out += "\n"
        stripped = basement.strip()
        if RE_DIFFSTAT.search(basement) or not (stripped.startswith("diff --git") or stripped.startswith("--- ")):
            out += "---\n"
        else:
            out += "\n"  # b4 writes a bare diff without the `---` line
        out += basement.lstrip("\r\n") + "\n"
    if signature:
        out += "-- \n" + signature.rstrip("\r\n") + "\n"
    return out


def _person(msg: Message) -> str:
    person = msg.author
    email = _address_as_written(msg, person.email)
    if not person.name or person.name == person.email:
        return email
    name = person.name
    if re.search(r'[()<>@,:;.\\"\[\]]', name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{email}>" if email else name


def _address_as_written(msg: Message, email: str) -> str:
    """The sender's address as the From header spells it. `Person.email` is lowercased
    to compare people, but the commit's author is what the sender wrote: `git am` of the
    message itself (and b4) keep `Kuan-Ying.Lee@mediatek.com` as it is."""
    value = _raw_header(msg, "From")
    if value and email:
        for _, addr in getaddresses([value]):
            if addr.strip().lower() == email:
                return addr.strip()
    return email


def _raw_header(msg: Message, name: str) -> str | None:
    """A header of the original message, unfolded, encoded words left as they are."""
    if msg.raw:
        try:
            value = BytesHeaderParser(policy=compat32).parsebytes(msg.raw[:65536]).get(name)
            if value:
                return " ".join(str(value).split())
        except Exception:  # noqa: BLE001 - a broken header block: the caller falls back
            pass
    return None


def _date_header(msg: Message) -> str:
    """The Date header as the message wrote it (git am keeps the author's time zone)."""
    value = _raw_header(msg, "Date")
    if value:
        return value
    return format_datetime(msg.date) if msg.date else ""


def fold_header(name: str, value: str, width: int = 75) -> str:
    """`Name: value` folded at spaces to `width` columns (continuation lines indented)."""
    value = " ".join(value.replace("\r", " ").replace("\n", " ").split())
    line = f"{name}: {value}"
    if len(line) <= width:
        return line
    out: list[str] = []
    current = f"{name}:"
    for word in value.split(" "):
        if len(current) + 1 + len(word) > width and current.strip() and current != f"{name}:":
            out.append(current)
            current = " " + word
        else:
            current += " " + word
    out.append(current)
    return "\n".join(out)


# --- files -------------------------------------------------------------------------------

def slug(text: str) -> str:
    """ASCII letters and digits of `text`, lowercased, runs of others as one "_"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", folded.lower()).strip("_")


def file_stem(series: Series, index: ThreadIndex | None = None) -> str:
    """`v3_20221014_author_subject` (no `vN_` for v1), sanitised: only [a-z0-9_], never
    empty, never starting with a dot, at most MAX_NAME characters."""
    date = series.date.strftime("%Y%m%d") if series.date else "undated"
    local = slug(series.author_email.split("@")[0]) or "unknown"
    parts = [date, local, slug(series.title) or "patch"]
    stem = "_".join(parts)
    if series.version != 1 or series.version_label != "1":
        stem = f"v{slug(series.version_label) or series.version}_{stem}"
    if series.round:
        stem += f"_r{series.round}"
    return stem[:MAX_NAME].rstrip("_") or "series"


def write_exports(exports: Iterable[Export], outdir: str) -> list[dict]:
    """Write each export's `.mbx` (and `.cover`) into `outdir` (created if absent) under
    names that never collide, and return the `patches --json` series records."""
    os.makedirs(outdir, exist_ok=True)
    used: set[str] = set()
    records = []
    for export in exports:
        stem = export.name
        n = 2
        while stem in used:
            stem = f"{export.name[:MAX_NAME - 4]}_{n}"
            n += 1
        used.add(stem)
        path = os.path.join(outdir, stem + ".mbx")
        write_bytes_atomic(path, export.mbx)
        cover_path = None
        if export.cover is not None:
            cover_path = os.path.join(outdir, stem + ".cover")
            write_bytes_atomic(cover_path, export.cover)
        records.append(series_record(export, path, cover_path))
    return records


def series_record(export: Export, file: str | None, cover_file: str | None = None) -> dict:
    """One series entry of the `patches --json` record (CONTRACT.md), with a few more
    fields: title, cover file, partial re-roll, flagged trailers."""
    s = export.series
    patches = []
    for p in s.patches:
        pt = export.trailers.for_patch(p.message_id)
        patches.append({
            "message_id": p.message_id, "counter": p.counter, "subject": p.subject, "author": p.author,
            "files": [{"path": f.path, "added": f.added, "removed": f.removed} for f in p.files],
            "trailers_added": [c.trailer.as_text() for c in pt.added] if pt else [],
            "carried_from_version": p.carried_from,
        })
    return {
        "root_message_id": s.root_message_id, "cover_message_id": s.cover_message_id,
        "version": s.version, "version_label": s.version_label, "expected": s.expected,
        "missing": list(s.missing), "file": file, "cover_file": cover_file, "title": s.title,
        "author": s.author, "rfc": s.rfc, "partial_reroll": s.partial_reroll,
        "patches": patches,
        "trailers_flagged": [{"trailer": c.trailer.as_text(), "from": c.sender, "message_id": c.message_id}
                             for c in export.trailers.flagged],
    }


def render_patch_records(records: list[dict]) -> str:
    """What `patches` wrote, a few lines per series."""
    if not records:
        return "no patch series found"
    lines = []
    for r in records:
        missing = f"; missing {', '.join(map(str, r['missing']))}" if r["missing"] else ""
        added = sum(len(p["trailers_added"]) for p in r["patches"])
        lines.append(f"{r['file']}: v{r['version_label']} {r['title']} ({len(r['patches'])}/{r['expected']} patches, "
                     f"{added} trailers added{missing})")
        if r["cover_file"]:
            lines.append(f"{r['cover_file']}: the cover letter")
        for flagged in r["trailers_flagged"]:
            lines.append(f"  not added (address differs from the sender's): {flagged['trailer']}  <{flagged['message_id']}>")
    return "\n".join(lines)
