"""Socket Mode: the same app, connected over a WebSocket instead of a public URL."""

from __future__ import annotations

import asyncio

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.app import create_app
from bot.runtime import build_runtime
from bot.settings import Settings


async def run_socket_mode(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Connect with SLACK_APP_TOKEN and serve until interrupted (or `stop` is set)."""
    runtime = build_runtime(settings)
    app = create_app(runtime)
    assert settings.slack_app_token is not None  # checked by Settings.require_for("socket")
    handler = AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())
    await runtime.start()
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        await (stop or asyncio.Event()).wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await runtime.aclose()
