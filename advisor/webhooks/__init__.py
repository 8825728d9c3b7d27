"""Webhooks: signed, retried deliveries of feedback and pattern-change events via an outbox."""

from advisor.webhooks.signing import sign, verify_signature

__all__ = ["sign", "verify_signature"]
