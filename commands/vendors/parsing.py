"""Read `/opsbot vendor list|add|rename|alias|bind|unbind …` into a typed request. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

from commands.slash_text import parse_mention, parse_text
from integrations.errors import UsageError

VENDOR_USAGE = (
    "/opsbot vendor list",
    '/opsbot vendor add SLUG ["Display name"] [tz:Area/City]   (admins)',
    '/opsbot vendor rename VENDOR "New name"   (admins)',
    '/opsbot vendor alias VENDOR "Other name"   (admins)',
    "/opsbot vendor bind VENDOR [#channel]   (admins)",
    "/opsbot vendor unbind VENDOR   (admins)",
    "/opsbot vendor member VENDOR @user|T0PARTNERTEAM   (admins; their App Home shows that vendor)",
)
VERBS = ("list", "add", "rename", "alias", "bind", "unbind", "member")
ADMIN_VERBS = ("add", "rename", "alias", "bind", "unbind", "member")
_TEAM_ID = re.compile(r"^T[A-Z0-9]{2,20}$")


@dataclass(frozen=True)
class VendorCommand:
    """One vendor command: the verb, the vendor named, and its argument."""

    verb: str
    vendor: str = ""
    argument: str = ""  # display name, new name, alias, or channel text
    timezone: str | None = None
    channel_id: str | None = None  # from `<#C…>`
    channel_name: str | None = None  # from `#name`, resolved by the handler


def parse_vendor_command(text: str) -> VendorCommand:
    """Parse the words after `/opsbot vendor`; raise UsageError with the usage."""
    parsed = parse_text(text)
    words = parsed.words
    usage = "\n".join(VENDOR_USAGE)
    verb = words[0].lower() if words else "list"
    if verb not in VERBS:
        raise UsageError("That is not a vendor command.", usage=usage)
    extra = set(parsed.options) - ({"tz"} if verb == "add" else set())
    if extra:
        raise UsageError(f"`{sorted(extra)[0]}:` does not go with `{verb}`.", usage=usage)
    rest = words[1:]
    if verb == "list":
        if rest:
            raise UsageError("`list` takes nothing after it.", usage=usage)
        return VendorCommand("list")
    if not rest:
        raise UsageError(f"Name the vendor after `{verb}`.", usage=usage)
    vendor, argument = rest[0], " ".join(rest[1:]).strip()
    if verb in ("rename", "alias") and not argument:
        raise UsageError(f"`{verb}` needs the name in quotes after the vendor.", usage=usage)
    if verb == "unbind" and argument:
        raise UsageError("`unbind` takes only the vendor.", usage=usage)
    if verb == "bind" and argument:
        mention = parse_mention(argument)
        if mention is None or mention.kind != "channel":
            raise UsageError("`bind` takes a channel, like `#acme-idops`.", usage=usage)
        return VendorCommand(verb, vendor, argument, None, mention.id, mention.name)
    if verb == "member":
        return _member(vendor, argument, usage)
    return VendorCommand(verb, vendor, argument, parsed.options.get("tz"))


def _member(vendor: str, argument: str, usage: str) -> VendorCommand:
    # The App Home has no channel: a person is scoped by the vendor they belong to.
    if _TEAM_ID.match(argument):
        return VendorCommand("member", vendor, argument)
    mention = parse_mention(argument)
    if mention is None or mention.kind != "user" or mention.id is None:
        raise UsageError(
            "`member` takes a user from Slack's @-menu or a partner team id (T…).", usage=usage
        )
    return VendorCommand("member", vendor, mention.id)
