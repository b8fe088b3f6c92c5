"""Nudges for stale work: claimed once across replicas, quiet at the owner's night, per rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from commands.nudges.jobs import NudgeSender
from commands.nudges.parsing import parse_policy
from integrations.errors import UsageError
from storage.engine import unit_of_work
from storage.escalations import Escalation, EscalationEvent, list_escalations
from storage.initiatives import Initiative
from tests.conftest import Dispatch
from tests.support import slack_requests as sr
from tests.support.answers import settle

# 03:00 UTC: 11:00 in Manila, 22:00 (the night before) in New York.
T = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)


def sender_of(runtime: Runtime) -> NudgeSender:
    sender = runtime.nudges
    assert isinstance(sender, NudgeSender)
    return sender


def age(runtime: Runtime, title: str, *, created: timedelta, updated: timedelta) -> None:
    """Make an escalation `created` old and `updated` since its last change, as of T."""
    with unit_of_work(runtime.sessions) as session:
        session.execute(
            update(Escalation)
            .where(col(Escalation.title).startswith(title))
            .values(created_at=T - created, updated_at=T - updated)
        )


def nudges_in(slack: LocalSlack) -> list[dict[str, Any]]:
    return [c.args for c in slack.calls_to("chat.postMessage") if "⏰" in str(c.args.get("text"))]


@pytest.fixture
async def filed(dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack) -> Runtime:
    local_slack.add_user("U0MNL", "mara", tz="Asia/Manila")
    local_slack.add_user("U0NYC", "nick", tz="America/New_York")
    for line in ('sev1 other "Login outage <!channel>"', "sev1 other Payments", "sev2 other Slow"):
        await dispatch(sr.slash_command("/escalate", line))
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        keys = {e.title: e.key for e in list_escalations(session)}
    await dispatch(sr.slash_command("/escalation", f"{keys['Payments']} assign <@U0NYC|nick>"))
    await dispatch(sr.slash_command("/escalation", f"{keys['Slow']} assign <@U0MNL|mara>"))
    await settle(runtime)
    runtime.clock = lambda: T
    return runtime


async def test_an_unassigned_sev1_is_nudged_in_its_thread_once_per_interval(
    filed: Runtime, local_slack: LocalSlack, settings: Settings
) -> None:
    age(filed, "Login", created=timedelta(minutes=31), updated=timedelta(minutes=1))
    age(filed, "Payments", created=timedelta(hours=1), updated=timedelta(minutes=1))
    age(filed, "Slow", created=timedelta(hours=1), updated=timedelta(minutes=1))
    local_slack.clear()
    other = build_runtime(settings)  # a second replica on the same database
    try:
        sent = await sender_of(filed).sweep(T) + await sender_of(other).sweep(T)
        again = await sender_of(other).sweep(T + timedelta(minutes=20))
    finally:
        await other.aclose()
    assert (sent, again) == (1, 0)
    (nudge,) = nudges_in(local_slack)
    assert nudge["channel"] == "C0OPS" and nudge["thread_ts"]  # no owner: the thread
    assert "SEV1 still unassigned for 31 min" in nudge["text"]
    assert "&lt;!channel&gt;" in nudge["text"]  # the title is escaped
    assert await sender_of(filed).sweep(T + timedelta(minutes=31)) == 1  # the next interval


async def test_owners_get_one_dm_and_never_at_night(
    filed: Runtime, local_slack: LocalSlack
) -> None:
    age(filed, "Login", created=timedelta(minutes=5), updated=timedelta(minutes=5))
    age(filed, "Payments", created=timedelta(hours=6), updated=timedelta(hours=5))  # SEV1, NY
    age(filed, "Slow", created=timedelta(days=2), updated=timedelta(days=1, hours=1))  # SEV2
    local_slack.clear()
    assert await sender_of(filed).sweep(T) == 1  # Manila's morning; New York sleeps
    (dm,) = nudges_in(local_slack)
    assert dm["channel"] == "U0MNL"
    assert "SEV2 with no update for 25 h" in dm["text"]
    await sender_of(filed).sweep(T + timedelta(hours=9))  # 07:00 in New York: still quiet
    assert [n for n in nudges_in(local_slack) if n["channel"] == "U0NYC"] == []
    await sender_of(filed).sweep(T + timedelta(hours=10))
    (nyc,) = [n for n in nudges_in(local_slack) if n["channel"] == "U0NYC"]
    assert "SEV1 with no update for 15 h" in nyc["text"]


async def test_a_stale_initiative_nudges_its_owner(filed: Runtime, local_slack: LocalSlack) -> None:
    with unit_of_work(filed.sessions) as session:
        session.add(
            Initiative(
                dedupe_key="t1",
                title="Cut AHT",
                owner_id="U0MNL",
                created_by="U0ADMIN",
                key="INIT-9",
                last_update_at=T - timedelta(days=8),
            )
        )
    age(filed, "Login", created=timedelta(minutes=5), updated=timedelta(minutes=5))
    local_slack.clear()
    await sender_of(filed).sweep(T)
    # The sweep may also nudge the fixture's escalations; the initiative gets exactly one.
    (dm,) = [n for n in nudges_in(local_slack) if "INIT-9" in str(n["text"])]
    assert dm["channel"] == "U0MNL" and "8 days" in dm["text"]


async def test_a_new_assignee_gets_the_card_once(
    filed: Runtime, local_slack: LocalSlack, settings: Settings
) -> None:
    with unit_of_work(filed.sessions) as session:
        event = next(
            (
                e
                for e in session.exec(select(EscalationEvent))
                if e.kind == "assignee" and "nick" in (e.to_value or "")
            ),
            None,
        )
    assert event is not None
    moment = event.at + timedelta(minutes=1)
    local_slack.clear()
    other = build_runtime(settings)
    try:
        await sender_of(filed).sweep(moment)
        await sender_of(other).sweep(moment)
    finally:
        await other.aclose()
    cards = [
        c.args for c in local_slack.calls_to("chat.postMessage") if c.args["channel"] == "U0NYC"
    ]
    assert len(cards) == 1
    assert cards[0]["text"].startswith("You were assigned SEV1 escalation")
    assert "escalation_ack" in json.dumps(cards[0]["blocks"])


def test_policy_setting() -> None:
    policy = parse_policy("sev2_silent=off,sev1_unassigned=15m,quiet=22-7")
    assert "sev2_silent" not in policy.after
    assert policy.after["sev1_unassigned"] == timedelta(minutes=15)
    assert policy.after["sev1_silent"] == timedelta(hours=4)  # the default stays
    assert (policy.is_night(23), policy.is_night(6), policy.is_night(7)) == (True, True, False)
    for bad in ("sev9=1h", "sev1_silent=soon", "quiet=25-1", "sev1_silent=0h"):
        with pytest.raises(UsageError):
            parse_policy(bad)


def test_a_bad_nudges_setting_stops_the_start_with_its_name() -> None:
    with pytest.raises(ValueError, match=r"`sev9` is not a nudge rule"):
        Settings(_env_file=None, opsbot_nudges="sev9=1h")  # type: ignore[call-arg]
