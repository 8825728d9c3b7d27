"""Acceptance, consistency, delay, coverage and readiness metrics over the decision log."""
