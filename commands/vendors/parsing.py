"""Read `/opsbot vendor VERB …` (list, add, rename, alias, bind, unbind, member, owner). Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

from commands.mrkdwn import escape_clip
from commands.permissions import PERMISSIONS
from commands.slash_text import parse_mention, parse_text
from integrations.errors import UsageError

# Which verbs change the registry is the permissions matrix's to say; usage marks them.
ADMIN_VERBS = PERMISSIONS[("vendors", "manage")].forms
# (verb, form, what else to say of it); the usage lines are made from these.
_FORMS = (
    ("list", "/opsbot vendor list", ""),
    ("add", '/opsbot vendor add SLUG ["Display name"] [tz:Area/City]', ""),
    ("rename", '/opsbot vendor rename VENDOR "New name"', ""),
    ("alias", '/opsbot vendor alias VENDOR "Other name"', ""),
    ("bind", "/opsbot vendor bind VENDOR [#channel]", ""),
    ("unbind", "/opsbot vendor unbind VENDOR", ""),
    (
        "member",
        "/opsbot vendor member VENDOR @user|T0PARTNERTEAM",
        "their App Home shows that vendor",
    ),
    ("owner", "/opsbot vendor owner VENDOR @user|none", "gets what the vendor's rules open"),
)


def _usage_line(verb: str, form: str, note: str) -> str:
    marks = [m for m in ("admins" if verb in ADMIN_VERBS else "", note) if m]
    return f"{form}   ({'; '.join(marks)})" if marks else form


VENDOR_USAGE = tuple(_usage_line(*form) for form in _FORMS)
VERBS = tuple(verb for verb, _, _ in _FORMS)
_TEAM_ID = re.compile(r"^T[A-Z0-9]{2,20}$")
_MAX_USER_ID = 32  # the owner column's width; Slack's ids are far shorter
CLEAR_OWNER = "none"


@dataclass(frozen=True)
class VendorCommand:
    """One vendor command: the verb, the vendor named, and its argument."""

    verb: str
    vendor: str = ""
    argument: str = ""  # display name, new name, alias, or channel text
    timezone: str | None = None
    channel_id: str | None = None  # from `<#C…>`
    channel_name: str | None = None  # from `#name`, resolved by the handler
    user_name: str | None = None  # from a plain `@name` (`owner`), resolved by the handler


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
    if verb == "owner":
        return _owner(vendor, rest[1:], usage)
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


def _owner(vendor: str, words: list[str], usage: str) -> VendorCommand:
    # An empty argument clears the owner; a plain `@name` is looked up by the handler.
    if not words:
        raise UsageError(
            "`owner` needs the person after the vendor: pick them from Slack's @-menu, "
            "or say `none` to clear the owner.",
            usage=usage,
        )
    if len(words) == 1 and words[0].lower() == CLEAR_OWNER:
        return VendorCommand("owner", vendor, "")
    # Slack's `<@U…|name>` may carry a name with spaces in it: read the words as one.
    mention = parse_mention(" ".join(words))
    if mention is None and len(words) > 1:
        raise UsageError("A vendor has one owner: name one person after the vendor.", usage=usage)
    if mention is None or mention.kind != "user":
        typed = f"`{escape_clip(words[0], 30)}` is not a person"
        if mention is not None and mention.kind == "usergroup":
            typed = "A vendor's owner is one person, not a user group"
        raise UsageError(
            f"{typed}: `owner` takes someone from Slack's @-menu, or `none`.", usage=usage
        )
    if mention.id is None:
        return VendorCommand("owner", vendor, "", user_name=mention.name)
    if len(mention.id) > _MAX_USER_ID:
        raise UsageError("That is not a Slack user id I can store.", usage=usage)
    return VendorCommand("owner", vendor, mention.id)
