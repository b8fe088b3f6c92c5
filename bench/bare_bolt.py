"""The baseline for bench/slash_load.py: a bare Bolt app that only acks, served by uvicorn.

It runs the same way opsbot serves (Starlette + AsyncSlackRequestHandler + uvicorn, signature
checks on, `process_before_response=True`) but with no database, audit, dedupe or metrics, so
the ratio opsbot/bare is the cost of everything opsbot adds around a handler.

Usage: SLACK_SIGNING_SECRET=… SLACK_BOT_TOKEN=… SLACK_API_URL=… \
       python bench/bare_bolt.py --port 3001 --command /opsbot [--command /kpi]
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def ack_ok(ack: Any) -> None:
    """Acknowledge with a fixed text: the least a slash command handler can do."""
    await ack("ok")


def build(commands: list[str]) -> Starlette:
    """Build the ASGI app answering `commands` on POST /slack/events."""
    token = os.environ["SLACK_BOT_TOKEN"]
    bolt = AsyncApp(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token=token,
        client=AsyncWebClient(token=token, base_url=os.environ["SLACK_API_URL"]),
        process_before_response=True,
    )
    for command in commands:
        bolt.command(command)(ack_ok)
    handler = AsyncSlackRequestHandler(bolt)

    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def main() -> None:
    """Serve the bare app until terminated."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--command", action="append", required=True)
    args = parser.parse_args()
    uvicorn.run(
        build(args.command), host=args.host, port=args.port, log_config=None, access_log=False
    )


if __name__ == "__main__":
    main()
