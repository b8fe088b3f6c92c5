"""Check-in runs: exactly once, catch-up within grace, missed beyond it, retries, rate limits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime, build_runtime
from commands.checkins.runner import CheckinRunner
from commands.checkins.service import add_checkin
from storage import checkins as store
from storage.engine import make_engine, unit_of_work

MANILA_MONDAY_9 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Mon 09:00 Asia/Manila


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_checkin(
    runtime: Runtime,
    *,
    vendor: str = "Acme BPO",
    channel: str = "C0ACME",
    every: str | None = "mon 09:00",
    cron: str | None = None,
    tz: str = "Asia/Manila",
    since: datetime = MANILA_MONDAY_9 - timedelta(days=1),
    slug: str | None = None,
    bind: bool = True,
) -> int:
    """Create a check-in effective from `since`; return its id."""
    with unit_of_work(runtime.sessions) as session:
        schedule = add_checkin(
            session=session,
            vendor_text=vendor,
            channel_id=channel,
            every=every,
            cron=cron,
            timezone=tz,
            default_timezone="UTC",
            slug=slug,
            bind=bind,
            created_by="U0ADMIN",
            now=since,
        ).schedule
        return schedule.id or 0


def runs(runtime: Runtime, schedule_id: int) -> list[store.DigestRun]:
    """Return the schedule's runs, oldest first."""
    with unit_of_work(runtime.sessions) as session:
        statement = (
            select(store.DigestRun)
            .where(col(store.DigestRun.schedule_id) == schedule_id)
            .order_by(col(store.DigestRun.fire_time))
        )
        return list(session.exec(statement))


def digests(local_slack: LocalSlack, channel: str) -> list[dict[str, Any]]:
    """Return the digest messages in a channel."""
    return [
        m
        for m in local_slack.messages(channel)
        if (m.get("metadata") or {}).get("event_type") == "opsbot_digest"
    ]


def runner_of(runtime: Runtime) -> CheckinRunner:
    """Return the runtime's check-in runner."""
    runner: CheckinRunner = runtime.checkin_runner
    return runner


def acme_checkin(
    runtime: Runtime, local_slack: LocalSlack, **options: Any
) -> tuple[int, CheckinRunner]:
    """Open #acme-idops and its check-in (`make_checkin` options); return its id and the runner."""
    local_slack.add_channel("C0ACME", "acme-idops")
    return make_checkin(runtime, **options), runner_of(runtime)


async def test_due_run_posts_once_and_repeated_ticks_do_nothing(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    schedule_id, runner = acme_checkin(runtime, local_slack)
    now = MANILA_MONDAY_9 + timedelta(seconds=5)
    assert await runner.tick(now=now) == [store.RUN_POSTED]
    assert await runner.tick(now=now + timedelta(minutes=1)) == []
    posted = digests(local_slack, "C0ACME")
    assert len(posted) == 1
    (run,) = runs(runtime, schedule_id)
    assert (run.fire_time, run.status, run.posted_ts) == (
        MANILA_MONDAY_9,
        store.RUN_POSTED,
        posted[0]["ts"],
    )
    assert posted[0]["metadata"]["event_payload"] == {"run_id": run.id}
    assert "Acme BPO" in posted[0]["blocks"][0]["text"]["text"]


async def test_topics_appear_once_then_leave_the_agenda(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    schedule_id, runner = acme_checkin(runtime, local_slack)
    with unit_of_work(runtime.sessions) as session:
        vendor_id = store.get_schedule(session, schedule_id).vendor_id  # type: ignore[union-attr]
        store.add_topic(
            session,
            vendor_id=vendor_id,
            text="Queue <!channel> backlog",
            added_by="U1",
            at=MANILA_MONDAY_9 - timedelta(hours=1),
        )
    await runner.tick(now=MANILA_MONDAY_9)
    await runner.tick(now=MANILA_MONDAY_9 + timedelta(days=7))
    first, second = digests(local_slack, "C0ACME")
    assert "Queue &lt;!channel&gt; backlog" in str(first["blocks"])
    assert "<!channel>" not in str(first["blocks"])
    assert "backlog" not in str(second["blocks"])


async def test_catch_up_within_grace_posts_the_newest_run_once(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    schedule_id, runner = acme_checkin(
        runtime, local_slack, since=MANILA_MONDAY_9 - timedelta(days=15)
    )
    # Down since before the Monday two weeks ago; back 2 hours after this Monday's run.
    back = MANILA_MONDAY_9 + timedelta(hours=2)
    await asyncio.gather(runner.tick(now=back), runner.tick(now=back))
    await runner.tick(now=back + timedelta(minutes=5))
    assert len(digests(local_slack, "C0ACME")) == 1
    statuses = [(r.fire_time, r.status) for r in runs(runtime, schedule_id)]
    assert statuses == [
        (MANILA_MONDAY_9 - timedelta(days=14), store.RUN_MISSED),
        (MANILA_MONDAY_9 - timedelta(days=7), store.RUN_MISSED),
        (MANILA_MONDAY_9, store.RUN_POSTED),
    ]


async def test_beyond_grace_is_recorded_missed_not_posted(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    schedule_id, runner = acme_checkin(runtime, local_slack)
    await runner.tick(now=MANILA_MONDAY_9 + timedelta(hours=7))  # default grace: 6 h
    assert digests(local_slack, "C0ACME") == []
    assert [r.status for r in runs(runtime, schedule_id)] == [store.RUN_MISSED]


async def test_two_runtimes_on_one_database_post_once(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_channel("C0ACME", "acme-idops")
    local_slack.add_channel("C0BETA", "beta-ops")
    make_checkin(runtime)
    make_checkin(runtime, vendor="Beta Corp", channel="C0BETA", every="weekdays 08:30")
    other_engine = make_engine(runtime.settings.database_url)
    other = build_runtime(runtime.settings, engine=other_engine)
    try:
        now = MANILA_MONDAY_9 + timedelta(minutes=1)
        await asyncio.gather(*(r.tick(now=now) for r in (runner_of(runtime), runner_of(other))))
    finally:
        await other.aclose()
    assert len(digests(local_slack, "C0ACME")) == 1
    assert len(digests(local_slack, "C0BETA")) == 1


async def test_server_error_is_retried_after_checking_and_posted_once(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    schedule_id, runner = acme_checkin(runtime, local_slack)
    local_slack.fail_next("chat.postMessage", status=500)
    assert await runner.tick(now=MANILA_MONDAY_9) == [store.RUN_UNSURE]
    assert await runner.tick(now=MANILA_MONDAY_9 + timedelta(seconds=10)) == []  # backing off
    assert await runner.tick(now=MANILA_MONDAY_9 + timedelta(minutes=1)) == [store.RUN_POSTED]
    assert len(digests(local_slack, "C0ACME")) == 1
    assert len(local_slack.calls_to("conversations.history")) == 1
    (run,) = runs(runtime, schedule_id)
    assert run.attempts == 2


async def test_post_whose_answer_was_lost_is_found_not_reposted(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    schedule_id, runner = acme_checkin(runtime, local_slack)
    # A process claimed the run, posted it, and died before recording the answer.
    with unit_of_work(runtime.sessions) as session:
        schedule = store.get_schedule(session, schedule_id)
        assert schedule is not None
        run = store.claim_run(session, schedule=schedule, fire_time=MANILA_MONDAY_9)
        assert run is not None
        run_id = run.id
        store.take_run(session, run=run, expected_status=store.RUN_CLAIMED, now=MANILA_MONDAY_9)
    await runtime.slack.chat_postMessage(
        channel="C0ACME",
        text="digest",
        metadata={"event_type": "opsbot_digest", "event_payload": {"run_id": run_id}},
    )
    assert await runner.tick(now=MANILA_MONDAY_9 + timedelta(minutes=1)) == []  # still fresh
    assert await runner.tick(now=MANILA_MONDAY_9 + timedelta(minutes=11)) == [store.RUN_POSTED]
    assert len(digests(local_slack, "C0ACME")) == 1
    assert runs(runtime, schedule_id)[0].posted_ts == digests(local_slack, "C0ACME")[0]["ts"]


async def test_permanent_error_fails_the_run_visibly(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    schedule_id = make_checkin(runtime, channel="C0GONE")
    runner = runner_of(runtime)
    assert await runner.tick(now=MANILA_MONDAY_9) == [store.RUN_FAILED]
    (run,) = runs(runtime, schedule_id)
    assert run.error == "channel_not_found"


async def test_rate_limited_fan_out_delivers_each_digest_once(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    channels = ["C0FAN1", "C0FAN2", "C0FAN3"]
    for channel in channels:
        local_slack.add_channel(channel, channel.lower())
    for index in range(9):
        make_checkin(
            runtime,
            vendor=f"Vendor{index}",
            channel=channels[index % 3],
            cron="0 9 * * MON",
            every=None,
            bind=False,
        )
    local_slack.rate_limit("chat.postMessage", 1.0)
    local_slack.fail_next("chat.postMessage", status=429, retry_after=1, times=2)
    outcomes = await runner_of(runtime).tick(now=MANILA_MONDAY_9 + timedelta(seconds=1))
    assert outcomes == [store.RUN_POSTED] * 9
    for channel in channels:
        assert len(digests(local_slack, channel)) == 3
    refused = [c for c in local_slack.calls_to("chat.postMessage") if c.faulted]
    assert len(refused) >= 2  # the 429s were seen and honoured, not fatal
