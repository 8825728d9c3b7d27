"""The demo desk's secrets (the demo agent key in clear, readable only by /demo/config on loopback)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from advisor.store.tables.tenancy import DemoSecretRow, TenantRow


class DemoSecretRepository:
    """Reads and writes ``demo_secrets``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def tenant_exists(self, tenant_id: str) -> bool:
        """Return whether the tenant exists."""
        return self.session.get(TenantRow, tenant_id) is not None

    def get(self, name: str) -> DemoSecretRow | None:
        """Return a stored secret by name."""
        return self.session.get(DemoSecretRow, name)

    def put(self, name: str, tenant_id: str, secret: str) -> None:
        """Store (or replace) a secret."""
        row = self.session.get(DemoSecretRow, name)
        if row is None:
            self.session.add(DemoSecretRow(name=name, tenant_id=tenant_id, secret=secret))
        else:
            row.tenant_id, row.secret = tenant_id, secret
        self.session.flush()
