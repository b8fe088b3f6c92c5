"""Re-importing a folder retires the articles whose files were deleted: kept, never found."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.runtime import Runtime
from tests.conftest import Dispatch
from tests.integration.test_kb_import import article_text, run_import, stored, write
from tests.support.answers import ok_body
from tests.support.slack_requests import slash_command


def checkout(tmp_path: Path) -> Path:
    """A knowledge-base checkout with two policy articles and an FAQ."""
    root = tmp_path / "kb-repo"
    (root / ".git").mkdir(parents=True)
    write(root, "policies/impersonation.md", article_text(body="Verify the reporter first."))
    write(
        root,
        "policies/takedown.md",
        article_text("Takedown notices", area="copyright", body="Check the takedown notice."),
    )
    write(root, "faq.md", article_text("FAQ", area="other", body="Takedown questions go here."))
    return root


async def search(dispatch: Dispatch, words: str) -> str:
    """Return the text of a `/kb` search answer."""
    return json.dumps(ok_body(await dispatch(slash_command("/kb", words))))


async def test_a_deleted_file_is_retired_then_revived(
    dispatch: Dispatch, runtime: Runtime, database_url: str, engine: Engine, tmp_path: Path
) -> None:
    root = checkout(tmp_path)
    assert run_import(database_url, root)[0] == 0
    assert "policies/takedown.md" in await search(dispatch, "takedown")

    (root / "policies" / "takedown.md").unlink()
    code, output = run_import(database_url, root)
    assert code == 0, output
    assert "2 unchanged, 1 retired (file removed)" in output
    assert "retired: policies/takedown.md" in output
    articles, versions = stored(engine)
    by_path = {a.path: a for a in articles}
    assert by_path["policies/takedown.md"].retired_at is not None  # kept for history
    assert by_path["faq.md"].retired_at is None
    assert len(versions) == 3
    found = await search(dispatch, "takedown")
    assert "policies/takedown.md" not in found and "faq.md" in found
    shown = json.dumps(ok_body(await dispatch(slash_command("/kb", "policies/takedown.md"))))
    assert "*retired*" in shown and "its file was removed" in shown
    refused = ok_body(
        await dispatch(
            slash_command(
                "/training", "rollout policies/takedown.md to:acme due:+2w", user_id="U0MARIA"
            )
        )
    )
    assert "is retired (its file was removed)" in refused["text"]

    # Re-importing again retires nothing more; putting the file back makes it live again.
    assert "retired" not in run_import(database_url, root)[1]
    write(
        root,
        "policies/takedown.md",
        article_text("Takedown notices", area="copyright", body="Check the takedown notice."),
    )
    code, output = run_import(database_url, root)
    assert code == 0 and "retired" not in output, output
    assert "policies/takedown.md" in await search(dispatch, "takedown")


def test_only_the_folders_named_are_swept(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    root = checkout(tmp_path)
    assert run_import(database_url, root)[0] == 0
    (root / "faq.md").unlink()
    (root / "policies" / "takedown.md").unlink()
    # A single file says nothing of the others; a sub-folder sweeps only itself.
    code, output = run_import(database_url, root / "policies" / "impersonation.md", root=root)
    assert code == 0 and "retired" not in output, output
    code, output = run_import(database_url, root / "policies", root=root)
    assert code == 0, output
    assert "1 retired" in output and "retired: policies/takedown.md" in output
    retired = {a.path for a in stored(engine)[0] if a.retired_at is not None}
    assert retired == {"policies/takedown.md"}
