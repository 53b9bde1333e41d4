"""Quote trees as text and JSON: the body indented by voice, with author and date headers."""

from __future__ import annotations

from ..dates import iso
from ..analysis.quotes import QuoteTree, Voice

INDENT = "    "


def _when(voice: Voice) -> str:
    return (iso(voice.date) or "date unknown").replace("T", " ").replace("Z", " UTC")


def voice_label(tree: QuoteTree, voice: Voice, in_archive: set[str] | None = None) -> str:
    """ "[2] Dave Chinner, 2022-10-19 22:04:24 UTC <id>" with a note for ghosts."""
    label = f"[{voice.index}] {voice.author or '(unknown)'}, {_when(voice)}"
    if voice.index == 0:
        return label
    if voice.source_message_id:
        label += f" <{voice.source_message_id}>"
        if in_archive is not None and voice.source_message_id not in in_archive:
            label += " (not in archive)"
    else:
        label += " (source not found)"
    return label


def render_quote_tree(tree: QuoteTree, in_archive: set[str] | None = None) -> str:
    """The message's voices, then its body in order: each run of one voice indented by its
    depth under a header naming the voice. Attribution lines and signatures are marked."""
    out = [f"=== <{tree.message_id}>  {tree.author or '(unknown)'}  {_when(tree.voices[0])}"]
    for voice in tree.voices:
        out.append(INDENT * (voice.depth + 1) + voice_label(tree, voice, in_archive))
    out.append("")
    previous = None
    for seg in tree.segments:
        voice = tree.voices[seg.voice]
        pad = INDENT * seg.depth
        if seg.kind != "text":
            for line in seg.text.split("\n"):
                out.append(f"{pad}({seg.kind}) {line}".rstrip())
            previous = None
            continue
        if seg.text.strip() == "":
            continue
        if previous != seg.voice:
            out.append(f"{pad}-- {voice.author or '(unknown)'}, {_when(voice)} [{voice.index}]")
        for line in seg.text.strip("\n").split("\n"):
            out.append(f"{pad}| {line}".rstrip())
        previous = seg.voice
    return "\n".join(out)


def quote_record(tree: QuoteTree, source: str | None) -> dict:
    """The contract's `quotes` record (with each segment's kind and lines added)."""
    return {"source": source, "message_id": tree.message_id, "author": tree.author, "date": iso(tree.date),
            "voices": [{"index": v.index, "depth": v.depth, "parent": v.parent, "author": v.author,
                        "date": iso(v.date), "source_message_id": v.source_message_id,
                        "attribution": v.attribution} for v in tree.voices],
            "segments": [{"voice": s.voice, "depth": s.depth, "kind": s.kind, "first_line": s.first_line,
                          "last_line": s.last_line, "text": s.text} for s in tree.segments]}
