"""The Service Cloud pull, through simple-salesforce, against the fake Salesforce REST server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.cli_routing import run_pull
from bot.runtime import Runtime
from bot.settings import Settings
from commands.routing.pull import PULL_JOB, CasePullLoop
from integrations.case_sources.salesforce_pull import CasePullError
from storage.routing import RoutingCase
from tests.fakes.salesforce_server import INSTANCE, FakeSalesforce, loopback_session

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 8, tzinfo=UTC)
BILLING, PAYMENTS, SUPPORT, SECURITY = (
    "00G000000000BILL",
    "00G000000000PAYS",
    "00G000000000SUPP",
    "00G000000000SECU",
)
AGENT = "005000000000ANA1"
NAMES = {BILLING: "Billing", PAYMENTS: "Payments", SUPPORT: "Support", SECURITY: "Security"}
NAMES[AGENT] = "Ana Agent"


def _case(number: int, day: int, reason: str | None, owner: str, **extra: Any) -> dict[str, Any]:
    return {
        "Id": f"5000000000000{number:02d}AAA",
        "CreatedDate": f"2026-11-{day:02d}T09:00:00.000+0000",
        "ClosedDate": extra.pop("closed", None),
        "OwnerId": owner,
        "Owner": {"Name": NAMES[owner]},
        "Reason": reason,
        "Origin": "Email",
        "Vendor__c": extra.pop("vendor", "acme"),
        "First_Response__c": extra.pop("first", None),
    }


def _moves(case_id: str, *owners: str, day: int = 2) -> list[dict[str, Any]]:
    """Owner changes through `owners`, two CaseHistory rows each (ids, then names)."""
    rows = []
    for hour, (old, new) in enumerate(pairwise(owners), start=10):
        at = f"2026-11-{day:02d}T{hour:02d}:00:00.000+0000"
        common = {"CaseId": case_id, "CreatedDate": at, "Field": "Owner"}
        rows.append(common | {"DataType": "EntityId", "OldValue": old, "NewValue": new})
        rows.append(common | {"DataType": "Text", "OldValue": NAMES[old], "NewValue": NAMES[new]})
    return rows


def _seed(fake: FakeSalesforce) -> None:
    c1 = _case(1, 2, "Refund", AGENT, closed="2026-11-03T09:00:00.000+0000",
               first="2026-11-02T11:00:00.000+0000")  # fmt: skip
    c2 = _case(2, 2, "Refund", BILLING)
    c3 = _case(3, 3, "Invoice", PAYMENTS, vendor="globex")
    c4 = _case(4, 4, "Login", SECURITY)
    c5 = _case(5, 5, None, SUPPORT)
    c6 = _case(6, 6, "Login", SECURITY)
    c7 = _case(7, 7, "Login", SECURITY)
    outside = _case(8, 9, "Login", SECURITY)  # created after the window
    fake.state.cases = [c7, c1, c2, c3, c4, c5, c6, outside]
    fake.state.history = (
        _moves(c1["Id"], BILLING, PAYMENTS, AGENT)  # moved once, then accepted by a person
        + _moves(c3["Id"], BILLING, SUPPORT, BILLING, PAYMENTS, day=3)
        + _moves(c4["Id"], AGENT, SECURITY, day=4)  # created by an agent, handed to a queue
    )


@pytest.fixture
def fake() -> Iterator[FakeSalesforce]:
    """A fake Service Cloud holding seven cases in the window, three per page."""
    with FakeSalesforce(page_size=3) as server:
        _seed(server)
        yield server


def _settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "salesforce_instance_url": f"https://{INSTANCE}",
        "salesforce_session_id": "valid-session-token",
        "salesforce_vendor_field": "Vendor__c",
        "salesforce_first_response_field": "First_Response__c",
    }
    return Settings(**(values | overrides))


def _stored(engine: Engine) -> dict[str, RoutingCase]:
    with Session(engine) as session:
        return {c.case_id: c for c in session.exec(select(RoutingCase)).scalars()}  # type: ignore[call-overload]


def _count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(RoutingCase)).scalar_one())


def test_pull_pages_through_cases_and_reads_queue_paths(
    fake: FakeSalesforce, database_url: str, engine: Engine
) -> None:
    sleeps: list[float] = []
    with loopback_session(fake) as http:
        written = run_pull(
            _settings(database_url), http=http, since=SINCE, until=UNTIL, sleep=sleeps.append
        )
    assert written == 7
    paths = [r.path for r in fake.queries()]
    # Cases: first page, then two nextRecordsUrl follow-ups (3 + 3 + 1); then the 12 history
    # rows (two per owner change), also three to a page.
    assert paths[0] == "/services/data/v59.0/query/"
    assert paths[1].startswith("/services/data/v59.0/query/01g") and paths[1].endswith("-3")
    assert paths[2].endswith("-6")
    assert len(paths) == 7 and "FROM CaseHistory" in (fake.queries()[3].query or "")
    assert paths[6].endswith("-9")
    assert "CreatedDate >= 2026-11-01T00:00:00Z AND CreatedDate < 2026-11-08T00:00:00Z" in (
        fake.queries()[0].query or ""
    )
    assert {r.authorization for r in fake.requests} == {"Bearer valid-session-token"}
    assert sleeps == []
    cases = _stored(engine)
    c1, c2, c3, c4, c5 = (cases[f"5000000000000{n:02d}AAA"] for n in range(1, 6))
    assert (c1.initial_queue, c1.final_queue, c1.transfers) == ("Billing", "Payments", 1)
    assert c1.solved_at == datetime(2026, 11, 3, 9, tzinfo=UTC)
    assert c1.first_response_at == datetime(2026, 11, 2, 11, tzinfo=UTC)
    assert (c1.reason, c1.channel, c1.vendor) == ("Refund", "Email", "acme")
    assert (c2.initial_queue, c2.final_queue, c2.transfers) == ("Billing", "Billing", 0)
    assert (c3.initial_queue, c3.final_queue, c3.transfers, c3.vendor) == (
        "Billing",
        "Payments",
        3,
        "globex",
    )
    assert (c4.initial_queue, c4.final_queue, c4.transfers) == ("Security", "Security", 0)
    assert c5.reason == "(none)"
    assert "500000000000008AAA" not in cases


def test_expired_session_is_refreshed_by_logging_in_again(
    fake: FakeSalesforce, database_url: str, engine: Engine
) -> None:
    fake.credentials = ("ops@example.com", "hunter2" + "TOKEN42")
    settings = _settings(
        database_url,
        salesforce_session_id=None,
        salesforce_username="ops@example.com",
        salesforce_password="hunter2",
        salesforce_security_token="TOKEN42",
    )
    fake.faults.fail("/services/data/v59.0/query/01g*", status=401, error="INVALID_SESSION_ID")
    with loopback_session(fake) as http:
        assert run_pull(settings, http=http, since=SINCE, until=UNTIL) == 7
    assert fake.logins == 2  # the first login, then the refresh after the 401
    assert fake.queries()[-1].authorization == "Bearer session-2"
    assert _count(engine) == 7


def test_a_503_page_is_retried_with_backoff(
    fake: FakeSalesforce, database_url: str, engine: Engine
) -> None:
    fake.faults.fail("/services/data/v59.0/query/01g*", status=503, times=2)
    sleeps: list[float] = []
    with loopback_session(fake) as http:
        written = run_pull(
            _settings(database_url), http=http, since=SINCE, until=UNTIL, sleep=sleeps.append
        )
    assert written == 7 and _count(engine) == 7
    assert sleeps == [1.0, 2.0]
    follow_ups = [r.path for r in fake.queries() if "/query/01g" in r.path]
    assert follow_ups[0] == follow_ups[1] == follow_ups[2]  # the same page asked three times


def test_a_failing_page_stores_nothing(
    fake: FakeSalesforce, database_url: str, engine: Engine
) -> None:
    with loopback_session(fake) as http:
        assert run_pull(_settings(database_url), http=http, since=SINCE, until=UNTIL) == 7
    fake.state.cases[1]["OwnerId"] = SECURITY  # changes that must not land half-way
    fake.faults.fail("/services/data/v59.0/query/01g*", status=503, times=None)
    sleeps: list[float] = []
    with (
        loopback_session(fake) as http,
        pytest.raises(CasePullError, match="Salesforce answered 503"),
    ):
        run_pull(_settings(database_url), http=http, since=SINCE, until=UNTIL, sleep=sleeps.append)
    assert len(sleeps) == 3  # four attempts
    assert _stored(engine)["500000000000001AAA"].final_queue == "Payments"


def test_an_expired_token_without_a_password_is_a_clear_failure(
    fake: FakeSalesforce, database_url: str, engine: Engine
) -> None:
    fake.expire_sessions()
    with (
        loopback_session(fake) as http,
        pytest.raises(CasePullError, match="answered 401"),
    ):
        run_pull(_settings(database_url), http=http, since=SINCE, until=UNTIL)
    assert _count(engine) == 0


def test_a_refused_login_names_no_secret(fake: FakeSalesforce, database_url: str) -> None:
    fake.credentials = ("ops@example.com", "rightTOKEN")
    settings = _settings(
        database_url,
        salesforce_session_id=None,
        salesforce_username="ops@example.com",
        salesforce_password="wrong-password",
        salesforce_security_token="TOKEN",
    )
    with loopback_session(fake) as http, pytest.raises(CasePullError) as caught:
        run_pull(settings, http=http, since=SINCE, until=UNTIL)
    assert str(caught.value) == "Salesforce refused the login"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Service Cloud configured: the runtime installs the scheduled case pull."""
    return {
        "salesforce_instance_url": f"https://{INSTANCE}",
        "salesforce_session_id": "valid-session-token",
        "salesforce_pull_days": 7,
        "salesforce_pull_minutes": 30,
    }


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_the_scheduled_pull_stores_the_recent_cases_or_nothing(
    fake: FakeSalesforce, runtime: Runtime, engine: Engine
) -> None:
    assert isinstance(runtime.routing_pull, CasePullLoop)  # installed by settings
    runtime.clock = _Clock(datetime(2026, 11, 8, 12, tzinfo=UTC))
    sleeps: list[float] = []
    loop = CasePullLoop(runtime, http_factory=lambda: loopback_session(fake), sleep=sleeps.append)
    fake.faults.fail("/services/data/v59.0/query/01g*", status=503, times=None)
    assert await loop.run_once() is False
    assert _count(engine) == 0 and len(sleeps) == 3
    fake.faults.clear()
    assert await loop.run_once() is True
    assert _count(engine) == 7  # 2026-11-01 12:00 .. 2026-11-08 12:00: c1..c7
    window = fake.queries()[-7].query or ""  # the Case query of the second run
    assert "CreatedDate >= 2026-11-01T12:00:00Z AND CreatedDate < 2026-11-08T12:00:00Z" in window


async def test_the_pull_is_a_claimed_job_on_the_scheduler(
    fake: FakeSalesforce, runtime: Runtime, engine: Engine
) -> None:
    service = runtime.checkin_scheduler
    assert service is not None and isinstance(runtime.routing_pull, CasePullLoop)
    job = service.recurring[PULL_JOB]
    assert job.claimed and job.every == timedelta(minutes=30)
    runtime.clock = _Clock(datetime(2026, 11, 8, 12, tzinfo=UTC))
    # The same declaration, pulling from the fake through the loopback, in the job's place.
    loop = CasePullLoop(runtime, http_factory=lambda: loopback_session(fake), sleep=lambda _: None)
    work = loop.recurring()
    service.add_recurring(work.job_id, work.step, every_seconds=work.every_seconds, claimed=True)
    fire = datetime(2026, 11, 8, 12, tzinfo=UTC)
    await service.run_job(PULL_JOB, [fire])
    queries = len(fake.queries())
    await service.run_job(PULL_JOB, [fire + timedelta(minutes=10)])  # a replica's late timer
    assert len(fake.queries()) == queries and _count(engine) == 7
    await service.run_job(PULL_JOB, [fire + timedelta(minutes=30)])
    assert len(fake.queries()) > queries
