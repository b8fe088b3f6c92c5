"""The KPI section of check-in digests: the week's numbers vs the week before, and spikes."""

from __future__ import annotations

from sqlmodel import Session

from commands.digest import DigestSection, DigestWindow
from commands.kpi.alerts import spike_text
from commands.kpi.formatting import format_change, format_value
from commands.kpi.grammar import KpiRequest, Period, comparison_label
from commands.kpi.registry import KpiRegistry
from commands.kpi.snapshot import build_snapshot, fit_request
from storage.kpi_spikes import spikes_between

_SHOWN = ("incoming", "manual_solved", "aht", "aas", "automation")
_MAX_SPIKES = 5


class KpiDigestSource:
    """Digest source "kpi": incoming, manual solved, AHT, AAS vs target, automation rate."""

    key = "kpi"

    def __init__(self, registry: KpiRegistry) -> None:
        self.registry = registry

    def section(self, *, session: Session, window: DigestWindow) -> DigestSection | None:
        """Return the KPI lines for the window's vendor (or the team), or None without data."""
        # Complete days only: a window past the last day of data slides back to end on it,
        # so a week of data is never compared with a week and a day without any.
        period = Period(window.start, window.end, "this week", rolling=True)
        request = fit_request(session, KpiRequest("snapshot", period, period.preceding()))
        period = request.period
        versus = f"vs {comparison_label(request.compare)}"
        filters: dict[str, tuple[str, ...]] = (
            {"vendor": (window.vendor_slug,)} if window.vendor_slug else {}
        )
        snapshot = build_snapshot(
            session=session, request=request, filters=filters, registry=self.registry
        )
        if all(line.value is None for line in snapshot.lines):
            return None
        lines: list[str] = []
        for line in snapshot.lines:
            if line.kpi.key not in _SHOWN:
                continue
            text = f"*{line.kpi.label}* {format_value(line.kpi, line.value)}"
            text += f" ({format_change(line.kpi, line.value, line.previous)} {versus})"
            target = line.kpi.target_value()
            if target is not None and line.value is not None:
                met = (
                    line.value <= target if line.kpi.direction == "lower" else line.value >= target
                )
                mark = "on target" if met else "off target"
                text += f" · target {format_value(line.kpi, target)}, {mark}"
            lines.append(text)
        spikes = [
            s
            for s in spikes_between(session, start=period.start, end=period.end)
            if window.vendor_slug is None
            or f"vendor={window.vendor_slug}" in s.slice_key.split("|")
        ]
        lines += [spike_text(self.registry, s) for s in spikes[:_MAX_SPIKES]]
        title = "KPIs this week"
        if period.end != window.end:
            title = (
                f"KPIs {period.start:%a %d %b} – {period.end:%a %d %b} (data through {period.end})"
            )
        return DigestSection(
            key=self.key,
            title=title,
            lines=tuple(lines),
            order=10,
            total_items=len(lines) + max(0, len(spikes) - _MAX_SPIKES),
        )
