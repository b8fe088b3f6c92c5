"""`/action`: due dates, lists, scoping, digest lines, and reminders sent once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from commands.actions.reminders import send_action_reminders
from commands.due_dates import parse_due
from integrations.errors import UsageError
from storage.actions import ActionItem
from storage.engine import unit_of_work
from tests.conftest import Dispatch
from tests.integration.test_checkin_commands import table
from tests.integration.test_checkin_runs import Clock, digests, make_checkin, runner_of
from tests.support.answers import ok_body
from tests.support.slack_requests import slash_command

WEDNESDAY = date(2026, 11, 18)
WED_NOON = datetime(2026, 11, 18, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", WEDNESDAY),
        ("tomorrow", date(2026, 11, 19)),
        ("fri", date(2026, 11, 20)),
        ("Friday", date(2026, 11, 20)),
        ("wed", WEDNESDAY),
        ("mon", date(2026, 11, 23)),
        ("+3d", date(2026, 11, 21)),
        ("+2w", date(2026, 12, 2)),
        ("2026-12-01", date(2026, 12, 1)),
    ],
)
def test_due_dates(text: str, expected: date) -> None:
    assert parse_due(text, today=WEDNESDAY) == expected


@pytest.mark.parametrize("text", ["someday", "2026-13-01", "2026-11-01", "+d", "fri-ish"])
def test_bad_due_dates(text: str) -> None:
    with pytest.raises(UsageError):
        parse_due(text, today=WEDNESDAY)


async def test_add_list_done(dispatch: Dispatch, runtime: Runtime) -> None:
    runtime.clock = Clock(WED_NOON)
    added = ok_body(
        await dispatch(
            slash_command("/action", "add <@U0MARIA|maria> due:fri Send the <!here> roster")
        )
    )
    assert added["response_type"] == "in_channel"
    assert "<@U0MARIA>" in added["text"] and "&lt;!here&gt;" in added["text"]
    (item,) = table(runtime, ActionItem)
    assert (item.owner_id, item.due) == ("U0MARIA", date(2026, 11, 20))
    mine = ok_body(await dispatch(slash_command("/action", "list mine", user_id="U0MARIA")))
    assert f"`#{item.id}`" in mine["text"]
    none = ok_body(await dispatch(slash_command("/action", "list overdue")))
    assert "nothing open" in none["text"]
    ok_body(await dispatch(slash_command("/action", f"done {item.id}", user_id="U0MARIA")))
    assert table(runtime, ActionItem)[0].done_at == WED_NOON
    empty = ok_body(await dispatch(slash_command("/action", "list")))
    assert "nothing open" in empty["text"]


async def test_add_needs_owner_and_due(dispatch: Dispatch, runtime: Runtime) -> None:
    no_due = ok_body(await dispatch(slash_command("/action", "add <@U0MARIA> do it")))
    assert "due:" in no_due["text"]
    not_person = ok_body(await dispatch(slash_command("/action", "add tomorrow due:fri x")))
    assert "not a person" in not_person["text"]
    assert table(runtime, ActionItem) == []


async def test_bound_channel_scopes_items(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    make_checkin(runtime)  # binds C0ACME to acme
    make_checkin(runtime, vendor="Beta Corp", channel="C0BETA")
    runtime.clock = Clock(WED_NOON)
    ok_body(
        await dispatch(
            slash_command("/action", "add <@U0A> due:fri acme thing", channel_id="C0ACME")
        )
    )
    ok_body(await dispatch(slash_command("/action", "add <@U0B> due:fri beta thing vendor:beta")))
    refused = ok_body(
        await dispatch(
            slash_command("/action", "add <@U0A> due:fri x vendor:beta", channel_id="C0ACME")
        )
    )
    assert "bound to vendor Acme BPO" in refused["text"]
    listing = ok_body(await dispatch(slash_command("/action", "list", channel_id="C0ACME")))
    assert "acme thing" in listing["text"] and "beta thing" not in listing["text"]
    assert [i.vendor_slug for i in table(runtime, ActionItem)] == ["acme", "beta"]


async def test_digest_lists_due_and_overdue_items(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_channel("C0ACME", "acme-idops")
    make_checkin(runtime)
    runtime.clock = Clock(WED_NOON)
    ok_body(await dispatch(slash_command("/action", "add <@U0A> due:thu Fix SSO vendor:acme")))
    monday = datetime(2026, 11, 23, 1, tzinfo=UTC)
    await runner_of(runtime).tick(now=monday)
    (digest,) = digests(local_slack, "C0ACME")
    text = json.dumps(digest["blocks"])
    assert "Fix SSO" in text and "overdue" in text


async def test_reminders_due_morning_and_overdue_once_a_day(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_user("U0MANILA", "maria", tz="Asia/Manila")
    with unit_of_work(runtime.sessions) as session:
        session.add(ActionItem(owner_id="U0MANILA", text="Roster", due=WEDNESDAY, created_by="U1"))
    sent: list[tuple[str, str]] = []

    async def send(user: str, text: str) -> None:
        sent.append((user, text))
        await runtime.slack.chat_postMessage(channel=user, text=text)

    async def zone(user: str) -> str | None:
        found: Any = (await runtime.directory.user(user)).get("tz")
        return str(found)

    async def sweep(now: datetime) -> int:
        tally = await send_action_reminders(
            sessions=runtime.sessions, now=now, team_timezone="UTC", user_zone=zone, send_dm=send
        )
        return tally.sent

    # 08:00 in Manila on the due day: too early. 09:00: the due DM, once.
    assert await sweep(datetime(2026, 11, 18, 0, tzinfo=UTC)) == 0
    assert await sweep(datetime(2026, 11, 18, 1, tzinfo=UTC)) == 1
    assert await sweep(datetime(2026, 11, 18, 5, tzinfo=UTC)) == 0
    # Next day 09:00 Manila: one overdue nudge, and not again that day.
    assert await sweep(datetime(2026, 11, 19, 1, 30, tzinfo=UTC)) == 1
    assert await sweep(datetime(2026, 11, 19, 9, tzinfo=UTC)) == 0
    assert await sweep(datetime(2026, 11, 20, 2, tzinfo=UTC)) == 1
    assert ["due today" in t for _, t in sent] == [True, False, False]
    assert len(local_slack.calls_to("chat.postMessage")) == 3
