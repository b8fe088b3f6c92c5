"""What every slash command works out first, and a router for families with subcommands.

`slash_request` is what a handler works out before anything else: who asks (admin or not,
the channel's vendor scope), the text, now and today in the team's time zone. The actor is
read on a worker thread through `Permissions.actor`, so a handler built on it never touches
the database on the loop.

The router: verbs declared once give the dispatch, the usage text and the help entry.
A family declares its verbs (name, usage lines, handler, and the permission it needs), and
the router does the rest the same way for every family:
- `/cmd` alone or `/cmd help` answers the usage; an unknown verb answers it too, naming the verb;
- the actor (who asks, from which channel's scope) is resolved once, on a worker thread;
- the error reporter for work after the ack is built once, from `respond`;
- `family()` is the `/opsbot help` entry, its admin-only forms read from the permissions
  matrix (a verb only admins may use is marked there, and nowhere else).

Handlers receive one `Invocation`, with the family's typed dependencies read from Bolt's
context by `deps`. The permission itself is still enforced by the service (the matrix
decides); the router only knows which verbs are admin-only to say so in the usage.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from commands.catalog import CommandFamily
from commands.mrkdwn import escape_clip
from commands.permissions import PERMISSIONS, Actor, Permissions, Role
from commands.slash_text import tokenize
from integrations.errors import UsageError
from storage.engine import SessionFactory
from storage.text import clean_text

D = TypeVar("D")
ErrorReporter = Callable[[str], Awaitable[None]]
Clock = Callable[[], datetime]


def team_today(clock: Clock, timezone: str) -> date:
    """Return today's date in the team's time zone."""
    return clock().astimezone(ZoneInfo(timezone)).date()


async def command_actor(
    command: Mapping[str, Any], *, sessions: SessionFactory, permissions: Permissions
) -> Actor:
    """Return who typed `command`, with the scope of the channel it was typed in."""
    return await permissions.actor(
        sessions, user_id=str(command["user_id"]), channel_id=command.get("channel_id")
    )


@dataclass(frozen=True)
class SlashRequest:
    """One slash command's asker, its text, and the team's clock reading."""

    actor: Actor
    text: str
    now: datetime
    today: date

    @property
    def user_id(self) -> str:
        """Return who typed the command."""
        return self.actor.user_id


async def slash_request(
    command: dict[str, Any],
    *,
    sessions: SessionFactory,
    permissions: Permissions,
    clock: Clock,
    timezone: str,
) -> SlashRequest:
    """Return the asker (with the channel's scope), the command's text, now and today."""
    actor = await command_actor(command, sessions=sessions, permissions=permissions)
    now = clock()
    today = now.astimezone(ZoneInfo(timezone)).date()
    return SlashRequest(actor=actor, text=str(command.get("text") or ""), now=now, today=today)


def reporter(respond: AsyncRespond | None) -> ErrorReporter:
    """Return the callback that tells the user, ephemerally, how work after the ack ended."""

    async def report(message: str) -> None:
        if respond is not None:
            await respond(text=message, response_type="ephemeral", replace_original=False)

    return report


@dataclass(frozen=True)
class Invocation(Generic[D]):
    """One slash command, routed: who asks, what they typed after the verb, what to answer with."""

    ack: AsyncAck
    respond: AsyncRespond | None
    client: AsyncWebClient
    command: dict[str, Any]
    deps: D
    actor: Actor
    text: str  # the whole command text, control characters removed
    verb: str  # the word that chose the handler ("" for the fallback)
    rest: str  # the text after the verb word
    usage: str
    report: ErrorReporter

    @property
    def user_id(self) -> str:
        """Return who typed the command."""
        return self.actor.user_id

    @property
    def channel_id(self) -> str | None:
        """Return where it was typed."""
        return self.actor.channel_id


VerbHandler = Callable[[Invocation[D]], Awaitable[None]]


@dataclass(frozen=True)
class Verb(Generic[D]):
    """One subcommand: its word, its usage lines, its handler, the permission it needs."""

    name: str
    usage: tuple[str, ...]
    handler: VerbHandler[D]
    # ("family", "verb") in the permissions matrix: enforced by the service, shown in help.
    permission: tuple[str, str] | None = None

    @property
    def admin_only(self) -> bool:
        """Tell whether only admins may use it (read from the permissions matrix)."""
        if self.permission is None:
            return False
        return PERMISSIONS[self.permission].allowed == frozenset({Role.ADMIN})


def _split_verb(text: str) -> tuple[str, str]:
    head, _, rest = text.strip().partition(" ")
    words = tokenize(head)
    return (words[0].lower() if words else head.lower()), rest.strip()


@dataclass
class SubcommandRouter(Generic[D]):
    """Route `/command VERB …` to the declared verb; the fallback takes anything else."""

    command: str
    summary: str
    verbs: Sequence[Verb[D]]
    deps: Callable[[Mapping[str, Any]], D]
    fallback: Verb[D] | None = None  # e.g. `/initiative KEY …`, `/suggest TEXT`
    default: str | None = None  # the verb an empty command means; else the usage is shown
    extra_usage: tuple[str, ...] = field(default_factory=tuple)
    fallback_first: bool = False  # the fallback's form is the main one (`/suggest TEXT`)

    def __post_init__(self) -> None:
        self._by_name = {verb.name: verb for verb in self.verbs}

    @property
    def usage(self) -> tuple[str, ...]:
        """Return every usage line, admin-only forms marked."""
        lines: list[str] = []
        fallback = [self.fallback] if self.fallback else []
        ordered = [*fallback, *self.verbs] if self.fallback_first else [*self.verbs, *fallback]
        for verb in ordered:
            mark = "   (admins)" if verb.admin_only else ""
            lines += [line + mark for line in verb.usage]
        return (*lines, *self.extra_usage)

    @property
    def usage_text(self) -> str:
        """Return the usage lines as one string (for UsageError)."""
        return "\n".join(self.usage)

    def family(self) -> CommandFamily:
        """Return the `/opsbot help` entry for this command."""
        admin = tuple(verb.name for verb in self.verbs if verb.admin_only)
        return CommandFamily(
            command=self.command, summary=self.summary, usage=self.usage, admin_only=admin
        )

    def choose(self, text: str) -> tuple[Verb[D], str, str]:
        """Return the verb for `text`, the verb word and the rest; UsageError if none fits."""
        word, rest = _split_verb(text)
        if not word and self.default is not None:
            word = self.default
        verb = self._by_name.get(word)
        if verb is not None:
            return verb, word, rest
        if self.fallback is not None:
            return self.fallback, "", text.strip()
        raise UsageError(
            f"`{self.command} {escape_clip(word, 40)}` is not a command I know.",
            usage=self.usage_text,
        )

    @property
    def handler(self) -> Callable[..., Awaitable[None]]:
        """Return the Bolt listener (Bolt injects by these argument names)."""

        async def handle(
            ack: AsyncAck,
            command: dict[str, Any],
            client: AsyncWebClient,
            context: dict[str, Any],
            respond: AsyncRespond | None = None,
        ) -> None:
            await self.dispatch(
                ack=ack, command=command, client=client, context=context, respond=respond
            )

        handle.__name__ = f"handle_{self.command.strip('/')}"
        return handle

    async def dispatch(
        self,
        *,
        ack: AsyncAck,
        command: dict[str, Any],
        client: AsyncWebClient,
        context: Mapping[str, Any],
        respond: AsyncRespond | None,
    ) -> None:
        """Answer the usage, or resolve the actor once and call the chosen verb's handler."""
        text = clean_text(str(command.get("text") or "")).strip()
        if (not text and self.default is None) or text.lower() == "help":
            await ack(response_type="ephemeral", text=f"```\n{self.usage_text}\n```")
            return
        verb, word, rest = self.choose(text)
        actor = await command_actor(
            command, sessions=context["sessions"], permissions=context["permissions"]
        )
        await verb.handler(
            Invocation(
                ack=ack,
                respond=respond,
                client=client,
                command=command,
                deps=self.deps(context),
                actor=actor,
                text=text,
                verb=word,
                rest=rest,
                usage=self.usage_text,
                report=reporter(respond),
            )
        )
