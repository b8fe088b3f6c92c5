"""`POST /jira/webhook`: HMAC-verified, deduplicated, then handed to the registered sinks."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.jira_webhook_shape import delivery_key
from bot.runtime import Runtime
from integrations.tracker.jira_webhook import MalformedWebhook, read_jira_webhook
from storage.engine import off_loop
from storage.request_keys import claim_request_key, release_request_key

log = logging.getLogger("opsbot.jira_webhook")


def signature_is_valid(body: bytes, header: str | None, secret: str) -> bool:
    """Check `X-Hub-Signature: sha256=<hex>` against the body, in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


async def receive_jira_webhook(request: Request, runtime: Runtime) -> Response:
    """Verify, deduplicate and dispatch one Jira webhook delivery."""
    secret = runtime.settings.jira_webhook_secret
    body = await request.body()
    if secret is None or not signature_is_valid(
        body, request.headers.get("x-hub-signature"), secret.get_secret_value()
    ):
        return JSONResponse({"error": "invalid signature"}, status_code=401)
    try:
        payload: Any = json.loads(body)
    except ValueError:
        return JSONResponse({"error": "body is not JSON"}, status_code=400)
    if not isinstance(payload, dict):
        return JSONResponse({"error": "body is not a JSON object"}, status_code=400)
    try:
        change = read_jira_webhook(payload)
    except MalformedWebhook as exc:
        log.info("jira webhook refused as malformed: %s", exc.reason)
        return JSONResponse({"error": f"malformed body: {exc.reason}"}, status_code=400)
    key = delivery_key(request.headers.get("x-atlassian-webhook-identifier"), payload)
    if not await off_loop(runtime.sessions, claim_request_key, runtime.engine, key):
        return JSONResponse({"status": "duplicate"}, status_code=200)
    try:
        for sink in runtime.jira_webhook_sinks:
            await sink(change)
    except Exception:
        log.exception("jira webhook %s failed", key)
        await off_loop(runtime.sessions, release_request_key, runtime.engine, key)
        # 500 makes Jira deliver again; the key was released so the retry runs.
        return JSONResponse({"error": "processing failed"}, status_code=500)
    return JSONResponse({"status": "ok"}, status_code=200)
