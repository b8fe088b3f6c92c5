"""`opsbot shell`: the real app offline, driven from a terminal through signed requests."""

from __future__ import annotations

import asyncio
import json
import queue
import sys
import tempfile
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.console import Console
from rich.markup import escape as escape_markup
from rich.text import Text
from slack_bolt.response import BoltResponse

from bot.app import OpsbotApp, create_app
from bot.block_limits import message_answer, view_answer
from bot.offline.render import BlockRenderer, ModalField, modal_fields, state_value
from bot.offline.shell_workspace import furnish_workspace, with_local_admin
from bot.offline.slack import LocalSlack, SlackCall
from bot.offline.slack_requests import (
    block_action,
    new_view_id,
    slash_command,
    to_bolt_request,
    view_submission,
)
from bot.runtime import build_runtime
from bot.settings import Settings
from storage.audit import recent_events

LOCAL_TOKEN = "xoxb-local-shell"  # noqa: S105 - only ever sent to the in-process LocalSlack
LOCAL_SECRET = "local-shell-signing-secret"  # noqa: S105
# What the README promises: 0 done, 2 the request was refused (bad input, not found, not
# allowed), 1 opsbot failed.
EXIT_CODES = {"ok": 0, "duplicate": 0, "usage": 2, "denied": 2, "refused": 2, "error": 1}
SHELL_HELP = (
    "Type a slash command (e.g. /opsbot help). `!click N` presses button N, "
    "`!quit` leaves. Modals become prompts; an empty answer keeps the default."
)


class ShellSession:
    """One terminal user typing into one channel of the local workspace."""

    def __init__(
        self, app: OpsbotApp, local: LocalSlack, console: Console, user_id: str, channel_id: str
    ) -> None:
        self.app = app
        self.local = local
        self.console = console
        self.user_id = user_id
        self.channel_id = channel_id
        self.renderer = BlockRenderer()
        self.files_dir = Path(tempfile.mkdtemp(prefix="opsbot-shell-"))
        self._calls: queue.SimpleQueue[SlackCall] = queue.SimpleQueue()
        self._unsubscribe = local.subscribe(self._calls.put)
        self._views: list[dict[str, Any]] = []

    def close(self) -> None:
        """Stop listening to the local workspace."""
        self._unsubscribe()

    async def run_line(self, line: str) -> str:
        """Handle one typed line; return the request's outcome."""
        line = line.strip()
        if line.startswith("!click") or (line.startswith("!") and line[1:].isdigit()):
            return await self._click(line.removeprefix("!click").removeprefix("!").strip())
        if not line.startswith("/"):
            self.console.print(SHELL_HELP)
            return "usage"
        command, _, text = line.partition(" ")
        request = slash_command(
            command,
            text.strip(),
            secret=LOCAL_SECRET,
            user_id=self.user_id,
            user_name=self.user_id.lower(),
            channel_id=self.channel_id,
            channel_name=self.channel_id.lower(),
            response_url=self.local.response_url(channel=self.channel_id),
        )
        return await self._dispatch(request)

    async def _dispatch(self, request: tuple[str, dict[str, str]]) -> str:
        response = await self.app.async_dispatch(to_bolt_request(*request))
        await self._settle()
        self._show_ack(response)
        self._flush()
        outcome = await self._last_outcome()
        while self._views:
            outcome = await self._fill_modal(self._views.pop(0))
        return outcome

    async def _settle(self) -> None:
        """Let the work a command started finish, so its messages show before the prompt."""
        await self.app.runtime.background.drain()
        # Jobs due within a few seconds run here: filing, then the posts that wait for its
        # message (they retry after a short backoff). Later retries (an outage) do not
        # block the prompt; the bound only matters when something hangs.
        await self.app.runtime.outbox.drain(within=60.0, horizon=5.0)
        await self.app.runtime.background.drain()

    async def _click(self, number: str) -> str:
        button = self.renderer.buttons.get(int(number)) if number.isdigit() else None
        if button is None:
            self.console.print(f"No button {number!r}. Buttons are numbered in the output.")
            return "usage"
        channel = button.channel or self.channel_id
        request = block_action(
            button.action_id,
            button.value,
            secret=LOCAL_SECRET,
            block_id=button.block_id,
            user_id=self.user_id,
            channel_id=channel,
            message_ts=button.message_ts,
            response_url=self.local.response_url(channel=channel, message_ts=button.message_ts),
        )
        return await self._dispatch(request)

    async def _fill_modal(self, view: dict[str, Any]) -> str:
        title = escape_markup(str((view.get("title") or {}).get("text", "Modal")))
        fields = modal_fields(view)
        if not fields:
            # A view with nothing to fill (a confirmation) is shown, not submitted.
            self._print_message(f"┌ {title}", view, None)
            return await self._last_outcome()
        self.console.print(f"[bold]┌ {title}[/bold]  (empty answer keeps the default)")
        answers: dict[str, str] = {}
        errors: dict[str, str] = {}
        while True:
            for field in fields:
                if errors and field.block_id not in errors:
                    continue
                if field.block_id in errors:
                    self.console.print(f"[red]  {errors[field.block_id]}[/red]")
                answer = await self._ask(field)
                if answer is None:
                    self.console.print("[dim]└ modal cancelled[/dim]")
                    return "ok"
                answers[field.block_id] = answer
            values = {
                f.block_id: {f.action_id: state_value(f, answers.get(f.block_id, ""))}
                for f in fields
            }
            request = view_submission(
                str(view.get("callback_id", "")),
                values,
                secret=LOCAL_SECRET,
                user_id=self.user_id,
                private_metadata=str(view.get("private_metadata", "")),
                view_id=str(view.get("id") or new_view_id()),
                view=view,
            )
            response = await self.app.async_dispatch(to_bolt_request(*request))
            await self._settle()
            reply = _json_body(response)
            if reply.get("response_action") == "errors":
                errors = dict(reply.get("errors") or {})
                continue
            self.console.print("[bold]└ submitted[/bold]")
            if reply.get("response_action") in ("update", "push") and reply.get("view"):
                if (refused := view_answer(reply["view"])) is not None:
                    self._print_refusal("view_submission answer", refused)
                    return "error"
                self._views.insert(0, reply["view"])
            self._flush()
            return await self._last_outcome()

    async def _ask(self, field: ModalField) -> str | None:
        hint = ""
        if field.options:
            hint = " [" + ", ".join(value for value, _ in field.options) + "]"
        optional = " (optional)" if field.optional else ""
        prompt = f"│ {field.label}{optional}{hint}"
        if field.initial:
            prompt += f" (default: {field.initial})"
        prompt = escape_markup(prompt)
        self.console.print(prompt + ": ", end="")
        line = await asyncio.to_thread(sys.stdin.readline)
        if line == "":
            return None
        answer = line.rstrip("\n")
        return answer or field.initial

    def _show_ack(self, response: BoltResponse) -> None:
        reply = _json_body(response)
        if not reply or "response_action" in reply:
            return
        if (refused := message_answer(reply)) is not None:
            self._print_refusal("the command's answer", refused)
            return
        scope = "in channel" if reply.get("response_type") == "in_channel" else "only you"
        self._print_message(f"opsbot ({scope})", reply, None)

    def _print_refusal(self, what: str, answer: dict[str, Any]) -> None:
        """Show what Slack would refuse, so a person trying the bot sees it was not shown."""
        self.console.print(
            f"[bold red]Slack refused {escape_markup(what)}: {escape_markup(answer['error'])}"
            "[/bold red]"
        )
        for line in (answer.get("response_metadata") or {}).get("messages") or []:
            self.console.print(f"[red]  {escape_markup(str(line))}[/red]")

    def _flush(self) -> None:
        while True:
            try:
                call = self._calls.get_nowait()
            except queue.Empty:
                return
            self._render_call(call)

    def _render_call(self, call: SlackCall) -> None:
        args = call.args
        method = call.method
        if call.faulted:
            return
        if call.refused is not None:
            self._print_refusal(call.method, call.refused)
            return
        if method == "chat.postMessage":
            where = f"#{args.get('channel')}" + (" (thread)" if args.get("thread_ts") else "")
            self._print_message(f"opsbot in {where}", args, args.get("channel"))
        elif method == "chat.postEphemeral":
            self._print_message("opsbot (only you)", args, args.get("channel"))
        elif method == "chat.update":
            self._print_message(
                f"opsbot updated {args.get('ts')}", args, args.get("channel"), args.get("ts")
            )
        elif method == "response_url":
            label = "opsbot (replaced)" if args.get("replace_original") else "opsbot (reply)"
            if args.get("delete_original"):
                self.console.print("[dim]opsbot deleted its message[/dim]")
            else:
                self._print_message(label, args, None)
        elif method in ("views.open", "views.push", "views.update") and args.get("view"):
            view = args["view"]
            if isinstance(view, str):
                view = json.loads(view)
            if method == "views.update":
                self._views[:] = [view]
            else:
                self._views.append(view)
        elif method == "files.upload":
            path = self.files_dir / str(args.get("filename") or "file")
            path.write_bytes(args.get("content") or b"")
            self.console.print(
                f"[cyan]opsbot uploaded {args.get('title') or path.name}: {path}[/cyan]"
            )
        elif method == "reactions.add":
            self.console.print(f"[dim]opsbot reacted :{args.get('name')}:[/dim]")

    def _print_message(
        self, label: str, message: dict[str, Any], channel: str | None, ts: str | None = None
    ) -> None:
        blocks = message.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        lines = self.renderer.render(
            blocks,
            str(message.get("text", "")),
            channel=channel,
            message_ts=ts or message.get("ts"),
        )
        self.console.print(f"[green]{label}[/green]")
        for line in lines:
            # Split after parsing the markup, so a style spanning lines (a code block) holds,
            # and every line of a multi-line text stays inside the message's margin.
            for part in Text.from_markup(line).split("\n", allow_blank=True):
                self.console.print(Text("  ") + part)

    async def _last_outcome(self) -> str:
        await self.app.runtime.audit.flush()
        with self.app.runtime.sessions() as session:
            events = recent_events(session, limit=1)
        return events[0].outcome if events else "ok"


def _json_body(response: BoltResponse) -> dict[str, Any]:
    if not response.body:
        return {}
    try:
        parsed = json.loads(response.body)
    except ValueError:
        return {"text": response.body}
    return parsed if isinstance(parsed, dict) else {}


async def run_shell(
    settings: Settings, *, command: str | None, user_id: str, channel_id: str
) -> int:
    """Run the bot against a local workspace; one command with `command`, else a prompt loop."""
    # No hard wrap: a long line stays one line, as in Slack, and pipes keep whole lines.
    console = Console(highlight=False, soft_wrap=True)
    local = LocalSlack(token=LOCAL_TOKEN).start()
    local.add_user(user_id, user_id.lower(), email=f"{user_id.lower()}@example.com")
    local.add_channel(channel_id, "shell")
    settings = settings.model_copy(
        update={
            "slack_bot_token": SecretStr(LOCAL_TOKEN),
            "slack_signing_secret": SecretStr(LOCAL_SECRET),
            "slack_api_url": local.api_url,
            "opsbot_admins": with_local_admin(settings, user_id),
            # One command, then exit: the scheduler would only start (and run catch-up jobs
            # into this command's output) to be stopped again. The prompt loop runs it.
            **({"opsbot_scheduler": "off"} if command is not None else {}),
        }
    )
    runtime = build_runtime(settings)
    channels = furnish_workspace(local, runtime)
    app = create_app(runtime)
    session = ShellSession(app, local, console, user_id, channel_id)
    await runtime.start()
    try:
        if command is not None:
            return EXIT_CODES.get(await session.run_line(command), 1)
        known = ", ".join(f"#{name}" for name in channels) or "none yet"
        console.print(
            f"opsbot shell: you are <@{user_id}> (an opsbot admin here) in #{channel_id}; "
            f"channels: {known}. {SHELL_HELP}"
        )
        while True:
            console.print("[bold]> [/bold]", end="")
            line = await asyncio.to_thread(sys.stdin.readline)
            if line == "" or line.strip() in ("!quit", "!exit"):
                return 0
            if line.strip():
                await session.run_line(line)
    finally:
        session.close()
        await runtime.aclose()
        local.stop()
