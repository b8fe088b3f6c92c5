"""Import articles: read every file first, then write them all in one transaction.

An article's id is its path relative to the import root (the enclosing git checkout, or the
working directory), so re-importing a folder from anywhere inside the checkout finds the same
articles. A changed article gets the next version; every version's text is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from commands.kb.article_files import ArticleFile, ArticleInputError, read_article
from storage.kb import KbArticle, KbArticleVersion, articles_by_path, retire_missing

SUFFIXES = (".md", ".markdown")


@dataclass
class ImportSummary:
    """What an import did, by article id."""

    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)


def default_root(paths: list[Path], cwd: Path) -> Path:
    """Return the git checkout holding the first path, else the working directory."""
    start = paths[0].resolve() if paths else cwd.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return cwd.resolve()


def article_files(paths: list[Path]) -> list[Path]:
    """Expand folders into their Markdown files (hidden folders skipped), in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in file.relative_to(path).parts)
                if file.is_file() and file.suffix.lower() in SUFFIXES and not hidden:
                    found.append(file)
        elif path.is_file():
            found.append(path)
        else:
            raise ArticleInputError(f"{path}: no such file or folder")
    return found


def imported_folders(paths: list[Path], *, root: Path) -> list[str]:
    """Return the id prefixes of the folders among `paths` ("" for the root itself).

    Only a folder import retires articles: naming single files says nothing of the others.
    """
    root = root.resolve()
    folders: list[str] = []
    for path in paths:
        if path.is_dir():
            try:
                relative = path.resolve().relative_to(root).as_posix()
            except ValueError:
                raise ArticleInputError(f"{path}: outside the import root {root}") from None
            folders.append("" if relative == "." else relative)
    return folders


def read_articles(paths: list[Path], *, root: Path) -> list[ArticleFile]:
    """Read and validate every article under `paths`; the first problem stops it all."""
    root = root.resolve()
    articles: dict[str, ArticleFile] = {}
    for file in article_files(paths):
        try:
            article_id = file.resolve().relative_to(root).as_posix()
        except ValueError:
            raise ArticleInputError(f"{file}: outside the import root {root}") from None
        article = read_article(file, article_id)
        articles.setdefault(article_id, article)  # a file named twice is read once
    if not articles:
        raise ArticleInputError(f"no Markdown articles (*.md) under {', '.join(map(str, paths))}")
    return list(articles.values())


def import_articles(
    *,
    session: Session,
    articles: list[ArticleFile],
    now: datetime,
    folders: list[str] | None = None,
) -> ImportSummary:
    """Create new articles and version changed ones; unchanged ones are left alone.

    Articles under `folders` whose files are gone are retired; a retired article whose file
    is back is live again.
    """
    summary = ImportSummary()
    stored = articles_by_path(session, [a.path for a in articles])
    written: list[tuple[KbArticle, ArticleFile]] = []
    for article in articles:
        digest = article.content_hash
        current = stored.get(article.path)
        if current is not None and current.retired_at is not None:
            current.retired_at = None  # its file is back
            session.add(current)
        if current is not None and current.content_hash == digest:
            summary.unchanged.append(article.path)
            continue
        if current is None:
            current = KbArticle(
                path=article.path,
                title=article.title,
                area=article.area,
                owner=article.owner,
                reviewed=article.reviewed,
                body=article.body,
                content_hash=digest,
                created_at=now,
                updated_at=now,
            )
            summary.created.append(article.path)
        else:
            current.version += 1
            summary.changed.append(article.path)
        current.title, current.area, current.owner = article.title, article.area, article.owner
        current.reviewed, current.body = article.reviewed, article.body
        current.vendors, current.tags = list(article.vendors), list(article.tags)
        current.content_hash, current.updated_at = digest, now
        session.add(current)
        written.append((current, article))
    session.flush()  # one batch of inserts and updates; the new ids are known after it
    _keep_versions(session, written, now=now)
    if folders:
        present = {a.path for a in articles}
        summary.retired = retire_missing(session, folders=folders, present=present, now=now)
    return summary


def _keep_versions(
    session: Session, written: list[tuple[KbArticle, ArticleFile]], *, now: datetime
) -> None:
    session.add_all(
        KbArticleVersion(
            article_id=current.id or 0,
            version=current.version,
            title=article.title,
            body=article.body,
            meta=article.meta(),
            content_hash=current.content_hash,
            created_at=now,
        )
        for current, article in written
    )
    session.flush()
