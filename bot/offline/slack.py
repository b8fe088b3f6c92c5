"""A local Slack Web API server: the offline shell's Slack and the test suite's fake.

It speaks the wire format slack_sdk expects (form or JSON bodies, Bearer tokens,
``{"ok": false, "error": …}`` at HTTP 200, 429 + ``Retry-After``), records every call and
can fail on demand. It runs in its own thread (see bot.offline.servers).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.block_limits import MESSAGE_BLOCKS, blocks_errors, message_answer, view_answer
from bot.offline.servers import BackgroundServer, FaultPlan, RateLimiter, ServedFake, read_args
from bot.offline.slack_methods import METHODS
from bot.offline.slack_workspace import BOT_USER_ID, TEAM_ID, SlackApiError, Workspace
from bot.offline.socket_mode import SocketModeHub, connections_open_url

JSON_ARGS = ("blocks", "attachments", "view", "metadata", "files", "unfurls")
RESPONSE_URL_MAX_USES = 5  # Slack lets a response_url be used five times
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})
VIEW_METHODS = frozenset({"views.open", "views.update", "views.push", "views.publish"})


@dataclass(frozen=True)
class SlackCall:
    """One request the server received.

    `faulted` marks answers forced by fault injection; `refused` holds the error answer given
    to an invalid Block Kit payload (``invalid_blocks`` and the like), None when it was valid.
    """

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    at: float
    faulted: bool = False
    refused: dict[str, Any] | None = None


@dataclass
class _ResponseUrl:
    channel: str | None
    message_ts: str | None
    uses: int = 0
    expired: bool = False
    posts: list[dict[str, Any]] = field(default_factory=list)


class LocalSlack(ServedFake):
    """A fake Slack workspace served over HTTP on 127.0.0.1."""

    def __init__(self, *, token: str | None = None) -> None:
        self.token = token
        self.calls: list[SlackCall] = []
        self.workspace = Workspace()
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._subscribers: list[Callable[[SlackCall], None]] = []
        self._faults = FaultPlan()
        self._limiter = RateLimiter()
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._ephemeral: list[dict[str, Any]] = []
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{rid}", self._response_url)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        self.socket_mode = SocketModeHub()
        app.router.add_get("/socket-mode", self.socket_mode.handle)
        self._server = BackgroundServer(app, name="local-slack")
        self.workspace.add_user(BOT_USER_ID, "opsbot", real_name="Opsbot", is_bot=True)
        self.workspace.add_user("U0ADMIN", "admin", email="admin@example.com", is_admin=True)
        self.workspace.add_channel("C0GENERAL", "general")
        self.workspace.add_channel("C0OPS", "ops")

    def stop(self) -> None:
        """Stop serving (closing Socket Mode connections first)."""
        if self._server.port:
            with contextlib.suppress(RuntimeError):
                self._server.run(self.socket_mode.close_all())
        super().stop()

    @property
    def api_url(self) -> str:
        """Return the Web API base URL for ``AsyncWebClient(base_url=...)``."""
        return f"{self._server.base_url}/api/"

    def response_url(
        self,
        token: str | None = None,
        *,
        channel: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """Mint a response_url (path id `token` or a fresh one) for a channel and message.

        With `channel`, ``response_type: in_channel`` posts land in that channel; with
        `message_ts` too, ``replace_original``/``delete_original`` act on that message.
        """
        with self._lock:
            rid = token or self.workspace.next_id("R")
            self._response_urls[rid] = _ResponseUrl(channel, message_ts)
        return f"{self._server.base_url}/response/{rid}"

    # directory
    def add_user(
        self,
        id: str,
        name: str,
        email: str | None = None,
        real_name: str | None = None,
        tz: str = "UTC",
        is_admin: bool = False,
        team_id: str = TEAM_ID,
    ) -> None:
        """Add a workspace member (`team_id` of a Slack Connect partner for a guest)."""
        with self._lock:
            self.workspace.add_user(
                id,
                name,
                email=email,
                real_name=real_name,
                tz=tz,
                is_admin=is_admin,
                team_id=team_id,
            )

    def user_message(
        self, channel: str, user_id: str, text: str, *, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """Store a message typed by a person (what link_shared and app_mention refer to)."""
        with self._lock:
            return self.workspace.user_post(channel, user_id, text, thread_ts=thread_ts)

    def channel(self, channel_id: str) -> dict[str, Any]:
        """Return a channel's stored state (topic, members, archived), as a copy."""
        with self._lock:
            return copy.deepcopy(self.workspace.channels[channel_id])

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """Return the home tab last published for `user_id`, or None."""
        with self._lock:
            published = [c for c in self.calls_to("views.publish") if c.refused is None]
            for call in reversed(published):
                if call.args.get("user_id") == user_id and not call.faulted:
                    view = call.args.get("view")
                    return copy.deepcopy(view) if isinstance(view, dict) else None
        return None

    def add_channel(self, id: str, name: str, *, is_private: bool = False) -> None:
        """Add a channel the bot is a member of."""
        with self._lock:
            self.workspace.add_channel(id, name, is_private=is_private)

    def add_usergroup(self, id: str, handle: str, user_ids: list[str]) -> None:
        """Add a user group."""
        with self._lock:
            self.workspace.add_usergroup(id, handle, user_ids)

    def expire_trigger(self, trigger_id: str) -> None:
        """Make views.open answer ``expired_trigger_id`` for this trigger."""
        with self._lock:
            self.workspace.expired_triggers.add(trigger_id)

    def expire_response_url(self, url: str) -> None:
        """Make posts to this response_url answer 404 like an expired one."""
        with self._lock:
            self._response_urls[url.rstrip("/").rsplit("/", 1)[-1]].expired = True

    # recording
    def refused_calls(self) -> list[SlackCall]:
        """Return the calls refused as invalid Block Kit (every test expects none)."""
        with self._lock:
            return [c for c in self.calls if c.refused is not None]

    def calls_to(self, method: str) -> list[SlackCall]:
        """Return the recorded calls of one method."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def clear(self) -> None:
        """Forget recorded calls, faults and rate limits (workspace data stays)."""
        with self._lock:
            self.calls.clear()
            self._faults.clear()
            self._limiter.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[SlackCall]:
        """Block until `count` calls of `method` were recorded; raise TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := self.calls_to(method)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(found)}/{count} calls to {method} in {timeout}s")
                self._changed.wait(left)
            return found

    def subscribe(self, callback: Callable[[SlackCall], None]) -> Callable[[], None]:
        """Call `callback` (on the server thread) for each call; return an unsubscriber."""
        with self._lock:
            self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Return the channel's current messages, threads included, oldest first."""
        with self._lock:
            return copy.deepcopy(self.workspace.history.get(channel, []))

    def ephemeral_messages(self) -> list[dict[str, Any]]:
        """Return ephemeral messages and response_url posts received, oldest first."""
        with self._lock:
            return copy.deepcopy(self._ephemeral)

    # faults
    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: float = 1,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Fail the next `times` calls of `method`.

        `method` may be ``"*"`` (any method) or name one channel: ``"chat.postMessage@C1"``.
        """
        self._faults.fail(method, status=status, retry_after=retry_after, error=error, times=times)

    def delay(self, method: str, seconds: float, times: int | None = None) -> None:
        """Answer `method` (or ``"*"``) `seconds` late, `times` times (None = always)."""
        self._faults.delay(method, seconds, times)

    def rate_limit(self, method: str, per_channel_per_second: float = 1.0) -> None:
        """Answer 429 when one channel receives `method` faster than this rate."""
        self._limiter.limit(method, per_channel_per_second)

    # HTTP handlers
    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args = await _read_args(request)
        headers = _safe_headers(request)
        if (refused := self._fault(method, args, headers)) is not None:
            return refused
        await self._slow(method)
        auth_error = self._auth_error(request, args)
        invalid = None if auth_error else payload_answer(method, args)
        with self._lock:
            self._record(SlackCall(method, _redact(args), headers, time.time(), refused=invalid))
            if invalid is not None:
                return web.json_response(invalid)
            try:
                if auth_error:
                    raise SlackApiError(auth_error)
                handler = METHODS.get(method)
                if method == "apps.connections.open":
                    body = {"ok": True, "url": connections_open_url(self._server.base_url)}
                elif handler is None:
                    raise SlackApiError("unknown_method")
                else:
                    body = {"ok": True, **handler(self.workspace, args, self._server.base_url)}
                if method == "chat.postEphemeral":
                    self._ephemeral.append({"kind": "ephemeral", **_redact(args)})
                if method == "files.completeUploadExternal":
                    self._record_uploads(args, headers)
            except SlackApiError as exc:
                body = {"ok": False, "error": exc.error}
        return web.json_response(body)

    async def _response_url(self, request: web.Request) -> web.StreamResponse:
        args = await _read_args(request)
        args["url"] = str(request.url)
        headers = _safe_headers(request)
        if (refused := self._fault("response_url", args, headers)) is not None:
            return refused
        await self._slow("response_url")
        invalid = message_answer(args)
        with self._lock:
            self._record(SlackCall("response_url", args, headers, time.time(), refused=invalid))
            slot = self._response_urls.get(request.match_info["rid"])
            if slot is None or slot.expired or slot.uses >= RESPONSE_URL_MAX_USES:
                return web.Response(status=404, text="expired_url", content_type="text/plain")
            if invalid is not None:
                # Like incoming webhooks, a response_url answers an invalid payload with a 400
                # and the bare error code as text.
                return web.Response(status=400, text=invalid["error"], content_type="text/plain")
            slot.uses += 1
            slot.posts.append(args)
            self._apply_response(slot, args)
        return web.Response(text="ok", content_type="text/plain")

    def _apply_response(self, slot: _ResponseUrl, args: dict[str, Any]) -> None:
        """Change message state the way Slack applies a response_url post."""
        history = self.workspace.history.get(slot.channel or "", [])
        original = [m for m in history if m["ts"] == slot.message_ts]
        if _truthy(args.get("delete_original")):
            for message in original:
                history.remove(message)
        elif _truthy(args.get("replace_original")) and original:
            for key in ("text", "blocks", "attachments"):
                original[0].pop(key, None)
                if key in args:
                    original[0][key] = args[key]
        elif args.get("response_type") == "in_channel" and slot.channel:
            self.workspace.post(slot.channel, {**args, "thread_ts": args.get("thread_ts")})
        else:
            self._ephemeral.append({"kind": "response_url", **args})

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        data = await request.read()
        with self._lock:
            stored = self.workspace.files.get(request.match_info["file_id"])
            if stored is None:
                return web.Response(status=404, text="not found", content_type="text/plain")
            stored["content"] = data
            args = {"file_id": stored["id"], "filename": stored["name"], "length": len(data)}
            self._record(SlackCall("upload_url", args, _safe_headers(request), time.time()))
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    def _record_uploads(self, args: dict[str, Any], headers: dict[str, str]) -> None:
        """Record one ``files.upload`` call per completed file, as a v1 upload would read."""
        for entry in args.get("files") or []:
            stored = self.workspace.files[entry["id"]]
            upload = {
                "file_id": stored["id"],
                "filename": stored["name"],
                "title": stored["title"],
                "length": len(stored["content"] or b""),
                "content": stored["content"],
                "channel": args.get("channel_id") or args.get("channels"),
                "thread_ts": args.get("thread_ts"),
                "initial_comment": args.get("initial_comment"),
            }
            self._record(SlackCall("files.upload", upload, headers, time.time()))

    def _fault(
        self, method: str, args: dict[str, Any], headers: dict[str, str]
    ) -> web.Response | None:
        channel = args.get("channel") or args.get("channel_id") or ""
        fault = self._faults.take_failure(method, f"{method}@{channel}")
        retry_after = fault.retry_after if fault else None
        status = fault.status if fault else 0
        if fault is None and (retry_after := self._over_limit(method, args)) is not None:
            status = 429
        if fault is None and status == 0:
            return None
        with self._lock:
            self._record(SlackCall(method, _redact(args), headers, time.time(), faulted=True))
        if fault is not None and fault.error is not None and status in (0, 200, 429):
            return web.json_response({"ok": False, "error": fault.error})
        if status == 429:
            seconds = str(math.ceil(retry_after or 0))
            body = {"ok": False, "error": "ratelimited"}
            return web.json_response(body, status=429, headers={"Retry-After": seconds})
        return web.Response(status=status, text="upstream error", content_type="text/plain")

    def _over_limit(self, method: str, args: dict[str, Any]) -> float | None:
        channel = str(args.get("channel") or args.get("channel_id") or "")
        return self._limiter.take(method, channel)

    async def _slow(self, method: str) -> None:
        seconds = self._faults.take_delay(method)
        if seconds:
            await asyncio.sleep(seconds)

    def _auth_error(self, request: web.Request, args: dict[str, Any]) -> str | None:
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        token = token or str(args.get("token") or "")
        if not token:
            return "not_authed"
        if request.match_info.get("method") == "apps.connections.open":
            # Socket Mode is opened with the app-level token, nothing else.
            return None if token.startswith("xapp-") else "invalid_auth"
        if not token.startswith(("xoxb-", "xoxp-")) or (self.token and token != self.token):
            return "invalid_auth"
        return None

    def socket_mode_send(self, kind: str, payload: dict[str, Any]) -> str:
        """Deliver a payload over Socket Mode (as Slack would); return its envelope id."""
        self.socket_mode.wait_connected()
        envelope_id, envelope = self.socket_mode.envelope(kind, payload)
        self._server.run(self.socket_mode.push(envelope))
        return envelope_id

    def _record(self, call: SlackCall) -> None:
        self.calls.append(call)
        self._changed.notify_all()
        for callback in list(self._subscribers):
            callback(call)


def payload_answer(method: str, args: dict[str, Any]) -> dict[str, Any] | None:
    """Return Slack's error answer when a method's blocks, attachments or view are invalid."""
    if method in MESSAGE_METHODS:
        return message_answer(args)
    if method == "chat.unfurl":
        return unfurl_answer(args.get("unfurls"))
    if method in VIEW_METHODS:
        view = args.get("view")
        if method == "views.publish" and isinstance(view, dict):
            view = {"type": "home", **view}
        return view_answer(view)
    return None


def unfurl_answer(unfurls: Any) -> dict[str, Any] | None:
    """Return Slack's error answer when chat.unfurl's unfurls are not valid Block Kit."""
    if not isinstance(unfurls, dict):
        return None  # the method itself answers invalid_unfurls_format
    errors: list[str] = []
    for url, unfurl in unfurls.items():
        if not isinstance(unfurl, dict):
            errors.append(f"must be an object [json-pointer:/unfurls/{url}]")
        elif "blocks" in unfurl:
            errors.extend(
                blocks_errors(unfurl["blocks"], f"/unfurls/{url}/blocks", limit=MESSAGE_BLOCKS)
            )
    if not errors:
        return None
    return {
        "ok": False,
        "error": "invalid_unfurls_format",
        "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
    }


async def _read_args(request: web.Request) -> dict[str, Any]:
    """Read the arguments, decoding JSON-valued ones slack_sdk sends as strings."""
    args = await read_args(request)
    for key in JSON_ARGS:
        if isinstance(args.get(key), str) and args[key]:
            # Slack would answer invalid_blocks; keep the raw text visible instead
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


def _truthy(value: Any) -> bool:
    return value in (True, "true", "True", "1", 1)


def _safe_headers(request: web.Request) -> dict[str, str]:
    """Copy request headers with the token hidden, so recordings never leak it."""
    return {
        k: ("Bearer (redacted)" if k.lower() == "authorization" else v)
        for k, v in request.headers.items()
    }


def _redact(args: dict[str, Any]) -> dict[str, Any]:
    return {k: ("(redacted)" if k == "token" else v) for k, v in args.items()}
