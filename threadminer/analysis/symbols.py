"""Readable names for mangled symbols in stack frames: Rust (v0 and legacy) and plain C++.

The kernel's Rust code is built with the v0 mangling (RFC 2603): a frame prints as
`_RNvXs_NtCs..._6kernel...`. syzbot titles such frames with the demangled path, so a Rust
panic is "... in <rnull::NullBlkDevice as kernel::block::mq::Operations>::queue_rq", and
the skip rules match demangled names (`__rustc::rust_begin_unwind`, `core::panicking::...`).

`demangle(name)` returns the name unchanged when it is not a mangled symbol or does not parse.
The output follows the usual demangler conventions (`<T as Trait>::f`, `{closure#0}`,
`path::<Generic>`), written here from the v0 grammar.
"""

from __future__ import annotations

import re

__all__ = ["demangle"]

BASIC_TYPES = {
    "a": "i8", "b": "bool", "c": "char", "d": "f64", "e": "str", "f": "f32", "h": "u8", "i": "isize",
    "j": "usize", "l": "i32", "m": "u32", "n": "i128", "o": "u128", "p": "_", "s": "i16", "t": "u16",
    "u": "()", "v": "...", "x": "i64", "y": "u64", "z": "!",
}
SIGNED = set("asl" "xni")
UNSIGNED = set("htmyoj")
# Deep nesting is junk (or hostile): real symbols nest a few dozen levels at most.
MAX_DEPTH = 200
MAX_OUTPUT = 1024


class _Invalid(Exception):
    pass


def demangle(name: str) -> str:
    """The readable name of a mangled symbol, or `name` itself."""
    if name.startswith("_R"):
        try:
            return _V0(name).symbol()
        except (_Invalid, RecursionError, ValueError, IndexError):
            return name
    if name.startswith("_ZN"):
        legacy = _legacy(name)
        if legacy is not None:
            return legacy
        nested = _nested(name)
        if nested is not None:
            return nested
    m = re.match(r"_Z(\d+)", name)
    if m:
        # A plain C++ function: `_Z8fakeNameiii` is fakeName (parameters dropped).
        length = int(m.group(1))
        start = m.end()
        if len(name) >= start + length:
            return name[start:start + length]
    return name


# --- Rust v0 ---------------------------------------------------------------------------------

class _V0:
    """One v0 symbol being read: `pos` into the text, `skip` while reading what is not shown
    (an impl's own path, the instantiating crate), `bound` lifetimes in scope."""

    def __init__(self, name: str):
        dot = name.find(".")  # ".llvm.1234" and similar suffixes are not part of the symbol
        self.text = name[2:dot] if dot >= 0 else name[2:]
        self.pos = 0
        self.out: list[str] = []
        self.size = 0
        self.skip = 0
        self.bound = 0
        self.depth = 0

    # Reading --------------------------------------------------------------------------

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self, char: str | None = None) -> str:
        if self.pos >= len(self.text):
            raise _Invalid("unexpected end")
        found = self.text[self.pos]
        if char is not None and found != char:
            raise _Invalid(f"expected {char}")
        self.pos += 1
        return found

    def emit(self, text: str) -> None:
        if not self.skip:
            self.size += len(text)
            if self.size > MAX_OUTPUT:
                raise _Invalid("too long")
            self.out.append(text)

    def decimal(self) -> int:
        """<decimal-number> = "0" | <nonzero-digit> {<digit>}."""
        start = self.pos
        if self.peek() == "0":
            self.pos += 1
            return 0
        while self.peek().isdigit():
            self.pos += 1
        if start == self.pos:
            raise _Invalid("bad number")
        return int(self.text[start:self.pos])

    def base62(self) -> int:
        """<base-62-number> = {0-9a-zA-Z} "_" ("_" alone is 0, "x_" is x + 1)."""
        if self.peek() == "_":
            self.pos += 1
            return 0
        value = 0
        while True:
            char = self.take()
            if char == "_":
                return value + 1
            if char.isdigit():
                digit = ord(char) - 48
            elif "a" <= char <= "z":
                digit = ord(char) - 97 + 10
            elif "A" <= char <= "Z":
                digit = ord(char) - 65 + 36
            else:
                raise _Invalid("bad base-62 digit")
            value = value * 62 + digit

    def disambiguator(self) -> int:
        if self.peek() == "s":
            self.pos += 1
            return self.base62() + 1
        return 0

    def identifier(self) -> tuple[int, str]:
        """<identifier> = [<disambiguator>] ["u"] <decimal> ["_"] <bytes> (u: punycode)."""
        dis = self.disambiguator()
        puny = self.peek() == "u"
        if puny:
            self.pos += 1
        length = self.decimal()
        if self.peek() == "_":
            self.pos += 1
        ident = self.text[self.pos:self.pos + length]
        if len(ident) != length:
            raise _Invalid("short identifier")
        self.pos += length
        if puny:
            ident = _punycode(ident)
        return dis, ident

    # Grammar --------------------------------------------------------------------------

    def symbol(self) -> str:
        if self.peek().isdigit():
            raise _Invalid("unsupported encoding version")
        self.path(True)
        if self.pos < len(self.text):  # the instantiating crate: not shown
            self.skip += 1
            self.path(False)
            self.skip -= 1
        if self.pos != len(self.text):
            raise _Invalid("trailing characters")
        return "".join(self.out)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Invalid("too deep")

    def path(self, value: bool) -> None:
        """<path>: `value` is true where generic arguments need "::" before them."""
        self.enter()
        if self.peek() == "B":
            self.backref(lambda: self.path(value))
            self.depth -= 1
            return
        tag = self.take()
        if tag == "C":
            self.emit(self.identifier()[1])
        elif tag in "MX":
            self.skip += 1  # the impl's own path is not shown
            self.disambiguator()
            self.path(False)
            self.skip -= 1
            self.emit("<")
            self.type()
            if tag == "X":
                self.emit(" as ")
                self.path(False)
            self.emit(">")
        elif tag == "Y":
            self.emit("<")
            self.type()
            self.emit(" as ")
            self.path(False)
            self.emit(">")
        elif tag == "N":
            namespace = self.take()
            if not namespace.isalpha():
                raise _Invalid("bad namespace")
            self.path(value)
            dis, ident = self.identifier()
            if namespace.isupper():
                kind = {"C": "closure", "S": "shim"}.get(namespace, namespace)
                self.emit("::{" + kind + (":" + ident if ident else "") + f"#{dis}}}")
            else:
                self.emit("::" + ident)
        elif tag == "I":
            self.path(value)
            if value:
                self.emit("::")
            self.emit("<")
            self.generic_args()
            self.emit(">")
            self.take("E")
        else:
            raise _Invalid("bad path")
        self.depth -= 1

    def generic_args(self) -> None:
        first = True
        while self.peek() not in ("E", ""):
            if not first:
                self.emit(", ")
            first = False
            if self.peek() == "L":
                self.pos += 1
                self.lifetime(self.base62())
            elif self.peek() == "K":
                self.pos += 1
                self.const()
            else:
                self.type()

    def type(self) -> None:
        self.enter()
        tag = self.peek()
        if tag in BASIC_TYPES:
            self.pos += 1
            self.emit(BASIC_TYPES[tag])
        elif tag in "CMXYNI":
            self.path(False)
        elif tag in "AS":
            self.pos += 1
            self.emit("[")
            self.type()
            if tag == "A":
                self.emit("; ")
                self.const()
            self.emit("]")
        elif tag == "T":
            self.pos += 1
            self.emit("(")
            count = 0
            while self.peek() not in ("E", ""):
                if count:
                    self.emit(", ")
                self.type()
                count += 1
            self.emit(",)" if count == 1 else ")")
            self.take("E")
        elif tag in "RQ":
            self.pos += 1
            self.emit("&")
            if self.peek() == "L":
                self.pos += 1
                lifetime = self.base62()
                if lifetime:
                    self.lifetime(lifetime)
                    self.emit(" ")
            if tag == "Q":
                self.emit("mut ")
            self.type()
        elif tag in "PO":
            self.pos += 1
            self.emit("*const " if tag == "P" else "*mut ")
            self.type()
        elif tag == "F":
            self.pos += 1
            bound = self.bound
            self.fn_sig()
            self.bound = bound
        elif tag == "D":
            self.pos += 1
            bound = self.bound
            self.dyn_bounds()
            self.bound = bound
            self.take("L")
            lifetime = self.base62()
            if lifetime:
                self.emit(" + ")
                self.lifetime(lifetime)
        elif tag == "B":
            self.backref(self.type)
        else:
            raise _Invalid("bad type")
        self.depth -= 1

    def binder(self) -> None:
        if self.peek() != "G":
            return
        self.pos += 1
        count = self.base62() + 1
        self.emit("for<")
        for index in range(count):
            if index:
                self.emit(", ")
            self.bound += 1
            self.lifetime(1)
        self.emit("> ")

    def fn_sig(self) -> None:
        self.binder()
        if self.peek() == "U":
            self.pos += 1
            self.emit("unsafe ")
        if self.peek() == "K":
            self.pos += 1
            if self.peek() == "C":
                self.pos += 1
                self.emit('extern "C" ')
            else:
                _, abi = self.identifier()
                self.emit(f'extern "{abi.replace("_", "-")}" ')
        self.emit("fn(")
        first = True
        while self.peek() not in ("E", ""):
            if not first:
                self.emit(", ")
            first = False
            self.type()
        self.take("E")
        self.emit(")")
        if self.peek() == "u":
            self.pos += 1
        else:
            self.emit(" -> ")
            self.type()

    def dyn_bounds(self) -> None:
        self.emit("dyn ")
        self.binder()
        first = True
        while self.peek() not in ("E", ""):
            if not first:
                self.emit(" + ")
            first = False
            self.dyn_trait()
        self.take("E")

    def dyn_trait(self) -> None:
        opened = self.path_open_generics()
        while self.peek() == "p":
            self.pos += 1
            self.emit(", " if opened else "<")
            opened = True
            _, name = self.identifier()
            self.emit(name + " = ")
            self.type()
        if opened:
            self.emit(">")

    def path_open_generics(self) -> bool:
        """A path whose generic arguments are left open (dyn Trait<A, Assoc = B>)."""
        if self.peek() == "I":
            self.pos += 1
            self.path(False)
            self.emit("<")
            self.generic_args()
            self.take("E")
            return True
        if self.peek() == "B":
            opened = [False]

            def read() -> None:
                opened[0] = self.path_open_generics()

            self.backref(read)
            return opened[0]
        self.path(False)
        return False

    def lifetime(self, index: int) -> None:
        if index == 0:
            self.emit("'_")
            return
        depth = self.bound - index
        if depth < 0:
            raise _Invalid("bad lifetime")
        self.emit("'" + (chr(97 + depth) if depth < 26 else f"z{depth - 25}"))

    def const(self) -> None:
        tag = self.peek()
        if tag == "B":
            self.backref(self.const)
            return
        self.pos += 1
        if tag == "p":
            self.emit("_")
            return
        negative = False
        if tag in SIGNED and self.peek() == "n":
            self.pos += 1
            negative = True
        start = self.pos
        while self.peek() and self.peek() != "_":
            if self.peek() not in "0123456789abcdef":
                raise _Invalid("bad constant")
            self.pos += 1
        digits = self.text[start:self.pos]
        self.take("_")
        value = int(digits, 16) if digits else 0
        if tag in SIGNED or tag in UNSIGNED:
            self.emit(("-" if negative else "") + (str(value) if len(digits) <= 16 else "0x" + digits))
        elif tag == "b":
            if value > 1:
                raise _Invalid("bad bool")
            self.emit("true" if value else "false")
        elif tag == "c":
            char = chr(value)
            escapes = {"\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\", "'": "\\'"}
            shown = escapes.get(char) or (char if " " <= char <= "~" else f"\\u{{{value:x}}}")
            self.emit(f"'{shown}'")
        else:
            raise _Invalid("bad constant type")

    def backref(self, read) -> None:
        """<backref> = "B" <base-62-number>: read again from an earlier position."""
        at = self.pos
        self.take("B")
        target = self.base62()
        if self.skip:
            return
        if target >= at:
            raise _Invalid("forward backref")
        resume = self.pos
        self.pos = target
        self.enter()
        read()
        self.depth -= 1
        self.pos = resume


def _punycode(encoded: str) -> str:
    """Rust's punycode: the last "_" separates the basic characters from the deltas."""
    basic, _, deltas = encoded.rpartition("_")
    try:
        return (basic.encode("ascii") + b"-" + deltas.encode("ascii")).decode("punycode") if basic else \
            deltas.encode("ascii").decode("punycode")
    except (UnicodeError, ValueError) as exc:
        raise _Invalid("bad punycode") from exc


# --- Rust legacy (_ZN...17h<hash>E) ----------------------------------------------------------

RE_LEGACY_HASH = re.compile(r"17h([0-9a-f]{16})E$")
LEGACY_ESCAPES = {"SP": "@", "BP": "*", "RF": "&", "LT": "<", "GT": ">", "LP": "(", "RP": ")", "C": ","}
RE_LEGACY_ESCAPE = re.compile(r"\$(SP|BP|RF|LT|GT|LP|RP|C|u[0-9a-f]{2})\$")


def _legacy(name: str) -> str | None:
    """`_ZN4core9panicking9panic_fmt17h0123456789abcdefE` is core::panicking::panic_fmt."""
    cut = name.rfind("E.")
    text = name[:cut + 1] if cut > 0 else name
    m = RE_LEGACY_HASH.search(text)
    if m is None or len(set(m.group(1))) < 5:
        return None
    body = text[3:m.start()]
    parts = []
    pos = 0
    while pos < len(body):
        num = re.match(r"\d+", body[pos:])
        if num is None:
            return None
        length = int(num.group(0))
        pos += num.end()
        part = body[pos:pos + length]
        if len(part) != length:
            return None
        pos += length
        if part.startswith("_$"):
            part = part[1:]
        part = RE_LEGACY_ESCAPE.sub(_legacy_escape, part).replace("..", "::")
        parts.append(part)
    return "::".join(parts) if parts else None


def _nested(name: str) -> str | None:
    """A C++ nested name without parameters: `_ZN3foo3barE` is foo::bar."""
    parts = []
    pos = 3
    while pos < len(name) and name[pos] != "E":
        num = re.match(r"[1-9]\d*", name[pos:])
        if num is None:
            return None
        pos += num.end()
        part = name[pos:pos + int(num.group(0))]
        if len(part) != int(num.group(0)):
            return None
        parts.append(part)
        pos += len(part)
    return "::".join(parts) if parts and name[pos:] == "E" else None


def _legacy_escape(m: re.Match[str]) -> str:
    code = m.group(1)
    if code.startswith("u"):
        value = int(code[1:], 16)
        return chr(value) if 0x20 <= value < 0x80 else m.group(0)
    return LEGACY_ESCAPES[code]
