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
from typing import Any

from .dates import from_iso, iso


def to_plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return iso(value)
    return value


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_plain(hint: Any, data: Any) -> Any:
    """`data` (from `to_plain`) rebuilt as `hint`: a dataclass, tuple[X, ...], X | None, ..."""
    if data is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return from_plain(options[0], data) if len(options) == 1 else data
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_plain(args[0], v) for v in data)
        return tuple(from_plain(a, v) for a, v in zip(args, data))
    if origin is dict:
        _, value_hint = typing.get_args(hint)
        return {k: from_plain(value_hint, v) for k, v in data.items()}
    if origin is list:
        (item_hint,) = typing.get_args(hint)
        return [from_plain(item_hint, v) for v in data]
    if dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        return hint(**{f.name: from_plain(hints[f.name], data[f.name])
                       for f in dataclasses.fields(hint) if f.name in data})
    if hint is datetime:
        return from_iso(data)
    return data
