"""The weekly team summary on seeded data: content, and exactly one post per fire time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from commands.kpi.importing import write_batches
from commands.summary.loop import SummaryRunner
from integrations.kpi_sources.csv_reader import read_kpi_csv
from storage.actions import ActionItem, add_action
from storage.engine import unit_of_work
from storage.escalations import Escalation, EscalationEvent
from storage.initiatives import Initiative
from storage.suggestions import Suggestion
from storage.summary import TeamSummaryRun

TEAM = "C0TEAM"
MONDAY = datetime(2026, 11, 16, 9, 5, tzinfo=UTC)  # a Monday, five minutes past the hour


@pytest.fixture
def settings_overrides(local_slack: LocalSlack) -> dict[str, Any]:
    local_slack.add_channel(TEAM, "team")
    return {"opsbot_team_channel": TEAM, "opsbot_scheduler": "off"}


def seed(runtime: Runtime, tmp_path: Path) -> None:
    header = "date,vendor,queue,incoming,solved,manual_solved,handle_seconds,handled\n"
    rows = [
        f"2026-11-{d:02d},acme,imp,100,100,10,{(400 + d * 10) * 100},100\n" for d in range(1, 16)
    ]
    path = tmp_path / "kpi.csv"
    path.write_text(header + "".join(rows))
    with unit_of_work(runtime.sessions) as session:
        write_batches(session=session, batches=[read_kpi_csv(path, timezone="UTC")])
    opened = MONDAY - timedelta(days=3)
    with unit_of_work(runtime.sessions) as session:
        for n, sev in enumerate((2, 2, 3)):
            esc = Escalation(
                title=f"E{n}",
                area="other",
                severity=sev,
                reporter_id="U1",
                dedupe_key=f"d{n}",
                key=f"ESC-{n + 1}",
                created_at=opened,
            )
            if n == 0:
                esc.resolved_at, esc.status_category = opened + timedelta(hours=6), "done"
            session.add(esc)
            session.flush()
            session.add(
                EscalationEvent(
                    escalation_id=esc.id or 0, kind="assignee", at=opened + timedelta(hours=1 + n)
                )
            )
        session.add(
            Initiative(
                dedupe_key="i1",
                title="Stale plan",
                created_by="U1",
                key="INIT-1",
                filing_state="filed",
                created_at=MONDAY - timedelta(days=60),
                last_update_at=MONDAY - timedelta(days=30),
            )
        )
        session.add(
            Suggestion(
                dedupe_key="s1",
                text="Weekly vendor scorecard",
                author_id="U1",
                reach=100,
                impact=2,
                confidence=1,
                effort=2,
                votes=3,
            )
        )
        add_action(
            session,
            ActionItem(
                owner_id="U0OWNER",
                text="Send acme the macro list",
                due=date(2026, 11, 10),
                created_by="U1",
            ),
        )


async def test_summary_posts_once_with_every_section(
    runtime: Runtime, local_slack: LocalSlack, tmp_path: Path
) -> None:
    seed(runtime, tmp_path)
    runner: SummaryRunner = runtime.summary_runner
    replica = SummaryRunner(
        runtime=runtime,
        timezone=runner.timezone,
        recurrence=runner.recurrence,
        channel_id=TEAM,
        grace=runner.grace,
        outbox=runner.outbox,
        poster=runner.poster,
    )
    first = await runner.run_due(now=MONDAY)
    again = await runner.run_due(now=MONDAY + timedelta(minutes=1))
    other = await replica.run_due(now=MONDAY + timedelta(minutes=2))
    assert first is not None and again is None and other is None
    await runner.outbox.drain()
    posts = local_slack.messages(TEAM)
    assert len(posts) == 1
    text = "\n".join(b["text"]["text"] for b in posts[0]["blocks"] if b["type"] == "section")
    assert "Opened 3, resolved 1." in text
    assert "*KPI" in text, text
    assert "SEV2: median time to acknowledge 1.5 h, to resolve 6.0 h" in text
    assert "SEV3: median time to acknowledge 3.0 h, to resolve –" in text
    assert "INIT-1" in text and "no update for 30 days" in text
    assert "Weekly vendor scorecard" in text and "RICE 100.0" in text
    assert "Send acme the macro list" in text
    with unit_of_work(runtime.sessions) as session:
        runs = list(session.exec(select(TeamSummaryRun)))
    assert [r.status for r in runs] == ["posted"]


async def test_summary_not_posted_outside_the_grace_period(runtime: Runtime) -> None:
    runner: SummaryRunner = runtime.summary_runner
    assert await runner.run_due(now=MONDAY + timedelta(days=2)) is None
