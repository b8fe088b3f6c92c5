"""KPI rules: add, list, retire, and evaluate after an import (one escalation per streak)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from commands.escalations.model import EscalationInput
from commands.escalations.service import EscalationDesk, file_escalation
from commands.kpi.registry import KpiRegistry
from commands.rules.parsing import ASSESSMENT_RULE_KPI, RULE_REMOVE_USAGE, RuleSpec
from commands.slash_text import parse_row_id
from commands.thresholds import Streak, breaches, claim_breach
from commands.training.rule_check import open_pass_rate_item
from commands.vendors.service import require_vendor
from integrations.errors import NotFound
from storage.kpi import MEASURES
from storage.kpi_queries import data_through, grouped_sums
from storage.kpi_spikes import spikes_between
from storage.rules import (
    KpiRule,
    active_rules,
    add_rule,
    deactivate_rule,
    get_rule,
)

RULE_REPORTER = "opsbot"


@dataclass(frozen=True)
class Breach(Streak):
    """A rule that held for its number of days, up to the latest day with data."""

    rule: KpiRule


def create_rule(*, session: Session, spec: RuleSpec, user_id: str) -> KpiRule:
    """Store a parsed rule; its vendors must be known (the registry's one answer if not)."""
    filters = dict(spec.filters)
    if "vendor" in filters:
        filters["vendor"] = [require_vendor(session, v).slug for v in filters["vendor"]]
    return add_rule(
        session,
        KpiRule(
            text=spec.text,
            kpi=spec.kpi,
            filters=filters,
            op=spec.op,
            threshold=spec.threshold,
            days=spec.days,
            severity=spec.severity,
            created_by=user_id,
        ),
    )


def remove_rule(*, session: Session, ident: str) -> KpiRule:
    """Retire the rule `ident` (digits, optionally with #)."""
    number = parse_row_id(ident, "The rule's number", usage=RULE_REMOVE_USAGE)
    rule = get_rule(session, number)
    if rule is None or not rule.active:
        raise NotFound(f"There is no active rule #{number}. See `/opsbot rule list`.")
    deactivate_rule(session, rule)
    return rule


def find_breach(*, session: Session, rule: KpiRule, registry: KpiRegistry) -> Breach | None:
    """Return the rule's breach streak ending on the latest data day, when long enough."""
    kpi = registry.get(rule.kpi)
    last = data_through(session, "day")
    if kpi is None or last is None:
        return None
    start = last - timedelta(days=rule.days + 30)
    rows = grouped_sums(
        session, granularity="day", start=start, end=last, filters=rule.filters, by=["day"]
    )
    values: dict[date, float] = {}
    for key, measures in rows:
        value = kpi.value(dict(zip(MEASURES, measures, strict=True)))
        if value is not None:
            values[key[0]] = value
    streak: list[tuple[date, float]] = []
    day = last
    while day in values and breaches(values[day], rule.op, rule.threshold):
        streak.append((day, values[day]))
        day -= timedelta(days=1)
    if len(streak) < rule.days:
        return None
    return Breach(rule=rule, start=streak[-1][0], end=last, observed=streak[0][1])


def evaluate_rules(
    *,
    session: Session,
    desk: EscalationDesk,
    registry: KpiRegistry,
    dedupe_days: int,
    now: datetime,
) -> list[str]:
    """Open one escalation per breaching rule and streak; return the escalations' keys."""
    opened = (
        evaluate_rule(
            session=session,
            rule=rule,
            desk=desk,
            registry=registry,
            dedupe_days=dedupe_days,
            now=now,
        )
        for rule in active_rules(session)
    )
    return [key for key in opened if key]


def evaluate_rule(
    *,
    session: Session,
    rule: KpiRule,
    desk: EscalationDesk,
    registry: KpiRegistry,
    dedupe_days: int,
    now: datetime,
) -> str | None:
    """Open what a breach of `rule` calls for, once per streak; return its key, or None.

    `now` is the runtime's clock: a pass-rate item is due a week from it.
    """
    if rule.kpi == ASSESSMENT_RULE_KPI:  # assessments: an action item for the vendor
        return open_pass_rate_item(session=session, rule=rule, dedupe_days=dedupe_days, now=now)
    breach = find_breach(session=session, rule=rule, registry=registry)
    if breach is None:
        return None
    firing = claim_breach(session, rule=rule, streak=breach, dedupe_days=dedupe_days)
    if firing is None:
        return None
    escalation, _ = file_escalation(
        session=session,
        desk=desk,
        data=_escalation_input(session, desk, breach),
        reporter_id=RULE_REPORTER,
        reporter_name="opsbot KPI rule",
        origin_channel_id=None,
        dedupe_key=f"rule:{rule.id}:{breach.start.isoformat()}",
    )
    firing.escalation_ref = f"escalation:{escalation.id}"
    session.add(firing)
    session.commit()
    return str(escalation.display_key)


def _escalation_input(session: Session, desk: EscalationDesk, breach: Breach) -> EscalationInput:
    rule = breach.rule
    vendors = rule.filters.get("vendor") or []
    area = desk.areas.find("other") or next(iter(desk.areas.labels))
    spikes = spikes_between(session, start=breach.start, end=breach.end)
    findings = [
        f"- {s.day.isoformat()} {s.kpi}: {s.explanation}" for s in spikes if s.kpi == rule.kpi
    ]
    description = (
        f"KPI rule #{rule.id} breached: {rule.text}\n"
        f"Held from {breach.start.isoformat()} to {breach.end.isoformat()}; "
        f"latest value {breach.observed:.4g}.\n"
        "See the KPI digest for the week"
        + (":\nRoot-cause findings:\n" + "\n".join(findings[:10]) if findings else ".")
    )
    return EscalationInput(
        title=f"KPI rule breached: {rule.text}"[:255],
        area=area,
        severity=rule.severity,
        vendor=vendors[0] if len(vendors) == 1 else None,
        description=description,
    )


def describe_rules(session: Session) -> list[KpiRule]:
    """Return the active rules, oldest first."""
    return active_rules(session)
