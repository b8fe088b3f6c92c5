"""Slack's v0 request signature, for requests the bot makes to its own front door.

The app signs a re-run command with its own secret (so it is checked like any other
request); the offline package builds whole Slack requests on top of this.
"""

from __future__ import annotations

import time

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

FORM = "application/x-www-form-urlencoded"


def sign(
    body: str,
    secret: str,
    *,
    timestamp: int | None = None,
    content_type: str = FORM,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> dict[str, str]:
    """Return the headers Slack sends with `body`: v0 signature, timestamp, retry marks."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body) or ""
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    return headers


def to_bolt_request(body: str, headers: dict[str, str]) -> AsyncBoltRequest:
    """Wrap a signed request for ``await app.async_dispatch(req)``."""
    return AsyncBoltRequest(body=body, headers={k.lower(): [v] for k, v in headers.items()})
