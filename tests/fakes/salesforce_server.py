"""A fake Service Cloud that simple-salesforce (1.12) works against, on 127.0.0.1.

Wire shapes follow the REST API: `GET /services/data/vXX.X/query?q=SOQL` answers
`{"totalSize", "done", "records": [{"attributes": {"type", "url"}, …}], "nextRecordsUrl"}`
(the last only while `done` is false); the follow-up is `GET` on the nextRecordsUrl
(`/services/data/vXX.X/query/01g…-2000`). An expired session is `401` with
`[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]`, which
simple-salesforce answers by logging in again (SOAP `POST /services/Soap/u/XX.X`) when it holds
a password. It does not retry anything else: a 503 reaches the caller.

simple-salesforce builds every URL as `https://{instance}…`; the tests route those to this
plain-HTTP server with `LoopbackAdapter` (a requests transport), so no TLS is needed.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from xml.sax.saxutils import escape as xml_escape

import requests
from aiohttp import web
from requests.adapters import HTTPAdapter

from bot.offline.servers import BackgroundServer, FaultPlan, ServedFake

JSON = dict[str, Any]
INSTANCE = "opsbot-test.my.salesforce.com"
_SELECT = re.compile(r"^SELECT (?P<fields>.+?) FROM (?P<object>\w+)(?P<rest>.*)$", re.S)
_CREATED = re.compile(r"CreatedDate (?P<op>>=|<) (?P<at>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")
_IDS = re.compile(r"CaseId IN \((?P<ids>[^)]*)\)")


@dataclass(frozen=True)
class SalesforceRequest:
    """One request the fake received."""

    method: str
    path: str
    query: str | None
    authorization: str | None


@dataclass
class FakeSalesforceState:
    """Cases (as Salesforce records, without `attributes`) and CaseHistory rows."""

    cases: list[JSON] = field(default_factory=list)
    history: list[JSON] = field(default_factory=list)


class FakeSalesforce(ServedFake):
    """Fake Salesforce REST + SOAP login on 127.0.0.1, port 0, in its own thread."""

    def __init__(self, *, page_size: int = 2000) -> None:
        self.page_size = page_size
        self.state = FakeSalesforceState()
        self.requests: list[SalesforceRequest] = []
        self.logins = 0
        self.credentials: tuple[str, str] | None = None  # username, password + token
        self._tokens = {"valid-session-token"}
        self._cursors: dict[str, list[JSON]] = {}
        self._counter = itertools.count(1)
        self._lock = threading.RLock()
        self.faults = FaultPlan()
        app = web.Application()
        app.router.add_route("GET", "/services/data/{version}/query/", self._query)
        app.router.add_route("GET", "/services/data/{version}/query/{cursor}", self._more)
        app.router.add_route("POST", "/services/Soap/u/{version}", self._login)
        self._server = BackgroundServer(app, name="fake-salesforce")

    @property
    def url(self) -> str:
        """Return the plain-HTTP root of the server."""
        return self._server.base_url

    def expire_sessions(self) -> None:
        """Make every issued token invalid, as a session timeout does."""
        with self._lock:
            self._tokens.clear()

    def queries(self) -> list[SalesforceRequest]:
        """Return the query and query-more requests received, in order."""
        return [r for r in self.requests if "/query" in r.path]

    def _record(self, request: web.Request, soql: str | None) -> web.Response | None:
        with self._lock:
            self.requests.append(
                SalesforceRequest(
                    request.method, request.path, soql, request.headers.get("Authorization")
                )
            )
        fault = self.faults.take_failure(request.path, f"{request.method} {request.path}")
        if fault is not None:
            return web.json_response(
                [{"message": "Service unavailable", "errorCode": fault.error or "SERVER_ERROR"}],
                status=fault.status,
            )
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        with self._lock:
            valid = token in self._tokens
        if not valid:
            return web.json_response(
                [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
                status=401,
            )
        return None

    async def _query(self, request: web.Request) -> web.Response:
        soql = request.query.get("q", "")
        refused = self._record(request, soql)
        if refused is not None:
            return refused
        version = request.match_info["version"]
        match = _SELECT.match(soql.strip())
        if match is None:
            return web.json_response(
                [{"message": "unexpected token", "errorCode": "MALFORMED_QUERY"}], status=400
            )
        fields = [f.strip() for f in match["fields"].split(",")]
        source = self._cases(match["rest"]) if match["object"] == "Case" else None
        if match["object"] == "CaseHistory":
            source = self._history(match["rest"])
        if source is None:
            return web.json_response(
                [{"message": "sObject type not supported", "errorCode": "INVALID_TYPE"}],
                status=400,
            )
        records = [_project(row, fields, match["object"], version) for row in source]
        return web.json_response(self._page(records, version, total=len(records)))

    async def _more(self, request: web.Request) -> web.Response:
        refused = self._record(request, None)
        if refused is not None:
            return refused
        cursor = request.match_info["cursor"]
        locator, _, offset = cursor.rpartition("-")
        with self._lock:
            records = self._cursors.get(locator)
        if records is None or not offset.isdigit():
            return web.json_response(
                [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}],
                status=400,
            )
        start = int(offset)
        version = request.match_info["version"]
        return web.json_response(
            self._page(records[start:], version, total=len(records), locator=locator, at=start)
        )

    def _page(
        self, records: list[JSON], version: str, *, total: int, locator: str = "", at: int = 0
    ) -> JSON:
        page = records[: self.page_size]
        body: JSON = {"totalSize": total, "done": len(records) <= self.page_size}
        if not body["done"]:
            if not locator:
                locator = f"01gD0000002HU{next(self._counter):05d}"
                with self._lock:
                    self._cursors[locator] = records
            body["nextRecordsUrl"] = (
                f"/services/data/{version}/query/{locator}-{at + self.page_size}"
            )
        body["records"] = page
        return body

    def _cases(self, rest: str) -> list[JSON]:
        rows = list(self.state.cases)
        for op, at in _CREATED.findall(rest):
            bound = datetime.fromisoformat(at.replace("Z", "+00:00"))
            rows = [
                r
                for r in rows
                if (
                    _when(r["CreatedDate"]) >= bound
                    if op == ">="
                    else _when(r["CreatedDate"]) < bound
                )
            ]
        return sorted(rows, key=lambda r: _when(r["CreatedDate"]))

    def _history(self, rest: str) -> list[JSON]:
        match = _IDS.search(rest)
        wanted = {i.strip().strip("'") for i in match["ids"].split(",")} if match else set()
        rows = [h for h in self.state.history if h["CaseId"] in wanted and h["Field"] == "Owner"]
        return sorted(rows, key=lambda h: (h["CaseId"], _when(h["CreatedDate"])))

    async def _login(self, request: web.Request) -> web.Response:
        body = await request.text()
        with self._lock:
            self.requests.append(SalesforceRequest("POST", request.path, None, None))
        username = _xml_value(body, "username")
        password = _xml_value(body, "password")
        if self.credentials is None or (username, password) != self.credentials:
            return web.Response(status=500, text=_SOAP_FAULT, content_type="text/xml")
        with self._lock:
            self.logins += 1
            token = f"session-{self.logins}"
            self._tokens.add(token)
        version = request.match_info["version"]
        server_url = f"https://{INSTANCE}/services/Soap/u/{version}/00D000000000001"
        text = _SOAP_LOGIN.format(session=xml_escape(token), server=xml_escape(server_url))
        return web.Response(text=text, content_type="text/xml")


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _project(row: JSON, fields: list[str], sobject: str, version: str) -> JSON:
    """Return a record as the REST API does: `attributes`, then only the selected fields."""
    out: JSON = {
        "attributes": {
            "type": sobject,
            "url": f"/services/data/{version}/sobjects/{sobject}/{row.get('Id', 'x')}",
        }
    }
    for name in fields:
        head, _, tail = name.partition(".")
        if tail:
            parent = row.get(head)
            out[head] = (
                None
                if parent is None
                else {"attributes": {"type": "Name", "url": "/x"}, tail: parent.get(tail)}
            )
        else:
            out[name] = row.get(name)
    return out


def _xml_value(body: str, tag: str) -> str | None:
    match = re.search(rf"<(?:\w+:)?{tag}>(.*?)</(?:\w+:)?{tag}>", body, re.S)
    return match[1] if match else None


class LoopbackAdapter(HTTPAdapter):
    """Send every https:// request to the fake's plain-HTTP port instead (a test transport)."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self._base = urlsplit(base_url)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        parts = urlsplit(request.url or "")
        request.url = urlunsplit(
            (self._base.scheme, self._base.netloc, parts.path, parts.query, parts.fragment)
        )
        return super().send(request, **kwargs)


def loopback_session(fake: FakeSalesforce) -> requests.Session:
    """Return a requests session whose https:// traffic goes to `fake`."""
    session = requests.Session()
    session.mount("https://", LoopbackAdapter(fake.url))
    return session


_SOAP_LOGIN = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result>
<metadataServerUrl>{server}</metadataServerUrl><passwordExpired>false</passwordExpired>
<sandbox>false</sandbox><serverUrl>{server}</serverUrl><sessionId>{session}</sessionId>
<userId>005000000000001AAA</userId></result></loginResponse></soapenv:Body></soapenv:Envelope>
"""
_SOAP_FAULT = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault>
<faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password,
security token; or user locked out.</faultstring><detail><sf:LoginFault>
<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode><sf:exceptionMessage>Invalid username,
password, security token; or user locked out.</sf:exceptionMessage></sf:LoginFault></detail>
</soapenv:Fault></soapenv:Body></soapenv:Envelope>
"""
