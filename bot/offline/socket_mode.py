"""Socket Mode for the local Slack: `apps.connections.open` and the WebSocket it points at."""

from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any

from aiohttp import WSMsgType, web

from bot.offline.slack_workspace import APP_ID


class SocketModeHub:
    """Hold the app's WebSocket connections, push envelopes to them, collect their acks."""

    def __init__(self) -> None:
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._changed = threading.Condition()
        self._ids = itertools.count(1)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Accept one Socket Mode connection and read its acknowledgements."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets) + 1,
                "debug_info": {"host": "local", "approximate_connection_time": 3600},
                "connection_info": {"app_id": APP_ID},
            }
        )
        with self._changed:
            self._sockets.append(socket)
            self._changed.notify_all()
        try:
            async for message in socket:
                if message.type != WSMsgType.TEXT:
                    continue
                data = json.loads(message.data)
                if "envelope_id" in data:
                    with self._changed:
                        self._acks[str(data["envelope_id"])] = data
                        self._changed.notify_all()
        finally:
            with self._changed:
                self._sockets.remove(socket)
        return socket

    def wait_connected(self, timeout: float = 10.0) -> None:
        """Block until the app holds a connection."""
        with self._changed:
            if not self._changed.wait_for(lambda: bool(self._sockets), timeout):
                raise TimeoutError("no Socket Mode connection")

    def envelope(self, kind: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Wrap a payload as Slack does: `slash_commands`, `interactive` or `events_api`."""
        envelope_id = f"env-{next(self._ids)}-{int(time.time())}"
        return envelope_id, {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }

    async def push(self, envelope: dict[str, Any]) -> None:
        """Send an envelope on the first open connection."""
        await self._sockets[0].send_json(envelope)

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """Block until the app acknowledged `envelope_id`; return its ack (with any payload)."""
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self._acks, timeout):
                raise TimeoutError(f"no ack for {envelope_id}")
            return self._acks[envelope_id]

    async def close_all(self) -> None:
        """Close every connection (the app's client reconnects)."""
        for socket in list(self._sockets):
            await socket.close()


def connections_open_url(base_url: str) -> str:
    """Return the WebSocket URL `apps.connections.open` hands out."""
    return base_url.replace("http://", "ws://", 1) + "/socket-mode"
