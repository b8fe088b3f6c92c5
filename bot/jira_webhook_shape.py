"""The shape a Jira webhook body must have before any sink reads it, checked by pydantic.

Sinks read the fields below without defensive conversions; a body that does not fit is the
sender's mistake and gets a 400 (a 500 would make Jira deliver it again, forever).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

# Milliseconds since the epoch; bool is not a number here, and neither is "soon".
_Stamp = Annotated[StrictInt, Field(ge=0, le=2**53)]
_Text = StrictStr | None
# Header values echoed into a dedupe key: printable, short, nothing a log line would mangle.
_DELIVERY_ID = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")


class _Loose(BaseModel):
    """Jira sends many more fields than we read; they pass through unchecked.

    Field names are Jira's own (camelCase), so that the model reads the body as sent.
    """

    model_config = ConfigDict(extra="allow")


class _User(_Loose):
    displayName: _Text = None
    accountId: _Text = None


class _Category(_Loose):
    key: _Text = None


class _Status(_Loose):
    name: _Text = None
    statusCategory: _Category | None = None


class _Parent(_Loose):
    key: _Text = None


class _Project(_Loose):
    key: _Text = None


class _Fields(_Loose):
    summary: _Text = None
    labels: list[StrictStr] | None = None
    status: _Status | None = None
    assignee: _User | None = None
    parent: _Parent | None = None
    project: _Project | None = None


class _Issue(_Loose):
    key: _Text = None
    fields: _Fields | None = None


class _Item(_Loose):
    field: _Text = None
    fieldId: _Text = None
    toString: _Text = None


class _Changelog(_Loose):
    items: list[_Item] | None = None


class _Comment(_Loose):
    id: StrictStr | StrictInt | None = None
    body: _Text = None
    author: _User | None = None


class JiraWebhookBody(_Loose):
    """The fields of a delivery that opsbot reads."""

    timestamp: _Stamp | None = None
    webhookEvent: _Text = None
    issue_event_type_name: _Text = None
    user: _User | None = None
    issue: _Issue | None = None
    changelog: _Changelog | None = None
    comment: _Comment | None = None


def malformed_reason(payload: dict[str, Any]) -> str | None:
    """Return why `payload` is not a Jira webhook body opsbot can read, or None when it is."""
    try:
        JiraWebhookBody.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}"
    return None


def delivery_key(header: str | None, payload: dict[str, Any]) -> str:
    """Name a delivery for deduplication: Jira's identifier, else a hash of the content.

    Without the identifier, the same body delivered twice is the same delivery; canonical
    JSON makes re-serialised copies (other key order or spacing) hash alike.
    """
    if header:
        if _DELIVERY_ID.match(header):
            return f"jira:{header}"
        return f"jira:id-sha256:{hashlib.sha256(header.encode('utf-8', 'replace')).hexdigest()}"
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    return f"jira:sha256:{digest}"
