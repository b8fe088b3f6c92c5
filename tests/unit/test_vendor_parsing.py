"""`/opsbot vendor …` text → a typed command, or a usage error naming what is wrong."""

from __future__ import annotations

import pytest

from commands.vendors.parsing import VendorCommand, parse_vendor_command
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
