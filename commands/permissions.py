"""Who may do what: one matrix of actor × verb for every family, and the policy enforcing it.

Two questions are asked of every request that touches stored data, always in this order:
1. *Scope*: may this channel see the item at all? A channel bound to a vendor sees that
   vendor's items only; anything else reads as not found, so nothing of it leaks.
2. *Permission*: do the user's roles for this item allow the verb? Roles come from stored
   data (who filed it, who it is assigned to, who owns it), never from ids in a payload.
The README's permissions table is rendered from `MATRIX` (`render_matrix`), and a test
compares the two.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from commands.authz import NO_ADMINS_HINT, AdminPolicy
from commands.scope import ChannelScope, scope_for_channel
from integrations.errors import NotAllowed, NotFound
from storage.engine import SessionFactory, in_worker


class Role(StrEnum):
    """An actor's relation to an item, or to the channel the request came from."""

    ADMIN = "admin"  # listed in OPSBOT_ADMINS
    REPORTER = "reporter"  # filed the item (escalation, action, suggestion, initiative)
    ASSIGNEE = "assignee"  # the escalation is assigned to them
    OWNER = "owner"  # owns the action item or initiative
    MEMBER = "member"  # anyone, acting from a team (unbound) channel
    VENDOR_MEMBER = "vendor-channel member"  # anyone, acting from a vendor-bound channel


ALL_ROLES: tuple[Role, ...] = tuple(Role)
_A, _R, _S, _O = Role.ADMIN, Role.REPORTER, Role.ASSIGNEE, Role.OWNER
_M, _V = Role.MEMBER, Role.VENDOR_MEMBER
EVERYONE = frozenset(ALL_ROLES)
# The item-bound roles each family has; the other item roles read "—" in the table.
FAMILY_ROLES: dict[str, frozenset[Role]] = {
    "escalations": frozenset({_R, _S}),
    "initiatives": frozenset({_R, _O}),
    "actions": frozenset({_R, _O}),
    "suggestions": frozenset({_R}),
    "checkins": frozenset(),
    "rules": frozenset(),
    "vendors": frozenset(),
}


@dataclass(frozen=True)
class Permission:
    """Who may perform one verb of one family."""

    family: str
    verb: str
    allowed: frozenset[Role]
    # Said after "Only … can": what the verb does, for the refusal.
    doing: str
    # Whether the verb acts on one existing item (its reporter/assignee/owner then count).
    on_item: bool = True
    forms: tuple[str, ...] = field(default_factory=tuple)


def _p(
    family: str,
    verb: str,
    allowed: Iterable[Role],
    doing: str,
    *forms: str,
    on_item: bool = True,
) -> Permission:
    return Permission(family, verb, frozenset(allowed), doing, on_item, forms)


MATRIX: tuple[Permission, ...] = (
    _p("escalations", "file", (_A, _M, _V), "file escalations", "/escalate", on_item=False),
    _p("escalations", "view", EVERYONE, "see escalations", "/escalation KEY", "list"),
    _p("escalations", "comment", EVERYONE, "comment", "comment", "Add update", "📝 reply"),
    _p("escalations", "acknowledge", EVERYONE, "acknowledge", "Acknowledge button"),
    _p("escalations", "assign", (_A, _R, _S), "assign this escalation", "assign"),
    _p(
        "escalations",
        "status",
        (_A, _R, _S),
        "change this escalation's status",
        "status",
        "Change status",
    ),
    _p(
        "escalations",
        "resolve",
        (_A, _R, _S),
        "resolve this",
        "resolve",
        "Resolve",
        "any done status",
    ),
    _p("initiatives", "create", (_A, _M, _V), "create initiatives", "new", on_item=False),
    _p("initiatives", "view", EVERYONE, "see initiatives", "/initiative KEY", "list"),
    _p("initiatives", "update", EVERYONE, "add progress notes", "update"),
    _p("initiatives", "link", (_A, _R, _O, _M), "link evidence", "link"),
    _p("initiatives", "child", (_A, _R, _O, _M), "add stories", "child"),
    _p("initiatives", "status", (_A, _O), "change this initiative's status", "status"),
    _p("actions", "add", (_A, _M, _V), "add action items", "add", on_item=False),
    _p("actions", "list", EVERYONE, "list action items", "list", on_item=False),
    _p("actions", "done", (_A, _O), "mark this action item done", "done"),
    _p("suggestions", "file", (_A, _M, _V), "suggest", "/suggest TEXT", on_item=False),
    _p("suggestions", "list", EVERYONE, "list suggestions", "list", "proposal", on_item=False),
    _p("suggestions", "vote", EVERYONE, "vote", "Upvote button"),
    _p("suggestions", "score", (_A, _R, _M), "score suggestions", "impact menu", "confidence menu"),
    _p("suggestions", "edit", (_A, _R), "rewrite this suggestion's story", "Edit story button"),
    _p("suggestions", "promote", (_A, _R, _M), "promote suggestions", "promote"),
    _p("checkins", "view", EVERYONE, "see check-ins", "list", "preview", on_item=False),
    _p("checkins", "run", (_A, _M, _V), "post a digest now", "run", "topic", on_item=False),
    _p(
        "checkins",
        "manage",
        (_A,),
        "manage check-ins",
        "add",
        "edit",
        "pause",
        "resume",
        "remove",
        on_item=False,
    ),
    _p("rules", "manage", (_A,), "manage KPI rules", "add", "list", "remove", on_item=False),
    _p("vendors", "list", EVERYONE, "list vendors", "list", on_item=False),
    _p(
        "vendors",
        "manage",
        (_A,),
        "change the vendor registry",
        "add",
        "rename",
        "alias",
        "bind",
        "unbind",
        "member",
        "owner",
        on_item=False,
    ),
)
PERMISSIONS: dict[tuple[str, str], Permission] = {(p.family, p.verb): p for p in MATRIX}


@dataclass(frozen=True)
class Subject:
    """An item as stored: its vendors (empty = team-level) and who stands in which relation."""

    vendors: tuple[str, ...] = ()
    reporter: str | None = None
    assignee: str | None = None
    owner: str | None = None


@dataclass(frozen=True)
class Actor:
    """Who is asking, and from which channel: built once per request by `Permissions.actor`."""

    user_id: str
    is_admin: bool
    scope: ChannelScope
    channel_id: str | None = None
    # False while OPSBOT_ADMINS names nobody: an admins-only refusal then says how to set it.
    admins_configured: bool = True

    def roles(self, subject: Subject | None = None) -> frozenset[Role]:
        """Return every role the actor holds, for `subject` when the verb acts on an item."""
        held = {Role.VENDOR_MEMBER if self.scope.vendor is not None else Role.MEMBER}
        if self.is_admin:
            held.add(Role.ADMIN)
        if subject is not None:
            for role, user in (
                (Role.REPORTER, subject.reporter),
                (Role.ASSIGNEE, subject.assignee),
                (Role.OWNER, subject.owner),
            ):
                if user is not None and user == self.user_id:
                    held.add(role)
        return frozenset(held)

    def sees(self, subject: Subject) -> bool:
        """Tell whether the actor's channel may see `subject` (its vendor scope)."""
        vendor = self.scope.vendor
        if vendor is None:
            return True
        return vendor.slug.lower() in (v.lower() for v in subject.vendors)


def may(actor: Actor, family: str, verb: str, subject: Subject | None = None) -> bool:
    """Tell whether `actor` may perform the verb (on `subject`), scope included."""
    if subject is not None and not actor.sees(subject):
        return False
    return bool(actor.roles(subject) & PERMISSIONS[(family, verb)].allowed)


def require(
    actor: Actor,
    family: str,
    verb: str,
    subject: Subject | None = None,
    *,
    what: str = "",
    doing: str = "",
) -> None:
    """Raise NotFound when `subject` is out of the channel's scope, NotAllowed when refused.

    Out of scope reads exactly like an item that does not exist (`what` names it), so a
    vendor channel learns nothing about another vendor's items, not even that they exist.
    `doing` names one form of a verb that covers several (the vendor registry's changes).
    """
    if subject is not None and not actor.sees(subject):
        raise NotFound(f"I know no {what or 'such item'} in this channel.")
    permission = PERMISSIONS[(family, verb)]
    if not actor.roles(subject) & permission.allowed:
        raise NotAllowed(
            refusal(
                permission,
                from_vendor_channel=actor.scope.vendor is not None,
                doing=doing,
                admins_configured=actor.admins_configured,
            )
        )


def refusal(
    permission: Permission,
    *,
    from_vendor_channel: bool = False,
    doing: str = "",
    admins_configured: bool = True,
) -> str:
    """Return what a refused user is told: who may do it instead."""
    doing = doing or permission.doing
    names = [
        f"the {role.value}"
        for role in (_R, _S, _O)
        if role in permission.allowed and role in FAMILY_ROLES[permission.family]
    ]
    if from_vendor_channel and Role.MEMBER in permission.allowed:
        who = " or ".join([*names, "an opsbot admin"]) if names else "opsbot admins"
        return f"From a vendor channel only {who} can {doing}; ask in a team channel."
    if not names:
        ask = "Ask one of them, or see /opsbot help." if admins_configured else NO_ADMINS_HINT
        return f"Only opsbot admins can {doing}. {ask}"
    names.append("an opsbot admin")
    return f"Only {', '.join(names[:-1])} or {names[-1]} can {doing}."


def render_matrix() -> str:
    """Return the permissions matrix as the Markdown table the README carries."""
    header = "| family | verb | covers | " + " | ".join(r.value for r in ALL_ROLES) + " |"
    lines = [header, "|" + "---|" * (len(ALL_ROLES) + 3)]
    for p in MATRIX:
        cells = []
        for role in ALL_ROLES:
            relational = role in (_R, _S, _O)
            if relational and (not p.on_item or role not in FAMILY_ROLES[p.family]):
                cells.append("—")
            else:
                cells.append("✓" if role in p.allowed else "✗")
        covers = ", ".join(f"`{form}`" for form in p.forms)
        lines.append(f"| {p.family} | {p.verb} | {covers} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


class Permissions:
    """The one policy object: builds request actors and seals the context modals carry."""

    def __init__(self, *, admins: AdminPolicy, seal_key: bytes) -> None:
        self.admins = admins
        self._key = hashlib.sha256(b"opsbot modal context|" + seal_key).digest()

    async def actor(
        self, store: Session | SessionFactory, *, user_id: str, channel_id: str | None
    ) -> Actor:
        """Return who asks and the scope of the channel they ask from.

        Given the session factory, the scope is read on a worker thread (the event loop never
        waits on the database); a request's own session is still accepted while handlers
        move off it.
        """
        if isinstance(store, Session):
            scope = scope_for_channel(store, channel_id)
        else:
            scope = await in_worker(store, lambda session: scope_for_channel(session, channel_id))
        return await self.actor_in(scope, user_id=user_id, channel_id=channel_id)

    async def actor_in(self, scope: ChannelScope, *, user_id: str, channel_id: str | None) -> Actor:
        """Return the actor for a scope already read (in the handler's own unit of work).

        A handler that reads the scope together with its answer saves a worker round trip.
        """
        return Actor(
            user_id=user_id,
            is_admin=await self.admins.is_admin(user_id),
            scope=scope,
            channel_id=channel_id,
            admins_configured=self.admins.configured,
        )

    def seal(self, context: dict[str, Any], *, user_id: str) -> dict[str, Any]:
        """Return `context` with a MAC binding it to this server and to `user_id`.

        A modal's private_metadata comes back in its submission; the MAC makes it data this
        server wrote for this user when it opened the modal, not ids anyone chose.
        """
        return {**context, "sig": self._mac(context, user_id)}

    def unseal(self, sealed: dict[str, Any], *, user_id: str) -> dict[str, Any] | None:
        """Return the context sealed for `user_id`, or None if it was not (forged, stale)."""
        context = {k: v for k, v in sealed.items() if k != "sig"}
        given = sealed.get("sig")
        if not isinstance(given, str) or not hmac.compare_digest(
            given, self._mac(context, user_id)
        ):
            return None
        return context

    def _mac(self, context: dict[str, Any], user_id: str) -> str:
        canonical = json.dumps([user_id, context], sort_keys=True, separators=(",", ":"))
        return hmac.new(self._key, canonical.encode(), hashlib.sha256).hexdigest()[:32]
