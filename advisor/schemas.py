"""The one input policy of the API: strict request bodies and text that every store can keep.

PostgreSQL ``text`` cannot hold NUL, and neither engine's driver can encode an unpaired UTF-16
surrogate (JSON's ``"\\ud800"``), so such characters are refused at the edge, with a 422 naming the
field, wherever a string arrives: request bodies (every ``Strict`` model, nested values and dict keys
included) and path and query parameters (``advisor.api.deps.storable_params``).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

__all__ = ["UNSTORABLE_MESSAGE", "Strict", "check_text", "unstorable"]

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


class Strict(BaseModel):
    """Base of every request body: unknown fields and unstorable characters are refused."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return check_text(value)
