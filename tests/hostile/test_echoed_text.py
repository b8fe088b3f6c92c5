"""User text echoed back (issue 12, finding 3) never pings: every path that showed it raw.

Each test plants `<!channel>` (and a mention of an id no member has) in what a user types or
imports and looks at everything the bot sent for it: the ack body, every Slack call, and the
channel history. `tests.support.payload_scan` says what counts as a ping from user text.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from tests.conftest import ADMIN_ID, Dispatch
from tests.hostile.support import HOSTILE_USER, bot_texts, sent_texts
from tests.integration.test_initiatives import sealed_origin
from tests.integration.test_kpi_import import run_import
from tests.support.answers import settle
from tests.support.payload_scan import unescaped_pings
from tests.support.slack_requests import slash_command, view_submission

MARK = "<!channel>"
ESCAPED = "&lt;!channel"  # the rule grammar splits `>` off as an operator
# (command, text, admin?): each answer used to repeat the marked word raw.
ECHOES = [
    ("/action", f"list vendor:{MARK}", False),
    ("/action", f"list {MARK}", False),
    ("/action", f"add <@U0ADMIN|admin> due:fri vendor:{MARK} call them", False),
    ("/action", f"add <@U0ADMIN|admin> due:{MARK} call them", False),
    ("/checkin", f"preview {MARK}", False),
    ("/checkin", f"run {MARK}", False),
    ("/checkin", f"topic {MARK} the agenda", False),
    ("/suggest", f"promote {MARK}", False),
    ("/opsbot", f"rule remove {MARK}", True),
    ("/opsbot", f'rule add "AHT > {MARK}" sev3', True),
]


@pytest.mark.parametrize(
    ("command", "text", "admin"), ECHOES, ids=[f"{c} {t}" for c, t, _ in ECHOES]
)
async def test_an_echoed_word_is_escaped(
    dispatch: Dispatch, local_slack: LocalSlack, command: str, text: str, admin: bool
) -> None:
    start = len(local_slack.calls)
    try:
        response = await dispatch(
            slash_command(
                command,
                text,
                user_id=ADMIN_ID if admin else "U0MEMBER",
                response_url=local_slack.response_url(channel="C0OPS"),
            )
        )
    except AssertionError as refused:  # the dispatch fixture's own scan of the ack body
        pytest.fail(f"{command} {text}: {refused}")
    shown = sent_texts(response, local_slack.calls[start:])
    assert response.status == 200
    assert not unescaped_pings(shown), shown
    assert any(ESCAPED in t for t in shown), ("the word was not echoed at all", shown)


def _initiative_values(title: str) -> dict[str, Any]:
    return {
        "title": {"value": {"type": "plain_text_input", "value": title}},
        "goal": {"value": {"type": "plain_text_input", "value": "Fewer clones"}},
        "owner": {"value": {"type": "users_select", "selected_user": ADMIN_ID}},
        "stakeholders": {"value": {"type": "multi_static_select", "selected_options": []}},
        "target": {"value": {"type": "datepicker", "selected_date": None}},
        "vendors": {"value": {"type": "plain_text_input", "value": ""}},
    }


async def test_an_initiative_title_and_update_note_are_escaped_on_post_update_and_thread(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    title = f"Launch {MARK} <@{HOSTILE_USER}>"
    await dispatch(
        view_submission(
            "initiative_new",
            _initiative_values(title),
            view_id="VHOSTILE",
            private_metadata=sealed_origin(runtime),
        )
    )
    await settle(runtime)
    await dispatch(slash_command("/initiative", f"INIT-1 update {MARK} shipped <@{HOSTILE_USER}>"))
    # A story re-renders the channel message (chat.update) whatever order filing took.
    await dispatch(slash_command("/initiative", 'INIT-1 child "First story"'))
    await settle(runtime)
    posted = local_slack.calls_to("chat.postMessage")
    updated = local_slack.calls_to("chat.update")
    assert posted and updated, "the initiative was not posted, then updated with its key"
    top_level = [str(c.args.get("text")) for c in posted + updated]
    first_post, last_update = top_level[0], str(updated[-1].args.get("text"))
    assert ESCAPED in first_post and ESCAPED in last_update, top_level
    assert not unescaped_pings(top_level), top_level
    thread = [m for m in local_slack.messages("C0OPS") if m.get("thread_ts")]
    notes = [t for m in thread for t in bot_texts(m) if "Progress" in t]
    assert notes, "the progress note did not reach the thread"
    assert not unescaped_pings(notes), notes
    assert any(ESCAPED in n for n in notes)


def _cube_with_a_hostile_queue(path: Path) -> None:
    """Two weeks in which one queue, named like a broadcast, doubles in the second."""
    lines = ["date,vendor,queue,incoming,manual_incoming"]
    start = date(2026, 11, 2)
    for offset in range(14):
        day = start + timedelta(days=offset)
        for vendor in ("acme", "globex"):
            for queue in (MARK, "copyright", "trademark"):
                manual = 100
                if offset >= 7 and (vendor, queue) == ("acme", MARK):
                    manual = 300
                lines.append(f'{day},{vendor},"{queue}",400,{manual}')
    path.write_text("\n".join(lines) + "\n")


async def test_kpi_why_escapes_imported_dimension_values_in_its_text_fallback(
    database_url: str,
    engine: Engine,
    dispatch: Dispatch,
    local_slack: LocalSlack,
    tmp_path: Path,
    runtime: Runtime,
) -> None:
    cube = tmp_path / "cube.csv"
    _cube_with_a_hostile_queue(cube)
    assert run_import(database_url, cube)[0] == 0
    # Asked the day after the cube's data ends, whatever today is.
    runtime.clock = lambda: datetime(2026, 11, 22, 12, tzinfo=UTC)
    url = local_slack.response_url(channel="C0OPS")
    await dispatch(
        slash_command("/kpi", "why manual_incoming 2026-11-09..2026-11-15", response_url=url)
    )
    (message,) = [m for m in local_slack.messages("C0OPS") if "Manual incoming" in json.dumps(m)]
    assert ESCAPED in message["text"], message["text"]
    assert not unescaped_pings([message["text"], *bot_texts(message.get("blocks"))])
