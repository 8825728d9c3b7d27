"""Python client for advisor's HTTP API: ``AdvisorClient`` (sync) and ``AsyncAdvisorClient`` (async).

    from advisor.client import AdvisorClient
    with AdvisorClient("http://127.0.0.1:8000", api_key=AGENT_KEY) as advisor:
        answer = advisor.recommend({"interaction_id": "chat-42", "channel": "chat", "agent_id": "a-7",
                                    "turns": [{"role": "customer", "text": "where is my order?"}]})

Answers are advisor's own pydantic models; errors are typed (see ``advisor.client._errors``).
"""

from advisor.client._async import AsyncAdvisorClient
from advisor.client._calls import Call, MetricReport
from advisor.client._errors import (
    AdvisorAPIError,
    AdvisorConnectionError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
)
from advisor.client._sync import AdvisorClient
from advisor.settings import RetryPolicy

__all__ = [
    "AdvisorAPIError",
    "AdvisorClient",
    "AdvisorConnectionError",
    "AsyncAdvisorClient",
    "AuthenticationError",
    "BadRequestError",
    "Call",
    "ConflictError",
    "InvalidInputError",
    "MetricReport",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RetryPolicy",
    "ServerError",
]
