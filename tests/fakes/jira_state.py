"""State of the fake Jira Cloud site: projects, users, issues and their workflow.

Shapes follow Jira Cloud REST v2 (https://developer.atlassian.com/cloud/jira/platform/rest/v2/).
Methods raise JiraHttpError carrying Jira's ErrorCollection body.
"""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime
from typing import Any

from tests.fakes.jira_jql import Query

JSON = dict[str, Any]
CATEGORIES = {
    "new": {"id": 2, "key": "new", "name": "To Do", "colorName": "blue-gray"},
    "indeterminate": {
        "id": 4,
        "key": "indeterminate",
        "name": "In Progress",
        "colorName": "yellow",
    },
    "done": {"id": 3, "key": "done", "name": "Done", "colorName": "green"},
}
STATUSES = {  # name -> (id, category)
    "To Do": ("10000", "new"),
    "In Progress": ("3", "indeterminate"),
    "Done": ("10001", "done"),
    "Resolved": ("5", "done"),
}
# Global transitions as in a Cloud "simplified" workflow: id -> (name, target status)
WORKFLOW = {
    "11": ("To Do", "To Do"),
    "21": ("In Progress", "In Progress"),
    "31": ("Done", "Done"),
    "41": ("Resolve", "Resolved"),
}
ISSUE_TYPES = {
    "Epic": "10000",
    "Story": "10001",
    "Task": "10002",
    "Bug": "10003",
    "Sub-task": "10004",
}
PRIORITIES = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}
LINK_TYPES = [
    ("10000", "Blocks", "is blocked by", "blocks"),
    ("10001", "Cloners", "is cloned by", "clones"),
    ("10002", "Duplicate", "is duplicated by", "duplicates"),
    ("10003", "Relates", "relates to", "relates to"),
]
SYSTEM_FIELDS = [
    "summary",
    "description",
    "issuetype",
    "project",
    "status",
    "priority",
    "labels",
    "components",
    "assignee",
    "reporter",
    "created",
    "updated",
    "resolution",
    "resolutiondate",
    "parent",
    "comment",
    "issuelinks",
]
JQL_ALIASES = {
    "key": "key",
    "issuekey": "key",
    "id": "id",
    "type": "issuetype",
    "statuscategory": "statusCategory",
    "component": "components",
    "text": "summary",
}


class JiraHttpError(Exception):
    """An HTTP error with Jira's ErrorCollection body."""

    def __init__(
        self, status: int, messages: list[str] | None = None, errors: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status}: {messages} {errors}")
        self.status = status
        self.body = {"errorMessages": messages or [], "errors": errors or {}}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class JiraState:
    """Everything the fake Jira knows; not thread-safe, the server serialises access."""

    def __init__(self, base_url: str = "http://127.0.0.1") -> None:
        self.base_url = base_url
        self.issues: dict[str, JSON] = {}
        self.projects: dict[str, JSON] = {}
        self.users: dict[str, JSON] = {}
        self.custom_fields: dict[str, str] = {
            "customfield_10011": "Epic Name",
            "customfield_10020": "Sprint",
        }
        self.workflow = dict(WORKFLOW)
        self._ids = itertools.count(10001)
        self._numbers: dict[str, itertools.count[int]] = {}
        self.myself = self.add_user("557058:opsbot", "Opsbot", "opsbot@example.com")
        for key in ("PROJ", "ESC", "INIT"):
            self.add_project(key, f"{key.title()} project")

    def url(self, path: str) -> str:
        return f"{self.base_url}/rest/api/2/{path}"

    def add_user(self, account_id: str, display_name: str, email: str | None = None) -> JSON:
        """Add a user and return its REST shape."""
        user: JSON = {
            "self": self.url(f"user?accountId={account_id}"),
            "accountId": account_id,
            "accountType": "atlassian",
            "emailAddress": email,
            "displayName": display_name,
            "active": True,
            "timeZone": "UTC",
            "avatarUrls": {},
        }
        self.users[account_id] = user
        return user

    def add_project(self, key: str, name: str) -> JSON:
        """Add a project with every issue type."""
        pid = str(10000 + len(self.projects))
        project = {
            "self": self.url(f"project/{pid}"),
            "id": pid,
            "key": key,
            "name": name,
            "projectTypeKey": "software",
            "simplified": True,
            "style": "next-gen",
            "issueTypes": [self.issue_type(n) for n in ISSUE_TYPES],
        }
        self.projects[key] = project
        return project

    def issue_type(self, name: str) -> JSON:
        tid = ISSUE_TYPES[name]
        return {
            "self": self.url(f"issuetype/{tid}"),
            "id": tid,
            "name": name,
            "subtask": name == "Sub-task",
            "hierarchyLevel": 1 if name == "Epic" else 0,
        }

    def priority(self, name: str) -> JSON:
        return {
            "self": self.url(f"priority/{PRIORITIES[name]}"),
            "id": PRIORITIES[name],
            "name": name,
        }

    def status(self, name: str) -> JSON:
        sid, cat = STATUSES[name]
        return {
            "self": self.url(f"status/{sid}"),
            "id": sid,
            "name": name,
            "statusCategory": dict(CATEGORIES[cat]),
        }

    def fields(self) -> list[JSON]:
        """Return the /field list: system fields then custom fields."""
        system = [
            {
                "id": f,
                "key": f,
                "name": f.title(),
                "custom": False,
                "navigable": True,
                "searchable": True,
                "clauseNames": [f],
            }
            for f in SYSTEM_FIELDS
        ]
        custom = [
            {
                "id": fid,
                "key": fid,
                "name": name,
                "custom": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": [f"cf[{fid.split('_')[1]}]", name],
            }
            for fid, name in self.custom_fields.items()
        ]
        return system + custom

    def get(self, key_or_id: str) -> JSON:
        """Return the stored issue or raise Jira's 404."""
        for issue in self.issues.values():
            if key_or_id in (issue["key"], issue["id"]):
                return issue
        raise JiraHttpError(404, ["Issue does not exist or you do not have permission to see it."])

    def create(self, body: JSON) -> JSON:
        """Validate and store a new issue; return Jira's create answer."""
        fields = dict(body.get("fields") or {})
        errors: dict[str, str] = {}
        project = self._project(fields.get("project"))
        itype = self._lookup(fields.get("issuetype"), ISSUE_TYPES)
        if project is None:
            errors["project"] = "Specify a valid project ID or key"
        if itype is None:
            errors["issuetype"] = "Specify an issue type"
        if not str(fields.get("summary") or "").strip():
            errors["summary"] = "You must specify a summary of the issue."
        if errors:
            raise JiraHttpError(400, [], errors)
        assert project is not None
        assert itype is not None
        key = (
            f"{project['key']}-{next(self._numbers.setdefault(project['key'], itertools.count(1)))}"
        )
        iid = str(next(self._ids))
        now = _now()
        issue: JSON = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog",
            "id": iid,
            "self": self.url(f"issue/{iid}"),
            "key": key,
            "fields": {
                "project": {k: project[k] for k in ("self", "id", "key", "name")},
                "issuetype": self.issue_type(itype),
                "status": self.status("To Do"),
                "summary": "",
                "description": None,
                "labels": [],
                "components": [],
                "priority": self.priority("Medium"),
                "assignee": None,
                "reporter": self.myself,
                "creator": self.myself,
                "created": now,
                "updated": now,
                "resolution": None,
                "resolutiondate": None,
                "issuelinks": [],
                "comment": {"comments": [], "maxResults": 0, "total": 0, "startAt": 0},
            },
        }
        for name in ("project", "issuetype"):
            fields.pop(name)
        self.issues[key] = issue
        try:
            self._set_fields(issue, fields)
        except JiraHttpError:
            del self.issues[key]
            raise
        return {"id": iid, "key": key, "self": issue["self"]}

    def update(self, issue: JSON, body: JSON) -> None:
        """Apply a PUT /issue body: ``fields`` set, ``update`` operations."""
        self._set_fields(issue, dict(body.get("fields") or {}))
        for name, ops in (body.get("update") or {}).items():
            for op in ops:
                if name == "comment" and "add" in op:
                    self.add_comment(issue, op["add"])
                elif name in ("labels", "components"):
                    self._list_op(issue, name, op)
                elif "set" in op:
                    self._set_fields(issue, {name: op["set"]})
        issue["fields"]["updated"] = _now()

    def add_comment(self, issue: JSON, body: JSON) -> JSON:
        """Append a comment and return it."""
        comments = issue["fields"]["comment"]
        cid = str(next(self._ids))
        now = _now()
        comment = {
            "self": f"{issue['self']}/comment/{cid}",
            "id": cid,
            "author": self.myself,
            "body": body.get("body", ""),
            "updateAuthor": self.myself,
            "created": now,
            "updated": now,
            "jsdPublic": True,
        }
        comments["comments"].append(comment)
        comments["total"] = comments["maxResults"] = len(comments["comments"])
        return comment

    def transitions(self, issue: JSON) -> list[JSON]:
        """Return the transitions available from the issue's status."""
        current = issue["fields"]["status"]["name"]
        return [
            {
                "id": tid,
                "name": name,
                "to": self.status(target),
                "hasScreen": False,
                "isGlobal": True,
                "isInitial": False,
                "isAvailable": True,
                "isConditional": False,
                "isLooped": False,
            }
            for tid, (name, target) in self.workflow.items()
            if target != current
        ]

    def transition(self, issue: JSON, body: JSON) -> None:
        """Move the issue through transition ``body.transition.id`` (int or str)."""
        tid = str((body.get("transition") or {}).get("id", ""))
        if tid not in {t["id"] for t in self.transitions(issue)}:
            raise JiraHttpError(400, [f"Transition id '{tid}' is not valid for this issue."])
        target = self.workflow[tid][1]
        fields = issue["fields"]
        fields["status"] = self.status(target)
        done = STATUSES[target][1] == "done"
        fields["resolution"] = {"name": "Done", "id": "10000"} if done else None
        fields["resolutiondate"] = _now() if done else None
        self.update(issue, {"fields": body.get("fields") or {}, "update": body.get("update")})

    def find_user(self, account_id: str | None) -> JSON | None:
        if account_id is None:
            return None
        if account_id not in self.users:
            raise JiraHttpError(400, [], {"assignee": f"User '{account_id}' does not exist."})
        return self.users[account_id]

    def search(self, jql: str) -> list[JSON]:
        """Return the issues matching `jql`, ordered."""
        names = {f.lower() for f in SYSTEM_FIELDS} | set(JQL_ALIASES)
        names |= {"statuscategory", "reporter", "created", "updated", "summary"}
        names |= {f"cf[{fid.split('_')[1]}]" for fid in self.custom_fields}
        names |= {n.lower() for n in self.custom_fields.values()}
        query = Query(jql, self._jql_value, names)
        return query.sort([i for i in self.issues.values() if query.matches(i)])

    def _jql_value(self, issue: JSON, name: str) -> Any:
        fields = issue["fields"]
        name = JQL_ALIASES.get(name, name)
        for fid, label in self.custom_fields.items():
            if name in (label.lower(), f"cf[{fid.split('_')[1]}]"):
                return fields.get(fid)
        if name in ("key", "id"):
            return [issue["key"], issue["id"]]
        if name == "statusCategory":
            cat = fields["status"]["statusCategory"]
            return [cat["name"], cat["key"], str(cat["id"])]
        value = fields.get(name)
        if name == "parent":
            return [value["key"], value["id"]] if value else None
        if isinstance(value, dict):
            if "accountId" in value:
                return [value["accountId"], value.get("emailAddress"), value["displayName"]]
            return [value.get(k) for k in ("key", "name", "id") if value.get(k)]
        if name == "components":
            return [c["name"] for c in value]
        return value

    def _project(self, ref: Any) -> JSON | None:
        ref = ref if isinstance(ref, dict) else {"key": ref}
        for project in self.projects.values():
            if ref.get("key") == project["key"] or str(ref.get("id")) == project["id"]:
                return project
        return None

    @staticmethod
    def _lookup(ref: Any, table: dict[str, str]) -> str | None:
        ref = ref if isinstance(ref, dict) else {"name": ref}
        for name, tid in table.items():
            if ref.get("name") == name or str(ref.get("id")) == tid:
                return name
        return None

    def _set_fields(self, issue: JSON, fields: JSON) -> None:
        out = issue["fields"]
        for name, value in fields.items():
            if name == "priority":
                found = self._lookup(value, PRIORITIES)
                if found is None:
                    raise JiraHttpError(400, [], {"priority": "Specify a valid priority"})
                out[name] = self.priority(found)
            elif name == "issuetype":
                out[name] = self.issue_type(self._lookup(value, ISSUE_TYPES) or "Task")
            elif name == "parent":
                parent = self.get(str(value.get("key") or value.get("id"))) if value else None
                out[name] = parent and {
                    "id": parent["id"],
                    "key": parent["key"],
                    "self": parent["self"],
                    "fields": {
                        k: parent["fields"][k]
                        for k in ("summary", "status", "priority", "issuetype")
                    },
                }
            elif name == "assignee":
                out[name] = self.find_user(value.get("accountId") if value else None)
            elif name == "components":
                out[name] = [
                    {"name": c.get("name"), "id": c.get("id", c.get("name"))} for c in value
                ]
            elif name == "labels" and any(" " in str(v) for v in value):
                raise JiraHttpError(400, [], {"labels": "The label can't contain spaces."})
            else:
                out[name] = copy.deepcopy(value)

    def _list_op(self, issue: JSON, name: str, op: JSON) -> None:
        current = issue["fields"][name]
        if "set" in op:
            self._set_fields(issue, {name: op["set"]})
        elif "add" in op:
            value = op["add"]
            if name == "labels" and value not in current:
                self._set_fields(issue, {name: [*current, value]})
            elif name == "components":
                current.append({"name": value.get("name"), "id": value.get("name")})
        elif "remove" in op:
            value = op["remove"]
            issue["fields"][name] = [
                v
                for v in current
                if v != value and (not isinstance(v, dict) or v["name"] != value.get("name"))
            ]
