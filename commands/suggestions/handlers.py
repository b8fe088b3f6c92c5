"""Slack handlers for `/suggest`, its card's buttons and the "Edit story" modal."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session

from commands.digest import DigestSection, DigestSource
from commands.initiatives.desk import PlanningDesk
from commands.mrkdwn import escape, escape_clip
from commands.permissions import Actor, require
from commands.slash_text import parse_count, parse_text
from commands.subcommands import Invocation, SubcommandRouter, Verb
from commands.suggestions.parsing import (
    LIST_USAGE,
    MAX_PROPOSAL,
    PROMOTE_USAGE,
    PROPOSAL_USAGE,
    TEXT_USAGE,
)
from commands.suggestions.service import (
    promote,
    proposal_material,
    ranked,
    record_suggestion,
)
from commands.suggestions.views import (
    proposal,
    proposal_entry,
    suggestion_card,
    suggestion_list,
)
from commands.windows import digest_window
from commands.work_queue import WorkQueue
from integrations.errors import UsageError
from storage.engine import SessionFactory, in_worker

LIST_TITLES = {"top": "Top suggestions", "new": "Newest suggestions", "mine": "Your suggestions"}


@dataclass(frozen=True)
class SuggestDeps:
    """What `/suggest` handlers need from the runtime."""

    sessions: SessionFactory
    desk: PlanningDesk
    clock: Callable[[], datetime]
    timezone: str
    digest_sources: Sequence[DigestSource]
    work_queue: WorkQueue


def suggest_deps(context: Mapping[str, Any]) -> SuggestDeps:
    """Read the family's dependencies from Bolt's context."""
    return SuggestDeps(
        sessions=context["sessions"],
        desk=context["planning_desk"],
        clock=context["clock"],
        timezone=context["team_config"].timezone,
        digest_sources=context["digest_sources"],
        work_queue=context["work_queue"],
    )


Call = Invocation[SuggestDeps]


async def record_verb(call: Call) -> None:
    """`/suggest TEXT`: store the suggestion and its draft story, show the card in channel."""
    require(call.actor, "suggestions", "file")
    dedupe_key = f"cmd:{call.command.get('trigger_id')}"
    suggestion = await in_worker(
        call.deps.sessions,
        lambda session: record_suggestion(
            session=session,
            text=call.text,
            author_id=call.user_id,
            channel_id=call.channel_id,
            dedupe_key=dedupe_key,
        ),
    )
    await call.ack(response_type="in_channel", **suggestion_card(suggestion))


async def list_verb(call: Call) -> None:
    """`/suggest list [top|new|mine]` (a longer text starting with "list" is a suggestion)."""
    words = parse_text(call.rest).words
    if len(words) > 1:
        return await record_verb(call)
    mode = words[0].lower() if words else "top"
    if mode not in LIST_TITLES:
        raise UsageError(f"`{escape_clip(mode, 20)}` is not a list.", usage=call.usage)
    rows = await in_worker(
        call.deps.sessions,
        lambda session: ranked(
            session=session, mode=mode, user_id=call.user_id, scope=call.actor.scope
        ),
    )
    await call.ack(**suggestion_list(rows, title=LIST_TITLES[mode]))


async def promote_verb(call: Call) -> None:
    """`/suggest promote ID [to:INIT-KEY]`."""
    parsed = parse_text(call.rest)
    if len(parsed.words) != 1:
        return await record_verb(call)
    parent = parsed.options.get("to")
    desk = call.deps.desk
    number = await in_worker(
        call.deps.sessions,
        lambda session: promote(
            session=session,
            desk=desk,
            actor=call.actor,
            ident=parsed.words[0],
            initiative_key=parent,
        ),
    )
    desk.outbox.wake()
    where = f" under {escape(parent.upper())}" if parent else ""
    await call.ack(response_type="ephemeral", text=f"Filing suggestion #{number}{where}…")


def _kpi_section(
    deps: SuggestDeps, actor: Actor, now: datetime
) -> Callable[[Session], DigestSection | None]:
    # In a vendor channel the proposal's KPIs are that vendor's, never the whole team's.
    vendor = actor.scope.vendor.slug if actor.scope.vendor is not None else None
    window = digest_window(vendor_slug=vendor, now=now, timezone=deps.timezone)
    kpi = [source for source in deps.digest_sources if source.key == "kpi"]
    return lambda session: kpi[0].section(session=session, window=window) if kpi else None


async def proposal_verb(call: Call) -> None:
    """`/suggest proposal [N]`: built through the work queue, then posted and uploaded.

    Ranking, evidence and KPI sections are the expensive part: they wait their turn in the
    bounded queue, and a full queue answers "busy" at once instead of starting more.
    """
    words = parse_text(call.rest).words
    if len(words) > 1:
        return await record_verb(call)
    wanted = parse_count(words[0] if words else "5", "N", 1, MAX_PROPOSAL, usage=call.usage)
    build = _proposal_builder(call, wanted)

    async def post() -> None:
        message, document, today = await in_worker(call.deps.sessions, build)
        if call.respond is not None:
            await call.respond(**message, replace_original=False)
        await _upload(call.client, call.channel_id, document, today)

    call.deps.work_queue.submit(
        user_id=call.user_id, name="suggest_proposal", work=post, report=call.report
    )
    await call.ack(
        response_type="ephemeral", text=f"Building the proposal of the top {wanted} suggestions…"
    )


def _proposal_builder(
    call: Call, wanted: int
) -> Callable[[Session], tuple[dict[str, Any], str, date]]:
    now = call.deps.clock()
    section = _kpi_section(call.deps, call.actor, now)
    today = now.astimezone(ZoneInfo(call.deps.timezone)).date()

    def build(session: Session) -> tuple[dict[str, Any], str, date]:
        material = proposal_material(
            session=session,
            scope=call.actor.scope,
            user_id=call.user_id,
            wanted=wanted,
            kpi_section=section,
        )
        entries = [proposal_entry(s, evidence) for s, evidence in material.rows]
        message, document = proposal(entries, kpi_lines=material.kpi_lines, today=today)
        return message, document, today

    return build


async def _upload(
    client: AsyncWebClient, channel_id: str | None, document: str, today: date
) -> None:
    await client.files_upload_v2(
        channel=channel_id,
        content=document,
        filename=f"proposal-{today.isoformat()}.md",
        title=f"Improvement proposal {today.isoformat()}",
    )


ROUTER = SubcommandRouter[SuggestDeps](
    command="/suggest",
    summary="Suggest a process improvement; vote, score and promote it to Jira.",
    verbs=(
        Verb("list", (LIST_USAGE,), list_verb),
        Verb("promote", (PROMOTE_USAGE,), promote_verb),
        Verb("proposal", (PROPOSAL_USAGE,), proposal_verb),
    ),
    fallback=Verb("", (TEXT_USAGE,), record_verb, ("suggestions", "file")),
    deps=suggest_deps,
    fallback_first=True,
)
handle_suggest = ROUTER.handler
