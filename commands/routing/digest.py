"""Digest source "routing": the week's misroute rate and top suggestions, per vendor or team."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from commands.digest import DigestSection, DigestWindow
from commands.routing.analysis import RoutingParams
from commands.routing.parsing import window_for_days
from commands.routing.service import analyse_stored
from commands.routing.views import suggestion_line
from commands.scope import ChannelScope

ORDER = 15  # after the KPIs (10), before escalations (20)
SHOWN = 2


class RoutingDigestSource:
    """The weekly digest's routing lines; None when the window has no cases."""

    key = "routing"

    def section(self, *, session: Session, window: DigestWindow) -> DigestSection | None:
        """Return the misroute rate against the week before, and the top suggestions."""
        span = window_for_days(window.start, window.end, timezone=window.timezone, label="week")
        filters = {"vendor": (window.vendor_slug,)} if window.vendor_slug else {}
        unscoped = ChannelScope(vendor=None)  # the window already names the vendor
        params = RoutingParams()
        now = analyse_stored(
            session=session, window=span, filters=filters, scope=unscoped, params=params
        )
        if now.cases == 0 or now.misroute_rate is None:
            return None
        days = (window.end - window.start).days + 1
        last = window.start - timedelta(days=1)
        before = window_for_days(
            last - timedelta(days=days - 1), last, timezone=window.timezone, label="week before"
        )
        earlier = analyse_stored(
            session=session, window=before, filters=filters, scope=unscoped, params=params
        )
        line = f"*Misroute rate* {now.misroute_rate:.1%} of {now.cases:,} cases"
        if earlier.misroute_rate is not None:
            line += f" (was {earlier.misroute_rate:.1%})"
        lines = [line] + [suggestion_line(s) for s in now.suggestions[:SHOWN]]
        return DigestSection(
            key=self.key,
            title="Routing",
            lines=tuple(lines),
            order=ORDER,
            total_items=len(now.suggestions) + 1,
        )
