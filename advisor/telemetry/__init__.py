"""What an operator sees: structured logs with request ids, and Prometheus metrics."""
