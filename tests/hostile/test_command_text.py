"""Any text typed after any registered command: a polite 200, no pings, no injected query."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from bot.app import OpsbotApp
from bot.offline.slack import LocalSlack
from tests.conftest import Dispatch
from tests.hostile.conftest import HOSTILE
from tests.hostile.support import HOSTILE_FRAGMENTS, assert_polite, seed_kpis, table_counts
from tests.support.slack_requests import slash_command

# Words every family understands, so hostile text reaches the parsers behind the verbs.
VERBS = (
    "help", "week", "why", "list", "add", "edit", "remove", "preview", "run", "topic",
    "done", "mine", "overdue", "open", "all", "comment", "status", "assign", "resolve",
    "new", "update", "link", "child", "promote", "proposal", "top", "rule", "pause",
    "vs", "chart", "yesterday", "ESC-1", "INIT-1", "1", "acme", "sev2", "impersonation",
)  # fmt: skip
fragments = st.sampled_from(HOSTILE_FRAGMENTS)
words = st.one_of(fragments, st.sampled_from(VERBS), st.text(max_size=12))
phrases = st.lists(words, min_size=1, max_size=8).map(" ".join)
typed_text = st.one_of(
    phrases,
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=60),
    st.builds(lambda w, f: f"{w} {f * 400}", st.sampled_from(VERBS), fragments),  # ~10 kB
    st.builds(lambda t: (t * 10_000)[:10_000], st.text(min_size=1, max_size=40)),  # 10 kB
)


def _check_storage(before: dict[str, int], after: dict[str, int], requests: int) -> None:
    assert set(after) == set(before), "a table disappeared or appeared"
    assert after["audit_event"] == before["audit_event"] + requests
    assert after["vendor"] >= before["vendor"]
    assert after["kpi_fact"] == before["kpi_fact"]
    for name, count in after.items():
        # A typed query that ran would delete or mass-insert; one request writes a few rows.
        assert before[name] <= count <= before[name] + 20 * requests, name


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """Give /kpi three weeks of numbers to answer from."""
    seed_kpis(engine)
    return engine


@HOSTILE
@given(text=typed_text, admin=st.booleans())
async def test_any_text_after_any_command_is_answered_politely(
    app: OpsbotApp,
    dispatch: Dispatch,
    local_slack: LocalSlack,
    seeded: Engine,
    text: str,
    admin: bool,
) -> None:
    families = [f.command for f in app.catalog.families]
    assert len(families) >= 7  # every registered family, new ones included automatically
    before = table_counts(seeded)
    for command in families:
        start = len(local_slack.calls)
        response = await dispatch(
            slash_command(
                command,
                text,
                user_id="U0ADMIN" if admin else "U0MEMBER",
                response_url=local_slack.response_url(channel="C0OPS"),
            )
        )
        assert_polite(
            response, local_slack.calls[start:], f"{command} {text!r}"[:400], command=command
        )
    _check_storage(before, table_counts(seeded), len(families))
