"""Two `opsbot serve` replicas on one PostgreSQL database; one is SIGKILLed mid-work.

The survivor takes over the dead replica's outbox jobs once their lease runs out
(`expire_leases` moves that clock on) and every escalation is filed and posted exactly once.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from bot.local_slack import LocalSlack
from storage.engine import session_factory, unit_of_work
from storage.outbox import list_jobs
from tests.fakes.jira_server import FakeJira
from tests.faults.test_process_kill import (
    CHANNEL,
    bot_env,
    esc_issues,
    escalations,
    jira_env,
    wait_until,
)
from tests.support import slack_requests as sr
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
