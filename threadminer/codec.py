"""Analysis values to plain JSON data and back, so the store can cache them.

Analyses return small frozen dataclasses of str, int, float, bool, None, datetime and tuples
(or other such dataclasses). `to_plain` turns one into lists and dicts; `from_plain(cls, data)`
rebuilds it from the dataclass's own type hints, so no analysis writes its own serialiser.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from functools import lru_cache
from typing import Any, Callable

from .dates import iso


def to_plain(value: Any) -> Any:
    """`value` as lists, dicts, strings and numbers (datetimes as ISO 8601 in UTC)."""
    encode = _ENCODERS.get(type(value))
    if encode is None:
        encode = _ENCODERS[type(value)] = _encoder(type(value))
    return encode(value)


# Values that are plain already: encoders copy them without a call (quote trees hold
# hundreds of thousands of strings and numbers).
_PLAIN = frozenset({str, int, float, bool, type(None)})


def _plain_sequence(value: Any) -> list:
    return [v if type(v) in _PLAIN else to_plain(v) for v in value]


def _plain_dict(value: dict) -> dict:
    return {k: to_plain(v) for k, v in value.items()}


def _encoder(kind: type) -> Callable[[Any], Any]:
    """How values of one type become plain data, worked out once per type."""
    if dataclasses.is_dataclass(kind):
        names = [f.name for f in dataclasses.fields(kind)]

        def encode(v: Any) -> dict:
            out = {}
            for name in names:
                x = getattr(v, name)
                out[name] = x if type(x) in _PLAIN else to_plain(x)
            return out
        return encode
    if issubclass(kind, (tuple, list)):
        return _plain_sequence
    if issubclass(kind, dict):
        return _plain_dict
    if issubclass(kind, datetime):
        return iso
    return _identity


_ENCODERS: dict[type, Callable[[Any], Any]] = {str: lambda v: v, int: lambda v: v, float: lambda v: v,
                                               bool: lambda v: v, type(None): lambda v: v}


def from_plain(hint: Any, data: Any) -> Any:
    """`data` (from `to_plain`) rebuilt as `hint`: a dataclass, tuple[X, ...], X | None, ..."""
    return _decoder(hint)(data)


def _identity(value: Any) -> Any:
    return value


def _datetime(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


@lru_cache(maxsize=None)
def _decoder(hint: Any) -> Callable[[Any], Any]:
    """A function that rebuilds values of type `hint`, made once per type (the cache reads
    hundreds of thousands of values: the type hints are not read again for each)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(options) != 1:
            return _identity
        inner = _decoder(options[0])
        if inner is _identity:
            return _identity  # (None is kept as it is too)
        return lambda v: None if v is None else inner(v)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            return lambda v: None if v is None else tuple(item(x) for x in v)
        items = [_decoder(a) for a in args]
        return lambda v: None if v is None else tuple(f(x) for f, x in zip(items, v))
    if origin is list:
        (arg,) = typing.get_args(hint)
        item = _decoder(arg)
        return lambda v: None if v is None else [item(x) for x in v]
    if origin is dict:
        value = _decoder(typing.get_args(hint)[1])
        return lambda v: None if v is None else {k: value(x) for k, x in v.items()}
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        # (None: the value is kept as it is, without calling `_identity`.)
        fields = [(f.name, None if (d := _decoder(hints[f.name])) is _identity else d)
                  for f in dataclasses.fields(hint)]

        def build(v: Any) -> Any:
            if v is None:
                return None
            return hint(**{name: v[name] if decode is None else decode(v[name])
                           for name, decode in fields if name in v})
        return build
    if hint is datetime:
        return _datetime
    return _identity
