"""HTTP mode: Starlette routes around the Bolt app, served by uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import parse_qs

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.app import OpsbotApp
from bot.jira_webhook import receive_jira_webhook
from bot.loop_lag import LoopLagMonitor
from storage.engine import off_loop
from storage.migrate import pending_heads

MAX_BODY_BYTES = 1_000_000
log = logging.getLogger("opsbot.server")
DATABASE_DOWN = "opsbot cannot reach its database right now. Please try again in a minute."


def refuse_malformed(headers: Mapping[str, str], body: bytes) -> Response | None:
    """Answer requests Bolt would choke on before verifying them: 401 or 400, else None."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not timestamp.isdigit() or not headers.get("x-slack-signature"):
        return JSONResponse({"error": "invalid request"}, status_code=401)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return JSONResponse({"error": "body is not UTF-8"}, status_code=400)
    if headers.get("content-type", "").startswith("application/json"):
        document: Any = _json_or_none(text)
    elif text.startswith("payload="):
        document = _json_or_none(parse_qs(text).get("payload", [""])[0])
    else:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("type"), str):
        return JSONResponse({"error": "malformed payload"}, status_code=400)
    if text.startswith("payload=") and not _interactive_shape_ok(document):
        return JSONResponse({"error": "malformed payload"}, status_code=400)
    return None


def _interactive_shape_ok(payload: dict[str, Any]) -> bool:
    # Slack always says who acted, and which view a view payload is about.
    user = payload.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return False
    if payload["type"] in ("view_submission", "view_closed"):
        view = payload.get("view")
        return isinstance(view, dict) and isinstance(view.get("id"), str)
    return True


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413 before reading them whole."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await PlainTextResponse("request body too large", status_code=413)(scope, receive, send)
            return
        # Read the body up to the limit before the app starts answering: a chunked body that
        # turns out too large must still get a 413, not a half-sent 500.
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await PlainTextResponse("request body too large", status_code=413)(
                    scope, receive, send
                )
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        replayed = False

        async def buffered_receive() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, buffered_receive, send)


def create_http_app(bolt: OpsbotApp) -> ASGIApp:
    """Build the ASGI app: Slack events, Jira webhook, health, readiness and metrics."""
    runtime = bolt.runtime
    handler = AsyncSlackRequestHandler(bolt)

    async def slack_events(request: Request) -> Response:
        if (refusal := refuse_malformed(request.headers, await request.body())) is not None:
            return refusal
        try:
            return await handler.handle(request)
        except (DBAPIError, SQLAlchemyTimeoutError):
            # The request scope (dedupe claim, session) needs the database before any handler.
            log.warning("database unavailable; Slack request answered with an apology")
            return JSONResponse({"response_type": "ephemeral", "text": DATABASE_DOWN})
        except Exception:
            # Handler errors never reach here (the one error handler renders them); what does
            # is Bolt failing to make sense of a signed but malformed body: the sender's fault.
            log.warning("malformed Slack request refused", exc_info=True)
            return JSONResponse({"error": "malformed request"}, status_code=400)

    async def jira_webhook(request: Request) -> Response:
        return await receive_jira_webhook(request, runtime)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    def check_database() -> set[str]:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return pending_heads(runtime.engine)

    async def readyz(_: Request) -> Response:
        try:
            # The driver blocks; a database that hangs must not stall the event loop.
            missing = await asyncio.wait_for(
                off_loop(runtime.sessions, check_database), timeout=3.0
            )
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, 503)
        if missing:
            return JSONResponse({"status": "migrations pending", "heads": sorted(missing)}, 503)
        return JSONResponse({"status": "ready"})

    async def metrics(_: Request) -> Response:
        return Response(runtime.metrics.render(), media_type="text/plain; version=0.0.4")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        lag = LoopLagMonitor(runtime.metrics.loop_lag)
        await lag.start()  # first, so a slow start-up shows too
        try:
            await runtime.start()
            try:
                yield
            finally:
                await runtime.aclose()
        finally:
            await lag.stop()

    app = Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/jira/webhook", jira_webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    return BodyLimit(app)
