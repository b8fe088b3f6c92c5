"""Deterministic text rules that turn a suggestion into a draft user story."""

from __future__ import annotations

import re
from dataclasses import dataclass

GENERIC_BENEFIT = "the team spends less time on avoidable work"
DEFAULT_ROLE = "team member"
# First match wins: words that name who benefits, in the order of how specific they are.
ROLE_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("escalation", "escalations", "incident", "sev1", "sev2"), "escalation lead"),
    (("vendor", "vendors", "bpo", "partner"), "vendor manager"),
    (("legal", "counsel", "subpoena", "law"), "legal reviewer"),
    (("policy", "policies", "guideline", "guidelines"), "policy specialist"),
    (("kpi", "kpis", "dashboard", "report", "analytics", "metric", "metrics"), "analyst"),
    (("queue", "macro", "macros", "ticket", "tickets", "agent", "agents"), "queue agent"),
    (("training", "onboarding", "qa", "quality"), "quality lead"),
)
_LEADS = re.compile(
    r"^(?:please\s+|pls\s+|we\s+should\s+|we\s+need\s+(?:to\s+)?|i\s+(?:want|would like)\s+"
    r"(?:to\s+)?|can\s+we\s+|could\s+we\s+|let'?s\s+|it\s+would\s+be\s+(?:nice|great|good)\s+"
    r"(?:to|if\s+we)\s+|suggestion:\s*|idea:\s*)+",
    re.IGNORECASE,
)
_SO_THAT = re.compile(r"\s*,?\s+so\s+that\s+", re.IGNORECASE)
_BECAUSE = re.compile(r"\s*,?\s+(?:because|since|as)\s+", re.IGNORECASE)
_IN_ORDER_TO = re.compile(r"\s+(?:in\s+order\s+)?to\s+(?=\w)", re.IGNORECASE)
_NOUN_STARTS = frozenset(
    [
        "a",
        "an",
        "the",
        "more",
        "less",
        "fewer",
        "better",
        "clearer",
        "faster",
        "one",
        "some",
        "all",
        "every",
        "each",
        "our",
        "my",
        "new",
        "shared",
        "automatic",
        "automated",
        "weekly",
        "daily",
        "monthly",
        "clear",
        "single",
        "to",
    ]
)
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class DraftStory:
    """As a <role>, I want <capability>, so that <benefit>; plus acceptance criteria."""

    role: str
    capability: str
    benefit: str
    criteria: tuple[str, ...]

    @property
    def sentence(self) -> str:
        """Return the story as one sentence."""
        return story_sentence(self.role, self.capability, self.benefit)


def story_sentence(role: str, capability: str, benefit: str) -> str:
    """Return "As a <role>, I want <capability>, so that <benefit>." with the right article."""
    article = "an" if role[:1].lower() in "aeiou" else "a"
    return f"As {article} {role}, I want {capability}, so that {benefit}."


def derive_story(text: str, *, team_words: str = "") -> DraftStory:
    """Derive role, capability, benefit and criteria from the suggestion's text."""
    cleaned = " ".join(text.split()).strip().rstrip(".!?;")
    role = derive_role(f"{team_words} {cleaned}")
    capability, benefit = _split_benefit(_LEADS.sub("", cleaned))
    capability = capability.strip(" ,.;") or cleaned or "this improvement"
    capability = _as_wish(_lower_first(capability))
    benefit = _lower_first(benefit.strip(" ,.;")) if benefit else GENERIC_BENEFIT
    criteria = (
        f"Given {capability} is in place, when a {role} uses it, then it works without a "
        "workaround.",
        "The change is written down where the team looks first (runbook or macro list).",
        f"Before/after evidence shows that {benefit}.",
    )
    return DraftStory(role=role, capability=capability, benefit=benefit, criteria=criteria)


def derive_role(text: str) -> str:
    """Return the role its words point at, or "team member"."""
    words = set(_WORD.findall(text.lower()))
    for keys, role in ROLE_WORDS:
        if words.intersection(keys):
            return role
    return DEFAULT_ROLE


def _split_benefit(text: str) -> tuple[str, str]:
    for pattern, prefix in ((_SO_THAT, ""), (_BECAUSE, "we fix this: "), (_IN_ORDER_TO, "we can ")):
        parts = pattern.split(text, maxsplit=1)
        if len(parts) == 2 and parts[0].strip() and parts[1].strip():
            if pattern is _IN_ORDER_TO and len(parts[0].split()) < 2:
                continue  # "want to…", "need to…": the lead-in, not a purpose clause
            return parts[0], prefix + parts[1]
    return text, ""


def _as_wish(capability: str) -> str:
    # "add a macro" reads as a verb phrase: "I want to add a macro"; "a macro" stays as is.
    first = capability.split(" ", 1)[0].lower()
    return capability if first in _NOUN_STARTS else f"to {capability}"


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text
