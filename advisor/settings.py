"""Typed settings: the only reader of the environment (prefix ``ADVISOR_``, ``__`` nesting)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from advisor.context.models import MAX_TURN_CHARS, MAX_TURNS

PACKAGE_DIR = Path(__file__).resolve().parent
DEMO_PACK_DIR = PACKAGE_DIR / "packs" / "demo"


class Group(BaseModel):
    """A group of settings; each field's docstring is its documented meaning (docs/settings.md)."""

    model_config = ConfigDict(use_attribute_docstrings=True)


class RankingSettings(Group):
    """How candidates are retrieved, fused and cut off."""

    candidates: int = Field(default=20, ge=1, le=200)
    """Patterns considered per request before the confidence cut (eligibility, ordering)."""
    escalate_below: float = Field(default=0.4, ge=0.0, le=1.0)
    """Calibrated confidence below which a suggestion is withheld (escalate instead of guess)."""
    embedder: str = "minilm-static-cs"
    """Sentence embedder: minilm-static-cs (shipped), onnx-minilm-l6 (accurate profile: shipped, needs
    onnxruntime from extra onnx), onnx-paraphrase-minilm-l3 (extra onnx), or a model2vec directory."""
    library_head: bool = True
    """Fit a scorer on each library's examples, with an out-of-library class (ranking/head.py)."""
    learn_from_decisions: bool = True
    """Agents' accept/edit/reject decisions update confidences and order (ranking/acceptance.py)."""
    decisions_refresh_s: float = Field(default=2.0, ge=0.0, le=3600.0)
    """How often a process folds new decisions in (a decision counts within this many seconds)."""
    embedding_cache: int = Field(default=4096, ge=0, le=1_000_000)
    """Turn texts whose embeddings each process keeps (LRU), so a conversation's turns are embedded once."""


class ServerSettings(Group):
    """How a process admits requests and how fresh its in-memory copies of the store stay."""

    max_in_flight: int = Field(default=16, ge=1, le=1000)
    """Requests served at once; the thread pool and the connection pool are sized above it (app.py)."""
    admissions_per_turn: int = Field(default=2, ge=1, le=1000)
    """Recommendation requests let in per turn of the event loop: a request ranked on the loop runs without
    yielding, so this bounds how long the loop goes without reading its sockets (new connections,
    ``/healthz``). Requests that wait for a thread or a commit (feedback, governance) are not paced."""
    event_loop: Literal["asyncio", "uvloop"] = "asyncio"
    """The event loop ``advisor serve`` runs: asyncio accepts every pending connection at once; uvloop
    (libuv 1.45+) accepts one per turn of the loop, so 200 clients arriving together waited seconds."""
    admission_wait_s: float = Field(default=0.5, ge=0.0, le=30.0)
    """How long a request over ``max_in_flight`` may wait for a slot before a 503."""
    retry_after_s: int = Field(default=1, ge=1, le=3600)
    """The ``Retry-After`` of a 503 for overload."""
    stamp_poll_s: float = Field(default=0.5, ge=0.0, le=60.0)
    """How often a process re-reads the library stamps and key revocations (changes made by another
    process reach this one within this delay plus one request; this process's own changes at once)."""
    decision_flush_s: float = Field(default=0.05, ge=0.0, le=5.0)
    """How long served requests gather before one transaction writes them (store/writer.py)."""
    readiness_poll_s: float = Field(default=1.0, gt=0.0, le=60.0)
    """How often the background check behind /readyz pings the store."""
    warm_libraries: int = Field(default=50, ge=0, le=100_000)
    """Libraries ``advisor serve`` builds in each process before it accepts requests, the most recently
    changed first, for at most a minute (seconds for a large library); the others are built on their first
    request. 0: none."""


class Limits(Group):
    """Bounds on request sizes; larger input is a 413 or a 422, never a crash."""

    max_body_bytes: int = 256_000
    """Largest request body accepted; larger is a 413 problem."""
    max_turns: int = Field(default=200, ge=1, le=MAX_TURNS)
    """Turns a recommendation request may carry (at most the schema's ceiling); more is a 422."""
    max_turn_chars: int = Field(default=8_000, ge=1, le=MAX_TURN_CHARS)
    """Characters one turn may hold (at most the schema's ceiling); more is a 422."""


class RetryPolicy(Group):
    """Retry policy for outbound HTTP (turned into tenacity settings)."""

    attempts: int = 3
    """Attempts per outbound HTTP call (CRM connectors, LLM, webhooks within a round)."""
    initial_wait: float = 0.2
    """First back-off between attempts, seconds (exponential, jittered)."""
    max_wait: float = 5.0
    """Longest back-off between attempts, seconds."""
    retry_after_cap: float = 30.0
    """Longest Retry-After from a remote service that is honoured, seconds."""


class WebhookSettings(Group):
    """Outbox draining: how often, how many at once, and how long a failing endpoint is retried."""

    enabled: bool = True
    """Deliver webhooks from the outbox in the background."""
    poll_s: float = Field(default=1.0, gt=0.0)
    """How often the outbox is polled, seconds."""
    batch: int = Field(default=100, ge=1, le=1000)
    """Deliveries leased per poll."""
    max_rounds: int = Field(default=12, ge=1, description="Delivery rounds before an event is given up.")
    backoff_initial_s: float = Field(default=5.0, ge=0.0)
    """Wait before a failed delivery's second round, seconds (doubling each round)."""
    backoff_max_s: float = Field(default=3600.0, ge=0.0)
    """Longest wait between delivery rounds, seconds."""
    lease_s: float = Field(default=60.0, gt=0.0)
    """How long a leased delivery is reserved for one process, seconds."""
    retention_days: float = Field(default=7.0, gt=0.0, description="Finished deliveries are kept this long.")
    allow_targets: list[Annotated[str, StringConstraints(min_length=1, max_length=253)]] = Field(
        default=[],
        max_length=100,
        description="CIDRs and host names of internal receivers exempt from the SSRF guard.",
    )


class RateLimitSettings(Group):
    """Per-API-key request limits: 429 with Retry-After once a key is over (off by default)."""

    enabled: bool = False
    """Refuse a key's requests over ``per_key`` with a 429 problem and Retry-After."""
    per_key: str = Field(default="600/minute", description="A `limits` rate string, e.g. 100/second.")
    storage_url: str = Field(default="memory://", description="memory:// (per process) or redis://host:6379")

    @field_validator("per_key")
    @classmethod
    def _parses(cls, v: str) -> str:
        from limits import parse

        parse(v)  # raises ValueError on a malformed rate
        return v


class PrivacySettings(Group):
    """What the store keeps of conversations, and for how long."""

    redact_stored_text: bool = Field(
        default=True,
        description="Mask e-mails, card and phone numbers, IBANs and long digit runs in stored text.",
    )
    retention_days: float | None = Field(
        default=None, ge=1.0, description="Remove conversation text older than this (None: keep)."
    )
    retention_check_s: float = Field(default=3600.0, gt=0.0)
    """How often the retention sweep runs, seconds."""


class LlmSettings(Group):
    """Optional LLM steps; off unless an API key is configured.

    No LLM step exists yet: these are kept for the LLM rerank/rationale issue, which reads them.
    """

    api_key: SecretStr | None = None
    """OpenAI-compatible API key for the optional LLM steps (unset: no LLM is used)."""
    base_url: str = "https://api.openai.com/v1"
    """Base URL of the OpenAI-compatible API."""
    model: str = "gpt-4o-mini"
    """Chat model name for the optional LLM steps."""
    timeout_s: float = 2.0
    """Timeout of one LLM call, seconds."""


class MetricsSettings(Group):
    """Defaults of the metric reports (each can be overridden per request with a query parameter)."""

    ready_min_decisions: int = Field(default=50, ge=1)
    """Decisions a pattern needs before it can be called ready to trust more."""
    ready_min_acceptance_low: float = Field(default=0.7, ge=0.0, le=1.0)
    """Lower confidence bound of acceptance a ready pattern needs."""
    ready_min_similarity: float = Field(default=0.9, ge=0.0, le=1.0)
    """Mean similarity of sent text to the approved text a ready pattern needs."""
    weak_min_decisions: int = Field(default=20, ge=1)
    """Decisions before a pattern can be flagged weak."""
    weak_edit_rate: float = Field(default=0.35, ge=0.0, le=1.0)
    """Edit rate above which a pattern is flagged weak."""
    weak_rejection_rate: float = Field(default=0.25, ge=0.0, le=1.0)
    """Rejection rate above which a pattern is flagged weak."""
    alpha: float = Field(default=0.01, gt=0.0, lt=1.0)
    """Significance level of the metric reports' tests and intervals."""
    refresh_lag_s: float = Field(default=30.0, ge=0.0)
    """Events younger than this are left for the next roll-up refresh, seconds."""
    refresh_interval_s: float = Field(
        default=10.0, ge=0.0, description="Background roll-up refresh period (0 turns it off)."
    )


class LogSettings(Group):
    """What the server logs, and how (``advisor serve``; see advisor/telemetry/logs.py)."""

    format: Literal["json", "text"] = "json"
    """json: one JSON object per line (request id, route, status); text: plain lines."""
    level: Literal["debug", "info", "warning", "error"] = "info"
    """Lowest level logged."""
    access: bool = True
    """One line per request: method, route template, status, duration (never the query or body)."""


class Settings(BaseSettings):
    """advisor's configuration; every field can be set as ``ADVISOR_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="ADVISOR_", env_nested_delimiter="__", extra="ignore", use_attribute_docstrings=True
    )

    database_url: str = "sqlite:///advisor.db"
    """The store: a SQLite file (default) or postgresql://… for scale."""
    patterns_dir: Path = DEMO_PACK_DIR
    """Pattern pack loaded into the demo tenant on first start."""
    seed_demo: bool = True
    """Create the demo tenant, keys and pack on first start."""
    host: str = "127.0.0.1"
    """Interface `advisor serve` binds."""
    port: int = 8000
    """Port `advisor serve` listens on."""
    ranking: RankingSettings = RankingSettings()
    """Ranking settings (`ADVISOR_RANKING__…`)."""
    limits: Limits = Limits()
    """Request size limits (`ADVISOR_LIMITS__…`)."""
    retry: RetryPolicy = RetryPolicy()
    """Outbound retry policy (`ADVISOR_RETRY__…`)."""
    llm: LlmSettings = LlmSettings()
    """Optional LLM steps (`ADVISOR_LLM__…`)."""
    metrics: MetricsSettings = MetricsSettings()
    """Metric report defaults (`ADVISOR_METRICS__…`)."""
    server: ServerSettings = ServerSettings()
    """Request admission, stamps and the decision writer (`ADVISOR_SERVER__…`)."""
    cors_origins: list[str] = []
    """Origins allowed to call the API from a browser (CORS); empty: none."""
    embed_origins: list[str] = []
    """Origins that may frame /widget and postMessage it (CSP frame-ancestors); empty: same origin."""
    webhooks: WebhookSettings = WebhookSettings()
    """Webhook delivery (`ADVISOR_WEBHOOKS__…`)."""
    log: LogSettings = LogSettings()
    """Server logs (`ADVISOR_LOG__…`)."""
    shutdown_grace_s: int = Field(default=30, ge=0)
    """On SIGTERM, in-flight requests get this long to finish before the workers stop."""
    rate_limits: RateLimitSettings = RateLimitSettings()
    """Per-key rate limits (`ADVISOR_RATE_LIMITS__…`)."""
    privacy: PrivacySettings = PrivacySettings()
    """Stored text and retention (`ADVISOR_PRIVACY__…`)."""
