"""Salesforce connector: CRM context from a Case and its Contact through the REST API.

Interaction id = the Case's record id (15 or 18 characters). Takes a :class:`SalesforceConfig`
(or a plain mapping of it) and an ``httpx.AsyncClient`` owned by the caller; authentication is an
OAuth access token obtained elsewhere (advisor does not run the OAuth flow). Missing Salesforce
fields are left out of the result, never invented.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from advisor.errors import InvalidInput
from advisor.settings import RetryPolicy
from connectors._http import bearer_auth, get_json

VENDOR = "Salesforce"
RECORD_ID_RE = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
CONTACT_FIELDS = {"FirstName": "first_name", "LastName": "last_name", "Email": "email", "Phone": "phone"}
CASE_FIELDS = {
    "Subject": "subject",
    "Status": "status",
    "Priority": "priority",
    "Type": "type",
    "Origin": "channel",
}


class SalesforceConfig(BaseModel):
    """Which org, which token, and which custom fields hold the segment and the order id."""

    model_config = ConfigDict(extra="forbid")

    instance_url: str = Field(
        pattern=r"^https://[A-Za-z0-9.-]+$", description="https://acme.my.salesforce.com"
    )
    access_token: SecretStr
    api_version: str = Field(default="v60.0", pattern=r"^v[0-9]{2,3}\.0$")
    segment_field: str | None = Field(default=None, description="Contact field holding the segment")
    order_field: str | None = Field(default=None, description="Case field holding the order id")
    retry: RetryPolicy = Field(default_factory=RetryPolicy)


def _text(value: Any) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    return None


class SalesforceContextSource:
    """A ``ContextSource``: Case (+ its Contact) → customer, case and order fields."""

    name = "salesforce"

    def __init__(self, config: SalesforceConfig | Mapping[str, Any], http: httpx.AsyncClient) -> None:
        self.config = (
            config if isinstance(config, SalesforceConfig) else SalesforceConfig.model_validate(config)
        )
        self.http = http

    def _url(self, path: str) -> str:
        return f"{self.config.instance_url}/services/data/{self.config.api_version}{path}"

    async def _get(self, path: str, what: str) -> dict[str, Any]:
        return await get_json(
            self.http,
            self._url(path),
            vendor=VENDOR,
            what=what,
            authorization=bearer_auth(self.config.access_token.get_secret_value()),
            policy=self.config.retry,
        )

    async def check(self) -> None:
        """Raise ``ConnectorError`` unless the token is accepted (GET ``/limits``)."""
        await self._get("/limits", "the org's API limits")

    async def fetch(self, tenant_id: str, interaction_id: str) -> dict[str, dict[str, Any]]:  # noqa: ARG002 (one config per tenant)
        """Return ``{"customer", "case", "order"}`` for the Case; a field Salesforce lacks is left out."""
        if not RECORD_ID_RE.match(interaction_id):
            raise InvalidInput(
                f"Salesforce Case ids are 15 or 18 letters and digits; got {interaction_id[:40]!r}",
                field="interaction_id",
            )
        case = await self._get(f"/sobjects/Case/{interaction_id}", f"Case {interaction_id}")
        contact: dict[str, Any] = {}
        contact_id = _text(case.get("ContactId"))
        if contact_id and RECORD_ID_RE.match(contact_id):
            contact = await self._get(f"/sobjects/Contact/{contact_id}", f"Contact {contact_id}")
        return {"customer": self._customer(contact), "case": self._case(case), "order": self._order(case)}

    def _customer(self, contact: dict[str, Any]) -> dict[str, Any]:
        out = {key: value for sf, key in CONTACT_FIELDS.items() if (value := _text(contact.get(sf)))}
        if "phone" not in out and (mobile := _text(contact.get("MobilePhone"))):
            out["phone"] = mobile
        if self.config.segment_field and (segment := _text(contact.get(self.config.segment_field))):
            out["segment"] = segment.lower()
        return out

    @staticmethod
    def _case(case: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if number := _text(case.get("CaseNumber")) or _text(case.get("Id")):
            out["id"] = number
        out.update({key: value for sf, key in CASE_FIELDS.items() if (value := _text(case.get(sf)))})
        return out

    def _order(self, case: dict[str, Any]) -> dict[str, Any]:
        if self.config.order_field and (order_id := _text(case.get(self.config.order_field))):
            return {"id": order_id}
        return {}
