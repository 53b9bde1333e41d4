"""A corpus of hostile and odd mail, built by code (no large files in the repository).

Each generator returns the raw bytes of ONE message with the Message-ID it is given, and says
which real pattern it stands for. `mbox_of` places messages between others, as in a real
archive. The kinds, not the exact bytes, are what matters: the tests build each at a size
that hurt before (1,000 levels, 300,000 ids) and check what the reader makes of it.
"""

from __future__ import annotations

import base64
import gzip
from typing import Callable, Iterable

FROM_LINE = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"


def headers(mid: str, subject: str = "hostile mail", extra: str = "", sender: str = "Eve <eve@example.org>",
            to: str = "linux-modules@vger.kernel.org") -> bytes:
    """A plain header block (no empty line at its end)."""
    text = (f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: Tue, 01 Oct 2024 12:00:00 +0000\n"
            f"Message-ID: <{mid}>\n{extra}")
    return text.encode("utf-8")


def rfc2231_attachment(mid: str) -> bytes:
    """A text part and a log attachment whose name is an RFC 2231 parameter, as Thunderbird
    writes any non-ASCII file name (`name*=utf-8''d%C3%A9mesg.txt`)."""
    return headers(mid, extra='MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n') + (
        b"\n--b1\nContent-Type: text/plain; charset=utf-8\n\nThe log is attached.\n"
        b"--b1\nContent-Type: text/plain; charset=utf-8; name*=utf-8''d%C3%A9mesg.txt\n"
        b"Content-Disposition: attachment; filename*=utf-8''d%C3%A9mesg.txt\n\n"
        b"[    0.000000] Linux version 6.11\n--b1--\n")


def raw_8bit_filename(mid: str) -> bytes:
    """An attachment whose Content-Disposition file name is raw UTF-8 (no RFC 2047 or 2231
    encoding), as several webmail clients send it."""
    return headers(mid, extra='MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n') + (
        b"\n--b1\nContent-Type: text/plain\n\nSee the attached log.\n"
        b"--b1\nContent-Type: text/plain\nContent-Disposition: attachment; filename=\"d\xc3\xa9mesg.txt\"\n\n"
        b"[    0.000000] Linux version 6.11\n--b1--\n")


def nested_multipart(mid: str, depth: int = 1000) -> bytes:
    """multipart/mixed nested `depth` deep with the text at the bottom (a mail bomb against
    recursive MIME parsers; Postfix and public-inbox stop descending at 20-100 levels)."""
    part = b"Content-Type: text/plain\n\nthe text at the bottom\n"
    for level in range(depth):
        boundary = b"n%d" % level
        part = (b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\n\n--' + boundary + b"\n" + part
                + b"\n--" + boundary + b"--\n")
    return headers(mid, extra="MIME-Version: 1.0\n") + part


def nested_rfc822(mid: str, depth: int = 1000) -> bytes:
    """message/rfc822 inside message/rfc822, `depth` deep: a forward of a forward of ..."""
    part = b"Content-Type: text/plain\n\nthe text at the bottom\n"
    for level in range(depth):
        part = (b"Content-Type: message/rfc822\n\n" + headers(f"inner{level}.{mid}", "Fwd: inner")
                + b"MIME-Version: 1.0\n" + part)
    return headers(mid, extra="MIME-Version: 1.0\n") + part


def nested_comment_from(mid: str, depth: int = 600) -> bytes:
    """A From: whose RFC 5322 comment nests `depth` "(" deep (the stdlib parser recurses per
    level)."""
    sender = "Eve (" + "(" * depth + " <eve@example.org>"
    return headers(mid, sender=sender) + b"\nbody\n"


def many_references(mid: str, count: int = 300_000) -> bytes:
    """References naming `count` ids, the real parent last (a mail loop between two list
    gateways appends to References on every pass)."""
    refs = " ".join(f"<loop{i}@gateway.example>" for i in range(count))
    return headers(mid, "Re: looped", f"References: {refs}\n") + b"\nstill a reply\n"


def long_to(mid: str, letters: int = 200_000) -> bytes:
    """A To: of `letters` letters and no "@" (an address regex tried from every position)."""
    return headers(mid, to="a" * letters) + b"\nbody\n"


def long_subject(mid: str, chars: int = 1_000_000) -> bytes:
    """A one-line subject of a megabyte."""
    return headers(mid, subject="x" * chars) + b"\nbody\n"


def wide_multipart(mid: str, parts: int = 20_000) -> bytes:
    """One multipart with `parts` tiny parts (SpamAssassin and public-inbox stop at 1,000)."""
    body = b"".join(b"--w\nContent-Type: text/plain\n\npart %d\n" % i for i in range(parts))
    return headers(mid, extra='MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="w"\n') + b"\n" + \
        body + b"--w--\n"


def bad_encodings(mid: str) -> bytes:
    """A part with broken base64, an unknown charset holding a NUL, and a truncated
    RFC 2047 word in the subject: three decoders fed junk at once."""
    return headers(mid, "=?utf-8?B?broken", 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="e"\n') + (
        b"\n--e\nContent-Type: text/plain; charset=\"utf-8\x00evil\"\nContent-Transfer-Encoding: base64\n\n"
        b"!!!not base64 at all===\n--e\nContent-Type: text/x-patch; charset=x-unknown\n"
        b"Content-Transfer-Encoding: quoted-printable\n\n=ZZ=\n--e--\n")


def long_boundary(mid: str) -> bytes:
    """A 100,000-character MIME boundary (Postfix refuses over 2,048)."""
    boundary = b"B" * 100_000
    return headers(mid, extra="MIME-Version: 1.0\n") + b'Content-Type: multipart/mixed; boundary="' + boundary + \
        b'"\n\n--' + boundary + b"\nContent-Type: text/plain\n\nbody\n--" + boundary + b"--\n"


def terminal_escapes(mid: str) -> bytes:
    """Escape sequences aimed at the reader's terminal: OSC 52 (writes the clipboard),
    OSC 8 (a hidden link), OSC 0 (the window title), DCS, CSI (clears the screen), a bidi
    override, raw and RFC 2047-encoded in the subject."""
    payload = ("\x1b]52;c;" + base64.b64encode(b"rm -rf ~").decode() + "\x07"
               "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
               "\x1b]0;owned\x07\x1bP+q\x1b\\\x1b[2J\u202eevil\u202c")
    encoded = "=?utf-8?B?" + base64.b64encode(payload.encode()).decode() + "?="
    return headers(mid, encoded, "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n") + \
        b"\n" + payload.encode() + b"\nplain text after\n"


def not_mail(mid: str) -> bytes:
    """An mbox entry that is no mail at all: binary junk after a From_ line (a corrupted
    block in an archive)."""
    return bytes(range(256)) * 64


# name -> (generator, whether the message is stored; False: skipped with a warning)
CASES: dict[str, tuple[Callable[[str], bytes], bool]] = {
    "rfc2231-attachment": (rfc2231_attachment, True),
    "raw-8bit-filename": (raw_8bit_filename, True),
    "nested-multipart": (nested_multipart, True),
    "nested-rfc822": (nested_rfc822, True),
    "nested-comment-from": (nested_comment_from, True),
    "many-references": (many_references, True),
    "long-to": (long_to, True),
    "long-subject": (long_subject, True),
    "wide-multipart": (wide_multipart, True),
    "bad-encodings": (bad_encodings, True),
    "long-boundary": (long_boundary, True),
    "terminal-escapes": (terminal_escapes, True),
    "not-mail": (not_mail, False),
}


def mbox_entry(raw: bytes) -> bytes:
    """One mboxrd entry: From_ line, ">From " escaping, a blank line after."""
    lines = raw.split(b"\n")
    escaped = b"\n".join(b">" + line if line.lstrip(b">").startswith(b"From ") else line for line in lines)
    if not escaped.endswith(b"\n"):
        escaped += b"\n"
    return FROM_LINE + escaped + b"\n"


def mbox_of(entries: Iterable[bytes]) -> bytes:
    return b"".join(mbox_entry(raw) for raw in entries)


def insert_into_mbox(mbox: bytes, raws: list[bytes], at: int) -> bytes:
    """`mbox` with the messages `raws` inserted before its entry number `at` (0-based)."""
    from io import BytesIO

    from threadminer.sources.mbox import iter_mbox_entries

    offsets = [offset for offset, _ in iter_mbox_entries(BytesIO(mbox))]
    cut = offsets[at] if at < len(offsets) else len(mbox)
    return mbox[:cut] + mbox_of(raws) + mbox[cut:]


def gzip_of(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=1, mtime=0)
