"""Filters as typed → stored dimension values, case-insensitively, within the channel scope."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from sqlmodel import Session

from commands.mrkdwn import escape, escape_clip
from commands.scope import ChannelScope
from commands.vendors.service import require_vendor
from integrations.errors import UsageError
from storage.kpi_queries import known_values
from storage.vendors import vendor_by_slug_or_name

Filters = dict[str, tuple[str, ...]]


def resolve_filters(
    *, session: Session, filters: Mapping[str, tuple[str, ...]], scope: ChannelScope
) -> Filters:
    """Map each typed value to the stored one; unknown values get the closest known ones."""
    wanted = dict(filters)
    if "vendor" in wanted:
        wanted["vendor"] = tuple(_registered(session, v) for v in wanted["vendor"])
    if scope.vendor is not None or "vendor" in wanted:
        restricted = scope.restrict(list(wanted.get("vendor", ())))
        if restricted:
            wanted["vendor"] = tuple(restricted)
    # No filter (the common `/kpi week`) needs no look-up of the stored values.
    known = known_values(session) if wanted else {}
    resolved: Filters = {}
    problems: list[str] = []
    for dim, values in wanted.items():
        stored = known.get(dim, [])
        by_lower = {v.lower(): v for v in stored}
        out: list[str] = []
        for value in values:
            match = by_lower.get(value.lower())
            if match is not None:
                out.append(match)
                continue
            close = difflib.get_close_matches(value.lower(), list(by_lower), n=3, cutoff=0.5)
            hint = ", ".join(f"`{dim}:{escape(by_lower[c])}`" for c in close)
            shown = f"`{dim}:{escape_clip(value, 40)}`"
            problems.append(f"{shown} is not in the data" + (f" (closest: {hint})" if hint else ""))
        resolved[dim] = tuple(dict.fromkeys(out))
    if problems:
        raise UsageError("; ".join(problems) + ".")
    return resolved


def _registered(session: Session, typed: str) -> str:
    """Map a vendor name or alias to its slug; a value only the data knows passes through."""
    vendor = vendor_by_slug_or_name(session, typed)
    if vendor is not None:
        return vendor.slug
    if typed.lower() in (v.lower() for v in known_values(session).get("vendor", [])):
        return typed
    return require_vendor(session, typed).slug  # unknown: the registry's one answer


def slice_key(filters: Mapping[str, tuple[str, ...]]) -> str | None:
    """Return the stored spike slice key for single-valued filters ("" = whole team)."""
    if any(len(v) != 1 for v in filters.values()):
        return None
    return "|".join(f"{k}={v[0]}" for k, v in sorted(filters.items()))


def describe_filters(filters: Mapping[str, tuple[str, ...]]) -> str:
    """Render filters for people: `vendor:acme,globex queue:copyright`, or the whole team."""
    if not filters:
        return "whole team"
    return " ".join(f"{k}:{','.join(escape(v) for v in vs)}" for k, vs in filters.items())
