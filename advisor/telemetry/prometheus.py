"""Prometheus metrics of one app: HTTP latency per route, ranking time, outcomes, feedback, reloads.

Each app owns its registry (several apps in one process, as in the tests, do not collide). Served by
several worker processes (``advisor serve --workers N``), the workers write their samples to the
directory named by ``PROMETHEUS_MULTIPROC_DIR`` (``advisor serve`` sets it) and ``/metrics`` sums them
across processes, so a scrape sees the whole server whichever worker answers it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
RANKING_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class Telemetry:
    """The app's metrics and the registry ``/metrics`` exposes."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.multiprocess = bool(os.environ.get(MULTIPROC_ENV))  # noqa: TID251 (prometheus_client's switch)
        r = self.registry
        self.http_duration = Histogram(
            "advisor_http_request_duration_seconds",
            "Time from request start to the end of the response, per route template.",
            ("method", "route", "status"),
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "advisor_http_requests_in_flight",
            "HTTP requests being served.",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.ranking_duration = Histogram(
            "advisor_ranking_duration_seconds",
            "In-process ranking time of one recommendations request (state, retrieval, eligibility).",
            buckets=RANKING_BUCKETS,
            registry=r,
        )
        self.recommendations = Counter(
            "advisor_recommendations",
            "Recommendation requests served, by outcome (suggested or escalated).",
            ("outcome",),
            registry=r,
        )
        self.feedback = Counter(
            "advisor_feedback_events",
            "Feedback events stored (resends not counted), by action.",
            ("action",),
            registry=r,
        )
        self.library_reloads = Counter(
            "advisor_library_reloads",
            "Rankers rebuilt because a tenant's approved library changed (or was first used).",
            registry=r,
        )
        self.live: Callable[[], dict[str, float]] = dict
        """Values read at scrape time from this process (admission, decision writer); set by the lifespan."""
        self._live = _Live(self)
        r.register(self._live)

    def render(self) -> bytes:
        """Return the exposition text: this process's samples, or every worker's when several serve."""
        if self.multiprocess:
            merged = CollectorRegistry()
            MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
            merged.register(self._live)  # the answering worker's own queue and shed counts, labelled pid
            return generate_latest(merged)
        return generate_latest(self.registry)

    def observe_ranking(self, seconds: float, escalated: bool) -> None:
        """Count one recommendations request and its ranking time."""
        self.ranking_duration.observe(seconds)
        self.recommendations.labels("escalated" if escalated else "suggested").inc()


LIVE: dict[str, tuple[str, str]] = {
    "advisor_requests_shed": ("counter", "Requests answered 503 because the process was full."),
    "advisor_decision_queue_depth": ("gauge", "Served requests waiting for the decision writer."),
    "advisor_decision_batches": ("counter", "Batches the decision writer has written."),
    "advisor_decision_flush_seconds": ("counter", "Time the decision writer spent writing batches."),
    "advisor_feedback_queue_depth": (
        "gauge",
        "Feedback events waiting for the feedback writer's next batch.",
    ),
    "advisor_feedback_batches": ("counter", "Batches (transactions) the feedback writer has committed."),
    "advisor_feedback_flush_seconds": ("counter", "Time the feedback writer spent writing batches."),
}


class _Live(Collector):
    """This process's scrape-time values; with several workers each is labelled with its ``pid``."""

    def __init__(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry

    def collect(self) -> Iterator[Metric]:
        """Yield one family per live value."""
        pid = str(os.getpid())
        for name, value in self._telemetry.live().items():
            kind, text = LIVE[name]
            family = GaugeMetricFamily if kind == "gauge" else CounterMetricFamily
            if self._telemetry.multiprocess:
                labelled = family(name, text, labels=["pid"])
                labelled.add_metric([pid], value)
                yield labelled
            else:
                yield family(name, text, value=value)
