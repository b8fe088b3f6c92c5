"""Pull KPI rows from an HTTP report export: bearer token, cursor pages, retries.

The export answers ``{"rows": [{...}, ...], "next_cursor": "…" | null}`` (or a bare list),
rows shaped like the CSV columns. Pages are fetched with ``?cursor=…``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from integrations.kpi_sources.records import KpiBatch, RecordReader

if TYPE_CHECKING:  # imported where a pull runs: httpx costs every start-up otherwise
    import httpx

log = logging.getLogger(__name__)
RETRYABLE = {429, 500, 502, 503, 504}
MAX_PAGES = 10_000


class KpiSourceError(Exception):
    """The source could not be read (after retries) or answered something unusable."""


async def _get(
    client: httpx.AsyncClient,
    url: str,
    params: dict[str, str],
    *,
    retries: int,
    backoff: float,
    what: str,
) -> Any:
    import httpx

    for attempt in range(retries + 1):
        try:
            response = await client.get(url, params=params)
        except httpx.TransportError as exc:
            if attempt == retries:
                raise KpiSourceError(f"{what} unreachable: {type(exc).__name__}") from None
            await asyncio.sleep(backoff * 2**attempt)
            continue
        if response.status_code in RETRYABLE and attempt < retries:
            retry_after = response.headers.get("Retry-After", "")
            delay = float(retry_after) if retry_after.isdigit() else backoff * 2**attempt
            await asyncio.sleep(min(delay, 60.0))
            continue
        if response.status_code != 200:
            raise KpiSourceError(f"{what} answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise KpiSourceError(f"{what} answered something that is not JSON") from None
    raise KpiSourceError(f"{what} kept failing")


async def fetch_rows(
    client: httpx.AsyncClient,
    url: str,
    *,
    retries: int = 3,
    backoff: float = 0.5,
    what: str = "KPI source",
) -> list[dict[str, Any]]:
    """Fetch every page of rows from `url` (the client carries auth and transport).

    The assessment pull reads the same export shape; `what` names the source in errors.
    """
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        params = {"cursor": cursor} if cursor else {}
        body = await _get(client, url, params, retries=retries, backoff=backoff, what=what)
        page = (
            body if isinstance(body, list) else body.get("rows") if isinstance(body, dict) else None
        )
        if not isinstance(page, list) or not all(isinstance(r, dict) for r in page):
            raise KpiSourceError(f"{what} page has no list of rows")
        rows.extend(page)
        cursor = body.get("next_cursor") if isinstance(body, dict) else None
        if not cursor:
            return rows
    raise KpiSourceError(f"{what} has too many pages")


def validate_rows(rows: list[dict[str, Any]], *, source: str, timezone: str) -> KpiBatch:
    """Validate JSON rows like CSV lines (row N is reported as line N + 1)."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    if not rows:
        return KpiBatch(source=source)
    reader = RecordReader(source, list(columns), timezone=timezone)
    for number, row in enumerate(rows, start=2):
        reader.add(row, number)
    return reader.batch


def make_source_client(
    token: str | None, *, transport: httpx.AsyncBaseTransport | None = None, timeout: float = 30.0
) -> httpx.AsyncClient:
    """Build the client for the source; tests hand in a transport."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(headers=headers, timeout=timeout, transport=transport)


__all__ = ["KpiSourceError", "fetch_rows", "make_source_client", "validate_rows"]
