"""What hostile-input tests look at: every text the bot sent, mentions in it, table counts."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any

from slack_bolt.response import BoltResponse
from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import Engine

from bot.errors import APOLOGY
from bot.offline.slack import SlackCall

# Slack parses these only in mrkdwn; plain_text objects and ids are never rendered as pings.
_NOT_RENDERED = {
    "private_metadata",
    "initial_value",
    "value",
    "action_id",
    "block_id",
    "callback_id",
    "url",
    "response_url",
    "trigger_id",
    "channel",
    "channel_id",
    "user",
    "users",
    "external_id",
    "image_url",
    "ts",
    "thread_ts",
    "file_id",
    "content",
    "filename",
}
# Ids no workspace member or group has: whatever echoes them raw echoes user text.
HOSTILE_USER = "UHOSTILE1"
HOSTILE_GROUP = "SHOSTILE1"
BROADCASTS = (
    "<!channel",
    "<!here",
    "<!everyone",
    f"<!subteam^{HOSTILE_GROUP}",
    f"<@{HOSTILE_USER}",
)
# Mention and markup forms as Slack delivers them with should_escape: true, and raw.
HOSTILE_FRAGMENTS = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!channel|channel>",
    f"<@{HOSTILE_USER}>",
    f"<@{HOSTILE_USER}|mallory>",
    f"<!subteam^{HOSTILE_GROUP}|@ops>",
    "<#C0OPS|ops>",
    "<https://evil.example|click>",
    "*bold* _it_ ~s~ `code` ```block```",
    "&lt;!channel&gt;",
    "&amp; &lt; &gt;",
    '") OR project = X OR summary ~ ("',
    "' OR 1=1 --",
    "'; DROP TABLE audit_event; --",
    '"; DELETE FROM request_key; --',
    "\\",
    '"',
    "'",
    "vendor:",
    "vendor:other",
    "vendor:<!channel>",
    'vendor:"a b',
    "due:fri",
    "sev1",
    "key:value:more",
    "\x00\x01\x1b[31m\x7f",
    "\u202e\u200b\ufeff",
    "😀👍🏽",
    "Ω≈ç√",
    "\n\n\t",
    "%s %d {0} {{}}",
    "1e309",
    "-1",
    "99999999999999999999",
    "2026-02-30",
    "2026-11-01..1999-01-01",
    "ESC-1",
    "ESC-999999",
    "INIT-1",
)


def bot_texts(value: Any) -> Iterator[str]:
    """Yield every string Slack would render as mrkdwn from a message, view or answer."""
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return
        for key, item in value.items():
            if key not in _NOT_RENDERED:
                yield from bot_texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from bot_texts(item)
    elif isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in "[{":
            try:
                decoded = json.loads(stripped)
            except ValueError:
                yield value
                return
            yield from bot_texts(decoded)
            return
        yield value


def sent_texts(response: BoltResponse, calls: Iterable[SlackCall]) -> list[str]:
    """Return the ack body's texts and those of every Slack call recorded for a request."""
    texts = list(bot_texts(response.body or ""))
    for call in calls:
        texts.extend(bot_texts(call.args))
    return texts


def raw_mentions(texts: Iterable[str]) -> list[str]:
    """Return the texts that carry an unescaped broadcast or a typed (hostile) mention."""
    found = []
    for text in texts:
        folded = text.casefold()
        if any(form.casefold() in folded for form in BROADCASTS):
            found.append(text)
    return found


# Bugs found in features still being written, reported to their owners; each entry names
# the check it suspends for one command. HOSTILE_STRICT=1 checks them all (reproduces them).
# Bugs found by these tests and not yet fixed, by (command, check); empty when none is open.
KNOWN_BUGS: dict[tuple[str, str], str] = {}
STRICT = os.environ.get("HOSTILE_STRICT") == "1"


def suspended(command: str, check: str) -> bool:
    """Tell whether a known, reported bug suspends `check` for `command` in this run."""
    return not STRICT and (command, check) in KNOWN_BUGS


def assert_polite(
    response: BoltResponse, calls: list[SlackCall], typed: str, *, command: str = ""
) -> None:
    """A 200, no apology, no raw mention, and an answer of some kind."""
    assert response.status == 200, (typed, response.status, response.body)
    texts = sent_texts(response, calls)
    if not suspended(command, "apology"):
        assert not [t for t in texts if APOLOGY in t], (typed, texts)
    if not suspended(command, "mention"):
        assert not raw_mentions(texts), (typed, raw_mentions(texts))
    assert response.body or calls, (typed, "no answer at all")


# Written by the server's own background parts (the scheduler's job store and fire-time
# claims, the audit trail of verified requests), not by what a request carried: left out of
# "nothing written" checks.
BOOKKEEPING_TABLES = frozenset({"alembic_version", "scheduler_job", "scheduled_run"})


def table_counts(engine: Engine) -> dict[str, int]:
    """Return the row count of every table holding data a request could have written."""
    names = inspect(engine).get_table_names()
    with engine.connect() as connection:
        return {
            name: int(
                connection.execute(select(func.count()).select_from(table(name))).scalar_one()
            )
            for name in names
            if name not in BOOKKEEPING_TABLES
        }


def seed_kpis(engine: Engine, *, days: int = 21) -> None:
    """Load vendors and `days` of demo KPIs ending yesterday, so /kpi answers with numbers."""
    from sqlmodel import Session

    from commands.kpi.demo_data import VENDORS, generate
    from storage.kpi_write import replace_facts
    from storage.vendors import upsert_vendor

    rows, _ = generate(date.today() - timedelta(days=1), days=days)
    with Session(engine) as session:
        for slug, (name, timezone) in VENDORS.items():
            upsert_vendor(session, slug=slug, name=name, timezone=timezone)
        replace_facts(session.connection(), rows)
        session.commit()


MENTION_RE = re.compile(r"<[@!#][^>]*>")
