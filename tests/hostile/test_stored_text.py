"""Hostile text stored now and posted later (threads, digests, outbox jobs) stays escaped."""

from __future__ import annotations

import json
from typing import Any

from bot.block_limits import ack_answer
from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from tests.conftest import Dispatch
from tests.hostile.support import KNOWN_BUGS, STRICT, bot_texts, raw_mentions, sent_texts
from tests.support.answers import settle
from tests.support.slack_requests import slash_command, view_submission

PAYLOAD = "<!channel> <!here|here> <@UHOSTILE1> <!subteam^SHOSTILE1|@ops> ); DROP TABLE x; --"
# (command, text): each stores the typed text and shows it again later.
STORING = (
    ("/escalate", f'sev2 impersonation "{PAYLOAD}"'),
    ("/escalation", f"ESC-1 comment {PAYLOAD}"),
    ("/escalation", f"ESC-1 resolve {PAYLOAD}"),
    ("/action", f"add <@U0ADMIN|admin> due:fri {PAYLOAD}"),
    ("/action", "list"),
    ("/suggest", PAYLOAD),
    ("/suggest", "list"),
    ("/checkin", 'add vendor:acme channel:#ops every:"mon 09:00" tz:UTC'),
    ("/checkin", f"topic acme {PAYLOAD}"),
    ("/checkin", "preview acme"),
    ("/escalation", "list all"),
)


async def test_stored_text_is_escaped_wherever_it_is_shown(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    failures: dict[str, list[str]] = {}
    for command, text in STORING:
        start = len(local_slack.calls)
        response = await dispatch(
            slash_command(command, text, response_url=local_slack.response_url(channel="C0OPS"))
        )
        await settle(runtime)
        assert response.status == 200, (command, text, response.body)
        shown = sent_texts(response, local_slack.calls[start:])
        if found := raw_mentions(shown):
            failures.setdefault(command, []).extend(found)
    assert "PAYLOAD" not in failures
    posted = [t for m in local_slack.messages("C0OPS") for t in bot_texts(m)]
    assert any("&lt;!channel&gt;" in t for t in posted), "the escalation was not posted"
    if found := raw_mentions(posted):
        failures.setdefault("channel history", []).extend(found)
    for command in list(failures):
        if not STRICT and (command, "mention") in KNOWN_BUGS:
            del failures[command]
    assert not failures, failures


def _filing_values(description: str) -> dict[str, Any]:
    def text(value: str) -> dict[str, Any]:
        return {"value": {"type": "plain_text_input", "value": value}}

    def pick(value: str | None) -> dict[str, Any]:
        option = {"value": value} if value else None
        return {"value": {"type": "static_select", "selected_option": option}}

    return {
        "title": text("Clones & <fakes>"),
        "area": pick("impersonation"),
        "severity": pick("sev2"),
        "vendor": pick(None),
        "affected": text("40"),
        "description": text(description),
        "links": text(""),
    }


async def test_a_long_description_and_root_cause_full_of_markup_fit_slacks_limits(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    """Issue 11: `& < >` grow when escaped; clipped first, they broke the 3,000 limit."""
    description = ("& < > " * 500)[:2790]
    await dispatch(slash_command("/escalate", "", user_id="U0LEAD"))
    metadata = local_slack.calls_to("views.open")[-1].args["view"]["private_metadata"]
    await dispatch(
        view_submission(
            "escalation_file",
            _filing_values(description),
            user_id="U0LEAD",
            private_metadata=metadata,
        )
    )
    await settle(runtime)
    url = local_slack.response_url(channel="C0OPS")
    detail = await dispatch(slash_command("/escalation", "ESC-1", response_url=url))
    assert ack_answer(detail.body) is None
    sections = [b["text"]["text"] for b in json.loads(detail.body)["blocks"] if "text" in b]
    assert any(s.startswith("&amp; &lt; &gt;") for s in sections), "the description is shown"
    root_cause = "Root <cause> & more " * 150  # 3,000 characters, before escaping
    await dispatch(slash_command("/escalation", f"ESC-1 resolve {root_cause}", response_url=url))
    await settle(runtime)
    resolved = await dispatch(slash_command("/escalation", "ESC-1", response_url=url))
    assert ack_answer(resolved.body) is None, ack_answer(resolved.body)
    shown = json.dumps(json.loads(resolved.body))
    assert "*Root cause*" in shown and "Root &lt;cause&gt; &amp; more" in shown
