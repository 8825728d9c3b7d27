"""The one input policy of the API: strict request bodies and text that every store can keep.

Numbers, booleans and times arrive as what they are: ``"k": "3"`` is refused, not read as 3, and a
time is an ISO 8601 string, never a number (``to=0.5`` is not 1970). Bodies get this from ``Strict``,
query parameters from ``IsoDateTime``.

PostgreSQL ``text`` cannot hold NUL, and neither engine's driver can encode an unpaired UTF-16
surrogate (JSON's ``"\\ud800"``), so such characters are refused at the edge, with a 422 naming the
field, wherever a string arrives: request bodies (every ``Strict`` model, nested values and dict keys
included) and path and query parameters (``advisor.api.deps.storable_params``).
"""

from __future__ import annotations

import re
import types
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

__all__ = ["UNSTORABLE_MESSAGE", "IsoDateTime", "Strict", "check_text", "iso_time", "unstorable"]

UNSTORABLE_MESSAGE = "must not contain NUL (\\u0000) or unpaired surrogate characters"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> bool:
    """Return True when ``text`` holds a character a store cannot keep."""
    return _UNSTORABLE.search(text) is not None


def check_text(value: Any, at: tuple[str, ...] = ()) -> Any:
    """Return ``value`` unchanged, or raise if any string in it (dict keys too) is unstorable.

    The error's context names where inside the value (``at``: ``"0.text"``, ``"customer.first_name"``),
    so that the 422 names the exact field.
    """
    if isinstance(value, str):
        if unstorable(value):
            raise PydanticCustomError("unstorable_text", UNSTORABLE_MESSAGE, {"at": ".".join(at)})
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and unstorable(key):
                raise PydanticCustomError(
                    "unstorable_text", UNSTORABLE_MESSAGE + " (in a key)", {"at": ".".join(at)}
                )
            check_text(item, (*at, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_text(item, (*at, str(index)))
    return value


_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def iso_time(value: Any) -> Any:
    """Refuse a time given as a number (or a numeric string): times are ISO 8601 strings."""
    if isinstance(value, bool | int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise PydanticCustomError(
            "iso_datetime", "must be an ISO 8601 date-time such as 2026-11-25T10:00:00Z"
        )
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(iso_time)]


def _kind(annotation: Any) -> type | None:
    """Return int, float, bool or datetime when that (or it or None) is the field's type."""
    if get_origin(annotation) in (Union, types.UnionType):
        kinds = {_kind(a) for a in get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else None
    return annotation if annotation in (int, float, bool, datetime) else None


@cache
def _kinds(model: type[BaseModel]) -> dict[str, type]:
    found = {name: _kind(field.annotation) for name, field in model.model_fields.items()}
    return {name: kind for name, kind in found.items() if kind is not None}


def _strict_scalar(kind: type, value: Any) -> None:
    if kind is datetime:
        iso_time(value)
    elif kind is bool and not isinstance(value, bool):
        raise PydanticCustomError("bool_type", "must be true or false")
    elif kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise PydanticCustomError("int_type", "must be a whole number (not a string)")
    elif kind is float and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise PydanticCustomError("float_type", "must be a number (not a string)")


class Strict(BaseModel):
    """Base of every request body: unknown fields, unstorable characters and stringly numbers are refused."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any, info: ValidationInfo) -> Any:
        kind = _kinds(cls).get(info.field_name or "")
        if kind is not None and value is not None:
            _strict_scalar(kind, value)
        return check_text(value)
