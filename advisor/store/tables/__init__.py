"""Tables of the store, one module per aggregate; portable types only, named constraints.

``base`` holds the declarative ``Base`` and its metadata. Importing any table module runs this one, which
imports them all, so ``Base.metadata`` always holds every table (foreign keys name tables, not classes).
"""

from advisor.store.tables import audit, decisions, learned, metrics, patterns, tenancy, webhooks

__all__ = ["audit", "decisions", "learned", "metrics", "patterns", "tenancy", "webhooks"]
