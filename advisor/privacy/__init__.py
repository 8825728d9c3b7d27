"""Privacy: erasure of one customer's interactions and the retention of conversation text."""
