"""One vendor registry: imports, `/opsbot vendor …`, aliases, one unknown-vendor answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slack_bolt.response import BoltResponse
from sqlmodel import select

from bot.local_slack import LocalSlack
from bot.runtime import Runtime
from commands.vendors.views import ADD_AND_CONTINUE_ACTION
from storage.engine import unit_of_work
from storage.escalations import list_escalations
from storage.vendors import Vendor, upsert_vendor
from tests.conftest import Dispatch
from tests.integration.test_kpi_import import run_import
from tests.support import slack_requests as sr
from tests.support.answers import settle

CSV = (
    "date,queue,vendor,incoming,manual_incoming,solved,manual_solved\n"
    "2026-11-30,impersonation,acme,100,40,90,30\n"
    "2026-11-30,copyright,globex,50,20,45,15\n"
    "2026-12-01,impersonation,acme,110,44,95,33\n"
    "2026-12-01,copyright,globex,55,21,50,16\n"
)
ESCALATE = 'sev2 impersonation "Verified brand account cloned by ~40 accounts" vendor:'


def reply(response: BoltResponse) -> dict[str, Any]:
    assert response.status == 200
    answer: dict[str, Any] = json.loads(response.body)
    return answer


def vendors(runtime: Runtime) -> dict[str, Vendor]:
    with unit_of_work(runtime.sessions) as session:
        return {v.slug: v for v in session.exec(select(Vendor))}


def write_csv(tmp_path: Path) -> Path:
    path = tmp_path / "two-vendors.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


async def test_imported_vendor_is_known_to_escalate(
    dispatch: Dispatch, runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    code, output = run_import(database_url, write_csv(tmp_path))
    assert code == 0, output
    answer = reply(await dispatch(sr.slash_command("/escalate", ESCALATE + "acme")))
    assert "I know no vendor" not in answer["text"]
    assert "new vendor(s): acme, globex" in output
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        (escalation,) = list_escalations(session)
    assert escalation.vendor == "acme"
    # Re-importing names nobody new.
    code, output = run_import(database_url, write_csv(tmp_path))
    assert code == 0 and "new vendor" not in output


async def test_unknown_vendor_gets_the_same_answer_in_every_family(
    dispatch: Dispatch, runtime: Runtime
) -> None:
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="acme", name="Acme BPO")
    asked = [
        ("/escalate", ESCALATE + "acmee"),
        ("/action", "add <@U0ADMIN|admin> due:fri Call them vendor:acmee"),
        ("/action", "list vendor:acmee"),
        ("/checkin", "preview acmee"),
        ("/checkin", "topic acmee Ramp-up"),
        ("/escalation", "list vendor:acmee"),
        ("/initiative", "list vendor:acmee"),
        ("/kpi", "week vendor:acmee"),
    ]
    for command, text in asked:
        answer = reply(await dispatch(sr.slash_command(command, text, user_id="U0SOMEONE")))
        said = answer["text"]
        assert "I know no vendor called acmee." in said, (command, said)
        assert "Closest: `acme` (Acme BPO)" in said, (command, said)
        assert "`/opsbot vendor add acmee`" in said, (command, said)
        assert "blocks" not in answer  # the add button is for admins only
    rule = reply(
        await dispatch(
            sr.slash_command("/opsbot", 'rule add "AHT vendor:acmee > 9m for 2 days" sev3')
        )
    )
    assert "I know no vendor called acmee. Closest: `acme` (Acme BPO)" in rule["text"]
    assert set(vendors(runtime)) == {"acme"}  # and nothing was created anywhere
    # Another name for a vendor that exists is not offered as a new vendor.
    other = reply(await dispatch(sr.slash_command("/escalate", ESCALATE + '"Acme Philippines"')))
    assert '`/opsbot vendor alias acme "Acme Philippines"`' in other["text"]
    # No "add vendor acme" button for a taken slug, even for an admin.
    assert not [b for b in other.get("blocks", []) if b["type"] == "actions"]


async def test_admin_button_adds_the_vendor_and_carries_on(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    answer = reply(await dispatch(sr.slash_command("/escalate", ESCALATE + "wayne")))
    assert "I know no vendor called wayne." in answer["text"]
    (button,) = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == ADD_AND_CONTINUE_ACTION
    assert list_escalations_now(runtime) == []
    url = local_slack.response_url(channel="C0OPS")
    await dispatch(sr.block_action(ADD_AND_CONTINUE_ACTION, button["value"], response_url=url))
    await settle(runtime)
    assert "wayne" in vendors(runtime)
    (escalation,) = list_escalations_now(runtime)
    assert (escalation.vendor, escalation.severity) == ("wayne", 2)
    said = [str(m.get("text")) for m in local_slack.ephemeral_messages()]
    assert any("Vendor `wayne` added" in text for text in said), said
    assert any("Saved escalation #1" in text for text in said), said


async def test_a_non_admin_cannot_press_the_add_button(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    value = json.dumps({"slug": "wayne", "name": "wayne", "command": "/escalate", "text": "x"})
    url = local_slack.response_url(channel="C0OPS")
    await dispatch(
        sr.block_action(ADD_AND_CONTINUE_ACTION, value, user_id="U0SOMEONE", response_url=url)
    )
    assert vendors(runtime) == {}
    said = [str(m.get("text")) for m in local_slack.ephemeral_messages()]
    assert any("Only opsbot admins" in text for text in said), said


def list_escalations_now(runtime: Runtime) -> list[Any]:
    with unit_of_work(runtime.sessions) as session:
        return list(list_escalations(session))


async def test_vendor_commands_add_alias_rename_bind_and_unbind(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_channel("C0ACME", "acme-idops")
    refused = reply(
        await dispatch(sr.slash_command("/opsbot", "vendor add acme", user_id="U0SOMEONE"))
    )
    assert "Only opsbot admins" in refused["text"]
    assert vendors(runtime) == {}
    added = reply(await dispatch(sr.slash_command("/opsbot", "vendor add acme tz:Asia/Manila")))
    assert "Vendor `acme` added" in added["text"]
    bad_zone = reply(await dispatch(sr.slash_command("/opsbot", "vendor add beta tz:PST")))
    assert "not a time zone" in bad_zone["text"]
    aliased = reply(await dispatch(sr.slash_command("/opsbot", 'vendor alias acme "Acme BPO"')))
    assert "“Acme BPO” now names vendor `acme`" in aliased["text"]
    # The alias works wherever a vendor is named.
    filed = reply(await dispatch(sr.slash_command("/escalate", ESCALATE + '"Acme BPO"')))
    assert "I know no vendor" not in filed["text"]
    renamed = reply(
        await dispatch(sr.slash_command("/opsbot", 'vendor rename acme "Acme Philippines"'))
    )
    assert "now called *Acme Philippines*" in renamed["text"]
    bound = reply(await dispatch(sr.slash_command("/opsbot", "vendor bind acme #acme-idops")))
    assert "<#C0ACME> is now bound to vendor *Acme Philippines*" in bound["text"]
    assert "/opsbot vendor unbind acme" in bound["text"]
    assert vendors(runtime)["acme"].channel_id == "C0ACME"
    listing = reply(await dispatch(sr.slash_command("/opsbot", "vendor list")))
    assert "`acme` Acme Philippines · Asia/Manila · bound to <#C0ACME>" in listing["text"]
    assert "“acme bpo”" in listing["text"]
    unbound = reply(await dispatch(sr.slash_command("/opsbot", "vendor unbind acme")))
    assert "<#C0ACME> is no longer bound" in unbound["text"]
    assert vendors(runtime)["acme"].channel_id is None
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        assert [e.vendor for e in list_escalations(session)] == ["acme"]


async def test_checkin_add_names_the_vendor_an_import_found(
    dispatch: Dispatch, runtime: Runtime, database_url: str, tmp_path: Path, local_slack: LocalSlack
) -> None:
    local_slack.add_channel("C0ACME", "acme-idops")
    code, output = run_import(database_url, write_csv(tmp_path))
    assert code == 0, output
    text = 'add vendor:"Acme BPO" channel:<#C0ACME|acme-idops> every:"mon 09:00" tz:Asia/Manila'
    answer = reply(await dispatch(sr.slash_command("/checkin", text)))
    assert "Vendor `acme` (from the KPI data) is now called *Acme BPO*" in answer["text"]
    acme = vendors(runtime)["acme"]
    assert (acme.name, acme.timezone, acme.channel_id) == ("Acme BPO", "Asia/Manila", "C0ACME")
    assert set(vendors(runtime)) == {"acme", "globex"}


async def test_kpi_filters_take_aliases_and_answer_unknown_vendors_alike(
    dispatch: Dispatch, runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    code, output = run_import(database_url, write_csv(tmp_path))
    assert code == 0, output
    # Asked the day after the data, whatever today is.
    runtime.clock = lambda: datetime(2026, 12, 2, 12, tzinfo=UTC)
    await dispatch(sr.slash_command("/opsbot", 'vendor alias acme "Acme BPO"'))
    aliased = reply(await dispatch(sr.slash_command("/kpi", '2026-12-01 vendor:"Acme BPO"')))
    assert "Total incoming 110" in aliased["text"]
    unknown = reply(await dispatch(sr.slash_command("/kpi", "week vendor:acmee")))
    assert "I know no vendor called acmee. Closest: `acme`" in unknown["text"]


async def test_an_admin_names_the_vendor_owner_and_the_list_shows_it(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_user("U0MARIA", "maria", real_name="Maria Cruz")
    local_slack.add_channel("C0ACME", "acme-idops")
    for text in ('vendor add acme "Acme BPO"', "vendor add globex", "vendor bind acme #acme-idops"):
        await dispatch(sr.slash_command("/opsbot", text))
    refused = reply(
        await dispatch(
            sr.slash_command("/opsbot", "vendor owner acme <@U0SOMEONE>", user_id="U0SOMEONE")
        )
    )
    assert "Only opsbot admins can set vendor owners" in refused["text"]
    assert vendors(runtime)["acme"].owner_id is None
    owned = reply(await dispatch(sr.slash_command("/opsbot", 'vendor owner "Acme BPO" <@U0MARIA>')))
    assert "<@U0MARIA> now owns vendor *Acme BPO*" in owned["text"]
    assert "`/opsbot vendor owner acme none`" in owned["text"]
    assert vendors(runtime)["acme"].owner_id == "U0MARIA"
    # A plain @name is looked up in the workspace; the answer names who had it before.
    again = reply(await dispatch(sr.slash_command("/opsbot", "vendor owner globex @maria")))
    assert "<@U0MARIA> now owns vendor *globex*" in again["text"]
    moved = reply(await dispatch(sr.slash_command("/opsbot", "vendor owner acme <@U0ADMIN|me>")))
    assert "(It was <@U0MARIA> before.)" in moved["text"]
    listing = reply(await dispatch(sr.slash_command("/opsbot", "vendor list")))
    assert "`acme` Acme BPO · UTC · bound to <#C0ACME> · owner <@U0ADMIN>" in listing["text"]
    assert "`globex` globex · UTC · owner <@U0MARIA>" in listing["text"]
    # The vendor's own channel lists that vendor only.
    own = reply(await dispatch(sr.slash_command("/opsbot", "vendor list", channel_id="C0ACME")))
    assert "`acme`" in own["text"] and "globex" not in own["text"]
    cleared = reply(await dispatch(sr.slash_command("/opsbot", "vendor owner acme none")))
    assert "Vendor *Acme BPO* has no owner now (it was <@U0ADMIN>)." in cleared["text"]
    assert vendors(runtime)["acme"].owner_id is None
    listing = reply(await dispatch(sr.slash_command("/opsbot", "vendor list")))
    assert "bound to <#C0ACME> · no owner" in listing["text"]
    for text, problem in (
        ("vendor owner acme", "needs the person after the vendor"),
        ("vendor owner acme maria", "`maria` is not a person"),
        ("vendor owner acmee <@U0MARIA>", "I know no vendor called acmee."),
        ("vendor owner acme @nobody", "No user called @nobody."),
    ):
        said = reply(await dispatch(sr.slash_command("/opsbot", text)))["text"]
        assert problem in said, (text, said)
    assert vendors(runtime)["acme"].owner_id is None
    helped = reply(await dispatch(sr.slash_command("/opsbot", "help")))
    assert "/opsbot vendor owner VENDOR @user|none   (admins;" in json.dumps(helped)
