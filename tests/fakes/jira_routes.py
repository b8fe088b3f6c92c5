"""Route table of the fake Jira: one function per REST v2 endpoint."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

from tests.fakes.jira_jql import JqlError
from tests.fakes.jira_state import LINK_TYPES, PRIORITIES, JiraHttpError, JiraState

JSON = dict[str, Any]
Handler = Callable[[JiraState, re.Match[str], JSON, JSON], tuple[int, Any]]


def _server_info(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    return 200, {
        "baseUrl": st.base_url,
        "version": "1001.0.0-SNAPSHOT",
        "versionNumbers": [1001, 0, 0],
        "deploymentType": "Cloud",
        "buildNumber": 100280,
        "serverTitle": "Jira",
        "serverTime": "2024-01-01T00:00:00.000+0000",
    }


def create_issue(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    return 201, st.create(b)


def _issue(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    return 200, st.get(m[1])


def _edit(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    st.update(st.get(m[1]), b)
    return 204, None


def _delete(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    del st.issues[st.get(m[1])["key"]]
    return 204, None


def _comments(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    return 200, st.get(m[1])["fields"]["comment"]


def _add_comment(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    return 201, st.add_comment(st.get(m[1]), b)


def _transitions(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    return 200, {"expand": "transitions", "transitions": st.transitions(st.get(m[1]))}


def _transition(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    st.transition(st.get(m[1]), b)
    return 204, None


def _assign(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    st.get(m[1])["fields"]["assignee"] = st.find_user(b.get("accountId"))
    return 204, None


def _link_types(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    return 200, {
        "issueLinkTypes": [
            {
                "id": i,
                "name": n,
                "inward": inw,
                "outward": out,
                "self": st.url(f"issueLinkType/{i}"),
            }
            for i, n, inw, out in LINK_TYPES
        ]
    }


def _link(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    name = (b.get("type") or {}).get("name")
    found = [t for t in LINK_TYPES if t[1] == name]
    if not found:
        raise JiraHttpError(404, [f"No issue link type with name '{name}' found."])
    inward = st.get(str((b.get("inwardIssue") or {}).get("key")))
    outward = st.get(str((b.get("outwardIssue") or {}).get("key")))
    tid, tname, inw, out = found[0]
    link_type = {"id": tid, "name": tname, "inward": inw, "outward": out}
    ref = {k: outward[k] for k in ("id", "key", "self")}
    inward["fields"]["issuelinks"].append({"type": link_type, "outwardIssue": ref})
    ref = {k: inward[k] for k in ("id", "key", "self")}
    outward["fields"]["issuelinks"].append({"type": link_type, "inwardIssue": ref})
    if b.get("comment"):
        st.add_comment(inward, b["comment"])
    return 201, None


def _user_search(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    needle = str(q.get("query") or q.get("username") or "").lower()
    start, limit = int(q.get("startAt", 0)), int(q.get("maxResults", 50))
    found = [
        u
        for u in st.users.values()
        if needle
        and (needle in str(u["emailAddress"] or "").lower() or needle in u["displayName"].lower())
    ]
    return 200, found[start : start + limit]


def _project(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    for p in st.projects.values():
        if m[1] in (p["key"], p["id"]):
            return 200, p
    raise JiraHttpError(404, [f"No project could be found with key '{m[1]}'."])


def _search(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    args = {**q, **b}
    try:
        found = st.search(str(args.get("jql") or ""))
    except JqlError as exc:
        raise JiraHttpError(400, [str(exc)]) from exc
    start = (
        int(base64.b64decode(args["nextPageToken"]).decode()) if args.get("nextPageToken") else 0
    )
    limit = int(args.get("maxResults") or 50)
    page = found[start : start + limit]
    raw = args.get("fields") or []
    wanted = [f for part in ([raw] if isinstance(raw, str) else raw) for f in part.split(",")]
    if not {"*all", "*navigable"} & set(wanted):  # Cloud returns only ids unless asked
        page = [
            {**i, "fields": {k: v for k, v in i["fields"].items() if k in wanted}} for i in page
        ]
    answer: JSON = {"issues": page, "isLast": start + limit >= len(found)}
    if not answer["isLast"]:
        answer["nextPageToken"] = base64.b64encode(str(start + limit).encode()).decode()
    return 200, answer


def _search_removed(st: JiraState, m: re.Match[str], q: JSON, b: JSON) -> tuple[int, Any]:
    raise JiraHttpError(
        410,
        ["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."],
    )


def _const(fn: Callable[[JiraState], Any]) -> Handler:
    return lambda st, m, q, b: (200, fn(st))


KEY = r"([A-Z][A-Z0-9_]*-\d+|\d+)"
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "serverInfo", _server_info),
    ("GET", "field", _const(lambda st: st.fields())),
    ("GET", "myself", _const(lambda st: st.myself)),
    ("GET", "priority", _const(lambda st: [st.priority(n) for n in PRIORITIES])),
    ("GET", "issuetype", _const(lambda st: st.projects["PROJ"]["issueTypes"])),
    ("GET", "issueLinkType", _link_types),
    ("POST", "issueLink", _link),
    ("GET", "project", _const(lambda st: list(st.projects.values()))),
    ("GET", r"project/([^/]+)", _project),
    ("GET", "user/search", _user_search),
    ("POST", "issue", create_issue),
    ("GET", f"issue/{KEY}", _issue),
    ("PUT", f"issue/{KEY}", _edit),
    ("DELETE", f"issue/{KEY}", _delete),
    ("GET", f"issue/{KEY}/comment", _comments),
    ("POST", f"issue/{KEY}/comment", _add_comment),
    ("GET", f"issue/{KEY}/transitions", _transitions),
    ("POST", f"issue/{KEY}/transitions", _transition),
    ("PUT", f"issue/{KEY}/assignee", _assign),
    ("GET", "search/jql", _search),
    ("POST", "search/jql", _search),
    ("GET", "search", _search_removed),
    ("POST", "search", _search_removed),
]
