"""/kpi through signed requests: numbers, chart upload, break-down, why, bad input, scope."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from storage.vendors import upsert_vendor
from tests.conftest import Dispatch
from tests.integration.test_kpi_import import SMALL, TODAY, run_import
from tests.support.answers import ok_body
from tests.support.slack_requests import block_action, slash_command

PERIOD = "2026-11-16..2026-11-17 vs 2026-11-09..2026-11-10"


@pytest.fixture(autouse=True)
def pinned_today(runtime: Runtime) -> None:
    """Ask every question on the day after the fixture data ends, whatever today is."""
    runtime.clock = lambda: datetime.combine(TODAY, time(12), tzinfo=UTC)


def _text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


async def test_kpi_answers_with_hand_computed_numbers_and_uploads_a_chart(
    database_url: str, engine: Engine, dispatch: Dispatch, local_slack: LocalSlack
) -> None:
    assert run_import(database_url, SMALL)[0] == 0
    response = await dispatch(
        slash_command(
            "/kpi",
            f"{PERIOD} chart",
            response_url=local_slack.response_url(channel="C0OPS"),
        )
    )
    answer = ok_body(response)
    assert answer["response_type"] == "in_channel"
    blocks = answer["blocks"]
    assert len(blocks) <= 50
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(sections) == 7
    assert sections[0].startswith("*Total incoming*  260  ▲ +160 (+160%)")
    assert sections[1].startswith("*Manual incoming*  110  ▲ +65 (+144%)")
    assert sections[4].startswith("*AHT*  4:49  ▲ +1:18 (+37%)")  # 26000/90 vs 9500/45
    assert sections[5].startswith("*AAS*  1.0 h")
    assert sections[6].startswith("*Automation rate*  60.9%  ▲ +5.9 pp")
    assert all(len(s) <= 3000 for s in sections)
    context = _text(blocks[1])
    assert "data through 2026-11-17" in context and "whole team" in context
    actions = next(b for b in blocks if b["type"] == "actions")["elements"]
    assert [a["action_id"] for a in actions][:5] == [
        "kpi_breakdown_queue",
        "kpi_breakdown_vendor",
        "kpi_breakdown_country",
        "kpi_breakdown_language",
        "kpi_breakdown_channel",
    ]
    (upload,) = local_slack.calls_to("files.upload")
    assert upload.args["content"].startswith(b"\x89PNG")
    assert upload.args["channel"] == "C0OPS"


async def test_breakdown_button_ranks_vendors(
    database_url: str, engine: Engine, dispatch: Dispatch, local_slack: LocalSlack
) -> None:
    assert run_import(database_url, SMALL)[0] == 0
    answer = ok_body(await dispatch(slash_command("/kpi", PERIOD)))
    button = next(
        e
        for b in answer["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "kpi_breakdown_vendor"
    )
    url = local_slack.response_url(channel="C0OPS")
    response = await dispatch(
        block_action("kpi_breakdown_vendor", button["value"], response_url=url)
    )
    assert response.status == 200
    (message,) = [m for m in local_slack.messages("C0OPS") if "By vendor" in _text(m)]
    table = message["blocks"][1]["text"]["text"]
    rows = [line for line in table.splitlines() if line.startswith(("acme", "globex"))]
    assert [r.split()[0] for r in rows] == ["acme", "globex"]  # ranked by incoming
    assert "220 +175%" in rows[0] and "40 +100%" in rows[1]


def _planted_cube(path: Path) -> None:
    rng = np.random.default_rng(5)
    lines = ["date,vendor,queue,country,incoming,manual_incoming"]
    start = date(2026, 11, 2)
    for offset in range(14):
        day = start + timedelta(days=offset)
        for vendor in ("acme", "globex", "initech", "umbrella"):
            for queue in ("impersonation", "copyright", "trademark"):
                for country in ("US", "DE", "JP"):
                    incoming = int(rng.normal(200, 6))
                    manual = int(incoming * 0.5)
                    if offset >= 7 and (vendor, queue) == ("acme", "impersonation"):
                        manual = int(manual * 1.9)
                        incoming += manual - int(incoming * 0.5)
                    lines.append(f"{day},{vendor},{queue},{country},{incoming},{manual}")
    path.write_text("\n".join(lines) + "\n")


async def test_why_finds_the_planted_cause(
    database_url: str, engine: Engine, dispatch: Dispatch, local_slack: LocalSlack, tmp_path: Path
) -> None:
    cube = tmp_path / "cube.csv"
    _planted_cube(cube)
    assert run_import(database_url, cube)[0] == 0
    url = local_slack.response_url(channel="C0OPS")
    response = await dispatch(
        slash_command("/kpi", "why manual_incoming 2026-11-09..2026-11-15", response_url=url)
    )
    assert "Looking into what moved Manual incoming" in ok_body(response)["text"]
    (message,) = [m for m in local_slack.messages("C0OPS") if "Manual incoming" in _text(m)]
    sentence = message["blocks"][0]["text"]["text"]
    assert sentence.startswith("Manual incoming +")
    assert "vs w45." in sentence  # no history for a seasonal baseline: the week before
    assert "of the change comes from queue:impersonation × vendor:acme" in sentence
    escalate = message["blocks"][-1]["elements"][0]
    assert escalate["action_id"] == "escalation_from_finding"
    finding = json.loads(escalate["value"])
    assert finding["vendor"] == "acme" and "impersonation" in finding["title"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lastweek vendr:acme", "`lastweek` (did you mean `last-week`?); `vendr:`"),
        ("2099-01-01", "is in the future"),
        ("2026-11-10..2026-11-01", "empty range"),
        ("2024-01-01..2026-11-01", "at most a year"),
        ("week vendor:acmee", "I know no vendor called acmee. Closest: `acme`"),
    ],
)
async def test_bad_input_gets_an_ephemeral_usage_message(
    database_url: str, engine: Engine, dispatch: Dispatch, text: str, expected: str
) -> None:
    assert run_import(database_url, SMALL)[0] == 0
    answer = ok_body(await dispatch(slash_command("/kpi", text)))
    assert answer["response_type"] == "ephemeral"
    assert expected in answer["text"]


async def test_help_lists_grammar_and_definitions(engine: Engine, dispatch: Dispatch) -> None:
    answer = ok_body(await dispatch(slash_command("/kpi", "help")))
    text = _text(answer)
    assert answer["response_type"] == "ephemeral"
    assert "/kpi [PERIOD]" in text and "Σ handle_seconds" in text


async def test_vendor_channel_sees_its_vendor_only(
    database_url: str, engine: Engine, dispatch: Dispatch
) -> None:
    assert run_import(database_url, SMALL)[0] == 0
    with Session(engine) as session:
        upsert_vendor(session, slug="acme", name="Acme", channel_id="C0ACME")
        session.commit()
    answer = ok_body(await dispatch(slash_command("/kpi", PERIOD, channel_id="C0ACME")))
    first = answer["blocks"][2]["text"]["text"]
    assert first.startswith("*Total incoming*  220")  # acme only: 100 + 120
    assert "vendor:acme" in _text(answer["blocks"][1])
    refused = ok_body(
        await dispatch(slash_command("/kpi", f"{PERIOD} vendor:globex", channel_id="C0ACME"))
    )
    assert refused["response_type"] == "ephemeral"
    assert "bound to vendor Acme" in refused["text"]


async def test_kpi_answer_follows_a_reimport_made_by_another_process(
    database_url: str, engine: Engine, dispatch: Dispatch, tmp_path: Path
) -> None:
    assert run_import(database_url, SMALL)[0] == 0
    first = ok_body(await dispatch(slash_command("/kpi", PERIOD)))
    assert _text(first["blocks"]).count("*Total incoming*  260") == 1
    again = ok_body(await dispatch(slash_command("/kpi", PERIOD)))
    assert again["blocks"] == first["blocks"]
    # The CLI import runs apart from the server's runtime: the answer must still change.
    changed = tmp_path / "changed.csv"
    changed.write_text(
        "date,vendor,queue,incoming,manual_incoming,solved,manual_solved,"
        "handle_seconds,handled,solve_age_seconds\n"
        "2026-11-16,acme,impersonation,1100,40,90,30,6000,30,324000\n"
    )
    assert run_import(database_url, changed)[0] == 0
    after = ok_body(await dispatch(slash_command("/kpi", PERIOD)))
    assert "*Total incoming*  1,260" in _text(after["blocks"])


def _aht_cube(path: Path, *, seed: int, mix_shift: bool) -> None:
    """Two weeks of handle time per vendor × queue × country, each slice at its own steady rate.

    With `mix_shift`, globex × copyright (the slowest slice) handles three times its volume
    in the second week at an unchanged rate: AHT rises by mix alone.
    """
    rng = np.random.default_rng(seed)
    vendors = ("acme", "globex", "initech", "umbrella")
    queues = ("impersonation", "copyright", "trademark")
    lines = ["date,vendor,queue,country,incoming,handled,handle_seconds"]
    start = date(2026, 11, 2)
    for offset in range(14):
        day = start + timedelta(days=offset)
        for v, vendor in enumerate(vendors):
            for q, queue in enumerate(queues):
                rate = (
                    900.0 if (vendor, queue) == ("globex", "copyright") else 300 + 40 * v + 60 * q
                )
                for country in ("US", "DE", "JP"):
                    handled = int(rng.normal(200, 6))
                    if mix_shift and offset >= 7 and (vendor, queue) == ("globex", "copyright"):
                        handled *= 3
                    seconds = int(handled * rate * rng.normal(1.0, 0.01))
                    lines.append(f"{day},{vendor},{queue},{country},{handled},{handled},{seconds}")
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("seed", [3, 17])
async def test_why_names_a_planted_mix_shift_mix_and_pure_noise_no_cause(
    database_url: str,
    engine: Engine,
    dispatch: Dispatch,
    local_slack: LocalSlack,
    tmp_path: Path,
    seed: int,
) -> None:
    asked = "why aht 2026-11-09..2026-11-15 vs 2026-11-02..2026-11-08"
    sentences = {}
    for name, mix_shift in (("mix", True), ("noise", False)):
        cube = tmp_path / f"{name}.csv"
        _aht_cube(cube, seed=seed, mix_shift=mix_shift)
        assert run_import(database_url, cube)[0] == 0  # replaces the same days and slices
        channel = f"C0{name.upper()}"
        url = local_slack.response_url(channel=channel)
        response = await dispatch(slash_command("/kpi", asked, response_url=url))
        assert ok_body(response)["text"] == "Looking into what moved AHT…"
        (message,) = local_slack.messages(channel)
        sentences[name] = message["blocks"][0]["text"]["text"]
    mix = sentences["mix"]
    assert mix.startswith("AHT +") and "vs w45." in mix
    assert "of the change comes from queue:copyright × vendor:globex" in mix
    assert "mix (volume moved)" in mix and "rate (the slice itself changed)" not in mix
    noise = sentences["noise"]
    assert "of the change comes from" not in noise
    assert "stands out" in noise
