"""Bad numbers, dates and bytes at the edge: a clear usage message, a kept form, clean storage."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine

from bot.errors import APOLOGY
from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from tests.conftest import Dispatch
from tests.hostile.support import sent_texts, table_counts
from tests.integration.test_escalations import modal_values
from tests.support.answers import settle
from tests.support.slack_requests import slash_command, view_submission

SUPERSCRIPT_TWO = "²"  # str.isdigit() says yes, int() says no
TWENTY_DIGITS = "9" * 20  # past every database integer

# (command, text, admin, words the answer must carry): each once gave the apology.
BAD_NUMBERS = [
    ("/suggest", f"promote {SUPERSCRIPT_TWO}", False, "whole number"),
    ("/suggest", f"promote {TWENTY_DIGITS}", False, "must be from 1 to"),
    ("/suggest", f"proposal {SUPERSCRIPT_TWO}", False, "whole number from 1 to"),
    ("/suggest", f"proposal {TWENTY_DIGITS}", False, "must be from 1 to"),
    ("/action", f"done {SUPERSCRIPT_TWO}", False, "whole number"),
    ("/action", f"done #{TWENTY_DIGITS}", False, "must be from 1 to"),
    ("/checkin", f"pause {SUPERSCRIPT_TWO}", True, "whole number"),
    ("/checkin", f"remove {TWENTY_DIGITS}", True, "must be from 1 to"),
    ("/opsbot", f"rule remove {SUPERSCRIPT_TWO}", True, "whole number"),
    ("/opsbot", f"rule remove {TWENTY_DIGITS}", True, "must be from 1 to"),
    ("/opsbot", f'rule add "AHT > 9m for {SUPERSCRIPT_TWO} days" sev3', True, "from 1 to 31"),
    ("/opsbot", f'rule add "AHT > 9m for {TWENTY_DIGITS} days" sev3', True, "from 1 to 31"),
    ("/opsbot", f'rule add "AHT > {"9" * 400} for 2 days" sev3', True, "is not a threshold"),
    ("/action", "add <@U0ADMIN|admin> due:9999-12-31 Plan ahead", False, "five years away"),
    ("/kpi", "0001-01-01", False, "too long ago"),
    ("/kpi", "why 0001-01-01", False, "too long ago"),
    ("/kpi", "0001-01-01..0001-01-07", False, "too long ago"),
    ("/kpi", "week vs 0001-01-01", False, "too long ago"),
]


@pytest.mark.parametrize(
    ("command", "text", "admin", "expected"),
    BAD_NUMBERS,
    ids=[f"{c} {t}"[:60] for c, t, _, _ in BAD_NUMBERS],
)
async def test_bad_numbers_and_dates_get_a_clear_usage_message(
    dispatch: Dispatch,
    local_slack: LocalSlack,
    command: str,
    text: str,
    admin: bool,
    expected: str,
) -> None:
    start = len(local_slack.calls)
    response = await dispatch(
        slash_command(
            command,
            text,
            user_id="U0ADMIN" if admin else "U0MEMBER",
            response_url=local_slack.response_url(channel="C0OPS"),
        )
    )
    assert response.status == 200
    texts = sent_texts(response, local_slack.calls[start:])
    assert not [t for t in texts if APOLOGY in t], texts
    assert any(expected in t for t in texts), texts


async def open_filing_form(dispatch: Dispatch, local_slack: LocalSlack) -> str:
    await dispatch(slash_command("/escalate", "", user_id="U0LEAD"))
    view = local_slack.calls_to("views.open")[-1].args["view"]
    return str(view["private_metadata"])


@pytest.mark.parametrize("affected", [SUPERSCRIPT_TWO, "9" * 25, "-1", "4 0", "٤٠"])
async def test_bad_affected_accounts_re_show_the_form_with_the_field_error(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack, engine: Engine, affected: str
) -> None:
    metadata = await open_filing_form(dispatch, local_slack)
    values = modal_values(affected={"type": "plain_text_input", "value": affected})
    response = await dispatch(
        view_submission("escalation_file", values, user_id="U0LEAD", private_metadata=metadata)
    )
    answer = json.loads(response.body) if response.body else {}
    assert answer.get("response_action") == "errors", (response.status, response.body)
    assert set(answer["errors"]) == {"affected"}
    assert "whole number" in answer["errors"]["affected"]
    assert table_counts(engine)["escalation"] == 0


def stored_strings(engine: Engine) -> list[tuple[str, str, str]]:
    """Return (table, column, value) for every stored string, JSON columns included."""
    found: list[tuple[str, str, str]] = []
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        for name, reflected in metadata.tables.items():
            for row in connection.execute(select(reflected)):
                for column, value in row._mapping.items():
                    if isinstance(value, dict | list):
                        value = json.dumps(value, ensure_ascii=False)
                    if isinstance(value, str):
                        found.append((name, column, value))
    return found


CONTROL = "\x00\x01\x08\x0b\x1b\x7f"
# Each stores or looks up the typed text; NUL made PostgreSQL answer with a DataError.
WITH_CONTROLS = [
    ("/escalate", f'sev2 impersonation "Outage{CONTROL} now"'),
    ("/escalation", f"ESC-1 comment Vendor{CONTROL} paged"),
    ("/action", f"add <@U0ADMIN|admin> due:fri Fix{CONTROL} it"),
    ("/action", f"list vendor:ac{CONTROL}me"),
    ("/checkin", 'add vendor:acme channel:#ops every:"mon 09:00" tz:UTC'),
    ("/checkin", f"topic acme Agenda{CONTROL} item"),
    ("/kpi", f"week vendor:ac{CONTROL}me"),
    ("/suggest", f"Let vendors see{CONTROL} their queue"),
    ("/escalation", f"list vendor:ac{CONTROL}me"),
]


async def test_control_characters_never_reach_storage_and_never_break_a_request(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack, engine: Engine
) -> None:
    for command, text in WITH_CONTROLS:
        start = len(local_slack.calls)
        response = await dispatch(
            slash_command(
                command,
                text,
                user_id="U0ADMIN",
                response_url=local_slack.response_url(channel="C0OPS"),
            )
        )
        await settle(runtime)
        assert response.status == 200, (command, text, response.body)
        texts = sent_texts(response, local_slack.calls[start:])
        assert not [t for t in texts if APOLOGY in t], (command, text, texts)
        assert not [t for t in texts if "DataError" in t or "psycopg" in t], (command, texts)
    # Everything typed went in (minus the controls) and nothing else did.
    everything = stored_strings(engine)
    dirty = [(t, c) for t, c, v in everything if any(ch in v for ch in CONTROL)]
    assert not dirty, dirty
    values = " ".join(v for _, _, v in everything)
    for typed in ("Outage now", "Vendor paged", "Fix it", "Agenda item", "see their queue"):
        assert typed in values, typed
    later = [str(c.args.get("text")) for c in local_slack.calls]
    assert not [t for t in later if "DataError" in t or "could not do that" in t], later
