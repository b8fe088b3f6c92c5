"""The local workspace `opsbot shell` types into: you are an admin, the vendors have channels."""

from __future__ import annotations

import re

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from bot.settings import Settings
from commands.kpi.demo_data import VENDORS as DEMO_VENDORS
from storage.vendors import list_vendors


def with_local_admin(settings: Settings, user_id: str) -> str:
    """Return OPSBOT_ADMINS with the shell's own user added: on your own machine you are admin."""
    listed = [p.strip() for p in settings.opsbot_admins.split(",") if p.strip()]
    return ",".join(dict.fromkeys([*listed, user_id]))


# Teammates the README's examples mention (`@maria`), so `/action add @maria …` and
# `/opsbot vendor owner acme @maria` work in the shell as written.
TEAMMATES = {"U0MARIA": "maria"}


def furnish_workspace(local: LocalSlack, runtime: Runtime) -> list[str]:
    """Add the README's teammates and every vendor's channel; return the channel names."""
    for user_id, name in TEAMMATES.items():
        local.add_user(user_id, name, email=f"{name}@example.com")
    return add_vendor_channels(local, runtime)


def vendor_channel_id(slug: str) -> str:
    """Return a stable Slack-looking channel id for a vendor's demo channel (`C0ACME`)."""
    letters = re.sub(r"[^A-Z0-9]", "", slug.upper())[:16] or "VENDOR"
    return f"C0{letters}"


def add_vendor_channels(local: LocalSlack, runtime: Runtime) -> list[str]:
    """Give each demo and known vendor its `#<slug>-idops` channel, as the README expects.

    A vendor already bound to a channel keeps that id, so a binding made in an earlier shell
    session still points at the channel of the same name. Returns the channel names.
    """
    with runtime.sessions() as session:
        bound = {v.slug: v.channel_id for v in list_vendors(session)}
    names: list[str] = []
    for slug in sorted({*DEMO_VENDORS, *bound}):
        name = f"{slug}-idops"
        local.add_channel(bound.get(slug) or vendor_channel_id(slug), name)
        names.append(name)
    escalations = runtime.settings.opsbot_escalation_channel
    if escalations:
        local.add_channel(escalations, "escalations")
        names.append("escalations")
    return names
