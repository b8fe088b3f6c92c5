"""The uploaded proposal is Markdown: no Slack mrkdwn bold, no `:emoji:` codes, text as typed."""

from __future__ import annotations

import re
from datetime import date

from commands.suggestions.markdown import escape_markdown, mrkdwn_to_markdown
from commands.suggestions.story import derive_story
from commands.suggestions.views import proposal, proposal_entry
from storage.suggestions import Suggestion

SLACK_BOLD = re.compile(r"(?<![*\\])\*[^*\s][^*\n]*\*(?!\*)")
EMOJI_CODE = re.compile(r":[a-z0-9_+\-]+:")
KPI_LINES = [
    "*Total incoming* 22,933 (▲ 4% vs 2026-11-21)",
    ":rotating_light: *AHT* spike — vendor:acme on Tue 01 Dec: _up 21%_",
    "See <https://example.com/runbook|the runbook>",
]


def test_mrkdwn_lines_become_markdown() -> None:
    assert mrkdwn_to_markdown(KPI_LINES[0]) == "**Total incoming** 22,933 (▲ 4% vs 2026-11-21)"
    assert mrkdwn_to_markdown(KPI_LINES[1]) == (
        "🚨 **AHT** spike — vendor:acme on Tue 01 Dec: _up 21%_"
    )
    assert mrkdwn_to_markdown(KPI_LINES[2]) == "See [the runbook](https://example.com/runbook)"
    assert mrkdwn_to_markdown(":no_such_code: left") == "left"
    assert escape_markdown("*not bold* <b>") == "\\*not bold\\* &lt;b\\>"


def test_the_proposal_document_is_markdown() -> None:
    text = "Add a *macro* for :fire: clones so that agents stop pasting <!channel>"
    story = derive_story(text)
    suggestion = Suggestion(
        id=3,
        dedupe_key="k",
        text=text,
        author_id="U1",
        role=story.role,
        capability=story.capability,
        benefit=story.benefit,
        criteria=list(story.criteria),
        impact=2.0,
    )
    _, document = proposal(
        [proposal_entry(suggestion, ["ESC-7"])], kpi_lines=KPI_LINES, today=date(2026, 12, 3)
    )
    assert document.startswith("# Improvement proposal — 2026-12-03")
    assert "**Total incoming**" in document and "🚨 **AHT**" in document
    assert "## #3 Add a \\*macro\\* for \\:fire\\: clones" in document
    assert "&lt;\\!channel\\>" in document
    for line in document.splitlines():
        assert not SLACK_BOLD.search(line), line
        assert not EMOJI_CODE.search(line.replace("vendor:acme", "")), line
    assert escape_markdown(":fire:") == "\\:fire\\:"
