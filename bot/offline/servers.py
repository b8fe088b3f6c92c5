"""Threaded aiohttp servers and on-demand faults, shared by the local Slack and Jira fakes.

Each server owns a daemon thread with its own event loop, so it serves sync code, any
pytest-asyncio loop and the interactive shell alike without borrowing the caller's loop.
"""

from __future__ import annotations

import asyncio
import fnmatch
import threading
import time
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import parse_qsl

from aiohttp import web


class BackgroundServer:
    """An aiohttp application served on 127.0.0.1 from a daemon thread."""

    def __init__(self, app: web.Application, *, name: str) -> None:
        self._app = app
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """Return the server root URL without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Bind an OS-chosen port and serve until stop()."""
        if self._thread is not None:
            return
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._open())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._close())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name=self._name, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"{self._name} did not start")

    def stop(self) -> None:
        """Stop serving and join the thread; safe to call twice."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None
        self._loop = None

    def run(self, coro: Any, timeout: float = 10.0) -> Any:
        """Run a coroutine on the server's loop from another thread and return its result."""
        if self._loop is None:
            raise RuntimeError(f"{self._name} is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def refuse_connections(self, refuse: bool) -> None:
        """Close (or reopen on the same port) the listening socket."""
        if self._loop is None:
            return
        coro = self._unbind() if refuse else self._bind()
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    async def _open(self) -> None:
        self._runner = web.AppRunner(self._app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await self._bind()

    async def _bind(self) -> None:
        if self._site is not None or self._runner is None:
            return
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await self._site.start()
        server = self._site._server
        if self.port == 0 and server is not None and server.sockets:  # type: ignore[attr-defined]
            self.port = int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]

    async def _unbind(self) -> None:
        if self._site is not None:
            await self._site.stop()
            self._site = None

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ServedFake:
    """A fake whose HTTP side is one `BackgroundServer`: its start, stop and with-block.

    A subclass builds ``self._server`` in its constructor and extends `start` or `stop` for
    what it does once the port is known or before the server goes.
    """

    _server: BackgroundServer

    def start(self) -> Self:
        """Start serving on an OS-chosen port."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving; safe to call twice."""
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Fault:
    """One planned failure: an HTTP status, an optional Retry-After and an API error code."""

    status: int
    retry_after: float | None
    error: str | None
    remaining: int | None


class FaultPlan:
    """Thread-safe failures and delays keyed by method name or path glob (``"*"`` = all)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: list[tuple[str, Fault]] = []
        self._delays: list[tuple[str, float, list[int | None]]] = []

    def fail(
        self,
        key: str,
        *,
        status: int,
        retry_after: float | None = None,
        error: str | None = None,
        times: int | None = 1,
    ) -> None:
        """Plan `times` failures (None = until cleared) for requests matching `key`."""
        with self._lock:
            self._failures.append((key, Fault(status, retry_after, error, times)))

    def delay(self, key: str, seconds: float, times: int | None = None) -> None:
        """Slow down `times` answers (None = all) for requests matching `key`."""
        with self._lock:
            self._delays.append((key, seconds, [times]))

    def clear(self) -> None:
        """Forget every planned failure and delay."""
        with self._lock:
            self._failures.clear()
            self._delays.clear()

    def take_failure(self, *names: str) -> Fault | None:
        """Consume and return the first failure planned for any of `names`."""
        with self._lock:
            for i, (key, fault) in enumerate(self._failures):
                if _matches(key, names):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            del self._failures[i]
                    return fault
        return None

    def take_delay(self, *names: str) -> float:
        """Consume and return the delay planned for any of `names` (0 when none)."""
        with self._lock:
            for i, (key, seconds, left) in enumerate(self._delays):
                if _matches(key, names):
                    if left[0] is not None:
                        left[0] -= 1
                        if left[0] <= 0:
                            del self._delays[i]
                    return seconds
        return 0.0


def _matches(key: str, names: tuple[str, ...]) -> bool:
    return any(key == "*" or key == name or fnmatch.fnmatchcase(name, key) for name in names)


class RateLimiter:
    """Token buckets per (key, scope), refilled at a configured rate per second."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rates: dict[str, float] = {}
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}

    def limit(self, key: str, per_second: float) -> None:
        """Allow `per_second` requests per scope for `key` (bursts up to that many)."""
        with self._lock:
            self._rates[key] = per_second

    def clear(self) -> None:
        """Remove every limit."""
        with self._lock:
            self._rates.clear()
            self._buckets.clear()

    def take(self, key: str, scope: str) -> float | None:
        """Spend a token; return the seconds to wait instead when the bucket is empty."""
        with self._lock:
            rate = self._rates.get(key, self._rates.get("*"))
            if rate is None:
                return None
            now = time.monotonic()
            capacity = max(1.0, rate)
            tokens, last = self._buckets.get((key, scope), (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            if tokens >= 1:
                self._buckets[(key, scope)] = (tokens - 1, now)
                return None
            self._buckets[(key, scope)] = (tokens, now)
            return (1 - tokens) / rate


async def read_args(request: web.Request) -> dict[str, Any]:
    """Merge query string and form or JSON body into one dict, as Slack and Jira read them."""
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        if isinstance(body, dict):
            args.update(body)
    elif request.content_type == "multipart/form-data":
        form = await request.post()
        args.update({k: v for k, v in form.items() if isinstance(v, str)})
    elif request.can_read_body:
        args.update(parse_qsl((await request.read()).decode(), keep_blank_values=True))
    return args


def drop_connection(request: web.Request) -> web.Response:
    """Abort the TCP connection so the client sees a dropped response."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=504)
