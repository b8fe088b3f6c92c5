"""`/checkin questions …` and `/checkin answers …`: the grammar and its usage. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from commands.slash_text import parse_mention, parse_text
from integrations.errors import UsageError

USAGE = "\n".join(
    (
        '/checkin questions VENDOR [lead:2h] [group:@leads] "QUESTION" "QUESTION" …   (admins)',
        "/checkin questions VENDOR off   (admins)",
        "/checkin answers VENDOR [YYYY-MM-DD]",
    )
)
VERBS = ("questions", "answers")
MAX_QUESTIONS = 5
QUESTION_MAX = 300
_LEAD = re.compile(r"^(\d{1,3})([mh])$")


@dataclass(frozen=True)
class QuestionsCommand:
    """`/checkin questions`: the vendor, its questions (empty = off), lead time and group."""

    vendor: str
    questions: tuple[str, ...]
    lead_minutes: int = 120
    group_id: str | None = None


@dataclass(frozen=True)
class AnswersCommand:
    """`/checkin answers`: the vendor and the digest day (None = the latest)."""

    vendor: str | None
    day: date | None = None


def is_ours(text: str) -> bool:
    """Tell whether `/checkin TEXT` is one of this package's forms."""
    words = text.split(maxsplit=1)
    return bool(words) and words[0].lower() in VERBS


def _lead(text: str) -> int:
    match = _LEAD.match(text.lower())
    minutes = int(match[1]) * (60 if match[2] == "h" else 1) if match else 0
    if not 0 < minutes <= 24 * 60:
        raise UsageError("`lead:` is how long before the digest, e.g. 2h or 90m.", usage=USAGE)
    return minutes


def _group(text: str) -> str:
    mention = parse_mention(text)
    if mention is None or mention.kind != "usergroup" or mention.id is None:
        raise UsageError("`group:` takes a user group from Slack's @-menu.", usage=USAGE)
    return mention.id


def parse_questions(text: str) -> QuestionsCommand:
    """Parse `questions VENDOR …`; each quoted phrase is one question."""
    parsed = parse_text(text)
    extra = set(parsed.options) - {"lead", "group"}
    if extra:
        raise UsageError(f"`{sorted(extra)[0]}:` does not go with `questions`.", usage=USAGE)
    words = parsed.words[1:]
    if not words:
        raise UsageError("Name the vendor after `questions`.", usage=USAGE)
    vendor, questions = words[0], tuple(q.strip() for q in words[1:] if q.strip())
    if questions == ("off",):
        return QuestionsCommand(vendor, ())
    if not questions:
        raise UsageError("Give the questions, each in quotes.", usage=USAGE)
    if len(questions) > MAX_QUESTIONS or any(len(q) > QUESTION_MAX for q in questions):
        raise UsageError(
            f"At most {MAX_QUESTIONS} questions of {QUESTION_MAX} characters.", usage=USAGE
        )
    lead = _lead(parsed.options["lead"]) if "lead" in parsed.options else 120
    group = _group(parsed.options["group"]) if "group" in parsed.options else None
    return QuestionsCommand(vendor, questions, lead, group)


def parse_answers(text: str) -> AnswersCommand:
    """Parse `answers [VENDOR] [YYYY-MM-DD]`."""
    parsed = parse_text(text)
    if parsed.options:
        raise UsageError("`answers` takes a vendor and a day only.", usage=USAGE)
    words = parsed.words[1:]
    if len(words) > 2:
        raise UsageError("`answers` takes a vendor and a day only.", usage=USAGE)
    vendor = words[0] if words else None
    day = None
    if len(words) == 2:
        try:
            day = date.fromisoformat(words[1])
        except ValueError:
            raise UsageError("The day is YYYY-MM-DD.", usage=USAGE) from None
    return AnswersCommand(vendor, day)
