"""Reading `/training` text: `rollout ARTICLE-ID to:… due:… [NOTE]` and `status [...]`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from commands.due_dates import parse_due
from commands.kb.article_files import clean_text
from commands.mrkdwn import escape, escape_clip
from commands.slash_text import parse_text
from commands.training.scores import ScoresRequest, parse_scores_text
from commands.training.service import TRAINING_USAGE
from integrations.errors import UsageError


@dataclass(frozen=True)
class TrainingRequest:
    """What `/training` was asked."""

    verb: str  # "rollout" | "status" | "scores"
    article: str | None = None
    vendors: list[str] = field(default_factory=list)
    due: date | None = None
    note: str = ""
    vendor: str | None = None
    scores: ScoresRequest | None = None


def parse_training_text(text: str, *, today: date) -> TrainingRequest:
    """Split the text; the due day is read relative to `today`."""
    parsed = parse_text(clean_text(text))
    verb = parsed.words[0].lower() if parsed.words else ""
    rest = parsed.words[1:]
    options = parsed.options
    if verb == "rollout":
        unknown = sorted(set(options) - {"to", "due"})
        if unknown:
            raise UsageError(
                f"`{escape(unknown[0])}:` is not an option of rollout.", usage=TRAINING_USAGE
            )
        if not rest:
            raise UsageError(
                "Name the article, e.g. `policies/impersonation.md`.", usage=TRAINING_USAGE
            )
        if "due" not in options:
            raise UsageError("Give a due day with `due:`, e.g. `due:fri`.", usage=TRAINING_USAGE)
        vendors = [v.strip() for v in options.get("to", "").split(",") if v.strip()]
        return TrainingRequest(
            verb="rollout",
            article=rest[0],
            vendors=vendors,
            due=parse_due(options["due"], today=today),
            note=" ".join(rest[1:]),
        )
    if verb == "scores":
        return TrainingRequest(verb="scores", scores=parse_scores_text(rest, options))
    if verb in ("status", ""):
        unknown = sorted(set(options) - {"vendor"})
        if unknown or len(rest) > 1:
            raise UsageError("Give an article id or `vendor:NAME`.", usage=TRAINING_USAGE)
        return TrainingRequest(
            verb="status", article=rest[0] if rest else None, vendor=options.get("vendor")
        )
    raise UsageError(
        f"`/training {escape_clip(verb, 40)}` is not a command I know.", usage=TRAINING_USAGE
    )
