"""Typed settings: the only reader of the environment (prefix ``ADVISOR_``, ``__`` nesting)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
DEMO_PACK_DIR = PACKAGE_DIR / "packs" / "demo"


class RankingSettings(BaseModel):
    """How candidates are retrieved, fused and cut off."""

    k: int = Field(default=3, ge=1, le=10)
    candidates: int = Field(default=20, ge=1, le=200)
    escalate_below: float = Field(default=0.4, ge=0.0, le=1.0)
    embedder: str = "minilm-static"
    library_head: bool = False
    """Fit a scorer on each library's examples (ranking/head.py); off by default, see docs/benchmarks.md."""
    learn_from_decisions: bool = True
    """Agents' accept/edit/reject decisions update confidences and order (ranking/acceptance.py)."""
    decisions_refresh_s: float = Field(default=2.0, ge=0.0, le=3600.0)
    """How often a process folds new decisions in (a decision counts within this many seconds)."""
    embedding_cache: int = Field(default=4096, ge=0, le=1_000_000)
    """Turn texts whose embeddings each process keeps (LRU), so a conversation's turns are embedded once."""


class ServerSettings(BaseModel):
    """How a process admits requests and how fresh its in-memory copies of the store stay."""

    max_in_flight: int = Field(default=16, ge=1, le=1000)
    """Requests served at once; the thread pool and the connection pool are sized above it (app.py)."""
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


class Limits(BaseModel):
    """Bounds on request sizes; larger input is a 413 or a 422, never a crash."""

    max_body_bytes: int = 256_000
    max_turns: int = 200
    max_turn_chars: int = 8_000


class RetryPolicy(BaseModel):
    """Retry policy for outbound HTTP (turned into tenacity settings)."""

    attempts: int = 3
    initial_wait: float = 0.2
    max_wait: float = 5.0
    retry_after_cap: float = 30.0


class WebhookSettings(BaseModel):
    """Outbox draining: how often, how many at once, and how long a failing endpoint is retried."""

    enabled: bool = True
    poll_s: float = Field(default=1.0, gt=0.0)
    batch: int = Field(default=100, ge=1, le=1000)
    max_rounds: int = Field(default=12, ge=1, description="Delivery rounds before an event is given up.")
    backoff_initial_s: float = Field(default=5.0, ge=0.0)
    backoff_max_s: float = Field(default=3600.0, ge=0.0)
    lease_s: float = Field(default=60.0, gt=0.0)
    retention_days: float = Field(default=7.0, gt=0.0, description="Finished deliveries are kept this long.")


class LlmSettings(BaseModel):
    """Optional LLM steps; off unless an API key is configured."""

    api_key: SecretStr | None = None
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    timeout_s: float = 2.0


class MetricsSettings(BaseModel):
    """Defaults of the metric reports (each can be overridden per request with a query parameter)."""

    ready_min_decisions: int = Field(default=50, ge=1)
    ready_min_acceptance_low: float = Field(default=0.7, ge=0.0, le=1.0)
    ready_min_similarity: float = Field(default=0.9, ge=0.0, le=1.0)
    weak_min_decisions: int = Field(default=20, ge=1)
    weak_edit_rate: float = Field(default=0.35, ge=0.0, le=1.0)
    weak_rejection_rate: float = Field(default=0.25, ge=0.0, le=1.0)
    alpha: float = Field(default=0.01, gt=0.0, lt=1.0)
    refresh_lag_s: float = Field(default=30.0, ge=0.0)
    refresh_interval_s: float = Field(
        default=10.0, ge=0.0, description="Background roll-up refresh period (0 turns it off)."
    )


class Settings(BaseSettings):
    """advisor's configuration; every field can be set as ``ADVISOR_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ADVISOR_", env_nested_delimiter="__", extra="ignore")

    database_url: str = "sqlite:///advisor.db"
    patterns_dir: Path = DEMO_PACK_DIR
    seed_demo: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    ranking: RankingSettings = RankingSettings()
    limits: Limits = Limits()
    retry: RetryPolicy = RetryPolicy()
    llm: LlmSettings = LlmSettings()
    metrics: MetricsSettings = MetricsSettings()
    server: ServerSettings = ServerSettings()
    cors_origins: list[str] = []
    embed_origins: list[str] = []
    """Origins that may frame /widget and postMessage it (CSP frame-ancestors); empty: same origin."""
    webhooks: WebhookSettings = WebhookSettings()
