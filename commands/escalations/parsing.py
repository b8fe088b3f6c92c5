"""Reading `/escalate` and `/escalation` text and the filing modal's values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from commands.escalations.model import ROOT_CAUSE_KINDS, EscalationInput, PolicyAreas
from commands.slash_text import parse_count, parse_mention, tokenize
from integrations.errors import UsageError
from integrations.tracker.wiki import safe_url

ESCALATE_USAGE = (
    "/escalate                      (opens the form)\n"
    '/escalate SEV AREA "TITLE" [vendor:SLUG]\n'
    '  e.g. /escalate sev2 impersonation "Brand account cloned by ~40 accounts" vendor:acme'
)
ESCALATION_USAGE = (
    "/escalation KEY\n"
    "/escalation KEY comment TEXT\n"
    '/escalation KEY status "In Progress"\n'
    "/escalation KEY assign @user\n"
    "/escalation KEY resolve [kind:training-gap] ROOT CAUSE\n"
    "/escalation list [open|all|mine|sev1..sev4|area:AREA|vendor:SLUG]"
)
KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*-[0-9]+$")
_ACTION = re.compile(
    r"^\s*(?P<key>\S+)\s+(?P<verb>comment|status|assign|resolve)\b\s*(?P<rest>.*)$", re.S | re.I
)
_KIND = re.compile(r"^kind:(?P<kind>\S*)\s*", re.I)
_SEV = re.compile(r"^sev([1-4])$", re.IGNORECASE)
TITLE_MAX = 255
AFFECTED_MAX = 1_000_000_000


def parse_severity(text: str) -> int | None:
    """Return 1-4 for `sev1`…`sev4` (any case), else None."""
    match = _SEV.match(text.strip())
    return int(match[1]) if match else None


def parse_escalate_line(text: str, areas: PolicyAreas) -> EscalationInput:
    """Read `SEV AREA TITLE… [vendor:SLUG]`; anything else is a UsageError with the usage."""
    try:
        tokens = tokenize(text)
    except UsageError as exc:
        raise UsageError(exc.user_message, usage=ESCALATE_USAGE) from None
    vendor: str | None = None
    words: list[str] = []
    for token in tokens:
        key, sep, value = token.partition(":")
        if sep and key.lower() == "vendor" and value.strip():
            if vendor is not None:
                raise UsageError("`vendor:` is given twice.", usage=ESCALATE_USAGE)
            vendor = value.strip()
        else:
            words.append(token)
    if len(words) < 3:
        raise UsageError("I need a severity, an area and a title.", usage=ESCALATE_USAGE)
    severity = parse_severity(words[0])
    if severity is None:
        raise UsageError("The severity must be sev1, sev2, sev3 or sev4.", usage=ESCALATE_USAGE)
    area = areas.find(words[1])
    if area is None:
        known = ", ".join(areas.labels)
        raise UsageError(f"The area must be one of: {known}.", usage=ESCALATE_USAGE)
    title = " ".join(words[2:]).strip()
    check_title(title)
    return EscalationInput(title=title, area=area, severity=severity, vendor=vendor)


def check_title(title: str) -> None:
    """Refuse an empty or over-long title."""
    if not title:
        raise UsageError("The title is empty.", usage=ESCALATE_USAGE)
    if len(title) > TITLE_MAX:
        raise UsageError(f"The title is longer than {TITLE_MAX} characters.", usage=ESCALATE_USAGE)


@dataclass(frozen=True)
class ListFilter:
    """What `/escalation list` was asked for."""

    open_only: bool = True
    mine: bool = False
    severity: int | None = None
    area: str | None = None
    vendor: str | None = None


def parse_list_filter(words: list[str], areas: PolicyAreas) -> ListFilter:
    """Read the words after `/escalation list`."""
    open_only, mine, severity, area, vendor = True, False, None, None, None
    for word in words:
        low = word.lower()
        key, sep, value = word.partition(":")
        if low == "open":
            open_only = True
        elif low == "all":
            open_only = False
        elif low == "mine":
            mine = True
        elif (sev := parse_severity(word)) is not None:
            severity = sev
        elif sep and key.lower() == "area":
            area = areas.find(value)
            if area is None:
                raise UsageError(
                    f"The area must be one of: {', '.join(areas.labels)}.", usage=ESCALATION_USAGE
                )
        elif sep and key.lower() == "vendor" and value:
            vendor = value
        else:
            raise UsageError("I did not understand that list filter.", usage=ESCALATION_USAGE)
    return ListFilter(open_only, mine, severity, area, vendor)


def parse_user_ref(text: str) -> tuple[str | None, str | None]:
    """Return (user id, name) from `<@U…|name>` or `@name`; UsageError otherwise."""
    mention = parse_mention(text.strip())
    if mention is None or mention.kind != "user":
        raise UsageError("Name the assignee as @user.", usage=ESCALATION_USAGE)
    return mention.id, mention.name


def modal_value(values: dict[str, Any], block: str) -> Any:
    """Return the one action's value in `block` of a view state, whatever its element type."""
    actions = values.get(block) or {}
    for action in actions.values():
        kind = action.get("type")
        if kind in ("static_select", "external_select"):
            option = action.get("selected_option")
            return option.get("value") if option else None
        return action.get("value")
    return None


def parse_modal(
    values: dict[str, Any], areas: PolicyAreas, known_vendors: set[str]
) -> tuple[EscalationInput | None, dict[str, str]]:
    """Validate the filing modal; return the input, or the errors by block id."""
    errors: dict[str, str] = {}
    title = str(modal_value(values, "title") or "").strip()
    if not title:
        errors["title"] = "Give the escalation a title."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Keep the title under {TITLE_MAX} characters."
    area = areas.find(str(modal_value(values, "area") or ""))
    if area is None:
        errors["area"] = "Choose a policy area."
    severity = parse_severity(str(modal_value(values, "severity") or ""))
    if severity is None:
        errors["severity"] = "Choose a severity."
    vendor = modal_value(values, "vendor") or None
    if vendor is not None and str(vendor).lower() not in known_vendors:
        errors["vendor"] = "Choose a known vendor, or leave it empty."
    affected: int | None = None
    raw_affected = str(modal_value(values, "affected") or "").strip().replace(",", "")
    if raw_affected:
        try:
            affected = parse_count(raw_affected, "Affected accounts", 0, AFFECTED_MAX)
        except UsageError:
            errors["affected"] = f"Enter a whole number of accounts from 0 to {AFFECTED_MAX:,}."
    # Stored normalised (percent-encoded where a URL may not carry a character as typed).
    typed_links = str(modal_value(values, "links") or "").split()
    links = [url for url in map(safe_url, typed_links) if url is not None]
    if len(links) != len(typed_links):
        errors["links"] = (
            "Links must be http(s) URLs (no user name in them) separated by spaces or new lines."
        )
    if errors or area is None or severity is None:
        return None, errors
    return (
        EscalationInput(
            title=title,
            area=area,
            severity=severity,
            vendor=str(vendor) if vendor else None,
            affected_accounts=affected,
            description=str(modal_value(values, "description") or "").strip(),
            links=links,
        ),
        {},
    )


@dataclass(frozen=True)
class ChangeRequest:
    """One change asked of an escalation (by key from a command, by id from a modal)."""

    verb: str  # comment | status | assign | resolve
    value: str  # the comment, status, assignee's user id, or root cause
    key: str | None = None
    escalation_id: int | None = None
    root_cause_kind: str | None = None


def parse_change(text: str) -> ChangeRequest:
    """Read `KEY comment|status|assign|resolve …`; the value is checked for its verb."""
    match = _ACTION.match(text)
    if match is None:
        raise UsageError("I did not understand that.", usage=ESCALATION_USAGE)
    verb, rest = match["verb"].lower(), match["rest"].strip()
    kind = None
    if verb == "resolve" and (found := _KIND.match(rest)):
        kind, rest = found["kind"].lower(), rest[found.end() :]
    return checked_change(ChangeRequest(verb, rest, key=match["key"], root_cause_kind=kind))


def checked_change(request: ChangeRequest) -> ChangeRequest:
    """Return the request with its value read for its verb; bad input names what is wrong."""
    value = request.value.strip()
    if request.verb == "status":
        value = " ".join(tokenize(value))
    elif request.verb == "assign" and value:
        value = parse_user_ref(value)[0] or ""
        if not value:
            raise UsageError(
                "Pick the user from Slack's @-menu so I get their id.", usage=ESCALATION_USAGE
            )
    kind = request.root_cause_kind
    if kind is not None and kind not in ROOT_CAUSE_KINDS:
        raise UsageError(
            f"The kind must be one of: {', '.join(ROOT_CAUSE_KINDS)}.", usage=ESCALATION_USAGE
        )
    if not value:
        raise UsageError(_EMPTY[request.verb], usage=ESCALATION_USAGE)
    return ChangeRequest(request.verb, value, request.key, request.escalation_id, kind)


_EMPTY = {
    "comment": "The comment is empty.",
    "status": "Which status?",
    "assign": "Name the assignee as @user.",
    "resolve": "Give the root cause.",
}
