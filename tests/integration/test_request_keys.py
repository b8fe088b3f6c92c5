"""Dedupe keys and audit batches: one autocommitted statement each, on both backends."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.audit_writer import AuditWriter
from integrations.metrics import OpsMetrics
from storage.audit import INSERT_BATCH, AuditEvent, insert_events
from storage.engine import session_factory
from storage.request_keys import claim_request_key, release_request_key
from storage.types import utcnow


def test_a_key_is_claimed_once_and_again_after_release(engine: Engine) -> None:
    assert claim_request_key(engine, "cmd:T1") is True
    assert claim_request_key(engine, "cmd:T1") is False
    release_request_key(engine, "cmd:T1")
    assert claim_request_key(engine, "cmd:T1") is True


def test_concurrent_claims_of_one_key_have_one_winner(engine: Engine) -> None:
    threads = 8
    start = threading.Barrier(threads)
    results: list[bool] = []
    lock = threading.Lock()

    def claim() -> None:
        start.wait()
        won = claim_request_key(engine, "cmd:RACE")
        with lock:
            results.append(won)

    workers = [threading.Thread(target=claim) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(results) == [False] * (threads - 1) + [True]


def test_a_claim_leaves_the_pooled_connection_in_its_own_transaction_mode(
    engine: Engine,
) -> None:
    # The claim autocommits on the driver connection; the next borrower of that connection
    # must still get SQLAlchemy's transactions (a rollback undoes its write).
    claim_request_key(engine, "cmd:MODE")
    with engine.connect() as connection:
        connection.execute(AuditEvent.__table__.insert(), [_row("rolled-back")])  # type: ignore[attr-defined]
        connection.rollback()
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    assert count == 0


def test_audit_rows_go_in_as_one_batch_and_oversized_batches_are_refused(
    engine: Engine,
) -> None:
    insert_events(engine, [_row(f"r{i}") for i in range(INSERT_BATCH)])
    with pytest.raises(ValueError, match="at most"):
        insert_events(engine, [_row("x")] * (INSERT_BATCH + 1))
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    assert count == INSERT_BATCH


def _row(request_id: str) -> dict[str, object]:
    return {
        "request_id": request_id,
        "at": utcnow() - timedelta(seconds=1),
        "user_id": "U1",
        "channel_id": "C1",
        "kind": "command",
        "name": "/kpi",
        "detail": "week",
        "outcome": "ok",
        "latency_ms": 1.5,
    }


async def test_the_audit_writer_writes_a_backlog_larger_than_one_batch(engine: Engine) -> None:
    sessions = session_factory(engine, workers=2)
    writer = AuditWriter(sessions, OpsMetrics())
    for i in range(INSERT_BATCH * 2 + 5):
        writer.add(_row(f"r{i}"))
    try:
        await writer.flush()
    finally:
        sessions.shutdown()
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    assert count == INSERT_BATCH * 2 + 5
