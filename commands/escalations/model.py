"""Escalation vocabulary: policy areas, severities, and what a filing request holds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SEVERITIES: dict[int, str] = {
    1: "Critical: active harm to many accounts or a legal deadline today",
    2: "High: spreading abuse or a key partner blocked; act within hours",
    3: "Medium: contained problem; act within a working day",
    4: "Low: needs follow-up, no urgency",
}
PRIORITY_BY_SEVERITY = {1: "Highest", 2: "High", 3: "Medium", 4: "Low"}
TRAINING_GAP = "training-gap"
# The kinds of root cause a resolve may name; a training gap offers a training rollout.
ROOT_CAUSE_KINDS: dict[str, str] = {
    TRAINING_GAP: "Training gap (agents were not taught this)",
    "policy-gap": "Policy gap (no rule covered it)",
    "tooling": "Tooling or product bug",
    "vendor-process": "Vendor process not followed",
    "other": "Other",
}
_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Normalise an area or label: lower case, `_` and spaces become `-`."""
    return _SLUG.sub("-", text.strip().lower()).strip("-")


@dataclass(frozen=True)
class PolicyAreas:
    """The configured policy areas, in order: slug -> label."""

    labels: dict[str, str]

    @classmethod
    def parse(cls, raw: str) -> PolicyAreas:
        """Read `slug=Label,slug=Label` (a bare label gets its slug derived)."""
        labels: dict[str, str] = {}
        for part in raw.split(","):
            if not part.strip():
                continue
            slug, _, label = part.partition("=")
            label = label.strip() or slug.strip()
            labels[slugify(slug)] = label
        if not labels:
            labels["other"] = "Other"
        return cls(labels)

    def find(self, text: str) -> str | None:
        """Return the slug `text` names (slug or label, any case, `-`/`_` alike)."""
        wanted = slugify(text)
        for slug, label in self.labels.items():
            if wanted in (slug, slugify(label)):
                return slug
        return None

    def label(self, slug: str) -> str:
        """Return the display label of `slug`."""
        return self.labels.get(slug, slug)


@dataclass
class EscalationInput:
    """A validated filing request, from the modal or the one-line form."""

    title: str
    area: str
    severity: int
    vendor: str | None = None
    affected_accounts: int | None = None
    description: str = ""
    links: list[str] = field(default_factory=list)

    def stored_fields(self) -> dict[str, Any]:
        """Return the request as the escalation row stores it (links one per line)."""
        return {
            "title": self.title,
            "description": self.description,
            "area": self.area,
            "severity": self.severity,
            "vendor": self.vendor,
            "affected_accounts": self.affected_accounts,
            "links": "\n".join(self.links),
        }
