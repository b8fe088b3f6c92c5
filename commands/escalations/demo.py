"""Demo escalations on the local tracker: a few open, a few resolved, across vendors."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from commands.escalations.config import EscalationConfig
from commands.escalations.model import PRIORITY_BY_SEVERITY
from storage.escalations import Escalation, escalation_by_dedupe_key, record_event
from storage.local_tracker import LocalIssue, next_issue_number
from storage.types import utcnow

# (severity, area, vendor, title, status, days ago, root cause)
DEMO = [
    (
        1,
        "impersonation",
        "acme",
        "Verified brand account cloned by ~40 accounts",
        "In Progress",
        1,
        None,
    ),
    (
        2,
        "account-security",
        "globex",
        "Credential-stuffing wave on vendor-reviewed accounts",
        "To Do",
        3,
        None,
    ),
    (3, "copyright", "acme", "Takedown queue stuck behind a malformed notice", "To Do", 6, None),
    (2, "compliance", None, "Audit sample missing reviewer notes", "In Progress", 9, None),
    (
        3,
        "trademark",
        "globex",
        "Trademark complaints routed to the wrong queue",
        "Resolved",
        20,
        "Routing rule typo",
    ),
    (
        4,
        "tos-appeals",
        "acme",
        "Appeal replies used an outdated template",
        "Resolved",
        35,
        "Template cache",
    ),
]


_CATEGORY = {"Resolved": "done", "In Progress": "indeterminate"}


def load_escalation_demo(session: Session, config: EscalationConfig) -> str:
    """Create the demo escalations once (re-running leaves them as they are)."""
    project = config.project
    created = 0
    for n, (sev, area, vendor, title, status, days, cause) in enumerate(DEMO, start=1):
        key = f"demo:{n}"
        if escalation_by_dedupe_key(session, key) is not None:
            continue
        at = utcnow() - timedelta(days=days, hours=n)
        number = next_issue_number(session, project)
        issue_key = f"{project}-{number}"
        category = _CATEGORY.get(status, "new")
        escalation = Escalation(
            title=title,
            area=area,
            severity=sev,
            vendor=vendor,
            reporter_id="U0LOCAL1",
            reporter_name="demo lead",
            dedupe_key=key,
            tracker="local",
            filing_state="filed",
            key=issue_key,
            url=f"opsbot://issues/{issue_key}",
            status=status,
            status_category=category,
            root_cause=cause,
            created_at=at,
            updated_at=at,
            resolved_at=at + timedelta(days=2) if cause else None,
        )
        session.add(escalation)
        session.flush()
        labels = [escalation.label, f"area-{area}", *([f"vendor-{vendor}"] if vendor else [])]
        session.add(
            LocalIssue(
                key=issue_key,
                project=project,
                number=number,
                summary=title,
                description="Demo escalation.",
                status=status,
                priority=PRIORITY_BY_SEVERITY[sev],
                labels=labels,
                created_at=at,
                updated_at=at,
            )
        )
        record_event(session, escalation, kind="created", to_value=title, actor="demo lead")
        created += 1
    session.flush()
    open_count = sum(1 for row in DEMO if row[4] != "Resolved")
    return (
        f"Escalations: {created} created on the local tracker ({open_count} open in the demo set)"
    )
