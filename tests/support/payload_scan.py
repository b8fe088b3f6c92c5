"""Checks every test applies to what the bot sent: valid Block Kit, and no ping from user text.

The bot's own templates mention people only as ``<@U…>`` built from stored ids, and never
broadcast. So a broadcast (``<!channel>``, ``<!here>``, ``<!everyone>``), a user-group mention
(``<!subteam^…>``), a labelled mention (``<@U…|name>``, the form Slack delivers typed text in)
or a mention of the hostile tests' marker ids can only be user text that was not escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from slack_bolt.response import BoltResponse

from bot.block_limits import ack_answer
from bot.offline.slack import LocalSlack, SlackCall
from tests.hostile.support import HOSTILE_GROUP, HOSTILE_USER, bot_texts

_PINGS = re.compile(
    r"<!(?:channel|here|everyone)\b|<!subteam\^|<@[^>|]*\||"
    rf"<@{HOSTILE_USER}|<!subteam\^{HOSTILE_GROUP}",
    re.IGNORECASE,
)


def unescaped_pings(texts: Iterable[str]) -> list[str]:
    """Return the texts that would ping someone because of user text."""
    return [text for text in texts if _PINGS.search(text)]


def call_pings(calls: Iterable[SlackCall]) -> list[tuple[str, str]]:
    """Return (method, text) for every unescaped ping in recorded calls."""
    return [
        (call.method, text)
        for call in calls
        if not call.faulted
        for text in unescaped_pings(bot_texts(call.args))
    ]


def assert_sound_answer(response: BoltResponse) -> None:
    """Fail when an ack body would be refused by Slack or pings from user text."""
    refused = ack_answer(response.body if isinstance(response.body, str) else None)
    assert refused is None, f"Slack would refuse this answer: {refused}"
    found = unescaped_pings(bot_texts(response.body or ""))
    assert not found, f"unescaped ping in the answer: {found}"


def assert_sound_calls(slack: LocalSlack) -> None:
    """Fail when the local Slack refused a payload or received an unescaped ping."""
    refused = [(c.method, c.refused) for c in slack.refused_calls()]
    assert not refused, f"Slack refused these payloads: {refused}"
    found = call_pings(slack.calls)
    assert not found, f"unescaped pings sent to Slack: {found}"
