"""`pass_rate` rules: a vendor's assessment pass rate below a threshold opens an action item.

A rule "for N weeks" holds when each of the last N whole weeks (seven days ending on the
vendor's latest result day) is below the threshold; "for N days" checks single days. The
item goes to the vendor's owner (`/opsbot vendor owner`), whose reminders then follow it; a
vendor without one gives it to the admin who added the rule, and the item says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from commands.thresholds import breaches
from storage.actions import ActionItem, add_action
from storage.assessments import daily_pass_counts
from storage.rules import KpiRule, claim_streak
from storage.vendors import vendor_by_slug_or_name

RULE_AUTHOR = "opsbot"
ITEM_DUE_DAYS = 7


@dataclass(frozen=True)
class PassRateBreach:
    """Consecutive periods below the threshold, up to the vendor's latest result day."""

    vendor: str
    start: date
    end: date
    observed: float  # the latest period's pass rate, 0–1


def pass_rate_breach(session: Session, rule: KpiRule) -> PassRateBreach | None:
    """Return the breach when every one of the rule's periods is below its threshold."""
    vendor = (rule.filters.get("vendor") or [""])[0]
    period = 7 if rule.days % 7 == 0 else 1
    periods = rule.days // period
    counts = daily_pass_counts(session, start=date(1970, 1, 1), end=date.max, vendor_slugs=[vendor])
    if not counts:
        return None
    last = max(day for _, _, day, _, _ in counts)
    rates: list[float] = []
    for k in range(periods):
        end = last - timedelta(days=k * period)
        start = end - timedelta(days=period - 1)
        results = sum(n for _, _, day, n, _ in counts if start <= day <= end)
        passed = sum(p for _, _, day, _, p in counts if start <= day <= end)
        if results == 0:
            return None  # a period without results says nothing either way
        rates.append(passed / results)
    if not all(breaches(rate, rule.op, rule.threshold) for rate in rates):
        return None
    first = last - timedelta(days=periods * period - 1)
    return PassRateBreach(vendor=vendor, start=first, end=last, observed=rates[0])


def open_pass_rate_item(
    *, session: Session, rule: KpiRule, dedupe_days: int, now: datetime
) -> str | None:
    """Open one action item per breach streak (claimed once); return e.g. "action #4"."""
    breach = pass_rate_breach(session, rule)
    if breach is None:
        return None
    firing = claim_streak(
        session,
        rule_id=rule.id or 0,
        start=breach.start,
        end=breach.end,
        observed=breach.observed,
        dedupe_days=dedupe_days,
    )
    if firing is None:
        return None
    owner_id, fallback = item_owner(session, rule, breach.vendor)
    item = add_action(
        session,
        ActionItem(
            owner_id=owner_id,
            text=(
                f"Assessment pass rate at {breach.vendor} was {rule.op} {rule.threshold:.0%} "
                f"from {breach.start:%d %b} to {breach.end:%d %b} (latest "
                f"{breach.observed:.0%}); rule #{rule.id}: {rule.text}. "
                f"Agree a retraining plan with the vendor.{fallback}"
            )[:1000],
            due=now.date() + timedelta(days=ITEM_DUE_DAYS),
            vendor_slug=breach.vendor,
            created_by=RULE_AUTHOR,
        ),
    )
    firing.escalation_ref = f"action:{item.id}"
    session.add(firing)
    return f"action #{item.id}"


def item_owner(session: Session, rule: KpiRule, vendor_slug: str) -> tuple[str, str]:
    """Return who gets the item (the vendor's owner, else the rule's creator) and a note.

    The note (empty for the vendor's owner) tells the creator why it came to them and how
    an admin sends the next one to the vendor's owner instead.
    """
    vendor = vendor_by_slug_or_name(session, vendor_slug)
    if vendor is not None and vendor.owner_id:
        return vendor.owner_id, ""
    return rule.created_by, (
        f" It came to the rule's creator because vendor {vendor_slug} has no owner; "
        f"an admin can name one with `/opsbot vendor owner {vendor_slug} @user`."
    )
