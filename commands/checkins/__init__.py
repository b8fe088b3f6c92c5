"""`/checkin`: scheduled vendor check-in digests, posted exactly once in the vendor's zone."""

from __future__ import annotations

from typing import Any

from commands.catalog import CommandFamily
from commands.checkins.handlers import handle_checkin
from commands.checkins.parsing import CHECKIN_USAGE
from commands.permissions import PERMISSIONS

FAMILY = CommandFamily(
    command="/checkin",
    summary="Vendor check-ins: a digest posted on schedule in the vendor's time zone.",
    usage=tuple(CHECKIN_USAGE.splitlines()),
    admin_only=PERMISSIONS[("checkins", "manage")].forms,
)
FAMILIES = (FAMILY,)


def register(app: Any) -> None:
    """Attach the `/checkin` handler."""
    app.command(FAMILY.command)(handle_checkin)
