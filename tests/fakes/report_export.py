"""A fake report export (the KPI / assessment HTTP source's wire shape) on 127.0.0.1, port 0.

`GET /export?cursor=N` with `Authorization: Bearer TOKEN` answers
`{"rows": [...], "next_cursor": "…" | null}`; a wrong token is `401`. Faults come from a
`FaultPlan` (a status with `Retry-After`); `garble(cursor)` makes one page text that is not
JSON.
"""

from __future__ import annotations

import threading
from typing import Any

from aiohttp import web

from bot.offline.servers import BackgroundServer, FaultPlan, ServedFake


class FakeReportExport(ServedFake):
    """Serve rows page by page, recording each request's cursor and authorization."""

    def __init__(self, *, token: str, page_size: int = 100) -> None:
        self.token = token
        self.page_size = page_size
        self.rows: list[dict[str, Any]] = []
        self.requests: list[tuple[str | None, str | None]] = []  # (cursor, authorization)
        self.faults = FaultPlan()
        self._garbled: set[str | None] = set()
        self._lock = threading.Lock()
        app = web.Application()
        app.router.add_route("GET", "/export", self._export)
        self._server = BackgroundServer(app, name="fake-report-export")

    @property
    def url(self) -> str:
        """Return the export's URL."""
        return f"{self._server.base_url.rstrip('/')}/export"

    def garble(self, cursor: str | None) -> None:
        """Answer the page at `cursor` (None = the first) with text that is not JSON, once."""
        with self._lock:
            self._garbled.add(cursor)

    async def _export(self, request: web.Request) -> web.Response:
        cursor = request.query.get("cursor")
        with self._lock:
            self.requests.append((cursor, request.headers.get("Authorization")))
        fault = self.faults.take_failure("/export")
        if fault is not None:
            retry = fault.retry_after
            headers = {"Retry-After": str(int(retry))} if retry is not None else {}
            return web.json_response({"error": "unavailable"}, status=fault.status, headers=headers)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"error": "unauthorized"}, status=401)
        with self._lock:
            if cursor in self._garbled:
                self._garbled.discard(cursor)
                return web.Response(text="<html>proxy error</html>", content_type="text/html")
            start = int(cursor or 0)
            page = self.rows[start : start + self.page_size]
            more = start + self.page_size < len(self.rows)
        next_cursor = str(start + self.page_size) if more else None
        return web.json_response({"rows": page, "next_cursor": next_cursor})
