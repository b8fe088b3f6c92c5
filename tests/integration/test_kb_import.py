"""`opsbot kb import`: idempotent, versioned with the old text kept, atomic on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from bot.cli import app as cli
from commands.kb.article_files import ArticleInputError, parse_article, read_article
from storage.kb import KbArticle, KbArticleVersion


def article_text(
    title: str = "Handling impersonation reports",
    *,
    area: str = "impersonation",
    owner: str = "U0MARIA",
    reviewed: str = "2026-11-02",
    extra: str = "",
    body: str = "Verify the reporter's identity first.\n\nThen check the profile.",
) -> str:
    """Return an article file's text."""
    return (
        f"---\ntitle: {title}\narea: {area}\nowner: {owner}\nreviewed: {reviewed}\n{extra}---\n"
        f"{body}\n"
    )


def write(root: Path, relative: str, text: str) -> Path:
    """Write one article under `root`."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run_import(database_url: str, *paths: Path, root: Path | None = None) -> tuple[int, str]:
    """Run `opsbot kb import`; return (exit code, stdout and stderr)."""
    args = ["kb", "import", *map(str, paths)] + (["--root", str(root)] if root else [])
    result = CliRunner().invoke(cli, args, env={"DATABASE_URL": database_url})
    return result.exit_code, result.output


def stored(engine: Engine) -> tuple[list[KbArticle], list[KbArticleVersion]]:
    """Return every article and every version, in id order."""
    with Session(engine) as session:
        articles = list(session.exec(select(KbArticle).order_by(col(KbArticle.path))))
        versions = list(
            session.exec(
                select(KbArticleVersion).order_by(
                    col(KbArticleVersion.article_id), col(KbArticleVersion.version)
                )
            )
        )
    return articles, versions


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A knowledge-base checkout with three articles (one nested) and a hidden folder."""
    root = tmp_path / "kb-repo"
    (root / ".git").mkdir(parents=True)
    write(root, "policies/impersonation.md", article_text())
    write(
        root,
        "policies/copyright.md",
        article_text(
            "Copyright takedowns", area="copyright", extra="vendors: [acme]\ntags: [dmca]\n"
        ),
    )
    write(root, "faq.md", article_text("FAQ", area="other", owner="lead@example.com"))
    write(root, ".git/notes.md", "not an article")
    write(root, "policies/readme.txt", "not markdown")
    return root


def test_import_then_reimport_is_idempotent(
    database_url: str, engine: Engine, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = run_import(database_url, folder)
    assert code == 0, output
    assert "3 article(s): 3 new, 0 changed (new version), 0 unchanged" in output
    articles, versions = stored(engine)
    assert [a.path for a in articles] == [
        "faq.md",
        "policies/copyright.md",
        "policies/impersonation.md",
    ]
    copyright_article = articles[1]
    assert (copyright_article.vendors, copyright_article.tags) == (["acme"], ["dmca"])
    assert articles[0].owner == "lead@example.com"
    assert [v.version for v in versions] == [1, 1, 1]
    # Run again from inside the checkout, naming only a sub-folder: the same ids, no writes.
    monkeypatch.chdir(folder / "policies")
    code, output = run_import(database_url, Path("."))
    assert code == 0, output
    assert "2 article(s): 0 new, 0 changed (new version), 2 unchanged" in output
    again, versions_again = stored(engine)
    assert [(a.path, a.version, a.updated_at) for a in again] == [
        (a.path, a.version, a.updated_at) for a in articles
    ]
    assert len(versions_again) == 3


def test_a_change_bumps_the_version_and_keeps_the_old_text(
    database_url: str, engine: Engine, folder: Path
) -> None:
    assert run_import(database_url, folder)[0] == 0
    changed_body = "Verify the reporter's identity first.\n\nEscalate to SEV2 for a VIP."
    write(folder, "policies/impersonation.md", article_text(body=changed_body))
    code, output = run_import(database_url, folder)
    assert code == 0, output
    assert "1 changed (new version), 2 unchanged" in output
    assert "new version: policies/impersonation.md" in output
    articles, versions = stored(engine)
    (article,) = [a for a in articles if a.path == "policies/impersonation.md"]
    assert (article.version, article.body) == (2, changed_body)
    old, new = [v for v in versions if v.article_id == article.id]
    assert (old.version, new.version) == (1, 2)
    assert "Then check the profile." in old.body
    assert new.body == changed_body


def test_bad_front_matter_names_file_and_line_and_writes_nothing(
    database_url: str, engine: Engine, folder: Path
) -> None:
    assert run_import(database_url, folder)[0] == 0
    write(folder, "policies/impersonation.md", article_text(body="A change that must not land."))
    bad = write(folder, "policies/zz-bad.md", article_text(reviewed="2026-13-45"))
    code, output = run_import(database_url, folder)
    assert code == 2
    assert f"{bad}:5:11: reviewed must be a date such as 2026-11-02" in output
    articles, versions = stored(engine)
    assert len(articles) == 3 and len(versions) == 3
    assert all(a.version == 1 for a in articles)
    assert "must not land" not in " ".join(a.body for a in articles)


def test_missing_path_and_empty_folder_are_usage_errors(database_url: str, tmp_path: Path) -> None:
    code, output = run_import(database_url, tmp_path / "nope", root=tmp_path)
    assert code == 2 and "no such file or folder" in output
    (tmp_path / "empty").mkdir()
    code, output = run_import(database_url, tmp_path / "empty", root=tmp_path)
    assert code == 2 and "no Markdown articles" in output


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("title: x\n", 'x.md:1:1: no front matter; the file must start with a line "---"'),
        ("---\ntitle: x\n", 'x.md:1:1: the front matter is not closed by a line "---"'),
        (article_text(extra="reviewd: 2026-01-01\n"), 'x.md:6:1: unknown key "reviewd"'),
        (article_text(extra="title: again\n"), 'x.md:6:1: "title" is given twice'),
        (article_text(owner="maria"), "x.md:4:8: owner must be a Slack user id"),
        (article_text(area="Impersonation & co"), "x.md:3:7: area must be a policy area"),
        (article_text(extra="vendors: {a: 1}\n"), "x.md:6:10: vendors must be a list"),
        (article_text(title="[unclosed"), "x.md:3:5: not valid YAML"),
        (article_text(body=""), "x.md:7:1: the article has no text"),
        ("---\n- a\n- b\n---\nbody\n", "x.md:2:1: the front matter must be `key: value` lines"),
        ("---\ntitle: x\n---\nbody\n", 'x.md:1:1: the front matter has no "area"'),
    ],
)
def test_front_matter_errors_name_line_and_column(text: str, error: str) -> None:
    with pytest.raises(ArticleInputError) as raised:
        parse_article(text, name="x.md", article_id="x.md")
    assert str(raised.value).startswith(error), str(raised.value)


def test_unstorable_characters_are_dropped(tmp_path: Path) -> None:
    file = write(tmp_path, "x.md", article_text(body="line\x00one\ue000\x07 ok\r\nnext"))
    article = read_article(file, "x.md")
    assert article.body == "lineone ok\nnext"
