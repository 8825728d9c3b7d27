"""SalesforceContextSource: Case + Contact → CRM fields; errors name Salesforce's own message."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from advisor.errors import ConnectorError, InvalidInput
from advisor.plugins import ContextSource
from connectors.salesforce import SalesforceConfig, SalesforceContextSource
from tests.connectors.conftest import ZERO_WAIT, payload
from tests.contracts.context_source import ContextSourceContract

API = "https://acme.my.salesforce.com/services/data/v60.0"
CASE_ID = "500Dn00000ABCDEIA5"
CONTACT_ID = "003Dn00000XYZ12IAB"


def config(**overrides: Any) -> SalesforceConfig:
    values: dict[str, Any] = {
        "instance_url": "https://acme.my.salesforce.com",
        "access_token": "00Dxx!token",
        "segment_field": "Loyalty_Tier__c",
        "order_field": "Order_Number__c",
        "retry": ZERO_WAIT,
    }
    values.update(overrides)
    return SalesforceConfig.model_validate(values)


def sf_json(name: str, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=payload("salesforce", name))


@pytest.fixture
def salesforce() -> Iterator[respx.MockRouter]:
    """Strict mock: every route must be called, and any unmocked request fails the test."""
    with respx.mock(assert_all_called=True, assert_all_mocked=True) as router:
        yield router


class TestSalesforceContextContract(ContextSourceContract):
    known_interaction = CASE_ID
    unknown_interaction = "500Dn00000NOPE0IA5"

    @staticmethod
    def fake_salesforce(request: httpx.Request) -> httpx.Response:
        """A tiny Salesforce: the documented payloads by path, 404 for anything else."""
        if request.headers.get("authorization") != "Bearer 00Dxx!token":
            return sf_json("error_401", 401)
        known = {
            f"/services/data/v60.0/sobjects/Case/{CASE_ID}": "case",
            f"/services/data/v60.0/sobjects/Contact/{CONTACT_ID}": "contact",
            "/services/data/v60.0/limits": "limits",
        }
        name = known.get(request.url.path)
        return sf_json(name) if name else sf_json("error_404", 404)

    async def _source(
        self, http: httpx.AsyncClient, host: str, **overrides: Any
    ) -> AsyncIterator[ContextSource]:
        with respx.mock(assert_all_called=True, assert_all_mocked=True) as router:
            route = router.route(host=host)
            if host == "down.my.salesforce.com":
                route.mock(side_effect=httpx.ConnectError("refused"))
            else:
                route.mock(side_effect=self.fake_salesforce)
            yield SalesforceContextSource(config(instance_url=f"https://{host}", **overrides), http)

    @pytest.fixture
    async def source(self, http: httpx.AsyncClient) -> AsyncIterator[ContextSource]:
        async for s in self._source(http, "acme.my.salesforce.com"):
            yield s

    @pytest.fixture
    async def refused_source(self, http: httpx.AsyncClient) -> AsyncIterator[ContextSource]:
        async for s in self._source(http, "acme.my.salesforce.com", access_token="expired"):
            yield s

    @pytest.fixture
    async def unreachable_source(self, http: httpx.AsyncClient) -> AsyncIterator[ContextSource]:
        async for s in self._source(http, "down.my.salesforce.com"):
            yield s


async def test_case_and_contact_map_to_customer_case_and_order(
    salesforce: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    salesforce.get(f"{API}/sobjects/Case/{CASE_ID}").mock(return_value=sf_json("case"))
    salesforce.get(f"{API}/sobjects/Contact/{CONTACT_ID}").mock(return_value=sf_json("contact"))

    fields = await SalesforceContextSource(config(), http).fetch("acme", CASE_ID)

    assert fields == {
        "customer": {
            "first_name": "Dana",
            "last_name": "van der Berg",
            "email": "dana@example.com",
            "phone": "+31 6 5550 0101",  # MobilePhone, since Phone is empty
            "segment": "gold",
        },
        "case": {
            "id": "00001026",
            "subject": "My parcel never arrived",
            "status": "New",
            "priority": "High",
            "type": "Problem",
            "channel": "Web",
        },
        "order": {"id": "A1001"},
    }


async def test_missing_contact_fields_are_left_out(
    salesforce: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    salesforce.get(f"{API}/sobjects/Case/{CASE_ID}").mock(return_value=sf_json("case"))
    salesforce.get(f"{API}/sobjects/Contact/{CONTACT_ID}").mock(return_value=sf_json("contact_sparse"))
    fields = await SalesforceContextSource(config(), http).fetch("acme", CASE_ID)
    assert fields["customer"] == {"last_name": "Berg"}


async def test_case_without_contact_makes_one_call(
    salesforce: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    case = payload("salesforce", "case") | {"ContactId": None}
    salesforce.get(f"{API}/sobjects/Case/{CASE_ID}").mock(return_value=httpx.Response(200, json=case))
    fields = await SalesforceContextSource(config(order_field=None), http).fetch("acme", CASE_ID)
    assert fields["customer"] == {}
    assert fields["order"] == {}


async def test_unknown_case_and_expired_token_say_so(
    salesforce: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    salesforce.get(f"{API}/sobjects/Case/{CASE_ID}").mock(
        side_effect=[sf_json("error_404", 404), sf_json("error_401", 401)]
    )
    source = SalesforceContextSource(config(), http)
    with pytest.raises(ConnectorError, match=rf"Salesforce has no Case {CASE_ID} \(HTTP 404\)"):
        await source.fetch("acme", CASE_ID)
    with pytest.raises(ConnectorError, match=r"refused the credentials .*Session expired or invalid"):
        await source.fetch("acme", CASE_ID)


async def test_server_errors_are_retried(salesforce: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = salesforce.get(f"{API}/limits").mock(
        side_effect=[httpx.Response(503, headers={"Retry-After": "3"}), sf_json("limits")]
    )
    await SalesforceContextSource(config(), http).check()
    assert route.call_count == 2


async def test_malformed_case_id_is_refused_without_a_call(
    salesforce: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    with pytest.raises(InvalidInput, match="15 or 18"):
        await SalesforceContextSource(config(), http).fetch("acme", "../query?q=SELECT")


def test_token_is_never_shown() -> None:
    assert "00Dxx!token" not in repr(config())
