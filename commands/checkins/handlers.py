"""`/checkin` handlers: parse, check who may do it, call the service, answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from commands.checkins import service
from commands.checkins.digest_build import build_digest
from commands.checkins.recurrence import recurrence_from_spec
from commands.checkins.runner import CheckinRunner
from commands.checkins.views import render_note, render_saved, render_schedule_list
from commands.errors import NotFound, SlackUnavailable, UsageError
from commands.mrkdwn import escape, escape_clip
from commands.permissions import PERMISSIONS, Permissions, require
from commands.slash_text import ParsedText, parse_mention, parse_text
from integrations.slack_directory import SlackDirectory
from storage.checkins import RUN_POSTED, list_schedules
from storage.vendors import Vendor

Clock = Callable[[], datetime]
# Each form's verb in the permissions matrix (commands/permissions.py).
_MANAGE = frozenset(PERMISSIONS[("checkins", "manage")].forms)
_POLICY_VERB = {
    **{form: "manage" for form in _MANAGE},
    **{form: "run" for form in PERMISSIONS[("checkins", "run")].forms},
}


async def handle_checkin(
    ack: Any,
    command: dict[str, Any],
    db: Session,
    settings: Any,
    directory: SlackDirectory,
    permissions: Permissions,
    background: Any,
    respond: Any,
    checkin_runner: CheckinRunner,
    clock: Clock,
) -> None:
    """Answer every `/checkin` form."""
    parsed = parse_text(command.get("text", ""))
    verb = parsed.words[0].lower() if parsed.words else "list"
    user_id = str(command["user_id"])
    channel_id = str(command.get("channel_id") or "")
    actor = await permissions.actor(db, user_id=user_id, channel_id=channel_id or None)
    require(actor, "checkins", _POLICY_VERB.get(verb, "view"))
    scope = actor.scope
    now = clock()
    if verb == "add":
        answer = await _add(parsed, db, settings, directory, user_id, channel_id, now)
    elif verb == "edit":
        answer = await _edit(parsed, db, directory, now)
    elif verb in ("pause", "resume"):
        schedule = service.set_paused(
            session=db,
            schedule_id=service.parse_schedule_id(_word(parsed, 1)),
            paused=verb == "pause",
            now=now,
        )
        answer = render_note(f"Check-in `#{schedule.id}` {verb}d.")
    elif verb == "remove":
        schedule = service.remove_checkin(
            session=db, schedule_id=service.parse_schedule_id(_word(parsed, 1))
        )
        answer = render_note(f"Check-in `#{schedule.id}` removed.")
    elif verb == "list":
        zone = await _viewer_zone(directory, user_id, settings.opsbot_timezone)
        summaries = service.list_checkins(session=db, scope=scope, now=now)
        answer = render_schedule_list(summaries, viewer_zone=zone)
    elif verb == "preview":
        vendor = service.scoped_vendor(db, scope, _word(parsed, 1))
        schedules = list_schedules(db, vendor_id=vendor.id)
        zone = schedules[0].timezone if schedules else vendor.timezone
        content = build_digest(
            session=db,
            sources=checkin_runner.sources,
            vendor=vendor,
            now=now,
            timezone=zone,
            preview=True,
        )
        answer = {"response_type": "ephemeral", **content.message}
    elif verb == "run":
        vendor = service.scoped_vendor(db, scope, _word(parsed, 1))
        schedule = service.vendor_schedule(db, vendor)
        schedule_id = schedule.id or 0
        answer = render_note(
            f"Posting the {escape(vendor.name)} digest to <#{schedule.channel_id}> now."
        )
        await ack(**answer)
        background.spawn(
            "checkin_run", _post_now(checkin_runner, schedule_id, now), report=_reporter(respond)
        )
        return
    elif verb == "topic":
        vendor = service.add_topic(
            session=db,
            scope=scope,
            vendor_text=_word(parsed, 1) or "",
            text=" ".join(parsed.words[2:]),
            user_id=user_id,
            now=now,
        )
        answer = render_note(f"Added to the next {escape(vendor.name)} check-in.")
    else:
        raise UsageError(
            f"`/checkin {escape_clip(verb, 40)}` is not a command I know.",
            usage=service.CHECKIN_USAGE,
        )
    if verb in _MANAGE:
        db.commit()  # before the scheduler re-reads the table
        checkin_runner.schedules_changed()
    await ack(**answer)


async def _add(
    parsed: ParsedText,
    db: Session,
    settings: Any,
    directory: SlackDirectory,
    user_id: str,
    channel_id: str,
    now: datetime,
) -> dict[str, Any]:
    options = parsed.options
    vendor_text = options.get("vendor") or " ".join(parsed.words[1:])
    if not vendor_text.strip():
        raise UsageError("Name the vendor with `vendor:`.", usage=service.CHECKIN_USAGE)
    target = await _channel(options.get("channel"), directory) or channel_id
    bind = options.get("bind", "yes").lower() not in ("no", "false", "off")
    added = service.add_checkin(
        session=db,
        vendor_text=vendor_text.strip(),
        channel_id=target,
        every=options.get("every"),
        cron=options.get("cron"),
        timezone=options.get("tz"),
        default_timezone=settings.opsbot_timezone,
        slug=options.get("slug"),
        bind=bind,
        created_by=user_id,
        now=now,
    )
    schedule = added.schedule
    next_fire = recurrence_from_spec(schedule.spec, schedule.timezone).next_after(now)
    return render_saved(
        schedule,
        added.vendor,
        verb="scheduled",
        next_fire=next_fire,
        vendor_note=added.vendor_note,
        bound=added.bound,
        typed_name=vendor_text.strip(),
    )


async def _edit(
    parsed: ParsedText, db: Session, directory: SlackDirectory, now: datetime
) -> dict[str, Any]:
    options = parsed.options
    schedule_id = service.parse_schedule_id(_word(parsed, 1))
    before = service.require_schedule(db, schedule_id).channel_id
    schedule = service.edit_checkin(
        session=db,
        schedule_id=schedule_id,
        every=options.get("every"),
        cron=options.get("cron"),
        timezone=options.get("tz"),
        channel_id=await _channel(options.get("channel"), directory),
        now=now,
    )
    vendor = db.get(Vendor, schedule.vendor_id)
    if vendor is None:
        raise NotFound("That check-in's vendor is gone.")
    next_fire = recurrence_from_spec(schedule.spec, schedule.timezone).next_after(now)
    # A bound vendor's binding follows the schedule to its new channel: say so.
    moved = schedule.channel_id != before and vendor.channel_id == schedule.channel_id
    return render_saved(schedule, vendor, verb="updated", next_fire=next_fire, bound=moved)


def _word(parsed: ParsedText, index: int) -> str | None:
    return parsed.words[index] if len(parsed.words) > index else None


async def _channel(text: str | None, directory: SlackDirectory) -> str | None:
    if not text:
        return None
    mention = parse_mention(text) or parse_mention(f"#{text}")
    if mention is None or mention.kind != "channel":
        raise UsageError(
            f"`{escape_clip(text, 40)}` is not a channel.", usage=service.CHECKIN_USAGE
        )
    return mention.id or await directory.find_channel(mention.name or "")


async def _viewer_zone(directory: SlackDirectory, user_id: str, fallback: str) -> str:
    try:
        zone = (await directory.user(user_id)).get("tz")
    except SlackApiError:
        return fallback
    return str(zone) if zone else fallback


def _post_now(runner: CheckinRunner, schedule_id: int, now: datetime) -> Any:
    async def job(_session: Session) -> None:
        status = await runner.run_now(schedule_id=schedule_id, now=now)
        if status == "duplicate":
            return
        if status != RUN_POSTED:
            raise SlackUnavailable(
                "Slack did not take the digest just now; it will be retried automatically."
            )

    return job


def _reporter(respond: Any) -> Any:
    async def report(message: str) -> None:
        await respond(text=message, response_type="ephemeral", replace_original=False)

    return report
