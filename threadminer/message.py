"""One mail message, decoded: headers cleaned, body as text, patch attachments kept.

`parse_bytes` turns raw RFC 822 bytes (from mbox, maildir, public-inbox, HTTP) into a
`Message`; the HTML and pasted-text sources build a `Message` directly with `make_message`.
Everything here survives broken input: unknown or wrong charsets fall back, bad headers are
dropped, a missing Message-ID becomes a stable derived id. Problems are recorded in
`Message.defects`, never raised, except `MessageError` for input that is not mail at all.
"""

from __future__ import annotations

import binascii
import codecs
import quopri
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.header import decode_header
from email.message import Message as EmailMessage
from email.policy import compat32
from email.utils import collapse_rfc2231_value, format_datetime

from . import mid as midlib
from .dates import parse_date
from .people import Person, parse_addresses, parse_person

# Attachments whose text the diff analysis wants (Patchwork and b4 accept the same).
PATCH_TYPES = frozenset({"text/x-patch", "text/x-diff", "text/x-git-diff", "text/patch", "text/diff",
                         "application/x-patch", "application/x-diff"})
PATCH_SUFFIXES = (".patch", ".diff", ".txt", ".log")
# The largest message threadminer parses; public-inbox's default limit for a message is
# similar (its mda refuses over ~ 10-30 MB), and lore never carries larger.
MAX_MESSAGE_BYTES = 32 * 1024 * 1024

# The text messages decode to: bump when it changes for some input (analyses cached in a store
# were computed from the old text and are recomputed; see composer.py).
DECODING = 2


class MessageError(ValueError):
    """The bytes are not a mail message (no headers, binary junk, over the size limit)."""


@dataclass(frozen=True)
class Attachment:
    """A non-body text part kept for later analysis (patches, logs)."""

    filename: str | None
    content_type: str
    text: str


@dataclass(frozen=True)
class Message:
    """A decoded message. `raw` holds the original bytes when the source had them."""

    message_id: str
    subject: str
    author: Person
    date: datetime | None
    in_reply_to: str | None
    references: tuple[str, ...]
    body: str
    attachments: tuple[Attachment, ...] = ()
    to: str = ""  # the To header, decoded; `recipients` parses it
    cc: str = ""
    list_id: str | None = None
    source: str = ""
    id_derived: bool = False
    defects: tuple[str, ...] = ()
    raw: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def parent_ids(self) -> tuple[str, ...]:
        """Candidate parents, best first: In-Reply-To, then References from the last."""
        out = [self.in_reply_to] if self.in_reply_to else []
        out.extend(reversed(self.references))
        return tuple(dict.fromkeys(out))

    @property
    def recipients(self) -> tuple[Person, ...]:
        """To and Cc, parsed (lazily: kernel mail often carries dozens of addresses)."""
        return tuple(parse_addresses([v for v in (self.to, self.cc) if v]))

    @property
    def content_hash(self) -> str:
        """Identity of the content, blind to whitespace and to list-added subject tags:
        two copies of one message delivered by different routes hash the same."""
        digest = hashlib.sha1()
        digest.update(strip_list_footers(self.body).encode("utf-8", "surrogatepass").translate(None, WHITESPACE))
        for att in self.attachments:
            digest.update(b"\0")
            digest.update(att.text.encode("utf-8", "surrogatepass").translate(None, WHITESPACE))
        return digest.hexdigest()

    def as_bytes(self) -> bytes:
        """RFC 822 bytes of the message: the original when known, else rebuilt from fields."""
        if self.raw is not None:
            return self.raw
        return render_rfc822(self)


# ASCII whitespace, deleted with bytes.translate (a C loop: far faster than split/join on
# megabyte patches).
WHITESPACE = b" \t\n\r\f\v"
# A footer a list server appends: Mailman's "____" rule, or a "-- " separator, followed by a
# few lines naming the list ("Foo mailing list", "listinfo", "unsubscribe").
RE_FOOTER_START = re.compile(r"^(?:_{20,}|-- ?)$", re.M)
RE_FOOTER_WORDS = re.compile(r"mailing list|listinfo|unsubscribe|list archive", re.I)


def strip_list_footers(body: str) -> str:
    """The body without the footers list servers append (so copies of one message
    received through different lists compare equal)."""
    # Footers sit at the end: search only the tail (bodies can be megabytes of patch).
    head, text = (body[:-4096], body[-4096:].rstrip()) if len(body) > 4096 else ("", body.rstrip())
    for _ in range(4):
        starts = [m.start() for m in RE_FOOTER_START.finditer(text)]
        if not starts:
            break
        tail = text[starts[-1]:]
        if tail.count("\n") > 8 or not RE_FOOTER_WORDS.search(tail):
            break
        text = text[: starts[-1]].rstrip()
    return head + text


# --- header decoding -------------------------------------------------------------------

def decode_header_value(value: object) -> str:
    """RFC 2047-decode a header value; tolerant of bad charsets and raw 8-bit text."""
    if value is None:
        return ""
    if not isinstance(value, str):
        # compat32 returns email.header.Header for undecodable 8-bit headers.
        value = str(value)
    if "=?" not in value:
        return _unfold(value)
    try:
        parts = decode_header(value)
    except Exception:  # noqa: BLE001 - any decoding trouble: keep the text as it is
        return _unfold(value)
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset)[0])
        else:
            out.append(chunk)
    # decode_header drops whitespace between encoded and plain words inconsistently.
    return _unfold("".join(out) if len(parts) > 1 else out[0] if out else "")


def _unfold(value: str) -> str:
    # NUL bytes turn up in fuzzed and broken headers; they are never meaningful text.
    return " ".join(value.replace("\r", " ").replace("\n", " ").replace("\0", "").split())


RE_SURROGATE = re.compile("[\udc80-\udcff]")


def _raw_header_text(value: object) -> str:
    """A header's text when the message carried raw 8-bit bytes (surrogateescape'd)."""
    if isinstance(value, str) and not value.isascii() and RE_SURROGATE.search(value):
        raw = value.encode("ascii", "surrogateescape")
        return decode_bytes(raw, None)[0]
    return value if isinstance(value, str) else str(value)


def charset_codec(charset: str | None) -> str | None:
    """The Python codec for a MIME charset name, or None if unknown."""
    if not charset:
        return None
    name = charset.strip().strip('"').strip("'").lower()
    aliases = {"x-unknown": None, "unknown-8bit": None, "x-user-defined": None, "default": None,
               "iso-8859-8-i": "iso-8859-8", "ks_c_5601-1987": "cp949", "gb2312": "gbk",
               "ansi_x3.4-1968": "ascii", "utf8": "utf-8", "us_ascii": "ascii"}
    if name in aliases:
        name = aliases[name]
        if name is None:
            return None
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a NUL inside the name (fuzzed mail)
        return None


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """(text, defect) for bytes in a declared charset, falling back as mailers need.

    Order: the declared charset if it decodes cleanly; UTF-8 (the usual truth behind a wrong
    label); Windows-1252 for the Latin-1 family; finally UTF-8 with replacement characters.
    """
    codec = charset_codec(charset)
    if codec and codec not in ("ascii",):
        try:
            return data.decode(codec), None
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        text = data.decode("utf-8")
        if charset and codec is None:
            return text, f"unknown charset {charset!r}"
        return text, None
    except UnicodeDecodeError:
        pass
    defect = f"undecodable bytes for charset {charset!r}" if charset else "8-bit text without charset"
    if codec is None or codec == "ascii" or codec.startswith(("latin", "iso8859", "cp125")):
        try:
            return data.decode("cp1252"), defect
        except UnicodeDecodeError:
            pass
    return data.decode("utf-8", "replace"), defect


# --- body extraction -------------------------------------------------------------------

def unflow(text: str, delsp: bool) -> str:
    """Undo format=flowed (RFC 3676): join soft-broken lines of equal quote depth.

    A line holding only spaces is a hard break: a generator breaks lines between words, so
    it never ends a soft line there; such a line is a patch's empty context line (" ")
    that a mailer sent space-stuffed (Thunderbird writes "  "), which RFC 3676 read
    literally would join to the next line of the patch (" +\tif (...")."""
    out: list[str] = []
    pending: str | None = None
    pending_depth = -1
    for line in text.split("\n"):
        if line == "-- ":
            if pending is not None:
                out.append(pending)
                pending = None
            out.append(line)
            continue
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):  # space-stuffing
            content = content[1:]
        if pending is not None and depth != pending_depth:
            out.append(pending)
            pending = None
        soft = content.endswith(" ") and bool(content.strip())
        if soft and delsp:
            content = content[:-1]
        if pending is None:
            pending = (">" * depth + " " if depth else "") + content
            pending_depth = depth
        else:
            pending += content
        if not soft:
            out.append(pending)
            pending = None
    if pending is not None:
        out.append(pending)
    return "\n".join(out)


# HTML-only mail is parsed into a tree up to this size; BeautifulSoup builds its tree in
# Python (a megabyte of tags: about 8 s), so a larger part has its tags stripped instead.
MAX_PARSED_HTML = 256 * 1024
RE_TAG = re.compile(r"<[^<>]*>")
RE_BR = re.compile(r"<br\b[^<>]*>", re.I)


def _strip_tags(html: str) -> str:
    """Text of HTML without parsing it: script and style elements cut, <br> as a newline,
    other tags removed, entities decoded. Linear in the input, whatever it holds."""
    import html as htmllib

    low = html.lower()
    kept = []
    pos = 0
    while True:
        start = min((i for i in (low.find("<script", pos), low.find("<style", pos)) if i != -1), default=-1)
        if start == -1:
            kept.append(html[pos:])
            break
        kept.append(html[pos:start])
        closing = "</script" if low.startswith("<script", start) else "</style"
        end = low.find(closing, start)
        if end == -1:
            break
        pos = low.find(">", end)
        pos = len(html) if pos == -1 else pos + 1
    text = RE_BR.sub("\n", "".join(kept))
    return htmllib.unescape(RE_TAG.sub("", text))


def _html_to_text(html: str, defects: list[str] | None = None) -> str:
    if len(html) > MAX_PARSED_HTML:
        if defects is not None:
            defects.append(f"HTML part of {len(html) >> 10} KiB: tags stripped without parsing")
        return _strip_tags(html)
    from bs4 import BeautifulSoup  # lazily: only HTML-only mail needs it

    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    return soup.get_text()


def _part_text(part: EmailMessage, defects: list[str]) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken transfer encoding: fall back to the raw payload
        payload = None
        defects.append("bad transfer encoding")
    if payload is None:
        raw = part.get_payload()
        if isinstance(raw, str):
            payload = raw.encode("ascii", "surrogateescape")
        else:
            return ""
    text, defect = decode_bytes(payload, part.get_content_charset())
    if defect:
        defects.append(defect)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_type() == "text/plain":
        params = {k.lower(): _param_text(v).lower() for k, v in part.get_params(failobj=[], header="content-type")}
        if params.get("format") == "flowed":
            text = unflow(text, params.get("delsp") == "yes")
    return text


def _param_text(value: object) -> str:
    """A MIME parameter as text: RFC 2231 values (`name*=utf-8''d%C3%A9mesg.txt`, as
    Thunderbird writes them) come from the `email` package as (charset, language, text)."""
    if isinstance(value, tuple):
        try:
            return collapse_rfc2231_value(value, errors="replace")
        except (LookupError, TypeError, ValueError):
            return str(value[-1])
    return value if isinstance(value, str) else ""


def _part_header(part: EmailMessage, name: str) -> str:
    """A part's header as text. compat32 gives an `email.header.Header` for raw 8-bit
    values; those are decoded here (UTF-8, else the usual fallbacks)."""
    low = name.lower()
    for key, value in getattr(part, "_headers", ()):
        if key.lower() == low:
            return _raw_header_text(value)
    return ""


def _filename(part: EmailMessage) -> str | None:
    disposition = _part_header(part, "Content-Disposition")
    raw_name = None
    if "*=" not in disposition:
        # Plain parameters are read here so raw 8-bit names keep their letters (the `email`
        # package turns them into replacement characters).
        params = dict((k.lower(), v) for k, v in RE_MIME_PARAM.findall(";" + disposition.partition(";")[2]))
        raw_name = params.get("filename")
    if raw_name is None:
        try:
            name = part.get_filename()
        except Exception:  # noqa: BLE001 - a malformed parameter: no file name
            return None
    else:
        name = raw_name[1:-1].replace('\\"', '"') if raw_name.startswith('"') else raw_name
    return decode_header_value(name) if name else None


def extract_body(msg: EmailMessage) -> tuple[str, tuple[Attachment, ...], tuple[str, ...]]:
    """(body text, patch/log attachments, defects) from a parsed message.

    The body is the first inline text/plain part (text/html converted when it is the only
    text). Further text/plain parts that are inline and not named as files are appended to
    the body, as mail clients show them; named patch-like parts become attachments.
    """
    defects: list[str] = []
    bodies: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    # Walk with an explicit stack (no recursion on user data), limiting the part count.
    stack = [msg]
    seen = 0
    while stack:
        part = stack.pop(0)
        seen += 1
        if seen > 1000:
            defects.append("too many MIME parts")
            break
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                ctype = part.get_content_type()
                if ctype == "multipart/alternative":
                    plain = [p for p in payload if p.get_content_type() == "text/plain"]
                    stack[0:0] = plain[:1] or payload[-1:]
                else:
                    stack[0:0] = payload
            continue
        ctype = part.get_content_type()
        disposition = _part_header(part, "Content-Disposition").split(";")[0].strip().lower()
        filename = _filename(part)
        if ctype == "message/rfc822":
            continue
        if not ctype.startswith("text/") and ctype not in PATCH_TYPES:
            if not (filename and filename.lower().endswith(PATCH_SUFFIXES)):
                continue
        if ctype in ("text/html",) and not filename:
            html.append(_part_text(part, defects))
            continue
        text = _part_text(part, defects)
        is_patchy = ctype in PATCH_TYPES or (filename or "").lower().endswith((".patch", ".diff"))
        if ctype == "text/plain" and not filename and disposition != "attachment" and not is_patchy:
            bodies.append(text)
        elif is_patchy or ctype.startswith("text/"):
            if not bodies and not filename and ctype == "text/plain":
                bodies.append(text)
            else:
                attachments.append(Attachment(filename, ctype, text))
    if not bodies and html:
        bodies.append(_html_to_text(html[0], defects))
    body = "\n".join(bodies)
    return body, tuple(attachments), tuple(dict.fromkeys(defects))


# --- whole messages --------------------------------------------------------------------

RE_HEADER_LINE = re.compile(rb"^([!-9;-~]+):[ \t]?")
# Header names that only mail carries; a block without any of them is not a mail header
# ("Re: subject" on the first line of a pasted page looks like a header but is not).
MAIL_HEADERS = frozenset({
    b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"received", b"return-path",
    b"delivered-to", b"mime-version", b"in-reply-to", b"references", b"content-type", b"sender",
    b"reply-to", b"list-id", b"x-mailer", b"user-agent", b"dkim-signature", b"x-original-to",
    b"envelope-to", b"delivery-date", b"authentication-results", b"arc-seal", b"x-received"})


def looks_like_mail(data: bytes) -> bool:
    """True if `data` starts with an RFC 822 header block (a From_ line may precede it)."""
    head = normalize_newlines(data[:8192]).lstrip(b"\r\n")
    if head.startswith(b"From "):
        head = head.split(b"\n", 1)[1] if b"\n" in head else b""
    known = 0
    for line in head.split(b"\n", 40)[:40]:
        line = line.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            continue
        m = RE_HEADER_LINE.match(line)
        if not m:
            # A broken line inside the header block ends it (the `email` parser does the
            # same); it is still mail if real headers came first.
            return known >= 2
        if m.group(1).lower() in MAIL_HEADERS:
            known += 1
    return known >= 1


def split_head_body(raw: bytes) -> tuple[bytes, bytes]:
    """(header block with its last newline, body) at the first empty line."""
    lf = raw.find(b"\n\n")
    # (Only a CRLF pair before the first LF pair counts: the body is not searched.)
    crlf = raw.find(b"\r\n\r\n", 0, lf + 3) if lf != -1 else raw.find(b"\r\n\r\n")
    if crlf != -1 and (lf == -1 or crlf < lf):
        return raw[: crlf + 2], raw[crlf + 4:]
    if lf != -1:
        return raw[: lf + 1], raw[lf + 2:]
    return raw, b""


def scan_header_block(head: bytes) -> list[tuple[str, str]] | None:
    """(name, value) pairs of an RFC 822 header block, or None if a line is no header.

    Values keep their folding ("a\\n\\tb"), as the `email` package's compat32 policy
    does; bytes that are not ASCII are kept as surrogate escapes for later charset guessing.
    Two regular-expression passes do what `email.parser.HeaderParser` does line by line:
    several times faster on kernel mail, which carries dozens of Received/ARC/DKIM headers.
    """
    text = head.decode("ascii", "surrogateescape").replace("\r\n", "\n")
    if _bad_header_line(text) is not None or text[:1] in (" ", "\t"):
        return None
    # (findall gives the (name, value) pairs at once; a value never ends in a newline, the
    # pattern's "." stops before each.)
    return RE_HEADER_FIELD.findall(text)


def cut_broken_header(head: bytes, body: bytes) -> tuple[bytes, bytes]:
    """Where a header block holds a line that is no header, the block ends there and the
    rest belongs to the body (as the `email` package's parser treats it)."""
    text = head.decode("ascii", "surrogateescape")
    bad = _bad_header_line(text)
    if bad is None or bad == 0:
        return head, body
    cut = len(text[:bad].encode("ascii", "surrogateescape"))
    return head[:cut], head[cut:] + b"\n" + body


# A line of a header block that is neither "Name: value" nor a folded continuation: the
# first line, and any line after a newline. (Searched as "\n" and what follows rather than
# as "^" in MULTILINE mode: the engine then skips from newline to newline, five times as
# fast over kernel mail's long header blocks.)
NOT_HEADER_LINE = r"(?![ \t]|[!-9;-~]+:|\r?$)"
RE_NOT_HEADER_FIRST_LINE = re.compile(NOT_HEADER_LINE, re.M)
RE_NOT_HEADER_NEXT_LINE = re.compile("\n" + NOT_HEADER_LINE, re.M)


def _bad_header_line(text: str) -> int | None:
    """Where the first line that is no header line starts in a header block, if any."""
    if RE_NOT_HEADER_FIRST_LINE.match(text):
        return 0
    bad = RE_NOT_HEADER_NEXT_LINE.search(text)
    return bad.start() + 1 if bad is not None else None


# One header field with its folded continuation lines.
RE_HEADER_FIELD = re.compile(r"^([!-9;-~]+):[ \t]*((?:.*)(?:\n[ \t].*)*)", re.M)




def normalize_newlines(raw: bytes) -> bytes:
    """Bytes whose lines end in a lone CR (classic Mac OS mailers, some Windows exports)
    with LF line ends instead; anything else is returned as it is. The convention is told
    from the first 8 KiB: where lone CRs outnumber LFs, CR is the line end. A stray CR
    inside LF-terminated mail (a console log's progress line) is left alone."""
    if b"\r" not in raw:
        return raw
    head = raw[:8192]
    crlf = head.count(b"\r\n")
    if head.count(b"\r") - crlf > head.count(b"\n") - crlf:
        return raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return raw


def parse_bytes(raw: bytes, source: str = "") -> Message:
    """Parse one RFC 822 message; raises MessageError if it is not mail.

    Most list mail is a single text/plain part: for those the header block is scanned
    directly and the body decoded from its bytes, several times faster than a full parse.
    Multipart messages get the `email` package's full MIME walk; when that fails (its
    parser recurses per level, so MIME nested hundreds deep ends in RecursionError), the
    headers are still read and the body is taken from the first text part found.
    """
    if len(raw) > MAX_MESSAGE_BYTES:
        raise MessageError(f"message of {len(raw) // (1024 * 1024)} MiB is over the "
                           f"{MAX_MESSAGE_BYTES // (1024 * 1024)} MiB limit")
    raw = normalize_newlines(raw)
    if raw.startswith(b"From "):  # an mbox From_ line left in front
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    raw = raw.lstrip(b"\r\n")
    if not raw.strip():
        raise MessageError("empty message")
    head, body = split_head_body(raw)
    pairs = scan_header_block(head)
    if pairs is None and looks_like_mail(raw):
        head, body = cut_broken_header(head, body)
        pairs = scan_header_block(head)
    if pairs is None or not any(name.lower().encode() in MAIL_HEADERS for name, _ in pairs):
        raise MessageError("binary data, not a mail message" if b"\0" in raw[:8192] else "no mail headers")
    mime = MimeInfo.from_pairs(pairs)
    if mime is None or not mime.ctype.startswith("text/"):
        try:
            return from_email(message_from_bytes(raw, policy=compat32), source, raw)
        except Exception as exc:  # noqa: BLE001 - the stdlib parser's failure must not lose the message
            return from_email(None, source, raw, body, pairs, None,
                              salvage=f"MIME structure not readable ({type(exc).__name__}); "
                                      "body taken from the first text part")
    return from_email(None, source, raw, body, pairs, mime)


# The header block of a text/plain part, wherever it sits in a message whose MIME structure
# could not be parsed.
RE_TEXT_PART_TYPE = re.compile(rb"^Content-Type:[ \t]*text/plain\b", re.M | re.I)
RE_BOUNDARY_LINE = re.compile(rb"^--[^\n]*$", re.M)


def salvage_body(body: bytes) -> tuple[str, tuple[Attachment, ...], tuple[str, ...]]:
    """The text of the first text/plain part found by scanning the bytes, without a MIME
    parse: its header block runs to the next empty line, its content to the next line that
    starts with "--" (a boundary). Empty when there is none."""
    found = RE_TEXT_PART_TYPE.search(body)
    if found is None:
        return "", (), ("no text part found",)
    start = body.rfind(b"\n\n", 0, found.start())
    start = 0 if start == -1 else start + 2
    end_head = body.find(b"\n\n", found.start())
    if end_head == -1:
        return "", (), ("no text part found",)
    pairs = scan_header_block(body[start: end_head + 1]) or []
    mime = MimeInfo.from_pairs(pairs) or MimeInfo("text/plain", {}, "", None)
    content = body[end_head + 2:]
    boundary = RE_BOUNDARY_LINE.search(content)
    if boundary is not None:
        content = content[: boundary.start()]
    return _single_part_body(mime, content)


# A parameter of a MIME header: name=value or name="quoted value".
RE_MIME_PARAM = re.compile(r';\s*([!#-\'*+.0-9A-Z^-~-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)')


@dataclass(frozen=True)
class MimeInfo:
    """Content-Type, its parameters, transfer encoding and file name of a single-part message."""

    ctype: str
    params: dict
    cte: str
    filename: str | None

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]]) -> "MimeInfo | None":
        """None when the headers need the full `email` parser (RFC 2231 parameters)."""
        ctype_value = cte = disposition = ""
        for name, value in pairs:
            low = name.lower()
            if low == "content-type" and not ctype_value:
                ctype_value = " ".join(value.split())
            elif low == "content-transfer-encoding" and not cte:
                cte = value.strip().lower()
            elif low == "content-disposition" and not disposition:
                disposition = " ".join(value.split())
        if "*=" in ctype_value or "*=" in disposition:
            return None
        main = ctype_value.split(";", 1)[0].strip().lower()
        if main.count("/") != 1:
            main = "text/plain"  # RFC 2045 5.2: a missing or invalid type means text/plain
        params = {k.lower(): v[1:-1].replace('\\"', '"') if v.startswith('"') else v
                  for k, v in RE_MIME_PARAM.findall(ctype_value)}
        dparams = {k.lower(): v.strip('"') for k, v in RE_MIME_PARAM.findall(disposition)}
        filename = dparams.get("filename") or params.get("name")
        return cls(main, params, cte, decode_header_value(filename) if filename else None)


# An address-like token. The lookbehind lets a match start only at the start of a token and
# the possessive quantifiers never give back: without them a 200,000-letter To: without "@"
# is tried from every position (quadratic: 93 s).
RE_ADDRESS = re.compile(r"(?<![\w.+=-])[\w.+=-]++@[\w.-]++")


def _single_part_body(mime: MimeInfo, body: bytes) -> tuple[str, tuple[Attachment, ...], tuple[str, ...]]:
    """Decode the body of a single-part text message from its bytes."""
    defects: list[str] = []
    cte = mime.cte
    data = body
    try:
        if cte == "base64":
            data = binascii.a2b_base64(body)
        elif cte == "quoted-printable":
            data = quopri.decodestring(body)
    except (binascii.Error, ValueError):
        defects.append(f"bad {cte} body")
        data = body
    text, defect = decode_bytes(data, mime.params.get("charset"))
    if defect:
        defects.append(defect)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    ctype = mime.ctype
    if ctype == "text/html":
        return _html_to_text(text, defects), (), tuple(defects)
    if ctype == "text/plain" and mime.params.get("format", "").lower() == "flowed":
        text = unflow(text, mime.params.get("delsp", "").lower() == "yes")
    filename = mime.filename
    if ctype in PATCH_TYPES or (filename and filename.lower().endswith((".patch", ".diff"))):
        # A message that is nothing but an attached patch: keep it as the body too.
        return text, (Attachment(filename, ctype, text),), tuple(defects)
    return text, (), tuple(defects)


WANTED_HEADERS = frozenset({"from", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references",
                            "list-id"})
# The longest header value read: Postfix's header_size_limit (102400 bytes for a whole
# header block, the rest discarded), which public-inbox's parser applies too; no message
# that passed through an MTA carries more. References are read whole (their ids are
# counted and capped instead: see mid.cap_references).
MAX_HEADER_CHARS = 102400


def _wanted_headers(msg: EmailMessage | None, pairs: list[tuple[str, str]] | None = None,
                    defects: list[str] | None = None) -> dict[str, list[str]]:
    """The headers threadminer reads, decoded, in one pass over the header list (kernel mail
    carries dozens of Received/ARC/DKIM headers; `Message.get` rescans them per call)."""
    found: dict[str, list[str]] = {}
    if pairs is not None:
        items = pairs
    else:
        try:
            items = msg._headers  # compat32 keeps (name, value) pairs here, as parsed
        except AttributeError:  # pragma: no cover - other email implementations
            items = list(msg.items())
    for name, value in items:
        low = name.lower()
        if low in WANTED_HEADERS:
            if low != "references" and isinstance(value, str) and len(value) > MAX_HEADER_CHARS:
                if defects is not None:
                    defects.append(f"{name} header of {len(value)} characters cut to {MAX_HEADER_CHARS}")
                value = value[:MAX_HEADER_CHARS]
            try:
                found.setdefault(low, []).append(decode_header_value(_raw_header_text(value)))
            except Exception:  # noqa: BLE001 - one bad header must not lose the message
                continue
    return found


def _joined(values: list[str], name: str, defects: list[str]) -> str:
    """Repeated address headers as one value, no longer than one header may be."""
    text = ", ".join(values)
    if len(text) > MAX_HEADER_CHARS:
        defects.append(f"{len(values)} {name} headers of {len(text)} characters cut to {MAX_HEADER_CHARS}")
        text = text[:MAX_HEADER_CHARS]
    return text


def from_email(msg: EmailMessage | None, source: str, raw: bytes | None, body_bytes: bytes | None = None,
               pairs: list[tuple[str, str]] | None = None, mime: MimeInfo | None = None,
               salvage: str | None = None) -> Message:
    """Build a Message from a parsed `email.message.Message`.

    For a single-part text message, `msg` is None, `pairs` holds its headers, `mime` its
    content type, and the body is decoded here from `body_bytes`. With `salvage` (the reason
    the MIME parse failed), `msg` and `mime` are None and the body is found by `salvage_body`.
    """
    defects: list[str] = [salvage] if salvage else []
    headers = _wanted_headers(msg, pairs, defects)

    def first(name: str) -> str:
        values = headers.get(name)
        return values[0] if values else ""

    author = parse_person(first("from"))
    to = _joined(headers.get("to", ()), "To", defects)
    cc = _joined(headers.get("cc", ()), "Cc", defects)
    subject = first("subject")
    date_value = first("date")
    date = parse_date(date_value)
    if date_value and date is None:
        defects.append(f"unparsable date {date_value[:60]!r}")
    if mime is not None:
        body, attachments, body_defects = _single_part_body(mime, body_bytes or b"")
    elif msg is None:
        body, attachments, body_defects = salvage_body(body_bytes or b"")
    else:
        body, attachments, body_defects = extract_body(msg)
    defects.extend(body_defects)
    addresses = {a.lower() for a in RE_ADDRESS.findall(" ".join((to, cc)))}
    if author.email:
        addresses.add(author.email)
    message_id = midlib.clean_mid(first("message-id"))
    in_reply_to, refs = midlib.references(first("in-reply-to"), " ".join(headers.get("references", ())),
                                          addresses, message_id)
    list_id = first("list-id") or None
    return make_message(message_id=message_id, subject=subject, author=author, date=date,
                        in_reply_to=in_reply_to, references=refs, body=body,
                        attachments=attachments, to=to, cc=cc, list_id=list_id, source=source,
                        defects=tuple(defects), raw=raw)


def make_message(*, message_id: str | None, subject: str, author: Person, date: datetime | None,
                 body: str, in_reply_to: str | None = None, references: tuple[str, ...] = (),
                 attachments: tuple[Attachment, ...] = (), to: str = "", cc: str = "", list_id: str | None = None, source: str = "",
                 defects: tuple[str, ...] = (), raw: bytes | None = None) -> Message:
    """Build a Message, deriving a stable id when the source gave none."""
    derived = False
    if not message_id:
        derived = True
        message_id = midlib.derived_mid(author.email or author.name, subject,
                                        date.isoformat() if date else "", " ".join(body.split()))
    if in_reply_to == message_id:
        in_reply_to = None
    references = tuple(r for r in references if r != message_id)
    if len(references) > midlib.MAX_REFERENCES:
        defects = (*defects, f"References: kept {midlib.MAX_REFERENCES} of {len(references)} ids "
                             f"(the first {midlib.REFERENCES_HEAD} and the last "
                             f"{midlib.MAX_REFERENCES - midlib.REFERENCES_HEAD})")
        references = midlib.cap_references(references)
    return Message(message_id=message_id, subject=subject, author=author, date=date,
                   in_reply_to=in_reply_to, references=references, body=body,
                   attachments=attachments, to=to, cc=cc, list_id=list_id, source=source,
                   id_derived=derived, defects=defects, raw=raw)


def render_rfc822(message: Message) -> bytes:
    """Rebuild RFC 822 bytes from a Message's fields (for sources without raw mail).

    Non-ASCII values (a name, or an address with a non-ASCII domain, from a pasted page) are
    written as RFC 2047 encoded words, which `parse_bytes` decodes back to the same text."""
    from email.charset import QP, Charset
    from email.mime.text import MIMEText

    try:
        charset = Charset("utf-8")
        charset.body_encoding = QP
        out = MIMEText(message.body, "plain", charset)
        for name, value in _rendered_headers(message):
            out[name] = _header_value(value)
        return out.as_bytes()
    except Exception:  # noqa: BLE001 - never lose a message over its rendering: plain UTF-8
        lines = [f"{name}: {_one_line(value)}" for name, value in _rendered_headers(message)]
        lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
                  "Content-Transfer-Encoding: 8bit", "", message.body]
        return "\n".join(lines).encode("utf-8", "replace")


def _rendered_headers(message: Message) -> list[tuple[str, str]]:
    headers = []
    if message.author.name or message.author.email:
        headers.append(("From", _format_person(message.author)))
    if message.subject:
        headers.append(("Subject", message.subject))
    if message.date:
        headers.append(("Date", format_datetime(message.date)))
    headers.append(("Message-ID", f"<{message.message_id}>"))
    if message.in_reply_to:
        headers.append(("In-Reply-To", f"<{message.in_reply_to}>"))
    if message.references:
        headers.append(("References", " ".join(f"<{r}>" for r in message.references)))
    for name, value in (("To", message.to), ("Cc", message.cc), ("List-Id", message.list_id)):
        if value:
            headers.append((name, value))
    return headers


def _one_line(value: str) -> str:
    # A header value never holds a line break: one would start a forged header.
    return " ".join(value.replace("\0", "").split())


def _header_value(value: str):
    from email.header import Header

    value = _one_line(value)
    return value if value.isascii() else Header(value, "utf-8")


def _format_person(person: Person) -> str:
    """"Name <address>", quoted as RFC 5322 wants when the name is ASCII; a non-ASCII name or
    address stays as text (the whole header is then encoded by `_header_value`)."""
    from email.utils import formataddr

    if not person.email:
        return person.name
    if person.name.isascii() and person.email.isascii():
        return formataddr((person.name, person.email))
    return f"{person.name} <{person.email}>" if person.name else f"<{person.email}>"
