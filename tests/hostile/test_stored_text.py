"""Hostile text stored now and posted later (threads, digests, outbox jobs) stays escaped."""

from __future__ import annotations

from bot.local_slack import LocalSlack
from bot.runtime import Runtime
from tests.conftest import Dispatch
from tests.hostile.support import KNOWN_BUGS, STRICT, bot_texts, raw_mentions, sent_texts
from tests.support.slack_requests import slash_command

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


async def settle(runtime: Runtime) -> None:
    """Finish background work and every outbox job due soon."""
    await runtime.background.drain()
    outbox = runtime.services.get("outbox")
    if outbox is not None:
        await outbox.drain(within=30.0, horizon=2.0)


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
