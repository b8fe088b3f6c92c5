"""`opsbot serve` SIGKILLed mid-work, then started again on the same database: work finishes once.

Slack and Jira are the local fakes in this process; the bot is a real subprocess. After the
kill, `expire_leases` moves the lease clock on (the outbox holds a running job 5 minutes, a
digest claim 10) instead of the test waiting that long; the new process does the rest.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.offline.slack import LocalSlack
from storage import checkins as store
from storage.engine import session_factory, unit_of_work
from storage.escalations import Escalation, list_escalations
from storage.outbox import OutboxJob, list_jobs
from storage.types import utcnow
from tests.conftest import ADMIN_ID, BOT_TOKEN
from tests.fakes.jira_server import FakeJira
from tests.integration.test_checkin_runs import make_checkin
from tests.integration.test_scheduler_lifecycle import hourly_spec_due_an_hour_ago
from tests.support import slack_requests as sr
from tests.support.killable import expire_leases, serve

CHANNEL = "C0ESC"


def bot_env(database_url: str, local_slack: LocalSlack, **extra: str) -> dict[str, str]:
    """Environment for `opsbot serve` against this test's database and fakes, tuned fast."""
    return {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": sr.SIGNING_SECRET,
        "SLACK_API_URL": local_slack.api_url,
        "OPSBOT_ADMINS": ADMIN_ID,
        "OPSBOT_OUTBOX_POLL_SECONDS": "0.2",
        "OPSBOT_OUTBOX_BASE_DELAY": "0.1",
        "OPSBOT_OUTBOX_MAX_DELAY": "0.5",
        **extra,
    }


def jira_env(fake_jira: FakeJira) -> dict[str, str]:
    return {
        "JIRA_URL": fake_jira.url,
        "JIRA_EMAIL": "bot@example.com",
        "JIRA_API_TOKEN": "api-token-0123456789",
        "OPSBOT_ESCALATION_CHANNEL": CHANNEL,
    }


def wait_until(check: Callable[[], bool], what: str, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def escalations(engine: Engine) -> list[Escalation]:
    with unit_of_work(session_factory(engine)) as session:
        return list_escalations(session, open_only=False)


def esc_issues(fake_jira: FakeJira) -> list[dict[str, Any]]:
    return [i for i in fake_jira.issues.values() if i["key"].startswith("ESC-")]


def test_killed_while_filing_the_next_process_files_once(
    engine: Engine,
    database_url: str,
    local_slack: LocalSlack,
    fake_jira: FakeJira,
    tmp_path: Path,
) -> None:
    local_slack.add_channel(CHANNEL, "escalations")
    fake_jira.delay("POST /rest/api/2/issue", 3.0, times=1)
    env = bot_env(database_url, local_slack, **jira_env(fake_jira))
    log = tmp_path / "opsbot.log"
    with serve(env, log) as first:
        body, headers = sr.slash_command("/escalate", "sev2 other Killed mid-create")
        ack = httpx.post(f"{first.url}/slack/events", content=body, headers=headers, timeout=60)
        assert ack.status_code == 200, ack.text
        assert "Saved escalation" in ack.json()["text"]
        wait_until(lambda: bool(fake_jira.requests_to("POST", "/rest/api/2/issue")), "the create")
        first.kill()  # the create is in flight: Jira will store it, nobody hears the answer
    wait_until(lambda: len(esc_issues(fake_jira)) == 1, "Jira to store the orphaned create")
    (stored,) = escalations(engine)
    assert stored.key is None
    with unit_of_work(session_factory(engine)) as session:
        (filing,) = [j for j in list_jobs(session) if j.kind == "escalation.file"]
    assert filing.status == "running"  # left behind by the dead process

    expire_leases(engine)
    with serve(env, log):
        wait_until(lambda: escalations(engine)[0].key is not None, "the new process to file")
        (issue,) = esc_issues(fake_jira)
        wait_until(
            lambda: issue["key"] in json.dumps(local_slack.messages(CHANNEL)[0]["blocks"]),
            "the channel message to show the key",
        )
    assert escalations(engine)[0].key == issue["key"]
    assert len(fake_jira.requests_to("POST", "/rest/api/2/issue")) == 1  # found by its label
    assert len(esc_issues(fake_jira)) == 1
    top_level = [m for m in local_slack.messages(CHANNEL) if not m.get("thread_ts")]
    assert len(top_level) == 1, "the escalation was posted to the channel twice"
    with unit_of_work(session_factory(engine)) as session:
        assert session.get(OutboxJob, filing.id).status == "done"  # type: ignore[union-attr]


def digest_run_ids(local_slack: LocalSlack, channel: str) -> list[int]:
    return [
        int(m["metadata"]["event_payload"]["run_id"])
        for m in local_slack.messages(channel)
        if (m.get("metadata") or {}).get("event_type") == "opsbot_digest"
    ]


def all_runs(engine: Engine) -> list[store.DigestRun]:
    with unit_of_work(session_factory(engine)) as session:
        return list(session.exec(select(store.DigestRun)))


def test_killed_mid_digest_fan_out_every_digest_posts_once(
    engine: Engine, database_url: str, local_slack: LocalSlack, tmp_path: Path
) -> None:
    channels = ["C0DIGA", "C0DIGB"]
    runtime: Any = SimpleNamespace(sessions=session_factory(engine))
    spec = hourly_spec_due_an_hour_ago()
    for channel in channels:
        local_slack.add_channel(channel, channel.lower())
    for index in range(6):  # three vendors share each channel: its rate limit spaces them
        make_checkin(
            runtime,
            vendor=f"Vendor {index}",
            slug=f"vendor-{index}",
            channel=channels[index % 2],
            cron=spec,
            every=None,
            tz="UTC",
            since=utcnow() - timedelta(days=1),
            bind=False,
        )
    local_slack.rate_limit("chat.postMessage", 1.0)
    local_slack.delay("chat.postMessage", 0.4)
    env = bot_env(database_url, local_slack)
    log = tmp_path / "opsbot.log"

    def posted() -> int:
        return sum(len(digest_run_ids(local_slack, c)) for c in channels)

    with serve(env, log) as first:
        wait_until(lambda: posted() >= 2, "the fan-out to start", within=40)
        first.kill()
    # Posts the dead process had in flight land now, or never.
    time.sleep(1.0)
    before = posted()
    assert before < 6, "the fan-out finished before the kill; nothing was tested"
    statuses = sorted(r.status for r in all_runs(engine))
    assert len(statuses) == 6
    assert statuses.count("posted") < 6

    expire_leases(engine)
    with serve(env, log) as second:
        wait_until(
            lambda: all(r.status == "posted" for r in all_runs(engine)),
            f"every run posted (log: {second.log})",
            within=40,
        )
        time.sleep(1.0)  # room for a wrongful second post to show up
    runs = all_runs(engine)
    assert len(runs) == 6
    for channel in channels:
        ids = digest_run_ids(local_slack, channel)
        assert len(ids) == 3, (channel, ids)
        assert len(set(ids)) == 3, f"a digest was posted twice in {channel}: {ids}"
    assert sorted(r.id or 0 for r in runs) == sorted(
        i for c in channels for i in digest_run_ids(local_slack, c)
    )
    for run in runs:
        assert run.posted_ts is not None
