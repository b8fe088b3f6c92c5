"""`/opsbot vendor …` text → a typed command, or a usage error naming what is wrong."""

from __future__ import annotations

import pytest

from commands.vendors.parsing import VENDOR_USAGE, VendorCommand, parse_vendor_command
from commands.vendors.service import suggest_slug
from integrations.errors import UsageError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", VendorCommand("list")),
        ("list", VendorCommand("list")),
        (
            'add wayne "Wayne Enterprises" tz:America/New_York',
            VendorCommand("add", "wayne", "Wayne Enterprises", "America/New_York"),
        ),
        ("alias acme “Acme BPO”", VendorCommand("alias", "acme", "Acme BPO")),
        ("bind acme", VendorCommand("bind", "acme")),
        (
            "bind acme <#C0ACME|acme-idops>",
            VendorCommand("bind", "acme", "<#C0ACME|acme-idops>", None, "C0ACME", "acme-idops"),
        ),
        (
            "bind acme #acme-idops",
            VendorCommand("bind", "acme", "#acme-idops", None, None, "acme-idops"),
        ),
        ("unbind acme", VendorCommand("unbind", "acme")),
    ],
)
def test_parses(text: str, expected: VendorCommand) -> None:
    assert parse_vendor_command(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("remove acme", "not a vendor command"),
        ("add", "Name the vendor"),
        ("rename acme", "needs the name"),
        ("bind acme globex", "takes a channel"),
        ("unbind acme now", "only the vendor"),
        ("alias acme x tz:UTC", "`tz:` does not go with `alias`"),
        ("list all", "takes nothing"),
    ],
)
def test_refuses_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        parse_vendor_command(text)


def test_suggested_slugs() -> None:
    assert suggest_slug("Acme BPO") == "acme"
    assert suggest_slug("  Wayne-Ent.  Corp") == "wayne-ent"
    assert suggest_slug("") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("owner acme <@U0MARIA|maria>", VendorCommand("owner", "acme", "U0MARIA")),
        ("owner acme <@U0MARIA>", VendorCommand("owner", "acme", "U0MARIA")),
        ("owner acme <@U0MARIA|Maria Cruz>", VendorCommand("owner", "acme", "U0MARIA")),
        ('owner "Acme BPO" <@W0MARIA>', VendorCommand("owner", "Acme BPO", "W0MARIA")),
        ("owner acme none", VendorCommand("owner", "acme", "")),
        ("owner acme NONE", VendorCommand("owner", "acme", "")),
        ("owner acme @maria", VendorCommand("owner", "acme", "", user_name="maria")),
    ],
)
def test_parses_the_owner(text: str, expected: VendorCommand) -> None:
    assert parse_vendor_command(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("owner", "Name the vendor after `owner`"),
        ("owner acme", "needs the person after the vendor"),
        ("owner acme maria", "`maria` is not a person"),
        ("owner acme <#C0ACME|acme>", "is not a person"),
        ("owner acme <!subteam^S0OPS|ops>", "one person, not a user group"),
        ("owner acme <@U0MARIA> <@U0PAT>", "A vendor has one owner"),
        ("owner acme none <@U0PAT>", "A vendor has one owner"),
        ("owner acme <@U" + "0" * 40 + ">", "not a Slack user id"),
        ("owner acme <@U0MARIA> tz:UTC", "`tz:` does not go with `owner`"),
    ],
)
def test_refuses_a_bad_owner_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem) as raised:
        parse_vendor_command(text)
    assert "/opsbot vendor owner VENDOR @user|none" in (raised.value.usage or "")


def test_the_usage_marks_every_change_for_admins() -> None:
    lines = {line.split()[2]: line for line in VENDOR_USAGE}
    assert "(admins" not in lines["list"]
    for verb in ("add", "rename", "alias", "bind", "unbind", "member", "owner"):
        assert "   (admins" in lines[verb], lines[verb]
