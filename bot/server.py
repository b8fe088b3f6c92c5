"""HTTP mode: Starlette routes around the Bolt app, served by uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.app import OpsbotApp
from bot.jira_webhook import receive_jira_webhook
from storage.migrate import pending_heads

MAX_BODY_BYTES = 1_000_000


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
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await PlainTextResponse("request body too large", status_code=413)(scope, receive, send)


class _TooLarge(Exception):
    pass


def create_http_app(bolt: OpsbotApp) -> ASGIApp:
    """Build the ASGI app: Slack events, Jira webhook, health, readiness and metrics."""
    runtime = bolt.runtime
    handler = AsyncSlackRequestHandler(bolt)

    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

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
            missing = await asyncio.wait_for(asyncio.to_thread(check_database), timeout=3.0)
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, 503)
        if missing:
            return JSONResponse({"status": "migrations pending", "heads": sorted(missing)}, 503)
        return JSONResponse({"status": "ready"})

    async def metrics(_: Request) -> Response:
        return Response(runtime.metrics.render(), media_type="text/plain; version=0.0.4")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.aclose()

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
