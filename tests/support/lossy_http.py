"""An HTTP proxy that forwards a request upstream and then loses the answer on demand.

The fake Jira can lose only its create answers; this stands in front of it so any call
(comment, transition, assign) is applied upstream while the caller sees a 504, as when a
gateway times out after Jira already did the work.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from bot.offline.servers import BackgroundServer, ServedFake

_HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


@dataclass
class _Plan:
    method: str
    glob: str
    left: int


class LossyProxy(ServedFake):
    """Forward everything to `upstream`; answer 504 after forwarding the planned requests."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.lost: list[tuple[str, str]] = []  # (method, path) whose answer was dropped
        self._plans: list[_Plan] = []
        self._lock = threading.Lock()
        self._session: aiohttp.ClientSession | None = None
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        app.on_cleanup.append(self._close)
        self._server = BackgroundServer(app, name="lossy-proxy")

    @property
    def url(self) -> str:
        """Return the proxy's base URL."""
        return self._server.base_url

    def lose_next(self, method: str, path_glob: str, *, times: int = 1) -> None:
        """Apply the next `times` matching requests upstream but answer them 504."""
        with self._lock:
            self._plans.append(_Plan(method.upper(), path_glob, times))

    def _take(self, method: str, path: str) -> bool:
        with self._lock:
            for plan in self._plans:
                if plan.method == method and plan.left > 0 and fnmatch.fnmatchcase(path, plan.glob):
                    plan.left -= 1
                    self.lost.append((method, path))
                    return True
        return False

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        body = await request.read()
        async with self._session.request(
            request.method,
            self.upstream + request.path_qs,
            data=body or None,
            headers=headers,
        ) as upstream:
            payload = await upstream.read()
            status = upstream.status
            content_type = upstream.headers.get("Content-Type")
            retry_after = upstream.headers.get("Retry-After")
        if self._take(request.method, request.path):
            return web.Response(status=504, text="Gateway Timeout")
        extra = {"Retry-After": retry_after} if retry_after else {}
        response = web.Response(status=status, body=payload, headers=extra)
        if content_type:
            response.headers["Content-Type"] = content_type
        return response

    async def _close(self, _: web.Application) -> None:
        if self._session is not None:
            await self._session.close()
