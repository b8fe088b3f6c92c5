"""`/routing` through signed requests: summary, flows, suggestions, escaping and vendor scope."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slack_sdk.models.blocks import Block
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from commands.routing.views import DISMISS_ACTION, OPEN_ACTION
from commands.summary.service import build_summary
from commands.windows import digest_window
from storage.engine import unit_of_work
from storage.initiatives import Initiative
from storage.routing_suggestions import RoutingSuggestion
from storage.vendors import Vendor
from tests.conftest import Dispatch
from tests.integration.test_checkin_commands import table
from tests.integration.test_checkin_runs import Clock
from tests.support.answers import body, ok_body
from tests.support.case_generator import PlantedRule, generate_cases
from tests.support.slack_requests import block_action, slash_command

# The generated cases span 2026-10-05..2026-11-01; "28d" on 2026-11-02 covers exactly that.
MONDAY = datetime(2026, 11, 2, 10, tzinfo=UTC)
HEADER = (
    "case_id,created_at,channel,reason,initial_queue,final_queue,transfers,"
    "first_response_at,solved_at,vendor,country,language\n"
)


def _import(runtime: Runtime, path: Path) -> None:
    url = runtime.settings.database_url
    result = CliRunner().invoke(cli, ["routing", "import", str(path)], env={"DATABASE_URL": url})
    assert result.exit_code == 0, result.output


def _all_text(answer: dict[str, object]) -> str:
    blocks = answer.get("blocks") or []
    assert isinstance(blocks, list)
    for block in blocks:  # slack_sdk's models check Block Kit limits in to_dict()
        parsed = Block.parse(block)
        assert parsed is not None and parsed.to_dict() == block
    texts = [b["text"]["text"] for b in blocks if "text" in b]
    return str(answer["text"]) + "\n" + "\n".join(texts)


async def test_routing_shows_the_planted_suggestion(
    dispatch: Dispatch, runtime: Runtime, tmp_path: Path
) -> None:
    runtime.clock = Clock(MONDAY)
    planted = (PlantedRule("refund", "billing", routed_share=0.9, moved_share=0.85),)
    data = generate_cases(seed=7, cases=6000, planted=planted)
    path = tmp_path / "cases.csv"
    path.write_text(data.csv_text)
    _import(runtime, path)
    answer = ok_body(await dispatch(slash_command("/routing", "28d")))
    assert answer["response_type"] == "ephemeral"
    text = _all_text(answer)
    assert "6,000 cases" in text
    assert "billing → payments" in text
    moved = data.moved[("refund", "billing", "payments")]
    assert "Route *refund* to *payments* instead of billing" in text
    assert f"{moved / 4:,.1f} cases/week" in text
    assert "Suggestions" in text and text.count("• Route") == 1
    narrowed = _all_text(ok_body(await dispatch(slash_command("/routing", "28d reason:how-to"))))
    assert "reason: how-to" in narrowed and "• Route" not in narrowed


async def test_imported_names_are_escaped(
    dispatch: Dispatch, runtime: Runtime, tmp_path: Path
) -> None:
    runtime.clock = Clock(MONDAY)
    rows = [
        f"x{i},2026-10-{10 + i % 10}T08:00:00Z,web,<!channel> refund,<@U0EVIL>,"
        f"pay & <b>,1,,2026-10-{11 + i % 10}T08:00:00Z,,,"
        for i in range(40)
    ]
    path = tmp_path / "hostile.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    _import(runtime, path)
    text = _all_text(ok_body(await dispatch(slash_command("/routing", "28d"))))
    assert "<!channel>" not in text and "<@U0EVIL>" not in text
    assert "&lt;@U0EVIL&gt; → pay &amp; &lt;b&gt;: 40" in text


async def test_vendor_channel_sees_its_own_cases_only(
    dispatch: Dispatch, runtime: Runtime, tmp_path: Path
) -> None:
    runtime.clock = Clock(MONDAY)
    path = tmp_path / "two.csv"
    path.write_text(
        HEADER
        + "a1,2026-10-20T08:00:00Z,web,r,p,q,1,,,acme,,\n"
        + "a2,2026-10-20T09:00:00Z,web,r,p,p,0,,,acme,,\n"
        + "g1,2026-10-20T08:00:00Z,web,r,p,p,0,,,globex,,\n"
    )
    _import(runtime, path)
    with unit_of_work(runtime.sessions) as session:
        session.add(Vendor(slug="acme", name="Acme", channel_id="C0ACME"))
    team = _all_text(ok_body(await dispatch(slash_command("/routing", "28d"))))
    assert "3 cases" in team
    acme = _all_text(ok_body(await dispatch(slash_command("/routing", "28d", channel_id="C0ACME"))))
    assert "2 cases, *50.0% misrouted*" in acme and "vendor: Acme" in acme
    refused = ok_body(
        await dispatch(slash_command("/routing", "28d vendor:globex", channel_id="C0ACME"))
    )
    assert "bound to vendor Acme" in refused["text"] and "globex" not in refused["text"].lower()


async def test_bad_text_gets_usage(dispatch: Dispatch, runtime: Runtime) -> None:
    runtime.clock = Clock(MONDAY)
    answer = ok_body(await dispatch(slash_command("/routing", "colour:red")))
    assert answer["response_type"] == "ephemeral"
    assert "is not a filter" in answer["text"] and "/routing [week" in answer["text"]
    empty = ok_body(await dispatch(slash_command("/routing", "week")))
    assert "No cases in this period" in empty["text"]


def _suggestion_buttons(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in answer.get("blocks", []) if b["type"] == "actions"]


async def test_open_as_initiative_files_it_once_with_the_evidence(
    dispatch: Dispatch, runtime: Runtime, tmp_path: Path, local_slack: LocalSlack
) -> None:
    runtime.clock = Clock(MONDAY)
    planted = (PlantedRule("refund", "billing", routed_share=0.9, moved_share=0.85),)
    path = tmp_path / "cases.csv"
    path.write_text(generate_cases(seed=7, cases=6000, planted=planted).csv_text)
    _import(runtime, path)
    answer = ok_body(await dispatch(slash_command("/routing", "28d")))
    (actions,) = _suggestion_buttons(answer)
    open_button, dismiss_button = actions["elements"]
    assert (open_button["action_id"], dismiss_button["action_id"]) == (
        OPEN_ACTION,
        DISMISS_ACTION,
    )
    url = local_slack.response_url(channel="C0OPS")
    for _ in range(2):  # a double click files one initiative
        click = block_action(OPEN_ACTION, open_button["value"], response_url=url)
        assert (await dispatch(click)).status == 200
    (initiative,) = table(runtime, Initiative)
    assert initiative.title == "Route refund to payments instead of billing"
    assert "end in payments" in initiative.goal and "hours a week" in initiative.goal
    (row,) = table(runtime, RoutingSuggestion)
    assert (row.state, row.initiative_id, row.decided_by) == ("opened", initiative.id, "U0ADMIN")
    notes = [m.get("text", "") for m in local_slack.ephemeral_messages()]
    assert any("Opened as an initiative" in n for n in notes)
    again = ok_body(await dispatch(slash_command("/routing", "28d")))
    assert _suggestion_buttons(again) == []
    assert "Already opened as an initiative" in json.dumps(again)


async def test_dismissed_suggestions_stay_away_and_vendor_channels_cannot_touch_team_ones(
    dispatch: Dispatch, runtime: Runtime, tmp_path: Path, local_slack: LocalSlack
) -> None:
    runtime.clock = Clock(MONDAY)
    planted = (PlantedRule("refund", "billing", routed_share=0.9, moved_share=0.85),)
    path = tmp_path / "cases.csv"
    path.write_text(generate_cases(seed=8, cases=6000, planted=planted).csv_text)
    _import(runtime, path)
    with unit_of_work(runtime.sessions) as session:
        session.add(Vendor(slug="acme", name="Acme", channel_id="C0ACME"))
    (actions,) = _suggestion_buttons(ok_body(await dispatch(slash_command("/routing", "28d"))))
    value = actions["elements"][1]["value"]
    url = local_slack.response_url(channel="C0ACME")
    await dispatch(block_action(DISMISS_ACTION, value, channel_id="C0ACME", response_url=url))
    await dispatch(block_action(OPEN_ACTION, value, channel_id="C0ACME", response_url=url))
    assert table(runtime, RoutingSuggestion)[0].state == "open"
    assert table(runtime, Initiative) == []
    notes = [m.get("text", "") for m in local_slack.ephemeral_messages()]
    assert sum("not known here" in n for n in notes) == 2
    team = local_slack.response_url(channel="C0OPS")
    await dispatch(block_action(DISMISS_ACTION, value, response_url=team))
    assert table(runtime, RoutingSuggestion)[0].state == "dismissed"
    later = ok_body(await dispatch(slash_command("/routing", "28d")))
    assert _suggestion_buttons(later) == [] and "• Route" not in json.dumps(later)
    # The vendor channel's own answer has its own suggestion, not the team's dismissal.
    acme = ok_body(await dispatch(slash_command("/routing", "28d", channel_id="C0ACME")))
    assert len(_suggestion_buttons(acme)) == 1


async def test_why_localises_a_change_in_the_misroute_rate(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack, tmp_path: Path
) -> None:
    runtime.clock = Clock(MONDAY)
    before = generate_cases(seed=21, cases=6000, start=datetime(2026, 9, 7, tzinfo=UTC))
    planted = (PlantedRule("refund", "billing", routed_share=0.9, moved_share=0.85),)
    now = generate_cases(seed=22, cases=6000, planted=planted, id_prefix="501")
    for name, data in (("before.csv", before), ("now.csv", now)):
        path = tmp_path / name
        path.write_text(data.csv_text)
        _import(runtime, path)
    url = local_slack.response_url(channel="C0OPS")
    ack = body(await dispatch(slash_command("/routing", "why 28d", response_url=url)))
    assert ack["response_type"] == "ephemeral" and "Looking into" in ack["text"]
    # The localisation went through the work queue and answered on the response URL.
    (answer,) = [m for m in local_slack.ephemeral_messages() if m["kind"] == "response_url"]
    assert answer["response_type"] == "ephemeral"
    text = _all_text({k: answer[k] for k in ("text", "blocks")})
    assert "against" in text and "6,000 cases" in text and "of 6,000 the period before" in text
    lines = [line for line in text.splitlines() if line.startswith("• ")]
    assert lines and "reason refund" in lines[0], text
    assert "was " in lines[0] and "% of the change" in lines[0]


async def test_weekly_summary_and_vendor_digests_get_a_routing_section(
    runtime: Runtime, tmp_path: Path
) -> None:
    planted = (PlantedRule("refund", "billing", routed_share=0.9, moved_share=0.85),)
    path = tmp_path / "cases.csv"
    path.write_text(generate_cases(seed=9, cases=6000, planted=planted).csv_text)
    _import(runtime, path)
    sources = runtime.digest_sources
    with unit_of_work(runtime.sessions) as session:
        _window, sections = build_summary(
            session=session, sources=sources, now=MONDAY, timezone="UTC"
        )
        team = next(s for s in sections if s.key == "routing")
        acme_window = digest_window(vendor_slug="acme", now=MONDAY, timezone="UTC")
        acme = next(
            s.section(session=session, window=acme_window) for s in sources if s.key == "routing"
        )
        later = digest_window(
            vendor_slug=None, now=datetime(2027, 3, 1, tzinfo=UTC), timezone="UTC"
        )
        nothing = next(
            s.section(session=session, window=later) for s in sources if s.key == "routing"
        )
    assert team.title == "Routing" and team.lines[0].startswith("*Misroute rate* ")
    assert "(was " in team.lines[0]  # the week before is in the data too
    assert team.lines[1].startswith("• Route *refund* to *payments* instead of billing")
    assert acme is not None
    team_cases = int(team.lines[0].split(" of ")[1].split(" ")[0].replace(",", ""))
    acme_cases = int(acme.lines[0].split(" of ")[1].split(" ")[0].replace(",", ""))
    assert 0 < acme_cases < team_cases
    assert nothing is None
