"""A stateful fake Jira Cloud (REST v2) that the real `jira` library works against.

What the `jira` library (3.10) retries on its own, in ``jira.resilientsession.ResilientSession``
(``max_retries=3`` by default, for every HTTP method, POST included):

* ``requests.ConnectionError`` (refused, reset, dropped mid-answer): always retried, sleeping
  ``min(max_retry_delay=60, 10 * 2**n) * uniform(0.5, 1)`` seconds.
* HTTP 429: retried; sleeps ``2 * max(Retry-After, 1)`` s, or ``10 * 2**n`` without the header.
* HTTP 503: retried only when it carries ``Retry-After`` (same sleep); a bare 503 is raised.
* Everything else (400, 404, 500, 502, 504, …) is raised at once as ``JIRAError``.

So a create whose answer is lost as a dropped connection, or refused with 429/503 +
Retry-After after Jira already stored it, is POSTed again by the library itself and makes a
duplicate issue (``test_fakes.py`` proves it). The escalation code must therefore build its
client with ``max_retries=0`` for creates (or look the correlation label up before any
re-try), and handle retries itself.
"""

from __future__ import annotations

import asyncio
import base64
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web

from bot.offline.servers import BackgroundServer, FaultPlan, ServedFake, drop_connection
from tests.fakes.jira_routes import ROUTES, create_issue
from tests.fakes.jira_state import JiraHttpError, JiraState

JSON = dict[str, Any]


@dataclass(frozen=True)
class JiraRequest:
    """One request the fake received (Authorization redacted)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    at: float
    faulted: bool = False


class FakeJira(ServedFake):
    """Fake Jira Cloud on 127.0.0.1, port 0, in its own thread."""

    def __init__(self) -> None:
        self.requests: list[JiraRequest] = []
        self._lock = threading.RLock()
        self._faults = FaultPlan()
        self._auth: tuple[str, str] | None = None
        self._down = self._refusing = False
        self._lost_creates: list[str] = []
        self._canned: list[tuple[str, int, Any, list[int]]] = []
        app = web.Application()
        app.router.add_route("*", "/rest/api/{version}/{tail:.*}", self._handle)
        self._server = BackgroundServer(app, name="fake-jira")
        self.state = JiraState()

    def start(self) -> Self:
        """Start serving; the issues' self links name the port."""
        super().start()
        self.state.base_url = self.url
        return self

    @property
    def url(self) -> str:
        """Return the server URL for ``JIRA(server=...)``."""
        return self._server.base_url

    @property
    def issues(self) -> dict[str, JSON]:
        """Return the stored issues by key (live objects)."""
        return self.state.issues

    def require_auth(self, email: str, token: str) -> None:
        """Accept only this basic-auth pair (or `token` as a bearer PAT)."""
        self._auth = (email, token)

    def fail_next(
        self, path: str, *, status: int = 503, retry_after: float | None = None, times: int = 1
    ) -> None:
        """Fail requests matching a path glob or ``"METHOD /path"`` (``"*"`` = all)."""
        self._faults.fail(path, status=status, retry_after=retry_after, times=times)

    def answer_next(self, path: str, body: Any, *, status: int = 200, times: int = 1) -> None:
        """Answer requests matching `path` (glob or ``"METHOD /path"``) with `body` as is.

        For answers Jira should not give but might (a field missing, a wrong type): what
        opsbot does with a reply it cannot read.
        """
        with self._lock:
            self._canned.append((path, status, body, [times]))

    def _take_canned(self, names: tuple[str, ...]) -> tuple[int, Any] | None:
        from fnmatch import fnmatchcase

        with self._lock:
            for i, (key, status, body, left) in enumerate(self._canned):
                if any(key == name or fnmatchcase(name, key) for name in names):
                    left[0] -= 1
                    if left[0] <= 0:
                        del self._canned[i]
                    return status, body
        return None

    def delay(self, path: str, seconds: float, times: int | None = None) -> None:
        """Answer matching requests `seconds` late."""
        self._faults.delay(path, seconds, times)

    def down(self, *, refuse: bool = False) -> None:
        """Answer every request 503, or refuse connections when `refuse`."""
        self._down = True
        self._refusing = refuse
        if refuse:
            self._server.refuse_connections(True)

    def up(self) -> None:
        """Serve normally again."""
        self._down = self._refusing = False
        self._server.refuse_connections(False)

    def lose_next_create_response(self, times: int = 1, *, mode: str = "504") -> None:
        """Create the next issues but answer 504 (``mode="504"``) or drop the connection."""
        with self._lock:
            self._lost_creates.extend([mode] * times)

    def requests_to(self, method: str, path_glob: str) -> list[JiraRequest]:
        """Return recorded requests with this method whose path matches the glob."""
        from fnmatch import fnmatchcase

        return [r for r in self.requests if r.method == method and fnmatchcase(r.path, path_glob)]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        path = f"/rest/api/2/{tail}"
        body = await request.json() if request.can_read_body and request.body_exists else None
        names = (path, f"{request.method} {path}", request.path, f"{request.method} {request.path}")
        fault = self._faults.take_failure(*names)
        with self._lock:
            self.requests.append(
                JiraRequest(
                    request.method,
                    request.path,
                    _query(request),
                    body,
                    _safe_headers(request),
                    time.time(),
                    faulted=bool(fault or self._down),
                )
            )
        if seconds := self._faults.take_delay(*names):
            await asyncio.sleep(seconds)
        if self._refusing:  # kept-alive connections outlive the closed listener: cut them
            return drop_connection(request)
        if self._down:
            return web.json_response({"errorMessage": "Service Unavailable"}, status=503)
        if fault is not None:
            headers = {"Retry-After": str(int(fault.retry_after))} if fault.retry_after else {}
            return web.json_response(
                {"errorMessages": [f"HTTP {fault.status}"], "errors": {}},
                status=fault.status,
                headers=headers,
            )
        if not self._authorized(request.headers.get("Authorization", "")):
            return web.json_response({"errorMessages": ["Unauthorized"], "errors": {}}, status=401)
        if (canned := self._take_canned(names)) is not None:
            return web.json_response(canned[1], status=canned[0])
        for method, pattern, handler in ROUTES:
            if method == request.method and (m := re.fullmatch(pattern, tail)):
                with self._lock:
                    try:
                        status, answer = handler(self.state, m, _query(request), body or {})
                    except JiraHttpError as exc:
                        status, answer = exc.status, exc.body
                    lost = (
                        self._lost_creates.pop(0)
                        if handler is create_issue and status == 201 and self._lost_creates
                        else None
                    )
                if lost == "drop":
                    return drop_connection(request)
                if lost is not None:
                    return web.Response(status=504, text="Gateway Timeout")
                if answer is None:
                    return web.Response(status=status)
                return web.json_response(answer, status=status)
        return web.json_response(
            {"errorMessages": ["null for uri: " + str(request.url)], "errors": {}}, status=404
        )

    def _authorized(self, header: str) -> bool:
        if self._auth is None:
            return True
        email, token = self._auth
        if header.startswith("Bearer "):
            return header[7:] == token
        if header.startswith("Basic "):
            return base64.b64decode(header[6:]).decode() == f"{email}:{token}"
        return False


def _safe_headers(request: web.Request) -> dict[str, str]:
    return {
        k: ("(redacted)" if k.lower() == "authorization" else v) for k, v in request.headers.items()
    }


def _query(request: web.Request) -> dict[str, Any]:
    """Read the query string; a repeated parameter (`fields=a&fields=b`) keeps every value."""
    return {
        key: values if len(values := request.query.getall(key)) > 1 else values[0]
        for key in request.query
    }
