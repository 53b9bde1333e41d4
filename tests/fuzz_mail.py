"""Mutations of real messages, and the properties every reading of them must keep.

Used by tests/test_fuzz.py (a bounded number of cases in CI) and bench/fuzz.py (long runs).
The seeds are real mail: the seed thread (bundled), the fixtures, and when present the
corpora (Patchwork's own fuzz cases, linux-modules). Each mutation stands for something real
archives carry: cut downloads (truncation), re-sent or mangled headers (duplication), forwards
of forwards (nesting), wrong charset labels (swaps), and stray bytes from broken gateways or
hostile senders (controls, escape sequences, From_ lines).
"""

from __future__ import annotations

import io
import random
import re
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

from threadminer.message import Message, parse_bytes
from threadminer.report.terminal import is_safe, printable
from threadminer.sources import Skipped, parse_item
from threadminer.sources.mbox import iter_mbox_entries

ROOT = Path(__file__).resolve().parent.parent

CHARSETS = [b"utf-16", b"utf-7", b"iso-2022-jp", b"x-unknown", b"cp500", b"utf-8\x00x", b"", b"koi8-r",
            b"latin-1", b"shift_jis", b"gb18030", b"unknown-8bit", b"'\"", b"ascii", b"utf-32-be", b"idna",
            b"rot13", b"base64", b"zlib", b"hex"]
ENCODINGS = [b"base64", b"quoted-printable", b"7bit", b"8bit", b"x-uuencode", b"binary", b"gzip", b""]
CONTROLS = [b"\x00", b"\x1b", b"\x1b]52;c;cm0gLXJmIH4=\x07", b"\x1b[2J", b"\x9b", b"\xc2\x9b", b"\r", b"\r\r",
            b"\x85", b"\xff\xfe", b"\xe2\x80\xae", b"\x7f", b"\x08", b"\n", b"\n\n", b"\t",
            b"\nFrom x@y Mon Jan  1 00:00:00 2001\n", b"=?utf-8?b?G10wO293bmVkBw==?=", b"(" * 50, b"<" * 30,
            b"\xf0\x9f", b"=?", b"?="]
HEADER_LINE = re.compile(rb"^[!-9;-~]+:[^\n]*(?:\n[ \t][^\n]*)*\n", re.M)


def truncate(raw: bytes, rng: random.Random) -> bytes:
    return raw[: rng.randrange(len(raw) + 1)]


def duplicate_headers(raw: bytes, rng: random.Random) -> bytes:
    head_end = raw.find(b"\n\n")
    head = raw[: head_end + 1] if head_end != -1 else raw
    lines = HEADER_LINE.findall(head)
    if not lines:
        return raw + raw[: rng.randrange(len(raw) + 1)]
    extra = b"".join(rng.choice(lines) for _ in range(rng.randint(1, 8)))
    if rng.random() < 0.3:
        extra += b'Content-Type: multipart/mixed; boundary="dup%d"\n' % rng.randrange(10)
    if rng.random() < 0.3:
        extra += b"Message-ID: <other%d@fuzz.example>\n" % rng.randrange(10)
    at = rng.choice([0, len(head)])
    return head[:at] + extra + raw[at:]


def nest(raw: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([1, 2, 3, 5, 10, 30]) if rng.random() < 0.97 else rng.choice([400, 1000])
    part = raw
    for level in range(depth):
        if rng.random() < 0.5:
            part = (b"From: nest@fuzz.example\nSubject: Fwd\nMessage-ID: <n%d@fuzz.example>\n"
                    b"Content-Type: message/rfc822\n\n" % level) + part
        else:
            boundary = b"fz%d" % level
            part = (b'From: nest@fuzz.example\nSubject: nested\nContent-Type: multipart/mixed; boundary="'
                    + boundary + b'"\n\n--' + boundary + b"\n" + part + b"\n--" + boundary + b"--\n")
    return part


def swap_charset(raw: bytes, rng: random.Random) -> bytes:
    new = rng.choice(CHARSETS)
    out, n = re.subn(rb'charset="?[^";\s]*"?', b'charset="' + new + b'"', raw, flags=re.I)
    if n:
        return out
    head_end = raw.find(b"\n\n")
    at = head_end + 1 if head_end != -1 else 0
    return raw[:at] + b"Content-Type: text/plain; charset=" + new + b"\n" + raw[at:]


def swap_encoding(raw: bytes, rng: random.Random) -> bytes:
    new = rng.choice(ENCODINGS)
    out, n = re.subn(rb"Content-Transfer-Encoding:[^\n]*", b"Content-Transfer-Encoding: " + new, raw, flags=re.I)
    if n:
        return out
    return b"Content-Transfer-Encoding: " + new + b"\n" + raw


def insert_controls(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 12)):
        at = rng.randrange(len(data) + 1)
        data[at:at] = rng.choice(CONTROLS)
    return bytes(data)


def flip_bytes(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 20)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


PARAMS = [b"; name*=utf-8''d%C3%A9mesg.txt", b"; filename*0*=utf-8''%E2%80%AE; filename*1=\"gpj.exe\"",
          b"; charset*=utf-8''utf-8", b"; name*=bogus''%ZZ%", b"; filename*=''", b"; boundary*=x''y",
          b"; format*=us-ascii'en'flowed", b"; filename=\"d\xc3\xa9mesg.txt\"", b"; name=\"" + b"x" * 5000 + b"\"",
          b"; a=b" * 500]


def add_parameters(raw: bytes, rng: random.Random) -> bytes:
    """RFC 2231 and raw 8-bit parameters on Content-Type or Content-Disposition (as
    Thunderbird and webmail write file names), some of them malformed."""
    param = rng.choice(PARAMS)
    target = rng.choice([rb"(Content-Type:[^\n]*)", rb"(Content-Disposition:[^\n]*)"])
    out, n = re.subn(target, lambda m: m.group(1) + param, raw, count=rng.randint(1, 3), flags=re.I)
    if n:
        return out
    return b"Content-Disposition: attachment" + param + b"\n" + raw


def splice(raw: bytes, rng: random.Random) -> bytes:
    """Part of a message inside another at a random point (a gateway that lost a boundary)."""
    at = rng.randrange(len(raw) + 1)
    piece = raw[rng.randrange(len(raw) + 1):]
    return raw[:at] + piece + raw[at:]


def repeat_header(raw: bytes, rng: random.Random) -> bytes:
    """One header line repeated thousands of times, or one enormous line."""
    lines = HEADER_LINE.findall(raw[: max(raw.find(b"\n\n"), 0) + 1])
    line = rng.choice(lines) if lines else b"X-Junk: x\n"
    if rng.random() < 0.5:
        return line * rng.choice([1000, 20000]) + raw
    return line.rstrip(b"\n") + b" " + b"y" * rng.choice([100_000, 1_000_000]) + b"\n" + raw


def drop_separator(raw: bytes, rng: random.Random) -> bytes:
    """The empty line between header and body removed (the body reads as headers)."""
    return raw.replace(b"\n\n", b"\n", 1)


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncate": truncate, "duplicate-headers": duplicate_headers, "nest": nest, "charset": swap_charset,
    "encoding": swap_encoding, "controls": insert_controls, "flip": flip_bytes, "params": add_parameters,
    "splice": splice, "repeat-header": repeat_header, "drop-separator": drop_separator,
}


def mutate(raw: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One to three mutations of `raw`; returns (their names, the bytes)."""
    names = [rng.choice(list(MUTATIONS)) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
    for name in names:
        raw = MUTATIONS[name](raw, rng)
    return "+".join(names), raw


def seed_messages(shared: Path | None, limit_corpus: int = 400) -> list[bytes]:
    """Real messages to mutate: the bundled seed thread and fixtures, then the corpora
    (Patchwork's fuzz and mail cases, linux-modules) when `shared` is given and present."""
    raws = [raw for _, raw in iter_mbox_entries(io.BytesIO((ROOT / "fixtures" / "seed-thread" / "thread.mbox").read_bytes()))]
    for path in sorted((ROOT / "fixtures").glob("*/*.eml")):
        raws.append(path.read_bytes())
    if shared is None:
        return raws
    corpus = shared / "corpus"
    for folder in ("patchwork/fuzz", "patchwork/mail", "b4"):
        for path in sorted((corpus / folder).glob("*.mbox")) if (corpus / folder).is_dir() else []:
            raws.extend(raw for _, raw in iter_mbox_entries(io.BytesIO(path.read_bytes()))
                        if not isinstance(raw, Exception))
    epoch = corpus / "public-inbox" / "linux-modules" / "0.git"
    if epoch.is_dir():
        from threadminer.sources import public_inbox

        for n, (_, raw) in enumerate(public_inbox.iter_epoch(str(epoch))):
            if n % 25 == 0:
                raws.append(raw)
            if len(raws) > limit_corpus:
                break
    return raws


class Broken(AssertionError):
    """A property failed for one case."""


def check_message_bytes(raw: bytes, where: str = "message 1") -> Message | Skipped:
    """Read one mutated message as an archive would and check what the store will do with
    it. Raises Broken with the reason."""
    try:
        item = parse_item(raw, "fuzz", where)
    except BaseException as exc:  # noqa: BLE001 - that is the failure being looked for
        raise Broken(f"parse_item raised {type(exc).__name__}: {exc}") from exc
    if isinstance(item, Skipped):
        if not item.where.startswith(where) or not item.reason:
            raise Broken(f"a skip that does not name the message: {item}")
        return item
    if not isinstance(item, Message):
        raise Broken(f"parse_item returned {type(item).__name__}")
    try:
        for text in (item.message_id, item.subject, item.body, item.to, item.cc, item.author.name,
                     item.author.email, *item.references, *(a.text for a in item.attachments)):
            if not isinstance(text, str):
                raise Broken(f"a field is {type(text).__name__}, not str")
            if not is_safe(printable(text)):
                raise Broken("printable left a control character")
            text.encode("utf-8", "surrogateescape")
        item.content_hash
        item.recipients
        item.parent_ids
        again = parse_bytes(item.as_bytes(), "fuzz")  # what the store does to show it
    except Broken:
        raise
    except BaseException as exc:  # noqa: BLE001
        raise Broken(f"the parsed message fails later: {type(exc).__name__}: {exc}") from exc
    if again.message_id != item.message_id:
        raise Broken(f"reading the stored bytes back changes the Message-ID: {item.message_id!r} -> {again.message_id!r}")
    return item


def run_cases(raws: list[bytes], count: int, seed: int,
              on_case: Callable[[int, str, bytes, float], None] | None = None) -> Iterator[tuple[int, str, bytes]]:
    """Yield (case number, mutation names, mutated bytes) for `count` cases, checking each;
    a failing case raises Broken with the case number and mutation in its text."""
    rng = random.Random(seed)
    for case in range(count):
        names, raw = mutate(rng.choice(raws), rng)
        started = time.perf_counter()
        try:
            check_message_bytes(raw)
        except Broken as exc:
            raise Broken(f"case {case} (seed {seed}, {names}): {exc}") from exc
        if on_case is not None:
            on_case(case, names, raw, time.perf_counter() - started)
        yield case, names, raw


def mbox_with(mutants: Iterable[bytes], intact: list[bytes]) -> bytes:
    """An mbox alternating intact real messages and mutants (each written as mboxrd)."""
    from .hostile_mail import mbox_entry

    out = bytearray()
    for n, raw in enumerate(mutants):
        out += mbox_entry(intact[n % len(intact)])
        out += mbox_entry(raw)
    return bytes(out)
