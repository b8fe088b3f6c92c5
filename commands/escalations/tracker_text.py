"""What an escalation looks like in the tracker: summary, wiki-markup description, labels."""

from __future__ import annotations

from commands.escalations.model import PRIORITY_BY_SEVERITY, slugify
from commands.escalations.service import EscalationDesk
from integrations.tracker.base import IssueDraft
from integrations.tracker.wiki import noformat_block, wiki_escape, wiki_link
from storage.escalations import Escalation

__all__ = ["issue_draft", "wiki_escape"]


def issue_draft(
    escalation: Escalation, desk: EscalationDesk, reporter_account: str | None
) -> IssueDraft:
    """Build the issue for an escalation, labelled `opsbot-<id>` for correlation."""
    labels = [f"area-{escalation.area}"]
    if escalation.vendor:
        labels.append(f"vendor-{slugify(escalation.vendor)}")
    filed_by = (
        f"[~accountid:{reporter_account}]"
        if reporter_account
        else wiki_escape(escalation.reporter_name or escalation.reporter_id)
    )
    lines = [
        f"*Filed from Slack by:* {filed_by} (Slack user {wiki_escape(escalation.reporter_id)})",
        f"*Severity:* SEV{escalation.severity}",
        f"*Policy area:* {wiki_escape(desk.areas.label(escalation.area))}",
        f"*Vendor:* {wiki_escape(escalation.vendor) if escalation.vendor else '-'}",
    ]
    if escalation.affected_accounts is not None:
        lines.append(f"*Affected accounts:* {escalation.affected_accounts}")
    if escalation.origin_channel_id:
        lines.append(f"*Slack channel:* {wiki_escape(escalation.origin_channel_id)}")
    if escalation.source_permalink:
        lines.append(f"*Slack message:* {wiki_link(escalation.source_permalink)}")
    if escalation.description:
        lines += ["", "h3. Description", *noformat_block(escalation.description)]
    links = [link for link in escalation.links.split() if link]
    if links:
        # Each link as `[text|url]`, both parts escaped: a typed `|` or `]` cannot retarget it.
        lines += ["", "h3. Links", *[f"* {wiki_link(link)}" for link in links]]
    custom = {
        field: _custom_value(template, escalation) for field, template in desk.custom_fields.items()
    }
    return IssueDraft(
        project=desk.project,
        summary=escalation.title,
        description="\n".join(lines),
        correlation_label=escalation.label,
        issue_type=desk.issue_type,
        priority=PRIORITY_BY_SEVERITY[escalation.severity],
        labels=tuple(labels),
        components=tuple(desk.components_by_area.get(escalation.area, ())),
        custom_fields=custom,
    )


def _custom_value(template: str, escalation: Escalation) -> str | int | None:
    """Map an escalation attribute named by configuration (e.g. `vendor`) to a custom field."""
    values: dict[str, str | int | None] = {
        "severity": f"SEV{escalation.severity}",
        "area": escalation.area,
        "vendor": escalation.vendor,
        "affected_accounts": escalation.affected_accounts,
        "reporter": escalation.reporter_name,
    }
    return values.get(template, template)
