"""Prometheus metrics of this process at ``GET /metrics`` (text exposition; no customer text, no keys).

Each app has its own registry, so several apps in one process (tests) do not share counts. With several
workers each process answers for itself; scrape each worker or run one per container.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The process's registry, the HTTP histogram and the counters routes bump."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http = Histogram(
            "advisor_http_request_duration_seconds",
            "Time from request to the end of the response, by route template and status.",
            ["method", "route", "status"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.recommendations = Counter(
            "advisor_recommendations",
            "Recommendation requests served, by whether they escalated.",
            ["escalated"],
            registry=self.registry,
        )
        self.feedback = Counter(
            "advisor_feedback",
            "Feedback events stored (resends excluded), by action.",
            ["action"],
            registry=self.registry,
        )
        self.live: Callable[[], dict[str, float]] = dict
        """Values read at scrape time (queue depth, batches, library builds...); set by the lifespan."""
        self.registry.register(_Live(self))

    def exposition(self) -> bytes:
        """Return the registry in Prometheus' text format."""
        return generate_latest(self.registry)


LIVE: dict[str, tuple[str, str]] = {
    "advisor_requests_in_flight": ("gauge", "Requests admitted and not yet answered."),
    "advisor_requests_shed": ("counter", "Requests answered 503 because the process was full."),
    "advisor_decision_queue_depth": ("gauge", "Served requests waiting for the decision writer."),
    "advisor_decision_batches": ("counter", "Batches the decision writer has written."),
    "advisor_decision_flush_seconds": ("counter", "Time the decision writer spent writing batches."),
    "advisor_library_builds": ("counter", "Rankers built for a library (first use or a stamp change)."),
}


class _Live(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        for name, value in self._metrics.live().items():
            kind, text = LIVE[name]
            family = GaugeMetricFamily if kind == "gauge" else CounterMetricFamily
            yield family(name, text, value=value)


class MetricsMiddleware:
    """Time every HTTP request by its route template (``/v1/patterns/{pattern_id}``, never the raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.http.labels(scope["method"], template, str(status)).observe(
                time.perf_counter() - started
            )
