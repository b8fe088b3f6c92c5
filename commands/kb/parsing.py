"""Reading `/kb` text: a search, an article id, a diff, or the stale list."""

from __future__ import annotations

from dataclasses import dataclass

from commands.kb.article_files import clean_text
from commands.slash_text import parse_text


@dataclass(frozen=True)
class KbRequest:
    """What `/kb` was asked: kind is "help", "stale", "diff" or "lookup" (id or search)."""

    kind: str
    words: str = ""
    area: str | None = None
    everyone: bool = False

    @property
    def maybe_id(self) -> bool:
        """Tell whether the text could be an article id (one word)."""
        return bool(self.words) and " " not in self.words


def parse_kb_text(text: str) -> KbRequest:
    """Split `/kb` text; options other than `area:` stay part of the search words."""
    parsed = parse_text(clean_text(text))
    area = parsed.options.pop("area", None) or None
    # "error:" in a search is a word the user meant, not an option we know.
    words = parsed.words + [f"{k}:{v}" for k, v in parsed.options.items()]
    if not words:
        return KbRequest(kind="help")
    head = words[0].lower()
    if head == "stale" and len(words) <= 2 and area is None:
        rest = words[1].lower() if len(words) == 2 else ""
        if rest in ("", "all", "mine"):
            return KbRequest(kind="stale", everyone=rest == "all")
    if len(words) == 2 and words[1].lower() == "diff" and area is None:
        return KbRequest(kind="diff", words=words[0])
    return KbRequest(kind="lookup", words=" ".join(words), area=area)
