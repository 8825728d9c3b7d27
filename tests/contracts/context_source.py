"""ContextSourceContract: what every ``ContextSource`` must do; each implementation's tests subclass it."""

from __future__ import annotations

import pytest

from advisor.context.models import CrmFields
from advisor.plugins import ContextSource

GROUPS = {"customer", "order", "case"}


class ContextSourceContract:
    """Subclass and provide the fixtures and ids; every test here then runs against the implementation."""

    known_interaction: str = ""
    """An interaction the reachable source knows."""

    unknown_interaction: str = ""
    """An interaction the reachable source does not know."""

    @pytest.fixture
    def source(self) -> ContextSource:
        """A source whose system is reachable and accepts the credentials."""
        raise NotImplementedError

    @pytest.fixture
    def refused_source(self) -> ContextSource:
        """A source whose system refuses the credentials."""
        raise NotImplementedError

    @pytest.fixture
    def unreachable_source(self) -> ContextSource:
        """A source whose system cannot be reached."""
        raise NotImplementedError

    async def test_satisfies_the_protocol(self, source: ContextSource) -> None:
        assert isinstance(source, ContextSource)
        assert source.name
        await source.check()  # (so that a strict HTTP mock sees every fixture used)

    async def test_fetch_returns_crm_groups_the_api_accepts(self, source: ContextSource) -> None:
        fields = await source.fetch("acme", self.known_interaction)
        assert set(fields) <= GROUPS
        assert any(fields.values()), "a known interaction yields at least one field"
        CrmFields.model_validate(fields)  # what POST /v1/recommendations would accept as `crm`

    async def test_fetch_never_invents_empty_values(self, source: ContextSource) -> None:
        fields = await source.fetch("acme", self.known_interaction)
        for group in fields.values():
            for key, value in group.items():
                assert value is not None, key
                assert value != "", key

    async def test_unknown_interaction_raises(self, source: ContextSource) -> None:
        with pytest.raises(Exception):  # noqa: B017, PT011  (each source has its own error type)
            await source.fetch("acme", self.unknown_interaction)

    async def test_refused_credentials_raise(self, refused_source: ContextSource) -> None:
        with pytest.raises(Exception):  # noqa: B017, PT011
            await refused_source.fetch("acme", self.known_interaction)

    async def test_check_passes_when_reachable(self, source: ContextSource) -> None:
        await source.check()

    async def test_check_raises_when_refused(self, refused_source: ContextSource) -> None:
        with pytest.raises(Exception):  # noqa: B017, PT011
            await refused_source.check()

    async def test_check_raises_when_unreachable(self, unreachable_source: ContextSource) -> None:
        with pytest.raises(Exception):  # noqa: B017, PT011
            await unreachable_source.check()
