"""Deterministic text rules that turn a suggestion into a draft user story.

Every slot is filled by a template that stays grammatical whatever was typed: a phrase is
used as it stands only when its first word says what it is (an imperative verb from a
closed list, a determiner or adjective, a subject); anything else is quoted after a colon
("I want this change: “…”"). A property-based test checks this over generated input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


GENERIC_BENEFIT = "the team spends less time on avoidable work"
DEFAULT_ROLE = "team member"
FALLBACK_CAPABILITY = "this improvement"
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
# Imperative verbs that are not also common nouns ("report", "alert", "test" are left out:
# "Alert fatigue is high" must not become "I want to alert fatigue is high").
VERB_STARTS = _words(
    """add create build make automate use send route move export import show merge split
    remove drop stop start allow let give share publish fix train write notify escalate
    reduce cut increase improve simplify standardise standardize replace enable disable
    require validate sync assign rotate measure translate archive close reopen clean
    consolidate centralise centralize introduce define agree prioritise prioritize prefill
    pre-fill retire expand extend streamline ask offer provide keep get put turn hire
    onboard deduplicate dedupe unify shorten hide rename delete run teach invite collect
    gather post display surface pin highlight"""
)
# Words a noun phrase starts with: "I want <a shared tracker>".
NOUN_STARTS = _words(
    """a an the more less fewer better clearer faster one some all every each our my new
    shared automatic automated weekly daily monthly clear single"""
)
# Words a clause starts with: "so that <agents stop pasting>".
SUBJECT_STARTS = _words(
    """we i you they he she it agents vendors customers users leads analysts managers
    people everyone everybody nobody nothing no none the our their its a an each every all
    fewer less more most this that these those cases tickets queues escalations reports
    kpis teams team staff reviewers there one both many partners someone anyone"""
)
_LEADS = re.compile(
    r"^(?:please\s+|pls\s+|we\s+should\s+|we\s+need\s+(?:to\s+)?|i\s+(?:want|would like)\s+"
    r"(?:to\s+)?|can\s+we\s+|could\s+we\s+|let'?s\s+|it\s+would\s+be\s+(?:nice|great|good)\s+"
    r"(?:to|if\s+we)\s+|suggestion:\s*|idea:\s*)+",
    re.IGNORECASE,
)
_SO_THAT = re.compile(r"\s*,?\s+so\s+that\s+", re.IGNORECASE)
_SO = re.compile(r"\s*,?\s+so\s+", re.IGNORECASE)
_BECAUSE = re.compile(r"\s*,?\s+(?:because|since|as)\s+", re.IGNORECASE)
_IN_ORDER_TO = re.compile(r"\s+(?:in\s+order\s+)?to\s+(?=\w)", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")
_SPACE_PUNCT = re.compile(r"\s+([,.;!?])")  # "add , add" → "add, add"
_PUNCT_RUN = re.compile(r"([,.;:!?])[,.;:!?]+")  # "wait,, what..." → "wait, what."
_EDGES = " ,.;:!?-–—\"'“”‘’"


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


def article(noun: str) -> str:
    """Return "a" or "an" for `noun`."""
    return "an" if noun[:1].lower() in "aeiou" else "a"


def story_sentence(role: str, capability: str, benefit: str) -> str:
    """Return "As a <role>, I want <capability>, so that <benefit>." with the right article."""
    return f"As {article(role)} {role}, I want {capability}, so that {benefit}."


def derive_story(text: str, *, team_words: str = "") -> DraftStory:
    """Derive role, capability, benefit and criteria from the suggestion's text."""
    cleaned = _PUNCT_RUN.sub(r"\1", _SPACE_PUNCT.sub(r"\1", " ".join(text.split())))
    cleaned = cleaned.strip(_EDGES)
    role = derive_role(f"{team_words} {cleaned}")
    wish, purpose = _split_benefit(_LEADS.sub("", cleaned).strip(_EDGES))
    capability = _capability(wish.strip(_EDGES))
    benefit = purpose if purpose else GENERIC_BENEFIT
    criteria = (
        f"Given the change is in place, when {article(role)} {role} uses it, then it works "
        "without a workaround.",
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


def _first(text: str) -> str:
    return text.split(" ", 1)[0].lower()


def _quoted(text: str) -> str:
    return "“" + text + "”"


def _split(pattern: re.Pattern[str], text: str) -> tuple[str, str] | None:
    parts = pattern.split(text, maxsplit=1)
    if len(parts) == 2 and parts[0].strip(_EDGES) and parts[1].strip(_EDGES):
        return parts[0], parts[1].strip(_EDGES)
    return None


def _split_benefit(text: str) -> tuple[str, str]:
    """Return (the wish, the benefit as a clause, or "" when none was given)."""
    found = _split(_SO_THAT, text)
    if found is not None:
        return found[0], _clause(found[1], "we reach this outcome: ")
    found = _split(_SO, text)
    # "…so we can find them": "so" alone introduces a purpose only when a subject follows.
    if found is not None and _first(found[1]) in SUBJECT_STARTS:
        return found[0], _lower_first(found[1])
    found = _split(_BECAUSE, text)
    if found is not None:
        return found[0], "we solve this: " + _quoted(found[1])
    found = _split(_IN_ORDER_TO, text)
    # "Export KPIs weekly to cut reporting time": a purpose only when a verb follows "to"
    # and something came before ("want to…" is the lead-in, "to the queue" a place).
    if found is not None and len(found[0].split()) >= 2 and _first(found[1]) in VERB_STARTS:
        return found[0], "we can " + _lower_first(found[1])
    return text, ""


def _clause(text: str, lead: str) -> str:
    if _first(text) in SUBJECT_STARTS:
        return _lower_first(text)
    return lead + _quoted(text)


def _capability(text: str) -> str:
    if not text:
        return FALLBACK_CAPABILITY
    words = text.split(" ")
    first = words[0].lower()
    if first == "to" and len(words) > 1 and words[1].lower() in VERB_STARTS:
        return _lower_first(text)
    if first in VERB_STARTS:
        return "to " + _lower_first(text)
    if first in NOUN_STARTS:
        return _lower_first(text)
    return "this change: " + _quoted(text)


def _lower_first(text: str) -> str:
    # "We" → "we", but "I", "KPIs" and "SSO" keep their capitals.
    first = text.split(" ", 1)[0]
    if first in ("I", "I'm", "I've", "I'd") or len(first) < 2 or not first[0].isupper():
        return text
    if first[1].isupper():
        return text
    return text[0].lower() + text[1:]


def story_title(capability: str, text: str) -> str:
    """Return a title for the story: the wish ("Add a macro"), or the text as typed."""
    wish = capability.removeprefix("to ").strip()
    if not wish or wish.startswith("this change: "):
        wish = text
    return wish[:1].upper() + wish[1:]
