"""`pass_rate` rules: a vendor's assessment pass rate below a threshold opens an action item."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from storage.actions import ActionItem
from storage.engine import unit_of_work
from storage.rules import active_rules
from tests.integration.test_checkin_commands import table
from tests.integration.test_training_scores import HEADER, run_import
from tests.support import slack_requests as sr
from tests.support.answers import body

LAST = date(2026, 11, 18)
RULE = 'rule add "pass_rate vendor:acme < 85% for 2 weeks"'


def week_rows(end: date, passed: int, *, vendor: str = "acme") -> str:
    """Ten results in the seven days to `end`, `passed` of them passing."""
    return "".join(
        f"{end - timedelta(days=n % 7)},{vendor},Fraud basics,agt-{end:%j}-{n},"
        f"{90 if n < passed else 50},{'true' if n < passed else 'false'}\n"
        for n in range(10)
    )


def results_file(tmp_path: Path, name: str, *weeks: tuple[date, int]) -> Path:
    """Write an assessment file with one block of ten results per (week end, passed)."""
    path = tmp_path / name
    path.write_text(HEADER + "".join(week_rows(end, passed) for end, passed in weeks))
    return path


async def add_rule(dispatch: Any, text: str = RULE) -> dict[str, Any]:
    """Add a rule as the admin; return the answer."""
    return body(await dispatch(sr.slash_command("/opsbot", text)))


async def test_the_rule_is_parsed_and_its_mistakes_named(dispatch: Any, runtime: Runtime) -> None:
    await dispatch(sr.slash_command("/opsbot", "vendor add acme"))
    assert "Rule #1 added" in (await add_rule(dispatch))["text"]
    with unit_of_work(runtime.sessions) as session:
        (rule,) = active_rules(session)
    assert (rule.kpi, rule.op, rule.threshold, rule.days) == ("pass_rate", "<", 0.85, 14)
    assert rule.filters == {"vendor": ["acme"]}
    for text, problem in (
        ('rule add "pass_rate < 85%"', "names one vendor"),
        ('rule add "pass_rate vendor:acme < 85"', "percentage from 0 to 100"),
        ('rule add "pass_rate vendor:acme < 185%"', "percentage from 0 to 100"),
        ('rule add "pass_rate queue:imp vendor:acme < 85%"', "not a filter of pass_rate"),
        ('rule add "pass_rate vendor:acme < 85% for 2 months"', "for N weeks"),
        ('rule add "pass_rate vendor:acme < 85%" sev2', "takes no severity"),
    ):
        assert problem in (await add_rule(dispatch, text))["text"], text
    unknown = await add_rule(dispatch, 'rule add "pass_rate vendor:wayne < 85% for 2 weeks"')
    assert "wayne" in unknown["text"] and "Rule #" not in unknown["text"]


async def test_two_weeks_below_opens_one_action_item_for_the_owner(
    dispatch: Any, runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    await dispatch(sr.slash_command("/opsbot", "vendor add acme"))
    await add_rule(dispatch)
    # 8/10 in the week to 11 Nov and 7/10 in the week to 18 Nov: both below 85 %.
    first = results_file(tmp_path, "a.csv", (LAST - timedelta(days=7), 8), (LAST, 7))
    code, output = run_import(database_url, first)
    assert code == 0, output
    assert "rules opened action #1" in output
    (item,) = table(runtime, ActionItem)
    assert (item.owner_id, item.vendor_slug, item.created_by) == ("U0ADMIN", "acme", "opsbot")
    assert "was < 85% from 05 Nov to 18 Nov (latest 70%)" in item.text and "rule #1" in item.text
    # Nobody owns acme: the item says why it came to the rule's creator, and how to change that.
    assert "came to the rule's creator because vendor acme has no owner" in item.text
    assert "`/opsbot vendor owner acme @user`" in item.text
    # The same streak, imported again, opens nothing more.
    code, output = run_import(database_url, first)
    assert code == 0 and "rules opened" not in output, output
    assert len(table(runtime, ActionItem)) == 1


async def test_one_week_below_is_not_enough(
    dispatch: Any, runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    await dispatch(sr.slash_command("/opsbot", "vendor add acme"))
    await add_rule(dispatch)
    # 9/10 then 7/10: only the latest week is below; globex's bad weeks are not acme's.
    path = results_file(tmp_path, "a.csv", (LAST - timedelta(days=7), 9), (LAST, 7))
    other = tmp_path / "globex.csv"
    other.write_text(
        HEADER
        + week_rows(LAST - timedelta(days=7), 1, vendor="globex")
        + week_rows(LAST, 1, vendor="globex")
    )
    code, output = run_import(database_url, path, other)
    assert code == 0 and "rules opened" not in output, output
    assert table(runtime, ActionItem) == []


async def test_the_item_goes_to_the_vendors_owner_who_is_reminded(
    dispatch: Any, runtime: Runtime, database_url: str, tmp_path: Path, local_slack: LocalSlack
) -> None:
    local_slack.add_user("U0MARIA", "maria", tz="Asia/Manila")
    await dispatch(sr.slash_command("/opsbot", "vendor add acme"))
    await add_rule(dispatch)  # added by U0ADMIN, before acme had an owner
    owned = body(await dispatch(sr.slash_command("/opsbot", "vendor owner acme <@U0MARIA|maria>")))
    assert "<@U0MARIA> now owns vendor *acme*" in owned["text"]
    first = results_file(tmp_path, "a.csv", (LAST - timedelta(days=7), 8), (LAST, 7))
    code, output = run_import(database_url, first)
    assert code == 0 and "rules opened action #1" in output, output
    (item,) = table(runtime, ActionItem)
    assert (item.owner_id, item.vendor_slug, item.created_by) == ("U0MARIA", "acme", "opsbot")
    assert "rule's creator" not in item.text and "Agree a retraining plan" in item.text
    # The owner's reminder comes as every action item's does: a DM at 09:00 their time.
    service = runtime.checkin_scheduler
    assert service is not None
    due_morning = datetime.combine(item.due, time(9, 30), UTC) - timedelta(hours=8)  # Manila
    await service.send_reminders(due_morning)
    (dm,) = local_slack.calls_to("chat.postMessage")
    assert dm.args["channel"] == "U0MARIA" and "due today" in dm.args["text"]


async def test_the_items_due_date_is_a_week_from_the_runtimes_clock(
    dispatch: Any, runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    # Years from the machine's clock: only the runtime's clock can give this due date.
    runtime.clock = lambda: datetime(2031, 3, 3, 12, 0, tzinfo=UTC)
    await dispatch(sr.slash_command("/opsbot", "vendor add acme"))
    first = results_file(tmp_path, "a.csv", (LAST - timedelta(days=7), 8), (LAST, 7))
    code, output = run_import(database_url, first)
    assert code == 0 and "rules opened" not in output, output
    # A rule already breached opens its item when it is added.
    assert "action #1" in (await add_rule(dispatch))["text"]
    (item,) = table(runtime, ActionItem)
    assert item.due == date(2031, 3, 10)
