"""`/kb`: ranked search with highlighted snippets, articles, diffs, scoping and stale reviews."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from bot.family_configs import kb_config
from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from commands.kb.article_files import parse_article
from commands.kb.importing import import_articles
from commands.summary.service import build_summary
from storage.engine import unit_of_work
from storage.vendors import upsert_vendor
from tests.conftest import Dispatch
from tests.integration.test_checkin_runs import Clock
from tests.integration.test_kb_import import article_text
from tests.support.answers import ok_body

NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)
FILLER = " ".join(
    (
        "agents review queues daily and log every case in the tracker before the shift ends",
        "customers may ask for a status update which is answered within one business day",
    )
).split(" ")


def seed(runtime: Runtime, articles: dict[str, str]) -> None:
    """Import articles (id → file text) through the import service."""
    parsed = [parse_article(t, name=p, article_id=p) for p, t in articles.items()]
    with unit_of_work(runtime.sessions) as session:
        import_articles(session=session, articles=parsed, now=NOW)


def result_paths(answer: dict[str, Any]) -> list[str]:
    """Return the article ids of a search answer, in rank order."""
    sections = [b["text"]["text"] for b in answer.get("blocks", []) if b["type"] == "section"]
    return [s.split("`")[1] for s in sections[1:]]


@pytest.fixture
def clocked(runtime: Runtime) -> Runtime:
    """The runtime on a fixed clock."""
    runtime.clock = Clock(NOW)
    return runtime


async def test_planted_best_match_ranks_first_among_fifty(
    dispatch: Dispatch, clocked: Runtime
) -> None:
    shuffle = random.Random(18)
    articles: dict[str, str] = {}
    for n in range(49):
        words = shuffle.sample(FILLER, 20)
        # Every filler article mentions a refund once, some a chargeback: partial matches.
        extra = " chargeback" if n % 3 == 0 else ""
        articles[f"filler/{n:02}.md"] = article_text(
            f"Queue note {n}", area="billing", body=" ".join(words) + f" refund{extra}."
        )
    articles["billing/refund-chargebacks.md"] = article_text(
        "Refund and chargeback disputes",
        area="billing",
        body="When a refund is disputed as a chargeback, hold the refund until the chargeback "
        "closes.\n\nNever refund twice.",
    )
    seed(clocked, articles)
    answer = ok_body(await dispatch(slash_command_kb("refund chargeback")))
    paths = result_paths(answer)
    assert paths[0] == "billing/refund-chargebacks.md"
    assert len(paths) == 8
    first = answer["blocks"][1]["text"]["text"]
    assert "*refund*" in first.lower() or "*chargeback*" in first.lower()
    # Only matched words are bold in the snippet line.
    snippet = first.split("\n", 1)[1]
    bold = {m.lower() for m in re.findall(r"\*([^*\s][^*]*)\*", snippet)}
    assert bold and bold <= {"refund", "chargeback"}


def slash_command_kb(text_: str, **kwargs: Any) -> tuple[str, dict[str, str]]:
    """Build `/kb TEXT`."""
    from tests.support.slack_requests import slash_command

    return slash_command("/kb", text_, **kwargs)


async def test_area_filter_and_article_view_escape_text(
    dispatch: Dispatch, clocked: Runtime
) -> None:
    seed(
        clocked,
        {
            "a/imp.md": article_text(
                "Impersonation <!channel> & VIPs",
                body="# Steps\n\nCheck the **badge** <@U0EVIL> & <!here> escalate.",
            ),
            "a/bill.md": article_text("Escalate billing", area="billing", body="escalate it"),
        },
    )
    only_billing = ok_body(await dispatch(slash_command_kb("escalate area:billing")))
    assert result_paths(only_billing) == ["a/bill.md"]
    shown = ok_body(await dispatch(slash_command_kb("a/imp.md")))
    dumped = json.dumps(shown)
    assert "<!channel>" not in dumped and "<!here>" not in dumped and "<@U0EVIL>" not in dumped
    assert "&lt;!here&gt;" in dumped and "&amp;" in shown["text"]
    assert "&lt;!channel&gt;" in shown["text"]
    sections = [b["text"]["text"] for b in shown["blocks"] if b["type"] == "section"]
    assert sections[0].startswith("*Steps*\n\nCheck the *badge* &lt;@U0EVIL&gt; &amp;")
    # ".md" may be left off the id.
    assert ok_body(await dispatch(slash_command_kb("a/imp")))["text"] == shown["text"]


@pytest.mark.parametrize(
    "query",
    [
        'AND OR NOT ( ) * ^ NEAR( "',
        "1; DROP TABLE kb_article; --",
        "title:refund",
        "-refund",
        "***",
        "refund\x00",
    ],
)
async def test_hostile_queries_get_no_results_and_a_hint(
    dispatch: Dispatch, clocked: Runtime, query: str
) -> None:
    seed(clocked, {"a.md": article_text("Other", body="nothing relevant here")})
    response = await dispatch(slash_command_kb(query.replace('"', "")))
    answer = ok_body(response)
    assert "No articles match" in answer["text"] and "quoted phrase" in answer["text"]
    with Session(clocked.engine) as session:
        assert session.execute(text("SELECT count(*) FROM kb_article")).scalar_one() == 1


async def test_long_article_is_split_within_block_kit_limits_and_sent_whole(
    dispatch: Dispatch, clocked: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_user("U0READER", "reader")
    paragraphs = "\n\n".join(f"Paragraph {n} " + "&" * 700 for n in range(80))
    seed(clocked, {"long/guide.md": article_text("Long one", body=paragraphs)})
    shown = ok_body(await dispatch(slash_command_kb("long/guide.md", user_id="U0READER")))
    assert len(shown["blocks"]) <= 50
    for block in shown["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    assert "sent to you as a file" in json.dumps(shown["blocks"][-1])
    (upload,) = local_slack.calls_to("files.upload")
    assert upload.args["content"].decode() == paragraphs
    assert upload.args["filename"] == "guide.md" and upload.args["channel"].startswith("D")
    short = ok_body(await dispatch(slash_command_kb("long/guide.md diff")))
    assert "first version" in short["text"]
    assert len(local_slack.calls_to("files.upload")) == 1


async def test_diff_shows_what_changed(dispatch: Dispatch, clocked: Runtime) -> None:
    seed(clocked, {"p.md": article_text(body="Step one.\nStep two.")})
    seed(clocked, {"p.md": article_text(body="Step one.\nStep 2 <b>.\nStep three.")})
    answer = ok_body(await dispatch(slash_command_kb("p.md diff")))
    assert "v1 → v2: +2 −1 lines" in answer["text"]
    code = answer["blocks"][1]["text"]["text"]
    assert "-Step two." in code and "+Step 2 &lt;b&gt;." in code and "+Step three." in code


async def test_vendor_channel_sees_general_and_its_own_articles_only(
    dispatch: Dispatch, clocked: Runtime
) -> None:
    with unit_of_work(clocked.sessions) as session:
        upsert_vendor(session, slug="acme", name="Acme BPO", channel_id="C0ACME")
    seed(
        clocked,
        {
            "g.md": article_text("Escalate general", body="escalate"),
            "acme.md": article_text("Escalate acme", extra="vendors: [acme]\n", body="escalate"),
            "globex.md": article_text(
                "Escalate globex", extra="vendors: [globex]\n", body="escalate"
            ),
        },
    )
    found = ok_body(await dispatch(slash_command_kb("escalate", channel_id="C0ACME")))
    assert sorted(result_paths(found)) == ["acme.md", "g.md"]
    hidden = ok_body(await dispatch(slash_command_kb("globex.md", channel_id="C0ACME")))
    assert "globex.md" not in result_paths(hidden)
    assert sorted(result_paths(ok_body(await dispatch(slash_command_kb("escalate"))))) == [
        "acme.md",
        "g.md",
        "globex.md",
    ]


async def test_stale_articles_for_their_owner_and_in_the_team_summary(
    dispatch: Dispatch, clocked: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_user("U0LEAD", "lead", email="lead@example.com")
    seed(
        clocked,
        {
            "old-maria.md": article_text("Old maria", reviewed="2026-01-10"),
            "old-lead.md": article_text(
                "Old lead", owner="lead@example.com", reviewed="2025-12-01"
            ),
            "fresh.md": article_text("Fresh", reviewed="2026-11-01"),
        },
    )
    mine = ok_body(await dispatch(slash_command_kb("stale", user_id="U0MARIA")))
    assert "old-maria.md" in mine["text"] and "old-lead.md" not in mine["text"]
    by_email = ok_body(await dispatch(slash_command_kb("stale", user_id="U0LEAD")))
    assert "old-lead.md" in by_email["text"] and "old-maria.md" not in by_email["text"]
    everyone = ok_body(await dispatch(slash_command_kb("stale all")))
    assert "old-lead.md" in everyone["text"] and "fresh.md" not in everyone["text"]
    shown = ok_body(await dispatch(slash_command_kb("old-maria.md")))
    assert "due for review" in json.dumps(shown["blocks"])
    with unit_of_work(clocked.sessions) as session:
        _, sections = build_summary(
            session=session,
            sources=clocked.digest_sources,
            now=NOW,
            timezone="UTC",
        )
    (kb,) = [s for s in sections if s.key == "kb"]
    assert kb.total_items == 2
    assert "old-lead.md" in kb.lines[0] and "old-maria.md" in kb.lines[1]


async def test_review_days_setting_moves_the_cutoff(dispatch: Dispatch, clocked: Runtime) -> None:
    seed(clocked, {"r.md": article_text(reviewed="2026-10-01")})
    assert "r.md" not in ok_body(await dispatch(slash_command_kb("stale all")))["text"]
    # The family's config is read from the settings once, when the runtime is built.
    clocked.kb_config = kb_config(clocked.settings.model_copy(update={"opsbot_kb_review_days": 30}))
    assert "r.md" in ok_body(await dispatch(slash_command_kb("stale all")))["text"]
    assert date(2026, 10, 1) < NOW.date()
