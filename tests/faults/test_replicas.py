"""Two `opsbot serve` replicas on one PostgreSQL database; one is SIGKILLed mid-work.

The survivor takes over the dead replica's outbox jobs once their lease runs out
(`expire_leases` moves that clock on) and every escalation is filed and posted exactly once.
With an every-minute check-in, each minute is posted exactly once and none is missed, also
when the replica posting a minute is killed mid-post; the replicas run on a fast clock
(tests/support/fast_clock.py), so three minutes take a few seconds.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.offline.slack import LocalSlack
from storage import checkins as store
from storage.engine import session_factory, unit_of_work
from storage.outbox import list_jobs
from tests.fakes.jira_server import FakeJira
from tests.faults.test_process_kill import (
    CHANNEL,
    bot_env,
    digest_run_ids,
    esc_issues,
    escalations,
    jira_env,
    wait_until,
)
from tests.integration.test_checkin_runs import make_checkin
from tests.support import slack_requests as sr
from tests.support.fast_clock import FastClock
from tests.support.killable import expire_leases, serve

CREATE = "/rest/api/2/issue"


@pytest.fixture(autouse=True)
def postgresql_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip(
            "two replicas need a shared PostgreSQL database (runs when TEST_DATABASE_URL "
            "is set); an SQLite file is not shared between servers"
        )


def running_jobs(engine: Engine) -> int:
    with unit_of_work(session_factory(engine)) as session:
        return sum(1 for j in list_jobs(session) if j.status == "running")


def test_two_replicas_one_killed_the_other_finishes_its_jobs(
    engine: Engine,
    database_url: str,
    local_slack: LocalSlack,
    fake_jira: FakeJira,
    tmp_path: Path,
) -> None:
    local_slack.add_channel(CHANNEL, "escalations")
    fake_jira.delay(f"POST {CREATE}", 2.0)
    env = bot_env(database_url, local_slack, **jira_env(fake_jira))
    titles = [f"Replica escalation {n}" for n in range(6)]
    with serve(env, tmp_path / "a.log") as a, serve(env, tmp_path / "b.log") as b:
        for index, title in enumerate(titles):
            replica = (a, b)[index % 2]
            body, headers = sr.slash_command("/escalate", f"sev2 other {title}")
            ack = httpx.post(f"{replica.url}/slack/events", content=body, headers=headers)
            assert ack.status_code == 200, ack.text
            assert "Saved escalation" in ack.json()["text"]
        wait_until(lambda: len(fake_jira.requests_to("POST", CREATE)) >= 2, "creates in flight")
        a.kill()
        # Let the survivor's own calls finish; what stays running belongs to the dead one.
        wait_until(
            lambda: len(esc_issues(fake_jira)) == len(fake_jira.requests_to("POST", CREATE)),
            "Jira to answer every create",
        )
        wait_until(lambda: b.process.poll() is None, "b alive")
        stuck = running_jobs(engine)
        assert stuck >= 1, "the killed replica held no jobs; nothing was tested"
        expire_leases(engine)
        wait_until(
            lambda: all(e.key for e in escalations(engine)) and len(escalations(engine)) == 6,
            f"the survivor to file everything ({stuck} jobs were left running)",
            within=40,
        )
        wait_until(
            lambda: all(
                str(e.key) in json.dumps(local_slack.messages(CHANNEL)) for e in escalations(engine)
            ),
            "every channel message to show its key",
        )
        assert b.process.poll() is None
    stored = escalations(engine)
    issues = esc_issues(fake_jira)
    assert sorted(e.title for e in stored) == titles
    assert len(issues) == 6, [i["fields"]["summary"] for i in issues]
    assert {e.key for e in stored} == {i["key"] for i in issues}
    top_level = [m for m in local_slack.messages(CHANNEL) if not m.get("thread_ts")]
    assert len(top_level) == 6
    rendered = json.dumps([m["blocks"] for m in top_level])
    assert all(i["key"] in rendered for i in issues)
    with unit_of_work(session_factory(engine)) as session:
        left = [j for j in list_jobs(session) if j.kind == "escalation.file"]
    assert left == []  # nothing pending, running or failed


MINUTE_CHANNEL = "C0MINUTE"
# Fake minutes pass in 2 real seconds: the 10-minute posting lease a SIGKILL leaves behind
# runs out in 20 s, by itself, for the survivor to take over.
RATE = 30.0
BASE = datetime(2026, 11, 20, 8, 59, 40, tzinfo=UTC)


def minute_runs(engine: Engine) -> list[store.DigestRun]:
    with unit_of_work(session_factory(engine)) as session:
        return list(session.exec(select(store.DigestRun).order_by(col(store.DigestRun.id))))


def posted_fire_times(engine: Engine, local_slack: LocalSlack) -> list[datetime]:
    """Return the fire time of every digest message in the channel, one entry per message."""
    by_run = {r.id: r.fire_time for r in minute_runs(engine)}
    return [by_run[i] for i in digest_run_ids(local_slack, MINUTE_CHANNEL)]


def test_two_replicas_post_each_minute_once_when_one_is_killed_mid_post(
    engine: Engine, database_url: str, local_slack: LocalSlack, tmp_path: Path
) -> None:
    local_slack.add_channel(MINUTE_CHANNEL, "acme-idops")
    # Each post is in flight 30 fake seconds, so a kill lands in the middle of one.
    local_slack.delay("chat.postMessage", 1.0)
    clock = FastClock(base=BASE, zero=time.monotonic(), rate=RATE)
    env = bot_env(database_url, local_slack, **clock.env())
    runtime: Any = SimpleNamespace(sessions=session_factory(engine))
    with serve(env, tmp_path / "a.log") as a, serve(env, tmp_path / "b.log") as b:
        since = clock.now()
        make_checkin(
            runtime,
            vendor="Acme",
            slug="acme",
            channel=MINUTE_CHANNEL,
            cron="* * * * *",
            every=None,
            tz="UTC",
            since=since,
            bind=False,
        )
        first = since.replace(second=0, microsecond=0) + timedelta(minutes=1)
        minutes = [first + timedelta(minutes=n) for n in range(4)]  # three minutes, both ends

        def in_flight() -> store.DigestRun | None:
            posting = [r for r in minute_runs(engine) if r.status == store.RUN_POSTING]
            return posting[0] if posting and local_slack.calls_to("chat.postMessage") else None

        wait_until(lambda: in_flight() is not None, "a post in flight", within=60)
        run = in_flight()
        assert run is not None
        pid = int(run.claimed_by.rsplit(":", 1)[1])
        victim, survivor = (a, b) if a.process.pid == pid else (b, a)
        assert victim.process.pid == pid, (run.claimed_by, a.process.pid, b.process.pid)
        victim.kill()
        # The survivor posts every minute (the killed one once its lease runs out) and one
        # more after the window, which proves the window's last minute has settled.
        after = minutes[-1] + timedelta(minutes=1)
        wait_until(
            lambda: {*minutes, after} <= set(posted_fire_times(engine, local_slack)),
            f"every minute posted (killed during {run.fire_time:%H:%M}; log {survivor.log})",
            within=120,
        )
        assert survivor.process.poll() is None, survivor.output()
    posted = Counter(posted_fire_times(engine, local_slack))
    assert [posted[m] for m in minutes] == [1, 1, 1, 1], posted
    assert all(count == 1 for count in posted.values()), posted
    runs_by_minute = Counter(r.fire_time for r in minute_runs(engine))
    assert all(runs_by_minute[m] == 1 for m in minutes), runs_by_minute
    assert run.fire_time in minutes
