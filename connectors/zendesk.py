"""Zendesk Support connector: CRM context from a ticket and its requester, and macros as draft patterns.

Both classes take a :class:`ZendeskConfig` (or a plain mapping of it) and an ``httpx.AsyncClient``
owned by the caller. Missing Zendesk fields are left out of the result, never invented.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Self

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from advisor.errors import ConnectorError, InvalidInput
from advisor.patterns.models import PatternSpec, Status
from advisor.settings import RetryPolicy
from connectors._http import basic_auth, bearer_auth, get_json

VENDOR = "Zendesk"

PLACEHOLDER_SLOTS: dict[str, str] = {
    "ticket.requester.first_name": "customer.first_name",
    "ticket.requester.last_name": "customer.last_name",
    "ticket.requester.email": "customer.email",
    "ticket.requester.phone": "customer.phone",
    "ticket.id": "case.id",
    "current_user.first_name": "agent.first_name",
    "ticket.assignee.first_name": "agent.first_name",
}
"""Zendesk placeholder → advisor slot, where the meaning is the same."""

PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z0-9_.]+)\s*\}\}")
LIQUID_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
TICKET_ID_RE = re.compile(r"^[1-9][0-9]{0,18}$")


class ZendeskConfig(BaseModel):
    """Where the Zendesk account is, how to sign in, and which fields hold the segment and order."""

    model_config = ConfigDict(extra="forbid")

    subdomain: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="acme for acme.zendesk.com")
    email: str | None = Field(default=None, description="Agent email, with api_token (Basic auth)")
    api_token: SecretStr | None = None
    oauth_token: SecretStr | None = Field(default=None, description="OAuth access token (Bearer)")
    segment_user_field: str | None = Field(default=None, description="user_fields key holding the segment")
    segment_tag_prefix: str | None = Field(
        default=None, description="e.g. 'tier_' reads tag tier_gold as gold"
    )
    order_field_id: int | None = Field(
        default=None, description="Ticket custom field id holding the order id"
    )
    owner: str = Field(default="zendesk-import", min_length=1, description="Owner of imported patterns")
    max_pages: int = Field(default=50, ge=1, le=1000)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)

    @model_validator(mode="after")
    def _one_auth(self) -> Self:
        basic = self.email is not None and self.api_token is not None
        if basic == (self.oauth_token is not None):
            raise ValueError("give either email + api_token, or oauth_token (exactly one)")
        if (self.email is None) != (self.api_token is None):
            raise ValueError("email and api_token go together")
        return self

    @property
    def base_url(self) -> str:
        """The account's API root."""
        return f"https://{self.subdomain}.zendesk.com"

    def authorization(self) -> str:
        """The ``Authorization`` header value."""
        if self.oauth_token is not None:
            return bearer_auth(self.oauth_token.get_secret_value())
        if self.email is None or self.api_token is None:  # pragma: no cover (the validator forbids it)
            raise ConnectorError("Zendesk config has no credentials", vendor="zendesk")
        return basic_auth(f"{self.email}/token", self.api_token.get_secret_value())


class _ZendeskClient:
    """Config + injected HTTP client; every request goes through the shared retry/error layer."""

    def __init__(self, config: ZendeskConfig | Mapping[str, Any], http: httpx.AsyncClient) -> None:
        self.config = config if isinstance(config, ZendeskConfig) else ZendeskConfig.model_validate(config)
        self.http = http

    async def _get(self, path_or_url: str, what: str) -> dict[str, Any]:
        url = path_or_url if path_or_url.startswith("https://") else self.config.base_url + path_or_url
        return await get_json(
            self.http,
            url,
            vendor=VENDOR,
            what=what,
            authorization=self.config.authorization(),
            policy=self.config.retry,
        )

    async def check(self) -> None:
        """Raise ``ConnectorError`` unless the credentials sign in as a real user."""
        body = await self._get("/api/v2/users/me.json", "the signed-in user")
        user = body.get("user")
        if not isinstance(user, dict) or user.get("id") is None:
            raise ConnectorError(
                "Zendesk answered as the anonymous user; the credentials were not accepted", vendor="zendesk"
            )


def _text(value: Any) -> str | None:
    """A non-empty stripped string, or ``None``."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    return None


class ZendeskContextSource(_ZendeskClient):
    """A ``ContextSource``: interaction id = Zendesk ticket id → customer, case and order fields."""

    name = "zendesk"

    async def fetch(self, tenant_id: str, interaction_id: str) -> dict[str, dict[str, Any]]:  # noqa: ARG002 (one config per tenant)
        """Return ``{"customer", "case", "order"}`` for the ticket; a field Zendesk lacks is left out."""
        if not TICKET_ID_RE.match(interaction_id):
            raise InvalidInput(
                f"Zendesk ticket ids are numbers; got {interaction_id[:40]!r}", field="interaction_id"
            )
        body = await self._get(f"/api/v2/tickets/{interaction_id}.json", f"ticket {interaction_id}")
        ticket = body.get("ticket")
        if not isinstance(ticket, dict):
            raise ConnectorError(
                f"Zendesk answered ticket {interaction_id} without a ticket", vendor="zendesk"
            )
        customer: dict[str, Any] = {}
        requester_id = ticket.get("requester_id")
        if isinstance(requester_id, int):
            try:
                user_body = await self._get(f"/api/v2/users/{requester_id}.json", f"user {requester_id}")
            except ConnectorError as exc:
                if exc.extra.get("upstream_status") != 404:
                    raise
                user_body = {}  # requester deleted since: the ticket's facts still count
            user = user_body.get("user")
            if isinstance(user, dict):
                customer = self._customer(user)
        return {"customer": customer, "case": self._case(ticket), "order": self._order(ticket)}

    def _customer(self, user: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        name = _text(user.get("name"))
        if name:
            first, _, last = name.partition(" ")
            out["first_name"] = first
            if last.strip():
                out["last_name"] = last.strip()
        for key in ("email", "phone"):
            if value := _text(user.get(key)):
                out[key] = value
        if segment := self._segment(user):
            out["segment"] = segment
        return out

    def _segment(self, user: dict[str, Any]) -> str | None:
        field = self.config.segment_user_field
        if field:
            fields = user.get("user_fields")
            if isinstance(fields, dict) and (value := _text(fields.get(field))):
                return value.lower()
        prefix = self.config.segment_tag_prefix
        if prefix:
            for tag in user.get("tags") or []:
                if isinstance(tag, str) and tag.startswith(prefix) and len(tag) > len(prefix):
                    return tag[len(prefix) :]
        return None

    @staticmethod
    def _case(ticket: dict[str, Any]) -> dict[str, Any]:
        case: dict[str, Any] = {"id": str(ticket["id"])} if ticket.get("id") is not None else {}
        for key in ("subject", "status", "priority", "type"):
            if value := _text(ticket.get(key)):
                case[key] = value
        via = ticket.get("via")
        if isinstance(via, dict) and (channel := _text(via.get("channel"))):
            case["channel"] = channel
        return case

    def _order(self, ticket: dict[str, Any]) -> dict[str, Any]:
        field_id = self.config.order_field_id
        if field_id is None:
            return {}
        for field in ticket.get("custom_fields") or []:
            if (
                isinstance(field, dict)
                and field.get("id") == field_id
                and (value := _text(field.get("value")))
            ):
                return {"id": value}
        return {}


def convert_placeholders(text: str, order_field_id: int | None = None) -> tuple[str, list[str]]:
    """Replace Zendesk placeholders that have an advisor slot; return the text and the ones kept as is."""
    mapping = dict(PLACEHOLDER_SLOTS)
    if order_field_id is not None:
        mapping[f"ticket.ticket_field_{order_field_id}"] = "order.id"

    def swap(match: re.Match[str]) -> str:
        slot = mapping.get(match.group(1))
        return "{" + slot + "}" if slot else match.group(0)

    converted = PLACEHOLDER_RE.sub(swap, text)
    kept = list(dict.fromkeys(m.group(0) for m in LIQUID_RE.finditer(converted)))
    return converted, kept


def slug(title: str) -> str:
    """``"Shipping::Lost package"`` → ``"shipping_lost_package"`` (ASCII, lower case, ``_``)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_title.lower()).strip("_")[:128]


def _html_to_text(value: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>", "\n", value)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\n{3,}", "\n\n", html.unescape(text)).strip()


def macro_comment(macro: dict[str, Any]) -> str | None:
    """The public reply text a macro sets (``comment_value``, else ``comment_value_html`` as text)."""
    by_field = {a.get("field"): a.get("value") for a in macro.get("actions") or [] if isinstance(a, dict)}
    value = by_field.get("comment_value")
    if isinstance(value, list):  # older form: ["channel:all", "text"]
        value = value[-1] if value and isinstance(value[-1], str) else None
    if isinstance(value, str) and value.strip():
        return value.strip()
    value_html = by_field.get("comment_value_html")
    if isinstance(value_html, str) and (text := _html_to_text(value_html)):
        return text
    return None


class ZendeskPatternSource(_ZendeskClient):
    """A ``PatternSource``: active Zendesk macros that post a reply → draft patterns for review."""

    name = "zendesk"

    def __init__(self, config: ZendeskConfig | Mapping[str, Any], http: httpx.AsyncClient) -> None:
        super().__init__(config, http)
        self.skipped: dict[str, str] = {}
        """Macro id → why it was not imported, from the last ``list_patterns`` call."""

    async def list_patterns(self) -> list[PatternSpec]:
        """Return every active macro with reply text as a draft ``PatternSpec`` (all pages)."""
        self.skipped = {}
        patterns: list[PatternSpec] = []
        url: str | None = "/api/v2/macros/active.json"
        for page in range(1, self.config.max_pages + 1):
            if url is None:
                return patterns
            body = await self._get(url, f"active macros (page {page})")
            for macro in body.get("macros") or []:
                if isinstance(macro, dict) and (spec := self._to_pattern(macro)) is not None:
                    patterns.append(spec)
            url = self._next(body.get("next_page"))
        if url is not None:
            raise ConnectorError(
                f"Zendesk macros have more than {self.config.max_pages} pages; raise max_pages",
                vendor="zendesk",
            )
        return patterns

    def _next(self, next_page: Any) -> str | None:
        if not next_page:
            return None
        if not isinstance(next_page, str) or not next_page.startswith(self.config.base_url + "/"):
            # Never send the credentials to another host.
            raise ConnectorError(f"Zendesk next_page points outside {self.config.base_url}", vendor="zendesk")
        return next_page

    def _to_pattern(self, macro: dict[str, Any]) -> PatternSpec | None:
        macro_id = str(macro.get("id"))
        comment = macro_comment(macro)
        if comment is None:
            self.skipped[macro_id] = "sets no reply text"
            return None
        body, kept = convert_placeholders(comment, self.config.order_field_id)
        title = (_text(macro.get("title")) or f"Zendesk macro {macro_id}")[:200]
        note = f"Imported from Zendesk macro {macro_id}."
        if kept:
            note += " Placeholders without an advisor slot, kept as written: " + ", ".join(kept)
        try:
            return PatternSpec(
                id=f"zendesk-macro-{macro_id}",
                title=title,
                body=body,
                intents=[slug(title) or f"zendesk_macro_{macro_id}"],
                owner=self.config.owner,
                status=Status.draft,
                requires_review=bool(kept),
                change_note=note,
            )
        except ValidationError as exc:
            self.skipped[macro_id] = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            return None
