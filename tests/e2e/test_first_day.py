"""A new team's first day, end to end, on a fresh database and the injected clock."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.app import create_app
from bot.offline.slack import LocalSlack
from bot.runtime import build_runtime
from bot.settings import Settings
from storage.engine import unit_of_work
from storage.escalations import list_escalations
from tests.conftest import ADMIN_ID, BOT_TOKEN
from tests.integration.test_checkin_runs import Clock
from tests.integration.test_honest_numbers import MONDAY_MANILA
from tests.integration.test_kpi_import import run_import
from tests.support import slack_requests as sr
from tests.support.answers import settle

README_ADD = 'add vendor:"Acme BPO" channel:#acme-idops every:"mon 09:00" tz:Asia/Manila'


def first_export(tmp_path: Path) -> Path:
    """Six weeks of two vendors; acme's incoming rises from 100 to 120 a day on 25 Oct."""
    lines = ["date,queue,vendor,incoming,manual_incoming,solved,manual_solved"]
    day, last = date(2026, 9, 20), date(2026, 10, 31)
    while day <= last:
        acme = 120 if day >= date(2026, 10, 25) else 100
        lines.append(f"{day},impersonation,acme,{acme},40,90,30")
        lines.append(f"{day},copyright,globex,50,20,45,15")
        day += timedelta(days=1)
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_first_day(empty_database_url: str, tmp_path: Path, local_slack: LocalSlack) -> None:
    fresh_url = empty_database_url
    # 1. Import a CSV with two vendors into a database nobody has set up.
    code, output = run_import(fresh_url, first_export(tmp_path))
    assert code == 0, output
    assert "new vendor(s): acme, globex" in output

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(sr.SIGNING_SECRET),
        slack_api_url=local_slack.api_url,
        database_url=fresh_url,
        opsbot_admins=ADMIN_ID,
    )
    runtime = build_runtime(settings)
    runtime.clock = Clock(MONDAY_MANILA - timedelta(days=3))
    app = create_app(runtime)
    local_slack.add_channel("C0ACME", "acme-idops")

    async def slash(command: str, text: str) -> dict[str, Any]:
        response = await app.async_dispatch(sr.to_bolt_request(*sr.slash_command(command, text)))
        await runtime.background.drain()
        answer: dict[str, Any] = json.loads(response.body)
        return answer

    try:
        # 2. The README's escalation about a vendor the import found files at once.
        filed = await slash(
            "/escalate",
            'sev2 impersonation "Verified brand account cloned by ~40 accounts" vendor:globex',
        )
        assert "Saved escalation" in filed["text"], filed
        await settle(runtime)
        with unit_of_work(runtime.sessions) as session:
            (escalation,) = list_escalations(session)
        assert (escalation.vendor, escalation.key) == ("globex", "ESC-1")

        # 3. The README's check-in, as written: names the imported vendor, says it binds.
        added = await slash("/checkin", README_ADD)
        assert "Vendor `acme` (from the KPI data) is now called *Acme BPO*" in added["text"]
        assert "<#C0ACME> is now bound to *Acme BPO*" in added["text"]
        assert "UTC+08:00" in added["text"]

        # 4. Monday 09:00 in Manila, Sunday's data not in yet: complete days only.
        runtime.clock = Clock(MONDAY_MANILA)
        preview = await slash("/checkin", "preview acme")
        shown = json.dumps(preview["blocks"], ensure_ascii=False)
        assert "data through 2026-10-31" in shown
        assert "*Total incoming* 840 (+140 (+20%) vs 2026-10-18 – 2026-10-24)" in shown
    finally:
        await runtime.aclose()
