"""Learned examples: customer words agents confirmed a pattern for, reviewed by a lead before they count."""
