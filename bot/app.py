"""The Bolt app: request scope (request id, audit, dedupe, metrics) around every dispatch."""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.errors import handle_error
from bot.logging_setup import request_id_var
from bot.request_info import RequestInfo, describe
from bot.runtime import Runtime
from bot.signing import sign, to_bolt_request
from commands import register_all
from commands.catalog import CommandCatalog
from commands.mrkdwn import escape
from integrations.slack_api import InstrumentedWebClient, make_slack_client
from storage.engine import off_loop
from storage.request_keys import claim_request_key, release_request_key
from storage.types import utcnow

log = logging.getLogger("opsbot.app")


class ResponseUrlFailed(Exception):
    """Slack refused a response_url post (expired, used up, or down)."""


class CheckedRespond:
    """Bolt's respond(), raising when Slack refuses the post instead of returning a 404.

    slack_sdk's webhook client returns expired or used-up response_urls as a plain 404
    response, so an answer sent after the ack would vanish without a trace. Raising sends
    the failure down the one error path: logged, and the user told by DM.
    """

    def __init__(self, respond: Any) -> None:
        self._respond = respond
        self.response_url = getattr(respond, "response_url", None)

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Post through the response_url; raise ResponseUrlFailed on a 4xx/5xx answer."""
        answer = await self._respond(*args, **kwargs)
        status = getattr(answer, "status_code", 200)
        if status >= 400:
            raise ResponseUrlFailed(
                f"response_url answered {status}: {getattr(answer, 'body', '')}"
            )
        return answer


class OpsbotApp(AsyncApp):
    """AsyncApp whose every dispatch runs inside one request scope.

    Bolt's global middleware cannot wrap a listener (its `next()` only sets a flag), so the
    audit record and the metrics live here, around the whole dispatch. The app runs with
    `process_before_response=True`: a handler's `ack()` body is the HTTP answer, and slow work
    goes to `runtime.background` or the bounded work queue.
    """

    runtime: Runtime
    catalog: CommandCatalog
    # One client per (token, base URL): building one (retry handlers, user agent) on every
    # request was a measurable share of a /opsbot help. The clients keep no per-request state.
    _clients: dict[tuple[str | None, str], InstrumentedWebClient]

    def _init_context(self, req: AsyncBoltRequest) -> None:
        super()._init_context(req)
        # Bolt builds a plain AsyncWebClient per request; ours counts calls in /metrics.
        plain = req.context.client
        key = (plain.token, plain.base_url)
        client = self._clients.get(key)
        if client is None:
            client = make_slack_client(
                token=plain.token, base_url=plain.base_url, metrics=self.runtime.metrics
            )
            self._clients[key] = client
        req.context["client"] = client
        if req.context.response_url:  # Bolt builds respond() lazily; build ours now
            req.context["respond"] = CheckedRespond(req.context.respond)

    def _handle_unmatched_requests(self, req: AsyncBoltRequest, resp: BoltResponse) -> BoltResponse:
        """Answer a slash command opsbot does not know; log anything else unhandled briefly.

        Bolt's default logs a developer hint ("@app.command…") and answers 404, which a
        person who typed the command sees as a failure with no explanation.
        """
        command = req.body.get("command") if isinstance(req.body, dict) else None
        if command:
            req.context["outcome"] = "usage"
            text = f"opsbot has no command {escape(str(command))}. Try `/opsbot help`."
            return BoltResponse(
                status=200,
                body=json.dumps({"response_type": "ephemeral", "text": text}),
                headers={"content-type": ["application/json;charset=utf-8"]},
            )
        log.info("unhandled request of type %s", req.body.get("type") if req.body else None)
        return resp

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        """Dispatch `req` with its request id, context items, audit record and metrics.

        No database session is opened here: handlers take the session factory and do their
        database work on the worker pool (`storage.engine.in_worker`), so the event loop
        never waits on the database.
        """
        started = time.perf_counter()
        # Not uuid4: os.urandom releases the GIL, and with worker threads busy the loop then
        # waits a switch interval to get it back. An id for log lines needs no crypto.
        req.context["request_id"] = f"{random.getrandbits(64):016x}"
        request_id_var.set(req.context["request_id"])
        req.context["catalog"] = self.catalog
        req.context["runtime"] = self.runtime
        req.context["rerun_command"] = self.rerun_command
        for name, value in self.runtime.context_items().items():
            req.context[name] = value
        try:
            response = await super().async_dispatch(req)
        except Exception:
            # Bolt itself failed on a signed but malformed body (after our middleware claimed
            # its key): the request never ran, so nothing of it may stay, the claim included.
            claimed: RequestInfo | None = req.context.get("request_info")
            if claimed is not None and claimed.dedupe_key and not req.context.get("duplicate"):
                await _off_loop(self.runtime, release_request_key, claimed.dedupe_key)
            raise
        info: RequestInfo | None = req.context.get("request_info")
        if info is not None:
            await self._finish(req, info, response, time.perf_counter() - started)
        return response

    async def rerun_command(
        self,
        *,
        command: str,
        text: str,
        user_id: str,
        channel_id: str,
        team_id: str = "",
        user_name: str = "",
    ) -> dict[str, Any]:
        """Run a slash command again as `user_id` (after a button fixed what it lacked).

        The request goes through the whole front door, signed with our own secret, so the
        re-run is checked, scoped, audited and deduplicated like any other. Returns the ack.
        """
        secret = self.runtime.settings.slack_signing_secret
        body = urlencode(
            {
                "team_id": team_id,
                "command": command,
                "text": text,
                "user_id": user_id,
                "user_name": user_name or user_id.lower(),
                "channel_id": channel_id,
                "trigger_id": f"rerun.{uuid.uuid4().hex}",
            }
        )
        headers = sign(body, secret.get_secret_value() if secret else "")
        response = await self.async_dispatch(to_bolt_request(body, headers))
        try:
            answer = json.loads(response.body) if response.body else {}
        except ValueError:
            answer = {"text": response.body}
        return answer if isinstance(answer, dict) else {}

    async def _finish(
        self, req: AsyncBoltRequest, info: RequestInfo, response: BoltResponse, elapsed: float
    ) -> None:
        outcome = str(req.context.get("outcome") or ("ok" if response.status < 500 else "error"))
        if outcome == "error" and info.dedupe_key and not req.context.get("duplicate"):
            # A failed request may be retried by Slack; let the retry run.
            await _off_loop(self.runtime, release_request_key, info.dedupe_key)
        self.runtime.metrics.requests.labels(info.name, outcome).inc()
        self.runtime.metrics.ack_latency.observe(elapsed)
        self.runtime.audit.add(
            {
                "request_id": str(req.context["request_id"]),
                "at": utcnow(),
                "user_id": info.user_id,
                "channel_id": info.channel_id,
                "kind": info.kind,
                "name": info.name[:255],
                "detail": info.detail,
                "outcome": outcome,
                "latency_ms": round(elapsed * 1000, 2),
            }
        )


async def _off_loop(runtime: Runtime, call: Any, key: str) -> Any:
    # Even SQLite's local insert waits for the write lock, which another process (a KPI import)
    # may hold for seconds: inline, that wait would freeze every request on this loop.
    return await off_loop(runtime.sessions, call, runtime.engine, key)


class VerifiedRequestScope(AsyncMiddleware):
    """Runs after Bolt verified the signature: record what the request is, drop duplicates.

    A middleware class, not a function: Bolt calls it directly, where a function middleware
    costs a full build of the keyword arguments (every payload view, every context item) on
    every request.
    """

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        """Claim the request's dedupe key; answer a duplicate at once without running it."""
        context = req.context
        info = describe(req.body)
        context["request_info"] = info
        if info.dedupe_key is not None:
            runtime: Runtime = context["runtime"]
            first = await _off_loop(runtime, claim_request_key, info.dedupe_key)
            if not first:
                context["duplicate"] = True
                context["outcome"] = "duplicate"
                log.info("duplicate request %s answered without running", info.dedupe_key)
                return BoltResponse(status=200, body="")
        await next()
        return None


def create_app(runtime: Runtime, *, verify_requests: bool = True) -> OpsbotApp:
    """Build the Bolt app for `runtime` with every command family registered."""
    settings = runtime.settings
    secret = settings.slack_signing_secret
    app = OpsbotApp(
        # Named, so Bolt does not call inspect.stack() to name its logger after the caller's
        # file: that reads the source of every frame, a tenth of an `opsbot shell -c`.
        name="opsbot.bolt",
        client=runtime.slack,
        signing_secret=secret.get_secret_value() if secret else "unset",
        process_before_response=True,
        request_verification_enabled=verify_requests,
        raise_error_for_unhandled_request=False,
        ignoring_self_events_enabled=True,
    )
    app.runtime = runtime
    app._clients = {}
    app.use(VerifiedRequestScope())
    app.error(handle_error)
    app.catalog = register_all(app)
    return app
