"""KPI rules: admin-only configuration, and a breach opening exactly one escalation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.runtime import Runtime
from commands.kpi.importing import write_batches
from commands.rules.service import evaluate_rules
from integrations.kpi_sources.csv_reader import read_kpi_csv
from storage.engine import unit_of_work
from storage.escalations import list_escalations
from storage.rules import active_rules
from tests.support import slack_requests as sr
from tests.support.answers import body

HEADER = "date,vendor,queue,incoming,solved,manual_solved,handle_seconds,handled\n"


def write_csv(path: Path, rows: list[tuple[str, str, int]]) -> Path:
    """Write rows of (day, vendor, AHT seconds) with 100 handled each."""
    lines = [f"{d},{v},imp,100,100,10,{aht * 100},100\n" for d, v, aht in rows]
    path.write_text(HEADER + "".join(lines))
    return path


async def import_and_evaluate(runtime: Runtime, path: Path) -> list[str]:
    batch = read_kpi_csv(path, timezone="UTC")
    with unit_of_work(runtime.sessions) as session:
        write_batches(session=session, batches=[batch])
    with unit_of_work(runtime.sessions) as session:
        return evaluate_rules(
            session=session,
            desk=runtime.escalations,
            registry=runtime.kpi_registry,
            dedupe_days=7,
            now=runtime.clock(),
        )


async def test_rules_are_admin_only_and_validated(dispatch: Any, runtime: Runtime) -> None:
    denied = body(
        await dispatch(
            sr.slash_command(
                "/opsbot", 'rule add "AHT vendor:acme > 9m for 2 days" sev3', user_id="U0BOB"
            )
        )
    )
    assert "admins" in denied["text"]
    bad = body(await dispatch(sr.slash_command("/opsbot", 'rule add "FOO > 9m" sev3')))
    assert "KPI" in bad["text"] and "rule add" in bad["text"]
    bad = body(await dispatch(sr.slash_command("/opsbot", 'rule add "AHT > 9m" sev9')))
    assert "sev1" in bad["text"]
    await dispatch(sr.slash_command("/opsbot", "vendor add acme"))  # rules name known vendors
    ok = body(
        await dispatch(
            sr.slash_command("/opsbot", 'rule add "AHT vendor:acme > 9m for 2 days" sev3')
        )
    )
    assert "Rule #1 added" in ok["text"]
    with unit_of_work(runtime.sessions) as session:
        (rule,) = active_rules(session)
    assert (rule.kpi, rule.op, rule.threshold, rule.days, rule.severity) == ("aht", ">", 540, 2, 3)
    assert rule.filters == {"vendor": ["acme"]}
    listing = body(await dispatch(sr.slash_command("/opsbot", "rule list")))
    assert "#1" in listing["text"]
    assert "removed" in body(await dispatch(sr.slash_command("/opsbot", "rule remove 1")))["text"]
    assert "No KPI rules" in body(await dispatch(sr.slash_command("/opsbot", "rule list")))["text"]
    helped = body(await dispatch(sr.slash_command("/opsbot", "help")))
    assert "/opsbot help" in helped["text"]


async def test_breach_opens_one_escalation_across_two_imports(
    dispatch: Any, runtime: Runtime, tmp_path: Path
) -> None:
    await dispatch(sr.slash_command("/opsbot", "vendor add acme"))  # rules name known vendors
    await dispatch(sr.slash_command("/opsbot", 'rule add "AHT vendor:acme > 9m for 2 days" sev3'))
    first = write_csv(
        tmp_path / "a.csv",
        [
            ("2026-11-10", "acme", 500),
            ("2026-11-11", "acme", 600),
            ("2026-11-12", "acme", 620),
            ("2026-11-12", "globex", 900),
        ],
    )
    opened = await import_and_evaluate(runtime, first)
    assert len(opened) == 1
    # The next import extends the same streak (and re-imports a day): no second escalation.
    second = write_csv(
        tmp_path / "b.csv",
        [
            ("2026-11-12", "acme", 630),
            ("2026-11-13", "acme", 700),
        ],
    )
    assert await import_and_evaluate(runtime, second) == []
    with unit_of_work(runtime.sessions) as session:
        escalations = list_escalations(session, open_only=False)
    assert len(escalations) == 1
    escalation = escalations[0]
    assert escalation.severity == 3 and escalation.vendor == "acme"
    assert "AHT vendor:acme > 9m for 2 days" in escalation.title
    assert "2026-11-11" in escalation.description


async def test_no_breach_when_the_streak_is_too_short(
    dispatch: Any, runtime: Runtime, tmp_path: Path
) -> None:
    await dispatch(sr.slash_command("/opsbot", 'rule add "AHT vendor:acme > 9m for 3 days" sev2'))
    path = write_csv(
        tmp_path / "a.csv",
        [
            ("2026-11-10", "acme", 500),
            ("2026-11-11", "acme", 600),
            ("2026-11-12", "acme", 620),
        ],
    )
    assert await import_and_evaluate(runtime, path) == []


async def test_cli_import_checks_rules_and_opens_one_escalation(
    dispatch: Any, runtime: Runtime, tmp_path: Path, database_url: str
) -> None:
    from typer.testing import CliRunner

    from bot.cli import app as cli

    await dispatch(sr.slash_command("/opsbot", "vendor add acme"))  # rules name known vendors
    await dispatch(sr.slash_command("/opsbot", 'rule add "AHT vendor:acme > 9m for 2 days" sev3'))
    first = write_csv(
        tmp_path / "a.csv",
        [("2026-11-10", "acme", 500), ("2026-11-11", "acme", 600), ("2026-11-12", "acme", 620)],
    )
    second = write_csv(tmp_path / "b.csv", [("2026-11-13", "acme", 700)])
    outputs = []
    for path in (first, second):
        result = CliRunner().invoke(
            cli, ["kpi", "import", str(path)], env={"DATABASE_URL": database_url}
        )
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert "KPI rules opened" in outputs[0]
    assert "KPI rules opened" not in outputs[1]
    with unit_of_work(runtime.sessions) as session:
        escalations = list_escalations(session, open_only=False)
    assert [e.vendor for e in escalations] == ["acme"]


async def test_a_rule_breached_already_says_so_and_opens_its_escalation_at_once(
    dispatch: Any, runtime: Runtime, tmp_path: Path
) -> None:
    await dispatch(sr.slash_command("/opsbot", "vendor add acme"))
    await import_and_evaluate(
        runtime,
        write_csv(tmp_path / "a.csv", [("2026-11-11", "acme", 600), ("2026-11-12", "acme", 620)]),
    )
    added = body(
        await dispatch(
            sr.slash_command("/opsbot", 'rule add "AHT vendor:acme > 9m for 2 days" sev3')
        )
    )
    assert "→ SEV3 escalation." in added["text"]
    # Saved at once; the outbox files it in the tracker, so its number is the local one.
    assert "It is breached already: I opened #1 (filing)." in added["text"]
    with unit_of_work(runtime.sessions) as session:
        assert len(list_escalations(session, open_only=False)) == 1
    # The import check that follows finds the same streak reported: nothing new.
    assert await import_and_evaluate(runtime, tmp_path / "a.csv") == []
    quiet = body(
        await dispatch(
            sr.slash_command("/opsbot", 'rule add "AHT vendor:acme > 20m for 2 days" sev2')
        )
    )
    assert "Checked against the data so far: not breached" in quiet["text"]
