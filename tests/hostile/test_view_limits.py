"""Every view renderer, fed long and hostile stored text, stays within Slack's limits.

The payloads go through the same validator as the local Slack (bot.block_limits), and the
same scan for pings from user text (tests.support.payload_scan), so a renderer that clips
before escaping, forgets to escape, or grows past a limit fails here first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.block_limits import message_answer, view_answer
from commands.actions.views import reminder_text, render_action_list, render_added, render_done
from commands.checkins.digest_view import render_digest
from commands.checkins.recurrence import recurrence_from_spec
from commands.checkins.service import ScheduleSummary
from commands.checkins.views import render_note, render_saved, render_schedule_list
from commands.digest import DigestSection, DigestWindow
from commands.escalations.model import PolicyAreas
from commands.escalations.views import (
    confirmation_text,
    escalation_detail,
    escalation_list,
    escalation_message,
    filed_modal,
    filing_modal,
    text_modal,
)
from commands.initiatives.risk import Risk
from commands.initiatives.views import (
    initiative_detail,
    initiative_list,
    initiative_message,
    progress_note,
    status_note,
)
from commands.mrkdwn import escape
from commands.suggestions.views import (
    edit_modal,
    proposal,
    proposal_entry,
    suggestion_card,
    suggestion_list,
)
from commands.summary.views import render_summary
from storage.actions import ActionItem
from storage.checkins import CheckinSchedule
from storage.escalations import Escalation
from storage.initiatives import Initiative, InitiativeLink, InitiativeNote
from storage.suggestions import Suggestion
from storage.tracker_items import FILED, FILING_FAILED
from storage.vendors import Vendor
from tests.hostile.conftest import HOSTILE
from tests.hostile.support import HOSTILE_FRAGMENTS, bot_texts
from tests.support.payload_scan import unescaped_pings

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
# Text as users type it and as stored: markup, pings, entities, and lengths well past any
# limit (each `&` grows five-fold when escaped).
fragment = st.sampled_from(HOSTILE_FRAGMENTS)
hostile_text = st.one_of(
    st.text(max_size=200),
    st.lists(fragment, min_size=1, max_size=12).map(" ".join),
    st.builds(lambda f, n: (f * n)[:6000], fragment, st.integers(1, 800)),
    st.builds(lambda n: "&<>" * n, st.integers(900, 2000)),
)
short_text = st.one_of(fragment, st.text(max_size=40))


def assert_valid_message(payload: dict[str, Any]) -> None:
    """Slack accepts it, and nothing in it pings because of user text."""
    body = {k: v for k, v in payload.items() if k in ("text", "blocks", "attachments")}
    assert message_answer(body) is None, message_answer(body)
    assert not unescaped_pings(bot_texts(body)), unescaped_pings(bot_texts(body))


def assert_valid_view(view: dict[str, Any]) -> None:
    """Slack opens it, and nothing in it pings because of user text."""
    assert view_answer(view) is None, view_answer(view)
    assert not unescaped_pings(bot_texts(view)), unescaped_pings(bot_texts(view))


def assert_valid_text(text: str) -> None:
    """A bare text answer or thread reply: within the message limit, no ping."""
    assert_valid_message({"text": text})


def _escalation(title: str, text: str, short: str, state: str) -> Escalation:
    return Escalation(
        id=7,
        dedupe_key="k",
        title=title,
        description=text,
        area=short,
        severity=2,
        vendor=short,
        affected_accounts=40,
        reporter_id="U0ADMIN",
        key="ESC-7" if state == FILED else None,
        url="https://jira.example/browse/ESC-7",
        filing_state=state,
        filing_error=text,
        status=short,
        assignee_name=short,
        root_cause=text,
        channel_id="C0OPS",
        source_permalink="https://slack.example/p1",
        created_at=NOW - timedelta(hours=5),
    )


@HOSTILE
@given(
    title=hostile_text,
    text=hostile_text,
    short=short_text,
    state=st.sampled_from([FILED, FILING_FAILED, "filing"]),
)
def test_escalation_views(title: str, text: str, short: str, state: str) -> None:
    areas = PolicyAreas({"impersonation": short or "x", "other": "Other"})
    escalation = _escalation(title, text, short, state)
    assert_valid_message(escalation_message(escalation, areas, footer=escape(short)))
    assert_valid_message(escalation_detail(escalation, areas, footer=None))
    assert_valid_message(
        escalation_list([escalation] * 40, areas, heading=escape(short), footer=None)
    )
    assert_valid_text(confirmation_text(escalation, created=state == FILED))
    assert_valid_view(filed_modal(escalation, footer=None))
    modal = text_modal(
        callback_id="c", title="Resolve", label="Root cause", escalation=escalation, multiline=True
    )
    assert_valid_view(modal)
    vendors = [(f"v{i}", text[:300] or "x") for i in range(120)]
    prefill = {"title": title, "description": text, "vendor": "v1", "links": text}
    filing = filing_modal(areas=areas, vendors=vendors, metadata={"t": short}, prefill=prefill)
    assert_valid_view(filing)


def _initiative(title: str, text: str, short: str) -> Initiative:
    return Initiative(
        id=3,
        dedupe_key="k",
        title=title,
        goal=text,
        owner_id="U0ADMIN",
        stakeholders=[short] * 30,
        vendors=[short, text[:500]],
        target_date=date(2027, 3, 1),
        created_by="U0ADMIN",
        key="INIT-3",
        url="https://jira.example/browse/INIT-3",
        filing_state="filed",
        filing_error=text,
        status=short,
        children_total=5,
        children_done=2,
        last_update_at=NOW - timedelta(days=3),
    )


@HOSTILE
@given(title=hostile_text, text=hostile_text, short=short_text)
def test_initiative_views(title: str, text: str, short: str) -> None:
    initiative = _initiative(title, text, short)
    risk = Risk(
        at_risk=True,
        reasons=("no update", "behind plan"),
        progress=0.4,
        planned=0.6,
        days_since_update=3,
        days_to_target=90,
    )
    notes = [InitiativeNote(initiative_id=3, text=text, at=NOW) for _ in range(20)]
    links = [InitiativeLink(initiative_id=3, issue_key=short, added_by="U0A") for _ in range(30)]
    assert_valid_message(initiative_message(initiative, footer=escape(short)))
    detail = initiative_detail(initiative, risk=risk, notes=notes, links=links, today=TODAY)
    assert_valid_message(detail)
    assert_valid_message(initiative_list([(initiative, risk)] * 60, title=short))
    assert_valid_text(progress_note(day="2026-11-30", author_id="U0ADMIN", text=text))
    assert_valid_text(status_note(short, text))


@HOSTILE
@given(text=hostile_text, short=short_text)
def test_action_views(text: str, short: str) -> None:
    item = ActionItem(
        id=4,
        owner_id="U0ADMIN",
        text=text,
        due=TODAY - timedelta(days=2),
        vendor_slug=short,
        escalation_key=short,
        initiative_key="INIT-1",
        created_by="U0ADMIN",
    )
    assert_valid_message(render_action_list([item] * 80, today=TODAY, title=short))
    assert_valid_message(render_added(item))
    assert_valid_message(render_done(item))
    assert_valid_text(reminder_text(item, kind="overdue", today=TODAY))


def _suggestion(text: str, short: str) -> Suggestion:
    return Suggestion(
        id=9,
        dedupe_key="k",
        text=text,
        author_id="U0ADMIN",
        role=short,
        capability=text[:1000],
        benefit=text[:1000],
        criteria=[text[:300]] * 12,
        reach=100.0,
        impact=2.0,
        confidence=0.8,
        effort=3.0,
        votes=4,
        issue_key=short,
    )


@HOSTILE
@given(text=hostile_text, short=short_text)
def test_suggestion_views(text: str, short: str) -> None:
    suggestion = _suggestion(text, short)
    assert_valid_message(suggestion_card(suggestion))
    assert_valid_message(suggestion_list([suggestion] * 60, title=short))
    assert_valid_view(edit_modal(suggestion, private_metadata="{}"))
    entries = [proposal_entry(suggestion, [text[:500]] * 5) for _ in range(30)]
    message, _document = proposal(entries, kpi_lines=[escape(text)[:300]] * 10, today=TODAY)
    assert_valid_message(message)


def _window() -> DigestWindow:
    return DigestWindow(
        vendor_slug="acme", start=TODAY - timedelta(days=7), end=TODAY, now=NOW, timezone="UTC"
    )


def _sections(text: str, short: str) -> list[DigestSection]:
    line = escape(text)[:2500]  # digest sources hand over escaped lines
    return [
        DigestSection(
            key=f"s{i}",
            title=short,
            lines=(line,) * 20,
            order=i,
            total_items=40,
            more_link="https://example.com/more",
        )
        for i in range(30)
    ]


@HOSTILE
@given(text=hostile_text, short=short_text)
def test_digest_summary_and_checkin_views(text: str, short: str) -> None:
    sections = _sections(text, short)
    assert_valid_message(render_digest(vendor_name=text[:200], window=_window(), sections=sections))
    assert_valid_message(render_summary(window=_window(), sections=sections))
    vendor = Vendor(id=1, slug="acme", name=text[:200], timezone="Asia/Manila")
    schedule = CheckinSchedule(
        id=2, vendor_id=1, channel_id="C0OPS", spec="every:mon 09:00", timezone="Asia/Manila",
        created_by="U0ADMIN",
    )  # fmt: skip
    summary = ScheduleSummary(
        schedule=schedule,
        vendor=vendor,
        recurrence=recurrence_from_spec(schedule.spec, schedule.timezone),
        next_fire=NOW + timedelta(days=1),
        last_run=None,
        missed=1,
        failed=2,
    )
    assert_valid_message(render_schedule_list([summary] * 80, viewer_zone="Europe/Berlin"))
    assert_valid_message(render_saved(schedule, vendor, verb="scheduled", next_fire=NOW))
    assert_valid_message(render_note(escape(text)))
