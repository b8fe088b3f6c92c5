"""`/checkin` handlers: parse, check who may do it, call the service off the loop, answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from commands.checkins import service
from commands.checkins.digest_build import build_digest
from commands.checkins.parsing import CHECKIN_USAGE, parse_channel, parse_schedule_id, word
from commands.checkins.recurrence import recurrence_from_spec
from commands.checkins.runner import CheckinRunner
from commands.checkins.views import (
    render_paused,
    render_posting,
    render_removed,
    render_saved,
    render_schedule_list,
    render_topic_added,
)
from commands.mrkdwn import escape_clip
from commands.permissions import PERMISSIONS, Permissions, require
from commands.scope import ChannelScope
from commands.slash_text import ParsedText, parse_text
from commands.team_config import TeamConfig
from integrations.errors import NotFound, SlackUnavailable, UsageError
from integrations.slack_directory import SlackDirectory
from storage.checkins import RUN_POSTED, list_schedules
from storage.engine import SessionFactory, in_worker
from storage.vendors import Vendor

T = TypeVar("T")
Clock = Callable[[], datetime]
Answer = dict[str, Any]
# Each form's verb in the permissions matrix (commands/permissions.py).
_MANAGE = frozenset(PERMISSIONS[("checkins", "manage")].forms)
_POLICY_VERB = {
    **{form: "manage" for form in _MANAGE},
    **{form: "run" for form in PERMISSIONS[("checkins", "run")].forms},
}


class Background(Protocol):
    """The runtime's post-ack work (commands.background.BackgroundTasks)."""

    def spawn(
        self,
        name: str,
        job: Callable[[Session], Awaitable[None]],
        *,
        report: Callable[[str], Awaitable[None]] | None = None,
    ) -> None: ...


@dataclass(frozen=True)
class CheckinCall:
    """One `/checkin` command and what its verb may need."""

    parsed: ParsedText
    verb: str
    user_id: str
    channel_id: str
    scope: ChannelScope
    now: datetime
    sessions: SessionFactory
    directory: SlackDirectory
    default_timezone: str
    runner: CheckinRunner
    background: Background
    respond: AsyncRespond

    def word(self, index: int) -> str | None:
        """Return the `index`th word of the command, or None."""
        return word(self.parsed, index)

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run `work` in a unit of work on a worker thread (committed when it returns)."""
        return await in_worker(self.sessions, work)

    async def channel(self, text: str | None) -> str | None:
        """Return the id of the channel a `channel:` option names (None when not given)."""
        if not text:
            return None
        mention = parse_channel(text)
        return mention.id or await self.directory.find_channel(mention.name or "")


async def handle_checkin(
    ack: AsyncAck,
    command: dict[str, Any],
    sessions: SessionFactory,
    team_config: TeamConfig,
    directory: SlackDirectory,
    permissions: Permissions,
    background: Background,
    respond: AsyncRespond,
    checkin_runner: CheckinRunner,
    clock: Clock,
) -> None:
    """Answer every `/checkin` form."""
    parsed = parse_text(command.get("text", ""))
    verb = parsed.words[0].lower() if parsed.words else "list"
    user_id, channel_id = str(command["user_id"]), str(command.get("channel_id") or "")
    actor = await permissions.actor(sessions, user_id=user_id, channel_id=channel_id or None)
    require(actor, "checkins", _POLICY_VERB.get(verb, "view"))
    form = _VERBS.get(verb)
    if form is None:
        raise UsageError(
            f"`/checkin {escape_clip(verb, 40)}` is not a command I know.", usage=CHECKIN_USAGE
        )
    call = CheckinCall(
        parsed=parsed,
        verb=verb,
        user_id=user_id,
        channel_id=channel_id,
        scope=actor.scope,
        now=clock(),
        sessions=sessions,
        directory=directory,
        default_timezone=team_config.timezone,
        runner=checkin_runner,
        background=background,
        respond=respond,
    )
    answer, then = await form(call)
    if verb in _MANAGE:
        checkin_runner.schedules_changed()  # the change is committed: the scheduler re-reads
    await ack(**answer)
    if then is not None:
        then()


Reply = tuple[Answer, Callable[[], None] | None]  # the answer, and what follows the ack


async def _add(call: CheckinCall) -> Reply:
    options = call.parsed.options
    vendor_text = (options.get("vendor") or " ".join(call.parsed.words[1:])).strip()
    if not vendor_text:
        raise UsageError("Name the vendor with `vendor:`.", usage=CHECKIN_USAGE)
    target = await call.channel(options.get("channel")) or call.channel_id
    added = await call.run(
        lambda session: service.add_checkin(
            session=session,
            vendor_text=vendor_text,
            channel_id=target,
            every=options.get("every"),
            cron=options.get("cron"),
            timezone=options.get("tz"),
            default_timezone=call.default_timezone,
            slug=options.get("slug"),
            bind=options.get("bind", "yes").lower() not in ("no", "false", "off"),
            created_by=call.user_id,
            now=call.now,
        )
    )
    schedule = added.schedule
    next_fire = recurrence_from_spec(schedule.spec, schedule.timezone).next_after(call.now)
    answer = render_saved(
        schedule,
        added.vendor,
        verb="scheduled",
        next_fire=next_fire,
        vendor_note=added.vendor_note,
        bound=added.bound,
        typed_name=vendor_text,
    )
    return answer, None


async def _edit(call: CheckinCall) -> Reply:
    options = call.parsed.options
    schedule_id = parse_schedule_id(call.word(1))
    # An unknown schedule is said before a channel is looked up.
    before = await call.run(lambda session: service.require_schedule(session, schedule_id))
    channel_id = await call.channel(options.get("channel"))

    def edit(session: Session) -> tuple[Any, Vendor]:
        schedule = service.edit_checkin(
            session=session,
            schedule_id=schedule_id,
            every=options.get("every"),
            cron=options.get("cron"),
            timezone=options.get("tz"),
            channel_id=channel_id,
            now=call.now,
        )
        vendor = session.get(Vendor, schedule.vendor_id)
        if vendor is None:
            raise NotFound("That check-in's vendor is gone.")
        return schedule, vendor

    schedule, vendor = await call.run(edit)
    next_fire = recurrence_from_spec(schedule.spec, schedule.timezone).next_after(call.now)
    # A bound vendor's binding follows the schedule to its new channel: say so.
    moved = schedule.channel_id != before.channel_id and vendor.channel_id == schedule.channel_id
    answer = render_saved(schedule, vendor, verb="updated", next_fire=next_fire, bound=moved)
    return answer, None


async def _pause_or_resume(call: CheckinCall) -> Reply:
    schedule_id = parse_schedule_id(call.word(1))
    schedule = await call.run(
        lambda session: service.set_paused(
            session=session, schedule_id=schedule_id, paused=call.verb == "pause", now=call.now
        )
    )
    return render_paused(schedule.id, call.verb), None


async def _remove(call: CheckinCall) -> Reply:
    schedule_id = parse_schedule_id(call.word(1))
    schedule = await call.run(
        lambda session: service.remove_checkin(session=session, schedule_id=schedule_id)
    )
    return render_removed(schedule.id), None


async def _list(call: CheckinCall) -> Reply:
    zone = await _viewer_zone(call.directory, call.user_id, call.default_timezone)
    summaries = await call.run(
        lambda session: service.list_checkins(session=session, scope=call.scope, now=call.now)
    )
    return render_schedule_list(summaries, viewer_zone=zone), None


async def _preview(call: CheckinCall) -> Reply:
    def preview(session: Session) -> Answer:
        vendor = service.scoped_vendor(session, call.scope, call.word(1))
        schedules = list_schedules(session, vendor_id=vendor.id)
        content = build_digest(
            session=session,
            sources=call.runner.sources,
            vendor=vendor,
            now=call.now,
            timezone=schedules[0].timezone if schedules else vendor.timezone,
            preview=True,
        )
        return {"response_type": "ephemeral", **content.message}

    return await call.run(preview), None


async def _run(call: CheckinCall) -> Reply:
    def find(session: Session) -> tuple[str, int, str]:
        vendor = service.scoped_vendor(session, call.scope, call.word(1))
        schedule = service.vendor_schedule(session, vendor)
        return vendor.name, schedule.id or 0, schedule.channel_id

    vendor_name, schedule_id, channel_id = await call.run(find)

    def post_after_ack() -> None:
        job = _post_now(call.runner, schedule_id, call.now)
        call.background.spawn("checkin_run", job, report=_reporter(call.respond))

    return render_posting(vendor_name, channel_id), post_after_ack


async def _topic(call: CheckinCall) -> Reply:
    vendor = await call.run(
        lambda session: service.add_topic(
            session=session,
            scope=call.scope,
            vendor_text=call.word(1) or "",
            text=" ".join(call.parsed.words[2:]),
            user_id=call.user_id,
            now=call.now,
        )
    )
    return render_topic_added(vendor.name), None


_VERBS: dict[str, Callable[[CheckinCall], Awaitable[Reply]]] = {
    "add": _add,
    "edit": _edit,
    "pause": _pause_or_resume,
    "resume": _pause_or_resume,
    "remove": _remove,
    "list": _list,
    "preview": _preview,
    "run": _run,
    "topic": _topic,
}


async def _viewer_zone(directory: SlackDirectory, user_id: str, fallback: str) -> str:
    try:
        zone = (await directory.user(user_id)).get("tz")
    except SlackApiError:
        return fallback
    return str(zone) if zone else fallback


def _post_now(
    runner: CheckinRunner, schedule_id: int, now: datetime
) -> Callable[[Session], Awaitable[None]]:
    async def job(_session: Session) -> None:
        status = await runner.run_now(schedule_id=schedule_id, now=now)
        if status == "duplicate":
            return
        if status != RUN_POSTED:
            raise SlackUnavailable(
                "Slack did not take the digest just now; it will be retried automatically."
            )

    return job


def _reporter(respond: AsyncRespond) -> Callable[[str], Awaitable[None]]:
    async def report(message: str) -> None:
        await respond(text=message, response_type="ephemeral", replace_original=False)

    return report
