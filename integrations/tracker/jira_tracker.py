"""Jira (REST v2 via the `jira` library) behind the Tracker protocol, one client per thread."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import requests
from jira import JIRA, JIRAError

from integrations.errors import NotFound
from integrations.metrics import OpsMetrics
from integrations.tracker.base import (
    BOT_COMMENT_MARK,
    IssueDraft,
    IssueFilter,
    TrackerIssue,
    TrackerOutage,
    TrackerRejected,
    TrackerUser,
    Transition,
    build_jql,
    jql_quote,
    pick_transition,
    user_from_raw,
)
from integrations.tracker.wiki import wiki_escape

T = TypeVar("T")
_FIELDS = "summary,status,priority,assignee,labels,parent,updated"


@dataclass(frozen=True)
class JiraConfig:
    """How to reach Jira: URL and either e-mail + API token (Cloud) or a PAT (Data Center)."""

    url: str
    email: str | None
    api_token: str | None
    pat: str | None = None
    timeout: float = 30.0
    # Threads of the tracker's own pool: a slow Jira ties up these, never the loop's default
    # executor (which other libraries share) nor the database workers.
    workers: int = 4


class JiraTracker:
    """The Tracker protocol over the sync `jira` client, run on a bounded pool of its own."""

    name = "jira"

    def __init__(self, config: JiraConfig, *, metrics: OpsMetrics | None = None) -> None:
        self._config = config
        self._metrics = metrics
        self._local = threading.local()
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, config.workers), thread_name_prefix="jira"
        )

    async def aclose(self) -> None:
        """Let the calls in flight finish (on a thread: the loop keeps running), then stop."""
        await asyncio.to_thread(self._executor.shutdown, wait=True)

    def _client(self) -> JIRA:
        client: JIRA | None = getattr(self._local, "client", None)
        if client is None:
            cfg = self._config
            auth: dict[str, Any] = (
                {"token_auth": cfg.pat}
                if cfg.pat
                else {"basic_auth": (cfg.email or "", cfg.api_token or "")}
            )
            # max_retries=0: the library would POST a create again on its own and duplicate
            # it; the outbox owns retries and looks the correlation label up first.
            client = JIRA(
                server=cfg.url,
                max_retries=0,
                get_server_info=False,
                timeout=cfg.timeout,
                **auth,
            )
            if not cfg.pat:
                # Skipping the serverInfo call keeps a down Jira from failing construction;
                # basic auth with an API token means Cloud (and its /search/jql API).
                client.deploymentType = "Cloud"
            self._local.client = client
        return client

    async def _call(self, method: str, fn: Callable[[JIRA], T]) -> T:
        def run() -> T:
            return fn(self._client())

        # Context variables (the request id in log lines) follow the call, as with to_thread.
        bound = functools.partial(contextvars.copy_context().run, run)
        try:
            result = await asyncio.get_running_loop().run_in_executor(self._executor, bound)
        except JIRAError as exc:
            status = exc.status_code or 0
            self._count(method, str(status))
            raise _translate(exc) from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            self._count(method, "unreachable")
            raise TrackerOutage("Jira is unavailable (no answer).") from exc
        self._count(method, "ok")
        return result

    def _count(self, method: str, status: str) -> None:
        if self._metrics is not None:
            self._metrics.outbound.labels("jira", method, status).inc()

    async def create_issue(self, draft: IssueDraft) -> TrackerIssue:
        """Create the issue unless one with the correlation label already exists."""
        existing = await self.find_by_label(draft.correlation_label)
        if existing is not None:
            return existing
        fields: dict[str, Any] = {
            "project": {"key": draft.project},
            "summary": draft.summary,
            "description": draft.description,
            "issuetype": {"name": draft.issue_type},
            "labels": [draft.correlation_label, *draft.labels],
            **draft.custom_fields,
        }
        if draft.priority:
            fields["priority"] = {"name": draft.priority}
        if draft.components:
            fields["components"] = [{"name": c} for c in draft.components]
        if draft.parent_key:
            fields["parent"] = {"key": draft.parent_key}
        if draft.assignee_account_id:
            fields["assignee"] = {"accountId": draft.assignee_account_id}
        created = await self._call(
            "create_issue", lambda j: j.create_issue(fields=fields, prefetch=False)
        )
        return TrackerIssue(
            key=str(created.key),
            summary=draft.summary,
            status="To Do",
            status_category="new",
            url=self.browse_url(str(created.key)),
            priority=draft.priority,
            labels=tuple(fields["labels"]),
            parent_key=draft.parent_key,
        )

    async def find_by_label(self, label: str) -> TrackerIssue | None:
        """Return the issue carrying `label`, if any."""
        jql = f"labels = {jql_quote(label)} ORDER BY created ASC"
        found = await self._call("search", lambda j: _search(j, jql, 1))
        return self._issue(found[0].raw) if found else None

    async def get_issue(self, key: str) -> TrackerIssue:
        """Return the issue."""
        issue = await self._call("get_issue", lambda j: j.issue(key, fields=_FIELDS))
        return self._issue(issue.raw)

    async def update_fields(self, key: str, fields: dict[str, Any]) -> None:
        """Set fields on the issue."""
        await self._call("update", lambda j: self._put(j, f"issue/{key}", {"fields": fields}))

    async def add_comment(self, key: str, body: str, *, ref: str | None = None) -> str:
        """Add a marked comment and return its id; one carrying `ref` already is reused."""
        mark = f"{BOT_COMMENT_MARK} ref:{ref}" if ref else BOT_COMMENT_MARK
        if ref:
            # Jira has no idempotency key for comments: an attempt whose answer was lost
            # may have added it, so look for the ref before adding it again.
            existing = await self._call("comments", lambda j: list(j.comments(key)))
            for found in existing:
                if str(getattr(found, "body", "")).endswith(mark):
                    return str(found.id)
        # The body is plain text (the protocol says so): escaped here, once, for Jira's wiki.
        text = f"{wiki_escape(body)}\n\n{mark}"
        comment = await self._call("add_comment", lambda j: j.add_comment(key, text))
        return str(comment.id)

    async def transitions(self, key: str) -> list[Transition]:
        """Return the transitions available now."""
        raw = await self._call("transitions", lambda j: j.transitions(key))
        return [
            Transition(
                id=str(t["id"]),
                name=str(t["name"]),
                to_status=str(t["to"]["name"]),
                to_category=str(t["to"]["statusCategory"]["key"]),
            )
            for t in raw
        ]

    async def transition(
        self, key: str, name_or_id: str, *, fields: dict[str, Any] | None = None
    ) -> Transition:
        """Move the issue by transition name or id."""
        chosen = pick_transition(await self.transitions(key), name_or_id)
        await self._call(
            "transition", lambda j: j.transition_issue(key, chosen.id, fields=fields or None)
        )
        return chosen

    async def assign(self, key: str, account_id: str | None) -> None:
        """Assign the issue by account id (None unassigns)."""
        await self._call(
            "assign", lambda j: self._put(j, f"issue/{key}/assignee", {"accountId": account_id})
        )

    async def find_user_by_email(self, email: str) -> TrackerUser | None:
        """Return the account whose e-mail is exactly `email`."""
        users = await self._call("user_search", lambda j: list(j.search_users(query=email)))
        for user in users:
            raw = user.raw
            if str(raw.get("emailAddress") or "").lower() == email.lower():
                return TrackerUser(
                    str(raw["accountId"]), str(raw["displayName"]), raw.get("emailAddress")
                )
        return None

    async def search(self, flt: IssueFilter, *, limit: int = 50) -> list[TrackerIssue]:
        """Return issues matching the filter."""
        jql = build_jql(flt)
        found = await self._call(
            "search",
            lambda j: _search(j, jql, limit),
        )
        return [self._issue(i.raw) for i in found]

    async def link_issues(self, link_type: str, inward_key: str, outward_key: str) -> None:
        """Link two issues."""
        await self._call("link", lambda j: j.create_issue_link(link_type, inward_key, outward_key))

    def browse_url(self, key: str) -> str:
        """Return the human URL of the issue."""
        return f"{self._config.url.rstrip('/')}/browse/{key}"

    @staticmethod
    def _put(client: JIRA, path: str, body: dict[str, Any]) -> None:
        client._session.put(client._get_url(path), data=json.dumps(body))

    def _issue(self, raw: dict[str, Any]) -> TrackerIssue:
        fields = raw.get("fields") or {}
        status = fields.get("status") or {}
        assignee = fields.get("assignee")
        parent = fields.get("parent")
        updated = fields.get("updated")
        return TrackerIssue(
            key=str(raw["key"]),
            summary=str(fields.get("summary") or ""),
            status=str(status.get("name") or "?"),
            status_category=str((status.get("statusCategory") or {}).get("key") or "new"),
            url=self.browse_url(str(raw["key"])),
            priority=(fields.get("priority") or {}).get("name"),
            assignee=user_from_raw(assignee),
            labels=tuple(fields.get("labels") or ()),
            parent_key=parent.get("key") if parent else None,
            updated=_parse_time(updated) if updated else None,
        )


def _search(client: JIRA, jql: str, limit: int) -> list[Any]:
    if client._is_cloud:
        return list(client.enhanced_search_issues(jql, maxResults=limit, fields=_FIELDS))
    return list(client.search_issues(jql, maxResults=limit, fields=_FIELDS))


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        return None


def _translate(exc: JIRAError) -> Exception:
    status = exc.status_code or 0
    if status == 429 or status >= 500:
        retry_after: float | None = None
        header = exc.response.headers.get("Retry-After") if exc.response is not None else None
        if header:
            try:
                retry_after = float(header)
            except ValueError:
                retry_after = None
        return TrackerOutage(f"Jira is unavailable (HTTP {status}).", retry_after=retry_after)
    if status == 404:
        return NotFound("Jira has no such issue (or opsbot may not see it).")
    if status in (401, 403):
        return TrackerRejected(f"Jira refused opsbot's credentials (HTTP {status}).")
    return TrackerRejected(f"Jira refused the request: {_jira_messages(exc)}")


def _jira_messages(exc: JIRAError) -> str:
    try:
        body = json.loads(exc.text or "{}")
    except ValueError:
        return str(exc.text or exc.status_code)[:300]
    parts = list(body.get("errorMessages") or [])
    parts += [f"{k}: {v}" for k, v in (body.get("errors") or {}).items()]
    return "; ".join(parts)[:300] or f"HTTP {exc.status_code}"
