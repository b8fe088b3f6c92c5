"""Read knowledge-base articles: Markdown files that open with YAML front matter.

```
---
title: Handling impersonation reports
area: impersonation
owner: U0MARIA            # a Slack user id or an e-mail address
reviewed: 2026-11-02
vendors: [acme, globex]   # optional; empty = every vendor
tags: [verification, id]  # optional
---
Article text in Markdown…
```
Every problem is reported as `file:line:column: what is wrong`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from storage.kb_search import MARK_END, MARK_START

REQUIRED = ("title", "area", "owner", "reviewed")
OPTIONAL = ("vendors", "tags")
MAX_TITLE = 300
MAX_BODY = 200_000
_FENCE = re.compile(r"^(---|\.\.\.)\s*$")
_AREA = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,31}$")
_EMAIL = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]{1,189}\.[A-Za-z]{2,63}$")
# Control characters other than tab and newline, and the search engine's snippet markers.
_UNSTORABLE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f{MARK_START}{MARK_END}]")


class ArticleInputError(Exception):
    """An article file cannot be imported; the message names the file, line and column."""


@dataclass(frozen=True)
class ArticleFile:
    """One article as read from disk, validated, its id the path relative to the root."""

    path: str
    title: str
    area: str
    owner: str
    reviewed: date
    vendors: tuple[str, ...]
    tags: tuple[str, ...]
    body: str

    @property
    def content_hash(self) -> str:
        """Return a digest of everything stored, so an unchanged file is recognised."""
        fields = {
            "title": self.title,
            "area": self.area,
            "owner": self.owner,
            "reviewed": self.reviewed.isoformat(),
            "vendors": list(self.vendors),
            "tags": list(self.tags),
            "body": self.body,
        }
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()

    def meta(self) -> dict[str, Any]:
        """Return the front matter as stored beside each version."""
        return {
            "area": self.area,
            "owner": self.owner,
            "reviewed": self.reviewed.isoformat(),
            "vendors": list(self.vendors),
            "tags": list(self.tags),
        }


def clean_text(text: str) -> str:
    """Normalise line ends and drop characters that must never be stored."""
    return _UNSTORABLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def read_article(file: Path, article_id: str) -> ArticleFile:
    """Read and validate one article file."""
    try:
        raw = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArticleInputError(f"{file}:1:1: not UTF-8 text") from None
    except OSError as exc:
        raise ArticleInputError(f"{file}: cannot read ({exc.strerror})") from None
    return parse_article(clean_text(raw), name=str(file), article_id=article_id)


def parse_article(text: str, *, name: str, article_id: str) -> ArticleFile:
    """Split front matter from body and validate both; `name` prefixes every error."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ArticleInputError(
            f'{name}:1:1: no front matter; the file must start with a line "---"'
        )
    end = next((i for i in range(1, len(lines)) if _FENCE.match(lines[i])), None)
    if end is None:
        raise ArticleInputError(f'{name}:1:1: the front matter is not closed by a line "---"')
    meta = _front_matter("\n".join(lines[1:end]), name)
    body = "\n".join(lines[end + 1 :]).strip("\n")
    where = f"{name}:{end + 2}:1"
    if not body.strip():
        raise ArticleInputError(f"{where}: the article has no text after the front matter")
    if len(body) > MAX_BODY:
        raise ArticleInputError(f"{where}: the article is longer than {MAX_BODY:,} characters")
    return ArticleFile(path=article_id, body=body, **meta)


def _front_matter(source: str, name: str) -> dict[str, Any]:
    loader = yaml.SafeLoader(source)
    try:
        node = loader.get_single_node()
        if not isinstance(node, yaml.MappingNode):
            line = node.start_mark.line + 2 if node is not None else 2
            raise ArticleInputError(f"{name}:{line}:1: the front matter must be `key: value` lines")
        values: dict[str, tuple[Any, yaml.Mark]] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            where = _at(name, key_node.start_mark)
            if key in values:
                raise ArticleInputError(f'{where}: "{key}" is given twice')
            if key not in REQUIRED + OPTIONAL:
                expected = ", ".join(sorted(REQUIRED + OPTIONAL))
                raise ArticleInputError(
                    f'{where}: unknown key "{key}" (expected one of: {expected})'
                )
            try:
                value = loader.construct_object(value_node, deep=True)
            except (ValueError, TypeError):
                # YAML reads 2026-13-45 as a timestamp and fails to build it.
                value = None if key == "reviewed" else value_node.value
            values[key] = (value, value_node.start_mark)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _at(name, mark) if mark is not None else f"{name}:2:1"
        raise ArticleInputError(f"{where}: not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ArticleInputError(f"{name}:2:1: not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    for key in REQUIRED:
        if key not in values:
            raise ArticleInputError(f'{name}:1:1: the front matter has no "{key}"')
    return {
        "title": _title(*values["title"], name),
        "area": _area(*values["area"], name),
        "owner": _owner(*values["owner"], name),
        "reviewed": _reviewed(*values["reviewed"], name),
        "vendors": _slugs(*values.get("vendors", ([], None)), name, "vendors"),
        "tags": _slugs(*values.get("tags", ([], None)), name, "tags"),
    }


def _at(name: str, mark: yaml.Mark | None) -> str:
    # Front-matter line 1 is file line 2: the opening "---" comes first.
    if mark is None:
        return f"{name}:2:1"
    return f"{name}:{mark.line + 2}:{mark.column + 1}"


def _title(value: Any, mark: yaml.Mark, name: str) -> str:
    if not isinstance(value, str | int | float) or not str(value).strip():
        raise ArticleInputError(f"{_at(name, mark)}: title must be a line of text")
    title = " ".join(str(value).split())
    if len(title) > MAX_TITLE:
        raise ArticleInputError(f"{_at(name, mark)}: title is longer than {MAX_TITLE} characters")
    return title


def _area(value: Any, mark: yaml.Mark, name: str) -> str:
    area = str(value).strip().lower() if isinstance(value, str) else ""
    if not _AREA.match(area):
        raise ArticleInputError(
            f"{_at(name, mark)}: area must be a policy area such as impersonation "
            "(letters, digits and dashes)"
        )
    return area


def _owner(value: Any, mark: yaml.Mark, name: str) -> str:
    owner = str(value).strip() if isinstance(value, str) else ""
    if _SLACK_USER.match(owner):
        return owner
    if _EMAIL.match(owner):
        return owner.lower()
    raise ArticleInputError(
        f"{_at(name, mark)}: owner must be a Slack user id (U0123ABCD) or an e-mail address"
    )


def _reviewed(value: Any, mark: yaml.Mark, name: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ArticleInputError(f"{_at(name, mark)}: reviewed must be a date such as 2026-11-02")


def _slugs(value: Any, mark: yaml.Mark | None, name: str, key: str) -> tuple[str, ...]:
    items: list[Any]
    if value is None:
        items = []
    elif isinstance(value, str):
        items = [v for v in value.split(",") if v.strip()]
    elif isinstance(value, list):
        items = value
    else:
        raise ArticleInputError(f"{_at(name, mark)}: {key} must be a list such as [acme, globex]")
    slugs: list[str] = []
    for item in items:
        slug = str(item).strip().lower() if isinstance(item, str | int) else ""
        if not _SLUG.match(slug):
            raise ArticleInputError(
                f"{_at(name, mark)}: {key} holds {str(item)[:40]!r}, not a short name "
                "(letters, digits, dots and dashes)"
            )
        if slug not in slugs:
            slugs.append(slug)
    return tuple(slugs)
