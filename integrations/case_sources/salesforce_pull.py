"""Pull customer cases from Service Cloud (Salesforce) with simple-salesforce.

One SOQL query on `Case` gives the reason, channel, times and the current owner; `CaseHistory`
(field `Owner`) gives the queue path, hence the first queue and the number of transfers. Every
page is retried on 5xx and network errors; a password login is refreshed on 401 by
simple-salesforce itself. Nothing is returned until every page has arrived and validated.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # imported where used: requests, simple-salesforce (and zeep) cost start-up
    from requests import Session
    from simple_salesforce.api import Salesforce

from integrations.case_sources.records import (
    CASE_COLUMNS,
    CaseBatch,
    CaseInputError,
    CaseReader,
)

SOURCE = "salesforce"
QUEUE_ID_PREFIX = "00G"  # Group ids; owners that are queues
NO_REASON = "(none)"
HISTORY_CHUNK = 200  # case ids per CaseHistory query, well under SOQL's length limit
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79})?$")
_CASE_ID = re.compile(r"^[A-Za-z0-9]{15,18}$")
T = TypeVar("T")


class CasePullError(Exception):
    """The pull could not complete; the message is safe to show (no secrets, no payloads)."""


@dataclass(frozen=True, kw_only=True)
class SalesforceConfig:
    """Where Service Cloud is, how to log in, and which Case fields hold what.

    The SALESFORCE_* settings (bot/settings.py) hold the defaults; the pull takes them all.
    """

    instance_url: str | None
    username: str | None
    password: str | None
    security_token: str | None
    session_id: str | None
    domain: str
    api_version: str
    reason_field: str
    channel_field: str
    first_response_field: str | None
    vendor_field: str | None
    country_field: str | None
    language_field: str | None
    timeout_seconds: float = 30.0
    attempts: int = 4
    backoff_seconds: float = 1.0

    def optional_fields(self) -> dict[str, str]:
        """Return case column → Case field for every configured optional field."""
        pairs = {
            "channel": self.channel_field,
            "first_response_at": self.first_response_field,
            "vendor": self.vendor_field,
            "country": self.country_field,
            "language": self.language_field,
        }
        return {column: name for column, name in pairs.items() if name}

    def checked(self) -> SalesforceConfig:
        """Refuse field names that are not SOQL identifiers (they are spliced into queries)."""
        for name in (self.reason_field, *self.optional_fields().values()):
            if not _FIELD_NAME.match(name):
                raise CasePullError(f"{name!r} is not a Salesforce field name")
        return self


def connect(config: SalesforceConfig, *, session: Session) -> Salesforce:
    """Log in with a session/OAuth token, or with username + password + security token."""
    import requests
    from simple_salesforce.api import Salesforce
    from simple_salesforce.exceptions import SalesforceError

    if config.session_id and config.instance_url:
        return Salesforce(
            instance_url=config.instance_url,
            session_id=config.session_id,
            version=config.api_version,
            session=session,
        )
    if config.username and config.password and config.security_token is not None:
        try:
            return Salesforce(
                username=config.username,
                password=config.password,
                security_token=config.security_token,
                domain=config.domain,
                version=config.api_version,
                session=session,
            )
        except SalesforceError:
            raise CasePullError("Salesforce refused the login") from None
        except requests.RequestException:
            raise CasePullError("Salesforce login could not be reached") from None
    raise CasePullError(
        "set SALESFORCE_INSTANCE_URL and SALESFORCE_SESSION_ID, or SALESFORCE_USERNAME, "
        "SALESFORCE_PASSWORD and SALESFORCE_SECURITY_TOKEN"
    )


def soql_time(moment: datetime) -> str:
    """Format an instant as a SOQL dateTime literal."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def case_query(config: SalesforceConfig, *, since: datetime, until: datetime) -> str:
    """Return the SOQL for cases created in [since, until)."""
    fields = ["Id", "CreatedDate", "ClosedDate", "OwnerId", "Owner.Name", config.reason_field]
    fields += [f for f in config.optional_fields().values() if f not in fields]
    return (
        f"SELECT {', '.join(fields)} FROM Case "  # noqa: S608 - checked identifiers only
        f"WHERE CreatedDate >= {soql_time(since)} AND CreatedDate < {soql_time(until)} "
        "ORDER BY CreatedDate"
    )


def history_query(case_ids: Sequence[str]) -> str:
    """Return the SOQL for the owner changes of these cases, oldest first."""
    quoted = ", ".join(f"'{case_id}'" for case_id in case_ids if _CASE_ID.match(case_id))
    return (
        "SELECT CaseId, CreatedDate, Field, DataType, OldValue, NewValue FROM CaseHistory "  # noqa: S608 - ids checked above
        f"WHERE Field = 'Owner' AND CaseId IN ({quoted}) ORDER BY CaseId, CreatedDate"
    )


def pull_cases(
    sf: Salesforce,
    *,
    config: SalesforceConfig,
    since: datetime,
    until: datetime,
    sleep: Callable[[float], None] = time.sleep,
) -> CaseBatch:
    """Fetch and validate every case created in [since, until), or raise CasePullError."""
    config = config.checked()
    cases = list(_records(sf, case_query(config, since=since, until=until), config, sleep))
    histories: dict[str, list[Mapping[str, Any]]] = {}
    ids = [str(case["Id"]) for case in cases]
    for offset in range(0, len(ids), HISTORY_CHUNK):
        query = history_query(ids[offset : offset + HISTORY_CHUNK])
        for row in _records(sf, query, config, sleep):
            histories.setdefault(str(row["CaseId"]), []).append(row)
    batch = CaseBatch()
    reader = CaseReader(SOURCE, CASE_COLUMNS, batch)
    for number, case in enumerate(cases, start=1):
        row = case_row(case, histories.get(str(case["Id"]), []), config)
        try:
            reader.add(row, number)
        except CaseInputError as exc:
            raise CasePullError(f"case {case.get('Id')}: {exc.problem}") from None
    return batch


def case_row(
    case: Mapping[str, Any], history: Sequence[Mapping[str, Any]], config: SalesforceConfig
) -> dict[str, object]:
    """Turn a Case record and its owner history into one case row (as the CSV has it)."""
    owner = case.get("Owner") or {}
    current = str(owner.get("Name") or case.get("OwnerId") or "")
    path = queue_path(history, current_owner_id=str(case.get("OwnerId") or ""), current=current)
    row: dict[str, object] = {
        "case_id": case.get("Id"),
        "created_at": case.get("CreatedDate"),
        # Reason is often left empty in Service Cloud; such cases still count, as "(none)".
        "reason": case.get(config.reason_field) or NO_REASON,
        "initial_queue": path[0] if path else current,
        "final_queue": path[-1] if path else current,
        "transfers": max(len(path) - 1, 0),
        "solved_at": case.get("ClosedDate"),
    }
    for column, name in config.optional_fields().items():
        row[column] = _field(case, name)
    return row


def queue_path(
    history: Sequence[Mapping[str, Any]], *, current_owner_id: str, current: str
) -> list[str]:
    """Return the queues a case went through, in order, a repeated queue counted once.

    Each owner change is two rows: one with ids (DataType EntityId), one with names. The id
    row tells whether an owner is a queue (a Group id) or a person accepting the case.
    """
    ids = [r for r in history if r.get("DataType") == "EntityId"]
    names = [r for r in history if r.get("DataType") != "EntityId"]
    path: list[str] = []

    def visit(owner_id: object, name: object) -> None:
        is_queue = str(owner_id or "").startswith(QUEUE_ID_PREFIX) and bool(name)
        if is_queue and (not path or path[-1] != str(name)):
            path.append(str(name))

    for id_row, name_row in zip(ids, names, strict=False):
        if not path:
            visit(id_row.get("OldValue"), name_row.get("OldValue"))
        visit(id_row.get("NewValue"), name_row.get("NewValue"))
    if not ids:
        visit(current_owner_id, current)
    return path


def _field(record: Mapping[str, Any], name: str) -> object:
    value: Any = record
    for part in name.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _records(
    sf: Salesforce, query: str, config: SalesforceConfig, sleep: Callable[[float], None]
) -> Iterator[Mapping[str, Any]]:
    """Yield every record of a query, following nextRecordsUrl, each page retried."""
    timeout = config.timeout_seconds
    page = _retried(lambda: sf.query(query, timeout=timeout), config, sleep)
    while True:
        yield from page["records"]
        if page.get("done", True):
            return
        page = _retried(_more(sf, str(page["nextRecordsUrl"]), timeout), config, sleep)


def _more(sf: Salesforce, next_url: str, timeout: float) -> Callable[[], Any]:
    return lambda: sf.query_more(next_url, identifier_is_url=True, timeout=timeout)


def _retried(call: Callable[[], T], config: SalesforceConfig, sleep: Callable[[float], None]) -> T:
    """Run `call`, retrying server errors and network failures with exponential backoff."""
    import requests
    from simple_salesforce.exceptions import SalesforceError

    for attempt in range(1, config.attempts + 1):
        try:
            return call()
        except SalesforceError as exc:
            if exc.status < 500 or attempt == config.attempts:
                raise CasePullError(
                    f"Salesforce answered {exc.status} to {exc.resource_name or 'a query'}"
                ) from None
        except requests.RequestException:
            if attempt == config.attempts:
                raise CasePullError("Salesforce could not be reached") from None
        sleep(config.backoff_seconds * 2 ** (attempt - 1))
    raise AssertionError("unreachable")
