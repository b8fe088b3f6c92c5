"""Two vendors, each with one of everything, and the people who stand in each relation to it.

acme is bound to #acme (C0ACME), globex to #globex (C0GLOBEX); #ops (C0OPS) is a team channel.
Every stored text carries its vendor's secret marker, so a leak is one substring away.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.response import BoltResponse
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from bot.offline.slack import LocalSlack, SlackCall
from bot.runtime import Runtime
from commands.checkins.service import add_checkin
from storage.actions import ActionItem
from storage.engine import unit_of_work
from storage.escalations import Escalation
from storage.initiatives import Initiative
from storage.suggestions import Suggestion
from storage.tracker_items import FILED
from tests.hostile.support import bot_texts

ADMIN, REPORTER, ASSIGNEE, OWNER = "U0ADMIN", "U0REP", "U0ASG", "U0OWN"
MEMBER, VENDOR_MEMBER = "U0MEM", "U0VEN"
TEAM_CHANNEL = "C0OPS"
SEEDED_AT = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
_REFUSAL = re.compile(r"\bonly\b.*\bcan\b|you cannot|form has expired", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class VendorItems:
    """One vendor's channel and the ids of its seeded items."""

    slug: str
    name: str
    channel: str
    secret: str
    escalation_id: int
    escalation_key: str
    initiative_key: str
    action_id: int
    suggestion_id: int
    schedule_id: int


# Names as the demo KPI data has them, so both seeds agree on each vendor.
VENDORS = (("acme", "Acme Support", "C0ACME"), ("globex", "Globex Services", "C0GLOBEX"))


def seed_world(runtime: Runtime, local_slack: LocalSlack) -> dict[str, VendorItems]:
    """Store both vendors' items (filed, so every verb applies) and return their ids."""
    items: dict[str, VendorItems] = {}
    for channel, name in (("C0ACME", "acme"), ("C0GLOBEX", "globex"), (TEAM_CHANNEL, "ops")):
        local_slack.add_channel(channel, name)
    for user in (REPORTER, ASSIGNEE, OWNER, MEMBER, VENDOR_MEMBER):
        local_slack.add_user(user, user.lower(), email=f"{user.lower()}@example.com")
    for n, (slug, name, channel) in enumerate(VENDORS, start=1):
        secret = f"{slug}-secret-{n}"
        with unit_of_work(runtime.sessions) as session:
            schedule = add_checkin(
                session=session,
                vendor_text=name,
                channel_id=channel,
                every="mon 09:00",
                cron=None,
                timezone="UTC",
                default_timezone="UTC",
                slug=slug,
                bind=True,
                created_by=ADMIN,
                now=SEEDED_AT,
            )
            escalation = Escalation(
                title=f"Queue stuck {secret}",
                area="other",
                severity=2,
                vendor=slug,
                reporter_id=REPORTER,
                reporter_name="rep",
                dedupe_key=f"seed-{slug}",
                key=f"ESC-{n}",
                filing_state=FILED,
                channel_id=channel,
                message_ts=f"1700000000.00010{n}",
                assignee_slack_id=ASSIGNEE,
                assignee_name="asg",
            )
            initiative = Initiative(
                dedupe_key=f"seed-{slug}",
                title=f"Initiative {secret}",
                vendors=[slug],
                owner_id=OWNER,
                created_by=REPORTER,
                key=f"INIT-{n}",
                filing_state=FILED,
                channel_id=channel,
                message_ts=f"1700000001.00010{n}",
            )
            action = ActionItem(
                owner_id=OWNER,
                created_by=REPORTER,
                text=f"Send roster {secret}",
                due=SEEDED_AT.date() + timedelta(days=30),
                vendor_slug=slug,
                channel_id=channel,
            )
            suggestion = Suggestion(
                dedupe_key=f"seed-{slug}",
                text=f"Shared tracker {secret}",
                author_id=REPORTER,
                channel_id=channel,
                capability=f"a tracker {secret}",
                benefit="less rework",
            )
            for row in (escalation, initiative, action, suggestion):
                session.add(row)
            session.flush()
            items[slug] = VendorItems(
                slug=slug,
                name=name,
                channel=channel,
                secret=secret,
                escalation_id=escalation.id or 0,
                escalation_key=f"ESC-{n}",
                initiative_key=f"INIT-{n}",
                action_id=action.id or 0,
                suggestion_id=suggestion.id or 0,
                schedule_id=schedule.schedule.id or 0,
            )
    return items


class Said:
    """Everything the bot said in answer to one request: ack body, Slack calls, response_urls."""

    def __init__(self, local_slack: LocalSlack) -> None:
        self._slack = local_slack
        self._calls = len(local_slack.calls)
        self._ephemeral = len(local_slack.ephemeral_messages())

    def texts(self, response: BoltResponse) -> list[str]:
        """Return every rendered text since this object was made."""
        texts = list(bot_texts(response.body or ""))
        for call in self._slack.calls[self._calls :]:
            texts.extend(bot_texts(call.args))
        texts.extend(bot_texts(self._slack.ephemeral_messages()[self._ephemeral :]))
        return texts

    def calls(self) -> list[SlackCall]:
        """Return the Slack calls made since this object was made."""
        return list(self._slack.calls[self._calls :])

    def methods(self) -> list[str]:
        """Return the Slack methods called since this object was made."""
        return [c.method for c in self._slack.calls[self._calls :]]


# Written by every request (its audit line and dedupe key) or by background parts.
_BOOKKEEPING = frozenset({"alembic_version", "scheduler_job", "audit_event", "request_key"})


def stored_rows(engine: Engine) -> dict[str, list[str]]:
    """Return every row of every table a request could have written, as sorted reprs."""
    # The models' own tables: reflecting the database each time costs more than the test.
    with engine.connect() as connection:
        return {
            name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for name, table in SQLModel.metadata.tables.items()
            if name not in _BOOKKEEPING
        }


def refused(texts: Iterable[str]) -> bool:
    """Tell whether an answer is a permissions refusal."""
    return any(_REFUSAL.search(t) for t in texts)


def payload_texts(response: BoltResponse) -> list[str]:
    """Return the ack body's texts (for modal answers: their field errors too)."""
    body: Any = response.body or ""
    return list(bot_texts(body))
