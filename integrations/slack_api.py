"""The Slack Web API client: retries on rate limits and faults, counted in metrics."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from integrations.metrics import OpsMetrics


class InstrumentedWebClient(AsyncWebClient):
    """An AsyncWebClient that counts each call by method and outcome."""

    metrics: OpsMetrics | None = None

    async def api_call(self, api_method: str, *args: Any, **kwargs: Any) -> AsyncSlackResponse:
        """Call `api_method`, recording its outcome."""
        try:
            response = await super().api_call(api_method, *args, **kwargs)
        except SlackApiError as exc:
            self._count(api_method, _error_code(exc))
            raise
        except Exception:
            self._count(api_method, "exception")
            raise
        self._count(api_method, "ok")
        return response

    def _count(self, method: str, status: str) -> None:
        if self.metrics is not None:
            self.metrics.outbound.labels("slack", method, status).inc()


def _error_code(exc: SlackApiError) -> str:
    # A 5xx from a proxy or Slack's edge may carry HTML or nothing, not a JSON body.
    data = getattr(exc.response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return str(getattr(exc.response, "status_code", "error"))


def make_slack_client(
    *, token: str | None, base_url: str, metrics: OpsMetrics | None, max_retries: int = 3
) -> InstrumentedWebClient:
    """Build the Web API client with slack_sdk's own retry handlers."""
    handlers = (
        [
            AsyncRateLimitErrorRetryHandler(max_retry_count=max_retries),
            AsyncServerErrorRetryHandler(max_retry_count=max_retries),
            AsyncConnectionErrorRetryHandler(max_retry_count=max_retries),
        ]
        if max_retries > 0
        else []
    )
    client = InstrumentedWebClient(
        token=token, base_url=base_url, timeout=10, retry_handlers=handlers
    )
    client.metrics = metrics
    return client
