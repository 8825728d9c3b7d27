"""Pattern: an approved, versioned response template with slots, examples and eligibility rules."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from advisor.context.models import Channel

SLOT_RE = re.compile(r"\{([a-z_]+\.[a-z0-9_]+)\}")
PatternId = Annotated[str, StringConstraints(pattern=r"^[^\s/\\{}]{1,128}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class RiskLevel(StrEnum):
    """How much harm a wrong use of the pattern could do."""

    low = "low"
    medium = "medium"
    high = "high"


class Status(StrEnum):
    """Lifecycle state of one pattern version."""

    draft = "draft"
    in_review = "in_review"
    approved = "approved"
    retired = "retired"


SlotKey = Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z0-9_]+$")]
OPERATORS = ("lt", "lte", "gt", "gte")
DATE_OPERAND_RE = re.compile(r"^(?:today(?:[+-]\d{1,4}d)?|\d{4}-\d{2}-\d{2})$")
MAX_ENUM_VALUE = 64


def _operand(value: Any) -> int | float | str:
    """Validate one comparison operand: a number, ``today``, ``today±Nd`` or an ISO date."""
    if isinstance(value, bool):
        raise ValueError("true/false is not a number or a date")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{value} is not a finite number")
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()  # YAML reads an unquoted 2026-12-01 as a date
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        if DATE_OPERAND_RE.match(text):
            if text[:4].isdigit():
                try:
                    date.fromisoformat(text)
                except ValueError:
                    raise ValueError(f"'{value}' is not a valid date") from None
            return "today" if text in ("today+0d", "today-0d") else text
    raise ValueError(f"'{value}' is not a number, 'today', 'today-7d' or a date like 2026-12-01")


def _unset(value: object) -> bool:
    return value is None


class Comparison(BaseModel):
    """A premise on a date or a number: the CRM value compared with bounds, e.g. ``{lt: today}``.

    ``lt``/``lte``/``gt``/``gte`` mean <, ≤, >, ≥. All bounds of one comparison are numbers
    (``{gte: 50}``) or all dates: ``today``, ``today-7d`` / ``today+3d`` (days from the
    reference day of the request) or an ISO date ``2026-12-01``. Dates compare by day (UTC).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    lt: int | float | str | None = Field(default=None, exclude_if=_unset)
    lte: int | float | str | None = Field(default=None, exclude_if=_unset)
    gt: int | float | str | None = Field(default=None, exclude_if=_unset)
    gte: int | float | str | None = Field(default=None, exclude_if=_unset)

    @field_validator("lt", "lte", "gt", "gte", mode="before")
    @classmethod
    def _valid_operand(cls, v: Any) -> int | float | str | None:
        return None if v is None else _operand(v)

    @model_validator(mode="after")
    def _one_kind(self) -> Comparison:
        bounds = self.bounds()
        if not bounds:
            raise ValueError("a comparison needs at least one of lt, lte, gt, gte")
        if len({isinstance(v, str) for _, v in bounds}) > 1:
            raise ValueError("compare with numbers only or with dates only, not both")
        return self

    def bounds(self) -> list[tuple[str, int | float | str]]:
        """Return the (operator, operand) pairs set, in the order lt, lte, gt, gte."""
        return [(op, v) for op in OPERATORS if (v := getattr(self, op)) is not None]

    @property
    def kind(self) -> Literal["date", "number"]:
        """Whether the bounds are dates or numbers."""
        return "date" if isinstance(self.bounds()[0][1], str) else "number"


def _condition(value: Any) -> list[str] | Comparison:
    """Validate a ``when`` entry: a list of allowed values or a comparison object."""
    if isinstance(value, Comparison):
        return value
    if isinstance(value, list):
        # An empty list admits nothing; it stays loadable (stored versions) and lint blocks it on submit.
        for item in value:
            if not isinstance(item, str) or not item.strip() or len(item) > MAX_ENUM_VALUE:
                raise PydanticCustomError(
                    "condition",
                    "allowed values are texts of 1 to {limit} characters, got {item}",
                    {"limit": MAX_ENUM_VALUE, "item": repr(item)},
                )
        return list(value)
    if isinstance(value, dict):
        unknown = [str(k) for k in value if k not in OPERATORS]
        if unknown:
            raise PydanticCustomError(
                "condition",
                "unknown comparison '{op}': use lt, lte, gt or gte (e.g. {example})",
                {"op": unknown[0], "example": "{lt: today} or {gte: 50}"},
            )
        try:
            return Comparison.model_validate(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            message = first["msg"].removeprefix("Value error, ")
            raise PydanticCustomError(
                "condition", "{where}{message}", {"where": f"{where}: " if where else "", "message": message}
            ) from None
    raise PydanticCustomError(
        "condition",
        "expected a list of allowed values (e.g. {values}) or a comparison (e.g. {comparison})",
        {"values": "[shipped]", "comparison": "{lt: today}"},
    )


Condition = Annotated[list[str] | Comparison, BeforeValidator(_condition)]
"""One ``when`` premise: allowed values (enumeration) or a comparison on a date or number."""


class Eligibility(BaseModel):
    """Rules a context must meet before the pattern may be suggested; empty list = no restriction."""

    model_config = ConfigDict(extra="forbid")

    channels: list[Channel] = Field(default_factory=list)
    locales: list[Annotated[str, StringConstraints(min_length=2, max_length=16)]] = Field(
        default_factory=list
    )
    segments: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        default_factory=list
    )
    requires: list[SlotKey] = Field(default_factory=list)
    when: dict[SlotKey, Condition] = Field(default_factory=dict)
    """Premises on CRM facts: ``order.status: [shipped, in_transit]`` (one of these values, compared
    ignoring case and separators) or ``order.eta: {lt: today}`` (a date or number comparison)."""


MAX_FLOW_STEP = 50


class FlowStep(BaseModel):
    """A pattern's place in a flow: the steps a guideline prescribes for an intent, in order."""

    model_config = ConfigDict(extra="forbid")

    name: PatternId
    step: int = Field(ge=1, le=MAX_FLOW_STEP)


def one_step_per_flow(flows: list[FlowStep]) -> list[FlowStep]:
    """Return ``flows`` unchanged, or raise ``ValueError`` when one flow is listed twice."""
    seen: set[str] = set()
    for place in flows:
        if place.name in seen:
            raise ValueError(f"flow '{place.name}' is listed twice; a pattern has one step per flow")
        seen.add(place.name)
    return flows


class PatternSpec(BaseModel):
    """One version of a pattern as written in a pattern file or stored."""

    model_config = ConfigDict(extra="forbid")

    id: PatternId
    version: int = Field(default=1, ge=1)
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4_000)]
    intents: list[PatternId] = Field(min_length=1)
    examples: list[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1_000)]
    ] = Field(default_factory=list)
    flows: list[FlowStep] = Field(default_factory=list, max_length=100)
    """Flows this pattern is a step of; one pattern (verify the customer) may be step 1 of every flow of a
    library, so the bound is wide."""
    collects: list[Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z0-9_]+$")]] = Field(
        default_factory=list, max_length=20
    )
    """CRM facts this pattern asks the customer for; once the request carries any of them it is done
    (the agent has them on screen), so it is not suggested again and its flow moves on."""
    eligibility: Eligibility = Field(default_factory=Eligibility)
    risk: RiskLevel = RiskLevel.low
    requires_review: bool = False
    owner: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    status: Status = Status.draft
    author: str | None = None
    approver: str | None = None
    change_note: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @field_validator("intents", "examples")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))

    @field_validator("flows")
    @classmethod
    def _one_step_per_flow(cls, v: list[FlowStep]) -> list[FlowStep]:
        return one_step_per_flow(v)

    @property
    def slots(self) -> list[str]:
        """Slots the body uses, in order of first appearance."""
        return list(dict.fromkeys(SLOT_RE.findall(self.body)))

    @property
    def key(self) -> tuple[str, int]:
        """(id, version)."""
        return (self.id, self.version)
