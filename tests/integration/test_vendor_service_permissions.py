"""The vendor registry's changes are refused in the service itself, whoever calls it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.runtime import Runtime
from commands.permissions import Actor
from commands.vendors import service
from integrations.errors import NotAllowed
from storage.engine import unit_of_work
from storage.surfaces import VendorMember
from storage.vendors import Vendor, VendorAlias, upsert_vendor

Change = Callable[[Session, Actor], Any]
# One call per change the registry offers, each as a caller outside the handlers would make it.
CHANGES: dict[str, Change] = {
    "add": lambda s, a: service.add_vendor(s, actor=a, slug="globex"),
    "rename": lambda s, a: service.rename_vendor(s, actor=a, vendor_text="acme", name="Acme"),
    "alias": lambda s, a: service.add_alias(s, actor=a, vendor_text="acme", alias="Acme BPO"),
    "bind": lambda s, a: service.bind_channel(s, actor=a, vendor_text="acme", channel_id="C0X"),
    "unbind": lambda s, a: service.unbind_channel(s, actor=a, vendor_text="acme"),
    "member": lambda s, a: service.add_member(s, actor=a, vendor_text="acme", slack_id="U0M"),
    "owner": lambda s, a: service.set_owner(s, actor=a, vendor_text="acme", owner_id="U0M"),
}


def registry(runtime: Runtime) -> list[str]:
    """Everything the registry stores, to compare before and after."""
    with unit_of_work(runtime.sessions) as session:
        tables: tuple[Any, ...] = (Vendor, VendorAlias, VendorMember)
        rows = [row for table in tables for row in session.exec(select(table))]
        return sorted(repr(sorted(row.model_dump().items())) for row in rows)


def test_every_change_of_the_registry_has_a_call() -> None:
    assert set(CHANGES) == set(service.CHANGES)


@pytest.mark.parametrize("change", sorted(CHANGES))
async def test_a_member_calling_the_service_is_refused_and_nothing_changes(
    runtime: Runtime, change: str
) -> None:
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="acme", name="acme", channel_id="C0ACME")
    before = registry(runtime)
    member = await runtime.permissions.actor(runtime.sessions, user_id="U0BOB", channel_id=None)
    assert not member.is_admin
    refusal = f"Only opsbot admins can {service.CHANGES[change]}\\."
    with pytest.raises(NotAllowed, match=refusal), unit_of_work(runtime.sessions) as session:
        CHANGES[change](session, member)
    assert registry(runtime) == before
    # The same call by an admin goes through: the refusal was the member's, not the call's.
    admin = await runtime.permissions.actor(runtime.sessions, user_id="U0ADMIN", channel_id=None)
    with unit_of_work(runtime.sessions) as session:
        CHANGES[change](session, admin)
    assert registry(runtime) != before
